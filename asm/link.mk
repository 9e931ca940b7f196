# asm/link: the linker (objects -> executable image), used by vasm and by
# the standalone vld.
# Installed for C programs, with its headers and a pkg-config file
# (docs/objects.md#using-the-linker-from-c).
lib_LIBRARIES += libvliwlink.a
libvliwlink_a_SOURCES = asm/link.h asm/link.c
vliwkitincludedir = $(includedir)/vliwkit
vliwkitinclude_HEADERS = asm/link.h common/diag.h common/image.h common/isa.h common/isa.def
pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = vliwkit.pc
EXTRA_DIST += vliwkit.pc.in

bin_PROGRAMS += vld
vld_SOURCES = asm/vld.c
vld_LDADD = libvliwlink.a libvliwcommon.a

check_PROGRAMS += tests/check_link
TESTS += tests/check_link
tests_check_link_SOURCES = tests/check_link.c tests/testdir.h tests/testdir.c tests/deferred.h tests/deferred.c
tests_check_link_CFLAGS = $(TEST_CFLAGS)
tests_check_link_LDADD = libvliwlink.a libvliwcommon.a $(CHECK_LIBS)
