# tools/: programs that write parts of the sources; built, never installed.
# steps_search searches the step order and the op offsets of
# samples/kernel-steps.vasm: `make regen-kernel-steps` rewrites
# samples/kernel-steps/schedule.vasm and tables.vasm with its results, and
# tools/regen-check.sh (in make check: the search takes seconds) checks that
# a fresh run gives the committed files byte for byte.
noinst_PROGRAMS += tools/steps_search
tools_steps_search_SOURCES = tools/steps_search.c
tools_steps_search_LDADD = libvliwcommon.a
TESTS += tools/regen-check.sh
EXTRA_DIST += tools/regen-check.sh

.PHONY: regen-kernel-steps
regen-kernel-steps: tools/steps_search$(EXEEXT)
	./tools/steps_search$(EXEEXT) $(srcdir)/samples/kernel-steps

# samples/kernel.vasm's tunables come from tools/tune-kernel.sh, a search of
# a few minutes: `make check-kernel-tunables` (also run by `make bench`)
# runs it again and checks the kernel holds its winner.
EXTRA_DIST += tools/tune-kernel.sh tools/tune-check.sh
.PHONY: check-kernel-tunables
check-kernel-tunables: vasm$(EXEEXT) vrun$(EXEEXT)
	$(SHELL) $(srcdir)/tools/tune-check.sh ./vasm$(EXEEXT) ./vrun$(EXEEXT) $(srcdir)/samples/kernel.vasm
bench: check-kernel-tunables
