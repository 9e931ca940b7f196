# fuzz/: libFuzzer harnesses (fuzz/README.md).  `make fuzz FUZZ_SECONDS=N`
# builds them with clang and runs each for N seconds; the normal build does
# not need clang.  make check replays tests/fuzz/regressions/ through the
# same harnesses built with gcc and fuzz/replay.c's main.
FUZZ_SECONDS = 60
FUZZ_HARNESSES = asm link image memfile cli
# What the harnesses link: the libraries' files as the Makefile lists them
# (build.sh compiles the .c ones, and the generated scanner and grammar).
FUZZ_LIBRARY_FILES = $(libvliwcommon_a_SOURCES) $(libvliwasm_a_SOURCES) $(libvliwlink_a_SOURCES) \
                     $(libvliwdis_a_SOURCES) $(libvliwsim_a_SOURCES) $(libvliwwl_a_SOURCES) \
                     sim/vrun_options.c fuzz/common.c
fuzz: vasm vld vdis vrun lexer/scanner.c parser/grammar.c
	FUZZ_LIBRARY_FILES='$(FUZZ_LIBRARY_FILES)' $(SHELL) $(srcdir)/fuzz/run.sh '$(abs_srcdir)' '$(abs_builddir)' '$(abs_builddir)/fuzz-out' $(FUZZ_SECONDS) $(FUZZ_HARNESSES)
.PHONY: fuzz
clean-local: clean-fuzz
clean-fuzz:
	rm -rf fuzz-out
.PHONY: clean-fuzz

FUZZ_REPLAY_SOURCES = fuzz/fuzz.h fuzz/common.c fuzz/replay.c
FUZZ_REPLAY_LIBS = libvliwasm.a libvliwlink.a libvliwdis.a libvliwsim.a libvliwcommon.a -lm
check_PROGRAMS += fuzz/replay_asm fuzz/replay_link fuzz/replay_image fuzz/replay_memfile fuzz/replay_cli
fuzz_replay_asm_SOURCES = fuzz/fuzz_asm.c $(FUZZ_REPLAY_SOURCES)
fuzz_replay_asm_LDADD = $(FUZZ_REPLAY_LIBS)
fuzz_replay_link_SOURCES = fuzz/fuzz_link.c $(FUZZ_REPLAY_SOURCES)
fuzz_replay_link_LDADD = $(FUZZ_REPLAY_LIBS)
fuzz_replay_image_SOURCES = fuzz/fuzz_image.c $(FUZZ_REPLAY_SOURCES)
fuzz_replay_image_LDADD = $(FUZZ_REPLAY_LIBS)
fuzz_replay_memfile_SOURCES = fuzz/fuzz_memfile.c $(FUZZ_REPLAY_SOURCES)
fuzz_replay_memfile_LDADD = $(FUZZ_REPLAY_LIBS)
fuzz_replay_cli_SOURCES = fuzz/fuzz_cli.c fuzz/main_vasm.c fuzz/main_vld.c fuzz/main_vdis.c \
                          sim/vrun_options.c $(FUZZ_REPLAY_SOURCES)
fuzz_replay_cli_LDADD = $(FUZZ_REPLAY_LIBS) libvliwwl.a
$(fuzz_replay_asm_OBJECTS) $(fuzz_replay_cli_OBJECTS): parser/grammar.h
TESTS += tests/fuzz_replay.sh
EXTRA_DIST += tests/fuzz_replay.sh tests/fuzz fuzz/build.sh fuzz/run.sh fuzz/vasm.dict fuzz/README.md \
              fuzz/mutate_asm.c
