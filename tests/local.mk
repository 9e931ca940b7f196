# tests/: end-to-end tests of the tools together (golden programs, samples).
TESTS += tests/golden.sh
EXTRA_DIST += tests/golden.sh tests/golden
TESTS += tests/samples.sh
EXTRA_DIST += tests/samples.sh samples
TESTS += tests/profile.sh
EXTRA_DIST += tests/profile.sh
TESTS += tests/report_browser.sh
EXTRA_DIST += tests/report_browser.sh tests/report_dom.py
