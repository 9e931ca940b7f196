/*
 * workload: the benchmark of WORKLOAD.md, built in.
 *
 * Draws an instance exactly as the original Python harness does (MT19937
 * seeded by init_by_array, randint(0, 2^30-1) by rejection), lays out its
 * memory image, and runs the reference kernel, recording every trace key
 * and the values region at each checkpoint.
 */
#ifndef VLIW_WORKLOAD_H
#define VLIW_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "isa.h"

#define WL_BASELINE_CYCLES 147734

/* Python's random.Random: MT19937 with init_by_array seeding. */
typedef struct {
    uint32_t state[624];
    int index;
} wl_mt;

/* seed(S) for S >= 0: the key is S's 32-bit words, least significant
 * first (S = 0 gives the key [0]). */
void wl_mt_seed(wl_mt *mt, uint64_t seed);
uint32_t wl_mt_next(wl_mt *mt);          /* genrand_uint32 */
uint32_t wl_mt_randint30(wl_mt *mt);     /* randint(0, 2^30 - 1) */

typedef struct {
    uint32_t height;   /* H: the tree has 2^(H+1) - 1 nodes */
    uint32_t rounds;   /* R */
    uint32_t batch;    /* B */
    uint64_t seed;
} wl_params;

#define WL_DEFAULT_PARAMS {10, 16, 256, 123}

/* Shapes wl_build accepts: H <= WL_MAX_HEIGHT, B >= 1 and R x B <=
 * WL_MAX_STEPS (R = 0 is allowed).  They keep every address well inside 32
 * bits and an instance at most about 400 MiB. */
#define WL_MAX_HEIGHT 24
#define WL_MAX_STEPS 4194304      /* 2^22 (round, item) steps */

/* NULL if wl_build accepts the shape, else why not (a phrase such as "the
 * height is above the limit of 24", for a usage error). */
const char *wl_params_problem(const wl_params *p);

/* Header word addresses of the memory image. */
enum { WL_ROUNDS = 0, WL_N_NODES, WL_BATCH, WL_HEIGHT, WL_FOREST_P, WL_INDICES_P, WL_VALUES_P,
       WL_HEADER_WORDS };

/* The reference has one checkpoint before round 0 and one after the last. */
#define WL_CHECKPOINTS 2

typedef struct {
    wl_params params;
    uint32_t n_nodes;
    uint32_t values_p, indices_p;
    uint32_t *memory;              /* the initial image, memory_words long */
    size_t memory_words;           /* 7 + n + 2B */
    uint32_t *checkpoint_values[WL_CHECKPOINTS];   /* values region (B words) at each checkpoint */
    uint32_t *final_indices;       /* indices region after the last round */
    uint32_t *trace;               /* internal: reference trace, see wl_trace_value */
} wl_instance;

/* Builds an instance and runs its reference; NULL if out of memory or the
 * shape is rejected by wl_params_problem. */
wl_instance *wl_build(const wl_params *p);
void wl_free(wl_instance *w);

/* The reference trace value for (round, item, key[, stage]); returns 0 and
 * sets *value, or -1 if the trace has no such key (round >= R, item >= B,
 * or a bad stage). */
int wl_trace_value(const wl_instance *w, uint32_t round, uint32_t item, isa_trace_key key,
                   uint32_t stage, uint32_t *value);

/* Compares a memory's values region with checkpoint k (0 <= k <
 * WL_CHECKPOINTS): returns -1 if they match, else the index of the first
 * differing item; a word beyond memory_words counts as differing. */
long wl_first_mismatch(const wl_instance *w, const uint32_t *memory, size_t memory_words, int checkpoint);

/* The hash of WORKLOAD.md, one stage (0 <= stage < WL_HASH_STAGES) or all
 * six. */
#define WL_HASH_STAGES 6
uint32_t wl_hash_stage(uint32_t a, int stage);
uint32_t wl_hash(uint32_t a);

#endif
