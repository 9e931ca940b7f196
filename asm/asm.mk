# asm/: the assembler proper (lexer/ and parser/ feed it) and the vasm
# driver, which assembles every source into an object and links.
noinst_LIBRARIES += libvliwasm.a
libvliwasm_a_SOURCES = lexer/scanner.l parser/grammar.y \
                       asm/asm.h asm/ast.h asm/ast.c asm/parse.h asm/parse.c \
                       asm/program.h asm/program.c asm/expand.c asm/bind.c \
                       asm/opt.h asm/opt.c asm/opt_sched.c asm/layout.c \
                       asm/source.h asm/source.c asm/depfile.h asm/depfile.c \
                       asm/emit.c asm/assemble.c asm/listing.h asm/listing.c
# The grammar's header is included by the scanner: make it first.
BUILT_SOURCES += parser/grammar.h
# ... also when only the library is asked for (BUILT_SOURCES covers "all").
lexer/scanner.$(OBJEXT): parser/grammar.h

bin_PROGRAMS += vasm
vasm_SOURCES = asm/vasm.c
vasm_LDADD = libvliwasm.a libvliwlink.a libvliwdis.a libvliwcommon.a

check_PROGRAMS += tests/check_lexer tests/check_parser tests/check_asm
TESTS += tests/check_lexer tests/check_parser tests/check_asm tests/vasm_cli.sh
EXTRA_DIST += tests/vasm_cli.sh bench/gen_lines
ASM_TEST_LIBS = libvliwasm.a libvliwlink.a libvliwdis.a libvliwcommon.a $(CHECK_LIBS)
tests_check_lexer_SOURCES = tests/check_lexer.c
tests_check_lexer_CFLAGS = $(TEST_CFLAGS)
tests_check_lexer_LDADD = $(ASM_TEST_LIBS)
tests_check_parser_SOURCES = tests/check_parser.c
tests_check_parser_CFLAGS = $(TEST_CFLAGS)
tests_check_parser_LDADD = $(ASM_TEST_LIBS)
tests_check_asm_SOURCES = tests/check_asm.c tests/testdir.h tests/testdir.c
tests_check_asm_CFLAGS = $(TEST_CFLAGS)
tests_check_asm_LDADD = $(ASM_TEST_LIBS)
check_PROGRAMS += tests/check_depfile
TESTS += tests/check_depfile
tests_check_depfile_SOURCES = tests/check_depfile.c
tests_check_depfile_CFLAGS = $(TEST_CFLAGS)
tests_check_depfile_LDADD = $(ASM_TEST_LIBS)
# The optimizer end to end: assembled in memory, linked, run on the machine.
check_PROGRAMS += tests/check_opt
TESTS += tests/check_opt
tests_check_opt_SOURCES = tests/check_opt.c
tests_check_opt_CFLAGS = $(TEST_CFLAGS)
tests_check_opt_LDADD = libvliwasm.a libvliwlink.a libvliwdis.a libvliwsim.a libvliwcommon.a $(CHECK_LIBS)
# The tests use the grammar's token codes.
$(tests_check_lexer_OBJECTS) $(tests_check_parser_OBJECTS) $(tests_check_asm_OBJECTS): parser/grammar.h

# Assembler speed: a generated 1,000,000-line source (bench/gen_lines).
bench-asm: vasm
	$(SHELL) $(srcdir)/bench/gen_lines 1000000 > bench-asm.vasm
	@if [ -x /usr/bin/time ]; then /usr/bin/time -v ./vasm bench-asm.vasm -o bench-asm.bin 2>&1 | \
	    grep -E 'Elapsed|Maximum resident|User time|System time'; \
	else time ./vasm bench-asm.vasm -o bench-asm.bin; fi
	@rm -f bench-asm.vasm bench-asm.bin
.PHONY: bench-asm

# Optimizer speed: samples/linear.vasm's 12,042-slot region at -O1 and -O2.
bench-opt: vasm
	@for level in 1 2; do \
	    echo "vasm -O$$level samples/linear.vasm:"; \
	    if [ -x /usr/bin/time ]; then /usr/bin/time -v ./vasm -O$$level $(srcdir)/samples/linear.vasm -o bench-opt.bin 2>&1 | \
	        grep -E 'Elapsed|Maximum resident|User time'; \
	    else time ./vasm -O$$level $(srcdir)/samples/linear.vasm -o bench-opt.bin; fi; \
	done
	@rm -f bench-opt.bin
.PHONY: bench-opt
