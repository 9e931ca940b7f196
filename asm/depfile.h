/*
 * depfile: make dependencies of an assembly, as gcc -MD writes them
 * (vasm -MD, -MF, -MT, -MP; docs/vasm.md):
 *
 *     k.bin: k.vasm inc/consts.inc \
 *       inc/macros.inc
 *     inc/consts.inc:          (with -MP: a rule per include, so make does
 *     inc/macros.inc:           not fail when one is deleted)
 *
 * A dep_list gathers the prerequisites in order, each once: the inputs
 * first, then the files they include (vasm's asm_options.on_include).
 */
#ifndef VLIW_DEPFILE_H
#define VLIW_DEPFILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    char **names;
    size_t count, cap;
    size_t ninputs;      /* the first ninputs names are the inputs (no -MP rule) */
} dep_list;

/* Adds an input (before any include) or an included file; a name already
 * listed is not added again. */
void dep_add_input(dep_list *l, const char *name);
void dep_add_include(dep_list *l, const char *name);
/* The same as dep_add_include, in the shape of asm_options.on_include. */
void dep_on_include(void *list, const char *name);
void dep_free(dep_list *l);

/* Writes the rule "target: prerequisites" (lines wrapped with a
 * backslash), and with phony an empty rule for each included file.  Names
 * are escaped for make: a space as "\ ", '#' as "\#", '$' as "$$"; the
 * target too when quote_target (an output's name), else it is written
 * as given (-MT, which may name several targets, as in gcc). */
void dep_write(FILE *f, const char *target, int quote_target, const dep_list *l, int phony);

/* The default dependency file of an output, as gcc names it: its
 * extension replaced by ".d" ("k.bin" -> "k.d", "a.out" -> "a.d",
 * "out/k" -> "out/k.d"); malloc'd. */
char *dep_default_name(const char *output);

#endif
