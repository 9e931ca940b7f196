# asm/disasm: images and objects back to the canonical text form; a
# library (vasm --disassemble links it too) and the standalone vdis.
noinst_LIBRARIES += libvliwdis.a
libvliwdis_a_SOURCES = asm/disasm.h asm/disasm.c asm/dump.h asm/dump.c

bin_PROGRAMS += vdis
vdis_SOURCES = asm/vdis.c
vdis_LDADD = libvliwdis.a libvliwcommon.a

check_PROGRAMS += tests/check_disasm
TESTS += tests/check_disasm
tests_check_disasm_SOURCES = tests/check_disasm.c tests/testdir.h tests/testdir.c
tests_check_disasm_CFLAGS = $(TEST_CFLAGS)
tests_check_disasm_LDADD = libvliwdis.a libvliwcommon.a $(CHECK_LIBS)
EXTRA_DIST += docs/vdis.md
check_PROGRAMS += tests/check_dump
TESTS += tests/check_dump
tests_check_dump_SOURCES = tests/check_dump.c
tests_check_dump_CFLAGS = $(TEST_CFLAGS)
tests_check_dump_LDADD = libvliwdis.a libvliwcommon.a $(CHECK_LIBS)
