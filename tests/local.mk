# tests/: end-to-end tests of the tools together (golden programs, samples).
TESTS += tests/golden.sh
# The conventions of docs/cli.md, the same cases for every tool.
TESTS += tests/cli.sh
EXTRA_DIST += tests/cli.sh docs/cli.md
EXTRA_DIST += tests/golden.sh tests/golden
TESTS += tests/samples.sh
EXTRA_DIST += tests/samples.sh samples
TESTS += tests/profile.sh
EXTRA_DIST += tests/profile.sh
TESTS += tests/report_browser.sh
EXTRA_DIST += tests/report_browser.sh tests/report_dom.py
# The Python package (python/, docs/python.md) with the tools just built.
TESTS += tests/vliwkit.sh
EXTRA_DIST += tests/vliwkit.sh tests/test_vliwkit.py docs/python.md \
              python/pyproject.toml python/gen_isa.py python/build_backend/vliwkit_build.py \
              python/vliwkit/__init__.py python/vliwkit/__main__.py python/vliwkit/convert.py \
              python/vliwkit/isa.py python/vliwkit/tools.py
# What one bad input may cost: bounded messages, limits, binary input;
# I/O faults (a full device, unreadable inputs, standard input).
TESTS += tests/limits.sh tests/io_faults.sh
EXTRA_DIST += tests/limits.sh tests/io_faults.sh
# make check-valgrind: shell tests again with every tool run under valgrind
# memcheck (tests/valgrind.sh; README.md says which tests and why not all).
VALGRIND_TESTS = tests/cli.sh tests/io_faults.sh tests/vasm_cli.sh tests/golden.sh tests/limits.sh
check-valgrind: all $(check_PROGRAMS)
	$(SHELL) $(srcdir)/tests/valgrind.sh '$(abs_top_srcdir)' '$(abs_top_builddir)' $(VALGRIND_TESTS)
.PHONY: check-valgrind
clean-local: clean-valgrind
clean-valgrind:
	rm -rf valgrind-bin valgrind-logs
.PHONY: clean-valgrind
EXTRA_DIST += tests/valgrind.sh
