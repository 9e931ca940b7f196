# sim/workload: the built-in benchmark of WORKLOAD.md (instance generator,
# memory image, reference kernel and trace), linked into vrun.
noinst_LIBRARIES += libvliwwl.a
libvliwwl_a_SOURCES = sim/workload.h sim/workload.c

check_PROGRAMS += tests/check_workload
TESTS += tests/check_workload
tests_check_workload_SOURCES = tests/check_workload.c
tests_check_workload_CFLAGS = $(TEST_CFLAGS)
tests_check_workload_LDADD = libvliwwl.a libvliwcommon.a $(CHECK_LIBS)
