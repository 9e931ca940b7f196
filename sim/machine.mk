# sim/: the machine (predecoded, cycle-exact), the checking-run harness,
# traces and statistics; the vrun driver; the machine's tests and benchmark.
noinst_LIBRARIES += libvliwsim.a
libvliwsim_a_SOURCES = sim/machine.h sim/machine.c sim/machine_step.inc \
                       sim/harness.h sim/harness.c \
                       sim/trace.h sim/trace.c \
                       sim/profile.h sim/profile.c \
                       sim/report.h sim/report.c \
                       sim/memfile.h sim/memfile.c

bin_PROGRAMS += vrun
vrun_SOURCES = sim/vrun.c sim/vrun_options.h sim/vrun_options.c sim/sha256.h sim/sha256.c
vrun_LDADD = libvliwsim.a libvliwwl.a libvliwcommon.a

check_PROGRAMS += tests/check_machine tests/check_profile tests/vrun_mkimage tests/json_valid
TESTS += tests/check_machine tests/check_profile tests/vrun_cli.sh
EXTRA_DIST += tests/vrun_cli.sh docs/vrun.md docs/vrun-report.png
tests_check_machine_SOURCES = tests/check_machine.c
tests_check_machine_CFLAGS = $(TEST_CFLAGS)
tests_check_machine_LDADD = libvliwsim.a libvliwcommon.a $(CHECK_LIBS)
tests_check_profile_SOURCES = tests/check_profile.c
tests_check_profile_CFLAGS = $(TEST_CFLAGS)
tests_check_profile_LDADD = libvliwsim.a libvliwcommon.a $(CHECK_LIBS)
# Builds the images the CLI tests run, through the image builder API.
tests_vrun_mkimage_SOURCES = tests/vrun_mkimage.c
tests_vrun_mkimage_LDADD = libvliwcommon.a
# Validates JSON for the CLI tests (no interpreter needed).
tests_json_valid_SOURCES = tests/json_valid.c

# `make bench`: the machine's cycles per second, vrun's stages and whole
# process on the baseline image, vasm against GNU as (bench/run_bench).
noinst_PROGRAMS += bench/vbench
bench_vbench_SOURCES = bench/vbench.c
bench_vbench_LDADD = libvliwsim.a libvliwwl.a libvliwcommon.a
EXTRA_DIST += bench/run_bench bench/gen_canonical

.PHONY: bench
bench: bench/vbench$(EXEEXT) vasm$(EXEEXT) vrun$(EXEEXT)
	$(SHELL) $(srcdir)/bench/run_bench $(srcdir)
