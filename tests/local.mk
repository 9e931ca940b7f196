# tests/: end-to-end tests of the tools together (golden programs, samples).
TESTS += tests/golden.sh
EXTRA_DIST += tests/golden.sh tests/golden
TESTS += tests/samples.sh
EXTRA_DIST += tests/samples.sh samples
