/*
 * machine: the cycle-exact VLIW SIMD machine of ISA.md.
 *
 * A program is an image's code as encoded (image.h), checked once when it
 * was read or encoded; the machine runs the bytes as they stand, so a big
 * image costs no decoding before its first cycle.  A sim_machine runs a
 * program on N cores that share one memory:
 *
 *   sim_program *p = sim_program_new(img, why, sizeof why);   -- or
 *   sim_program *p = sim_program_view(&view, NULL);           -- a file's view
 *   sim_config cfg = SIM_CONFIG_DEFAULT;
 *   sim_machine *m = sim_new(p, &cfg, memory, words, why, sizeof why);
 *   sim_status st = sim_run(m);        -- SIM_DONE, SIM_PAUSED, ...
 *
 * Rules the machine follows beyond ISA.md (docs/vrun.md lists them):
 *   - A bundle's slots read the state at its start; its scratch writes land
 *     after all its slots ran, in slot order (last writer wins), then its
 *     memory writes, then its trace_write.  A faulting bundle changes
 *     nothing: none of its writes land and the core's pc stays on it.
 *   - In checking runs a bundle's debug slots are evaluated before its other
 *     slots (they only read, so the order is not visible otherwise).
 *   - Cycles are numbered from 0: "cycle 12" is the 13th cycle; a fault or
 *     check failure names the cycle its bundle runs in.
 *
 * The machine knows nothing of the workload: checking runs get the
 * reference values through a lookup callback.
 */
#ifndef VLIW_MACHINE_H
#define VLIW_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "isa.h"

#define SIM_MAX_CORES 64

typedef struct sim_program sim_program;
typedef struct sim_machine sim_machine;

/* A program of an in-memory image: checked (img_validate, so images built
 * in memory are as safe as files) and encoded once.  The image must
 * outlive the program.  Returns NULL with the reason in why when the image
 * is invalid. */
sim_program *sim_program_new(const vimage *img, char *why, size_t why_size);
/* A program running a checked view in place (img_view_file); the view
 * must outlive it.  img, if not NULL, is the view's decoded image, which
 * sim_program_image returns (traces need its symbols; the profile and the
 * report its slots, labels and line maps).  Messages (sim_format_*) read
 * the view, per-slot lines included, and need no image. */
sim_program *sim_program_view(const img_view *v, const vimage *img);
void sim_program_free(sim_program *p);
uint32_t sim_program_bundles(const sim_program *p);
/* The image the program was made from, or NULL (a view without one). */
const vimage *sim_program_image(const sim_program *p);

/* Runtime faults (X-macro: id, message). */
#define SIM_FAULTS(X) \
    X(NONE,         "no fault") \
    X(MEMORY_READ,  "memory read out of range") \
    X(MEMORY_WRITE, "memory write out of range") \
    X(DIV_ZERO,     "division by zero") \
    X(MOD_ZERO,     "modulo by zero") \
    X(NEGATIVE_PC,  "jump to a negative pc") \
    X(CYCLE_LIMIT,  "cycle limit exceeded")

typedef enum {
#define SIM_FAULT_ENUM(id, text) SIM_FAULT_##id,
    SIM_FAULTS(SIM_FAULT_ENUM)
#undef SIM_FAULT_ENUM
    SIM_FAULT_COUNT
} sim_fault_kind;

const char *sim_fault_name(sim_fault_kind k);   /* "DIV_ZERO" */
const char *sim_fault_text(sim_fault_kind k);   /* "division by zero" */

typedef enum { SIM_CORE_RUNNING, SIM_CORE_PAUSED, SIM_CORE_STOPPED, SIM_CORE_FAULTED } sim_core_state;
const char *sim_state_name(sim_core_state s);   /* "running", "paused", "stopped", "faulted" */

typedef enum {
    SIM_DONE,          /* every core stopped */
    SIM_PAUSED,        /* no core running, at least one paused (checking runs) */
    SIM_FAULT,         /* a runtime fault stopped the run: sim_fault_info */
    SIM_CHECK_FAILED,  /* a debug compare failed (checking runs): sim_check_info */
} sim_status;

/* Where a fault or a check failure happened.  slot is the index of the
 * slot in the image's bundle (its position in the source), or -1 when the
 * whole bundle is meant (the cycle limit). */
typedef struct {
    int core;
    uint32_t pc;         /* the faulting bundle */
    uint64_t cycle;
    int slot;
} sim_where;

typedef struct {
    sim_fault_kind kind;
    sim_where at;
    int lane;            /* vector lane for valu / vload / vstore faults, else -1 */
    uint64_t address;    /* memory faults: the first word out of range */
    uint64_t limit;      /* memory faults: the memory size; cycle limit: the limit */
    int64_t target;      /* negative pc: the jump's target */
} sim_fault_info;

/* A failed debug compare: the reference had no such key (missing) or its
 * value differs from the scratch word's. */
