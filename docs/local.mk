# docs/: the manual and the samples, installed under $(docdir) (and
# shipped in the tarball: everything README.md links to).
dist_doc_DATA = README.md docs/cli.md docs/vasm.md docs/language.md docs/objects.md \
                docs/vdis.md docs/vrun.md docs/vrun-report.png docs/workload.md \
                docs/image-format.md docs/internals.md docs/python.md docs/kernel.md
samplesdir = $(docdir)/samples
dist_samples_DATA = samples/baseline.vasm samples/kernel.vasm samples/kernel-steps.vasm \
                    samples/linear.vasm samples/vector.vasm
samplessplitdir = $(docdir)/samples/split
dist_samplessplit_DATA = samples/split/main.vasm samples/split/hash.vasm
samplesstepsdir = $(docdir)/samples/kernel-steps
dist_samplessteps_DATA = samples/kernel-steps/tables.vasm samples/kernel-steps/schedule.vasm
TESTS += tests/install.sh
EXTRA_DIST += tests/install.sh

# The tarball must hold every file README.md links to (make distcheck fails
# otherwise: a link that works in the repository would be dead in a release).
dist-hook:
	@missing=; \
	for f in `grep -o '](\([^):]*\))' $(srcdir)/README.md | sed -e 's/^](//' -e 's/[#)].*//' | sort -u`; do \
	  test -e "$(distdir)/$$f" || missing="$$missing $$f"; \
	done; \
	if test -n "$$missing"; then \
	  echo "dist: README.md links to files missing from the tarball:$$missing" >&2; exit 1; \
	fi
