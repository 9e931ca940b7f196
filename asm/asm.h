/*
 * asm: the assembler proper -- source text to a relocatable object.
 *
 * text -> tokens (lexer/) -> AST (parser/) -> expanded, resolved program
 * (asm/) -> object (common/image.h).  Every run of vasm assembles each
 * source into an object and links the objects (asm/link.h), even for a
 * single file, so scratch layout and relocation live in one place: the
 * linker.
 *
 * No state outlives a call: the assembler can run any number of times in
 * one process.
 */
#ifndef VLIW_ASM_H
#define VLIW_ASM_H

#include <stddef.h>
#include <stdio.h>

#include "diag.h"
#include "image.h"

/* The named warnings: id, -W name, on by default, what it is about.  The
 * one list behind the option bits, vasm's -W parsing and its --help. */
#define ASM_WARNINGS(X)                                                                      \
    X(DOUBLE_WRITE, "double-write", 1, "two slots of one bundle write the same scratch word") \
    X(SAME_BUNDLE_READ, "same-bundle-read", 0,                                               \
      "a slot reads a word that another slot of its bundle writes (it sees the old value)")  \
    X(USER, "user", 1, "messages of .warning directives")

enum {
#define ASM_W_INDEX(id, name, on, help) ASM_WI_##id,
    ASM_WARNINGS(ASM_W_INDEX)
#undef ASM_W_INDEX
    ASM_WARNING_COUNT
};

enum {
#define ASM_W_BIT(id, name, on, help) ASM_W_##id = 1u << ASM_WI_##id,
    ASM_WARNINGS(ASM_W_BIT)
#undef ASM_W_BIT
};

typedef struct {
    const char *name;
    unsigned bit;
    int on_by_default;
    const char *help;
} asm_warning_info;

extern const asm_warning_info asm_warnings[ASM_WARNING_COUNT];

/* The bit of a warning name ("double-write"), or 0. */
unsigned asm_warning_bit(const char *name);

/* Limits of the language (docs/language.md), each an error when passed. */
#define ASM_MAX_MACRO_DEPTH 64        /* macro calls active at once */
#define ASM_MAX_BLOCK_DEPTH 256       /* .if/.rept/.for/.macro blocks open at once in one file */
#define ASM_MAX_NESTING 1024          /* blocks, macro calls and includes being expanded at once */
#define ASM_MAX_EXPR_DEPTH 256        /* operators above the deepest operand of an expression */
#define ASM_MAX_INCLUDE_DEPTH 32      /* nested .include */
#define ASM_MAX_SOURCE_SIZE (256u << 20)  /* bytes of one source or included file */
#define ASM_MAX_REPEAT 1000000        /* iterations of one .rept or .for */
#define ASM_MAX_STATEMENTS 50000000   /* statements one source may expand to */
#define ASM_MAX_ERRORS 100000         /* errors, repetitions counted, before expansion stops */
#define ASM_MAX_TEMP_WORDS 1048576    /* words of one .temp/.vtemp array */
#define ASM_MAX_BUNDLES 4194304       /* bundles, and slots, of one source's program (asm_options.max_bundles) */
#define ASM_STR_(x) #x
#define ASM_STR(x) ASM_STR_(x)        /* a limit spelled in a message */

typedef struct {
    const char *const *include_dirs;   /* -I, searched in order after the including file's directory */
    size_t ninclude_dirs;
    const char *const *defines;        /* -D "name=value" or "name" (= 1) */
    size_t ndefines;
    unsigned warnings;                 /* ASM_W_* bits enabled */
    int opt_level;                     /* linear regions: -O0, -O1 (the default), -O2 */
    FILE *sched_report;                /* --sched-report: figures per region, or NULL */
    /* Called with the path of every file an .include reads, the first time
     * it reads it (vasm -MD); NULL: none. */
    void (*on_include)(void *arg, const char *path);
    void *on_include_arg;
    /* The program's limit in bundles, and in slots: 0 for ASM_MAX_BUNDLES;
     * a program embedding the assembler may lower it (the fuzz harness does,
     * as SQLite's fuzzers lower sqlite3_limit: a runaway input then stops
     * early instead of taking a gigabyte at the full limit). */
    uint32_t max_bundles;
    /* Leave the object's code in the program (img_code_source, image.h)
     * rather than copy it: for a one-file build, whose object only goes to
     * lnk_link_taking and whose image is only written (vasm does this
     * unless a listing or a disassembly needs the image's slots). */
    int defer_code;
} asm_options;

/* No include directories or defines, the default warnings. */
void asm_options_init(asm_options *opt);

/* Assembles the file at path ("-": standard input) into an object.
 * Returns NULL when an error was reported through d. */
vimage *asm_assemble_file(const char *path, const asm_options *opt, diag *d);
/* The same for text held in memory; name is used in messages. */
vimage *asm_assemble_text(const char *name, const char *text, size_t size, const asm_options *opt,
                          diag *d);

#endif
