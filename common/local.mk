# common/: the ISA table, the image container, diagnostics and atomic
# outputs, shared by every tool.
# Installed, with the linker's library, for C programs (docs/objects.md).
lib_LIBRARIES += libvliwcommon.a
libvliwcommon_a_SOURCES = common/isa.def common/isa.h common/isa.c \
                          common/image.h common/image.c \
                          common/diag.h common/diag.c \
                          common/text.h common/text.c \
                          common/cli.h common/cli.c \
                          common/spell.h common/spell.c \
                          common/srclines.h common/srclines.c \
                          common/xalloc.h common/xalloc.c \
                          common/background.h common/background.c \
                          common/outfile.h common/outfile.c

check_PROGRAMS += tests/check_isa tests/check_image tests/check_diag tests/check_outfile \
                  tests/check_srclines tests/check_cli tests/check_spell tests/check_xalloc \
                  tests/check_background
TESTS += tests/check_isa tests/check_image tests/check_diag tests/check_outfile tests/check_srclines \
         tests/check_cli tests/check_spell tests/check_xalloc tests/check_background
tests_check_background_SOURCES = tests/check_background.c
tests_check_background_CFLAGS = $(TEST_CFLAGS)
tests_check_background_LDADD = libvliwcommon.a $(CHECK_LIBS)
tests_check_xalloc_SOURCES = tests/check_xalloc.c
tests_check_xalloc_CFLAGS = $(TEST_CFLAGS)
tests_check_xalloc_LDADD = libvliwcommon.a $(CHECK_LIBS)
tests_check_cli_SOURCES = tests/check_cli.c tests/testdir.h tests/testdir.c
tests_check_cli_CFLAGS = $(TEST_CFLAGS)
tests_check_cli_LDADD = libvliwcommon.a $(CHECK_LIBS)
tests_check_spell_SOURCES = tests/check_spell.c
tests_check_spell_CFLAGS = $(TEST_CFLAGS)
tests_check_spell_LDADD = libvliwcommon.a $(CHECK_LIBS)
tests_check_isa_SOURCES = tests/check_isa.c
tests_check_isa_CFLAGS = $(TEST_CFLAGS)
tests_check_isa_LDADD = libvliwcommon.a $(CHECK_LIBS)
tests_check_image_SOURCES = tests/check_image.c tests/testdir.h tests/testdir.c tests/deferred.h tests/deferred.c
tests_check_image_CFLAGS = $(TEST_CFLAGS)
tests_check_image_LDADD = libvliwcommon.a $(CHECK_LIBS)
tests_check_outfile_SOURCES = tests/check_outfile.c tests/testdir.h tests/testdir.c
tests_check_outfile_CFLAGS = $(TEST_CFLAGS)
tests_check_outfile_LDADD = libvliwcommon.a $(CHECK_LIBS)
tests_check_diag_SOURCES = tests/check_diag.c tests/testdir.h tests/testdir.c
tests_check_diag_CFLAGS = $(TEST_CFLAGS)
tests_check_diag_LDADD = libvliwcommon.a $(CHECK_LIBS)
tests_check_srclines_SOURCES = tests/check_srclines.c tests/testdir.h tests/testdir.c
tests_check_srclines_CFLAGS = $(TEST_CFLAGS)
tests_check_srclines_LDADD = libvliwcommon.a $(CHECK_LIBS)