typedef struct {
    sim_where at;
    int lane;            /* vcompare: 0..7; compare: -1 */
    uint32_t round, item;   /* item includes the lane */
    isa_trace_key key;
    uint32_t stage;
    int missing;
    uint32_t expected, actual;
} sim_check_info;

/* Reference lookup for checking runs: 0 with *value set, or -1 when the
 * reference has no such key.  wl_trace_value has this shape. */
typedef int (*sim_lookup_fn)(void *ctx, uint32_t round, uint32_t item, isa_trace_key key,
                             uint32_t stage, uint32_t *value);

/* A block of words one slot writes (count 1 or 8), as staged and applied. */
typedef struct {
    uint32_t address;
    uint32_t count;
    uint32_t values[ISA_VLEN];
} sim_write;

/* What an observer sees after each executed bundle (writes applied). */
typedef struct {
    int core;
    uint32_t pc;                 /* the bundle that ran */
    uint64_t cycle;              /* the cycle it ran in */
    int costs_cycle;             /* 0 for a bundle of debug slots only */
    const sim_write *scratch_writes;
    int n_scratch_writes;
    const sim_write *memory_writes;
    int n_memory_writes;
    int trace_written;           /* the bundle appended trace_value to the core's buffer */
    uint32_t trace_value;
} sim_step;

typedef void (*sim_observer_fn)(void *ctx, const sim_machine *m, const sim_step *step);

typedef struct {
    int cores;                   /* 1 .. SIM_MAX_CORES */
    uint64_t max_cycles;         /* a bundle that would start cycle max_cycles faults; 0: no limit */
    int checking;                /* pauses stop cores, debug compares are checked */
    sim_lookup_fn lookup;        /* required when checking */
    void *lookup_ctx;
    sim_observer_fn observer;    /* NULL: no tracing (the fast loop) */
    void *observer_ctx;
} sim_config;

#define SIM_CONFIG_DEFAULT {1, 0, 0, NULL, NULL, NULL, NULL}

/* A machine with the program, the cores' scratch zeroed and pc 0, and a copy
 * of memory (words <= 2^32 - 1).  NULL with a reason in why on a bad
 * configuration. */
sim_machine *sim_new(const sim_program *p, const sim_config *cfg, const uint32_t *memory,
                     size_t words, char *why, size_t why_size);
void sim_free(sim_machine *m);

/* Runs until no core is running.  Paused cores are resumed first (so a
 * checking harness calls sim_run again after each checkpoint).  After a
 * fault or a check failure the machine is dead: sim_run returns the same
 * status again without running. */
sim_status sim_run(sim_machine *m);

uint64_t sim_cycles(const sim_machine *m);
int sim_cores(const sim_machine *m);
const sim_program *sim_machine_program(const sim_machine *m);
uint32_t *sim_memory(sim_machine *m, size_t *words);
const uint32_t *sim_memory_const(const sim_machine *m, size_t *words);
uint32_t *sim_scratch(sim_machine *m, int core);   /* ISA_SCRATCH_WORDS words */
const uint32_t *sim_scratch_const(const sim_machine *m, int core);
uint64_t sim_core_pc(const sim_machine *m, int core);
sim_core_state sim_core_state_of(const sim_machine *m, int core);
/* The core's trace_write buffer. */
const uint32_t *sim_core_trace(const sim_machine *m, int core, size_t *count);

const sim_fault_info *sim_fault(const sim_machine *m);     /* kind NONE unless SIM_FAULT */
const sim_check_info *sim_check(const sim_machine *m);     /* valid after SIM_CHECK_FAILED */

/* Slots of each engine in the bundles executed so far (all cores; debug
 * slots counted as seen, in plain runs too).  out has ISA_ENGINE_COUNT
 * entries. */
void sim_engine_slots(const sim_machine *m, uint64_t out[ISA_ENGINE_COUNT]);
/* Bundles executed so far (all cores). */
uint64_t sim_bundles_executed(const sim_machine *m);

/* Canonical text of a slot of the image (debug comments with their text),
 * or of the whole bundle ("< ... ; ... >", "nop") when slot is -1. */
size_t sim_format_slot(const sim_program *p, uint32_t bundle, int slot, char *buf, size_t size);
/* The source of a slot of the image, "k.vasm:9" or "m.vasm:2, macro call
 * k.vasm:9" (its own line when the image has per-slot lines, else its
 * bundle's); of the whole bundle when slot is -1: the distinct lines of
 * its slots, "k.vasm:9,12,40" (an empty bundle: its own line).  "" when
 * the image has no line for it. */
size_t sim_format_source(const sim_program *p, uint32_t bundle, int slot, char *buf, size_t size);
/* One line describing the fault or the check failure, e.g.
 *   division by zero on core 0 at pc 7, cycle 12: alu // 3, 4, 5 (k.vasm:9)
 * Empty when the run has neither. */
size_t sim_format_error(const sim_machine *m, char *buf, size_t size);

#endif
