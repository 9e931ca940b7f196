/*
 * profile: where a run's slots and cycles went, per source line.
 *
 * A sim_profile is a machine observer (sim_config.observer =
 * sim_profile_observe): it is only installed when a profile is asked for,
 * so plain runs pay nothing.  It counts, per core, for every place of the
 * image's per-slot line map:
 *
 *   entry   a slot's own line and the outermost macro call that made it
 *           (the two together: a macro body line expanded at three call
 *           sites is three entries);
 *   line    a source line, counting the slots written on it and the slots
 *           expanded from a macro call on it (what --annotate shows);
 *   label   the label above the line (above the macro call for a slot a
 *           macro made): totals per label.
 *
 * For each it counts the slots executed per engine (debug slots as seen,
 * like --stats: every entry's slots add up to sim_engine_slots) and the
 * cycles in which it issued at least one slot of an engine that costs a
 * cycle.  An empty bundle (nop) costs a cycle: it counts for its bundle's
 * line with no slots.
 */
#ifndef VLIW_PROFILE_H
#define VLIW_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "machine.h"

typedef struct sim_profile sim_profile;

typedef enum { SIM_PROF_ENTRY, SIM_PROF_LINE, SIM_PROF_LABEL } sim_prof_kind;

/* One place and what it cost, summed over cores or for one core. */
typedef struct {
    const char *file;          /* "" when unknown */
    uint32_t line;             /* labels: the label's line */
    const char *call_file;     /* entries: the macro call, "" with call_line 0 */
    uint32_t call_line;
    const char *label;         /* entries: the label above (NULL: none); labels: the name */
    uint64_t slots[ISA_ENGINE_COUNT];
    uint64_t cycles;
} sim_prof_row;

/* p must have its image (sim_program_image not NULL): the profile reads
 * its slots, labels and line maps. */
sim_profile *sim_profile_new(const sim_program *p, int cores);
void sim_profile_observe(void *ctx, const sim_machine *m, const sim_step *step);
void sim_profile_free(sim_profile *pr);

int sim_profile_cores(const sim_profile *pr);
/* Places of a kind, in a fixed order: entries and labels hottest first
 * (cycles, then slots, then source order), lines by file then line.
 * Places that never ran are left out. */
size_t sim_profile_count(const sim_profile *pr, sim_prof_kind kind);
/* Row i of a kind; core -1: summed over the cores. */
sim_prof_row sim_profile_row(const sim_profile *pr, sim_prof_kind kind, size_t i, int core);

/* --profile: the tables, entries then labels, summed and (with several
 * cores) per core; cycles is the run's length, for the shares. */
void sim_profile_print(FILE *out, const sim_profile *pr, uint64_t cycles);
/* --json: the "profile" array of entries (and "profile_labels"), without
 * the key; cycles as above. */
void sim_profile_json(FILE *out, const sim_profile *pr, uint64_t cycles);
/* --annotate: every source file that ran, each line with its counts in a
 * left margin (lines: slots written on it and expanded from it). */
void sim_profile_annotate(FILE *out, const sim_profile *pr);

#endif
