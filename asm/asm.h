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

#include "diag.h"
#include "image.h"

typedef struct {
    const char *const *include_dirs;   /* -I, searched in order after the including file's directory */
    size_t ninclude_dirs;
    const char *const *defines;        /* -D "name=value" or "name" (= 1) */
    size_t ndefines;
    unsigned warnings;                 /* ASM_W_* bits enabled */
} asm_options;

/* Assembles the file at path ("-": standard input) into an object.
 * Returns NULL when an error was reported through d. */
vimage *asm_assemble_file(const char *path, const asm_options *opt, diag *d);
/* The same for text held in memory; name is used in messages. */
vimage *asm_assemble_text(const char *name, const char *text, size_t size, const asm_options *opt,
                          diag *d);

#endif
