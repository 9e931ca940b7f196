/*
 * harness: the checking-run protocol of WORKLOAD.md, on top of the machine.
 *
 * The machine runs with checking on (pauses stop cores, debug compares are
 * checked); each time no core is running any more is a stop:
 *   - the k-th stop with a paused core is matched with checkpoint k
 *     (0-based); a pause beyond the last checkpoint fails;
 *   - once every core has stopped, the end state stands for each checkpoint
 *     not yet matched, in turn (as the original harness calling run()
 *     again would see it).
 * The checkpoints themselves come from a callback, so the protocol knows
 * nothing of the workload (vrun passes the reference's values region; the
 * tests pass fakes).
 */
#ifndef VLIW_HARNESS_H
#define VLIW_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "machine.h"

/* Compares memory with checkpoint k: 0 when it matches, else -1 with the
 * first difference described in why (e.g. "item 5: expected 1, got 2"). */
typedef int (*sim_checkpoint_fn)(void *ctx, int k, const uint32_t *memory, size_t words,
                                 char *why, size_t why_size);

typedef enum {
    SIM_CHECKED_PASS,       /* every checkpoint matched, every compare held */
    SIM_CHECKED_FAIL,       /* a checkpoint, a pause count or a compare failed: why */
    SIM_CHECKED_FAULT,      /* the machine faulted: why (sim_format_error) */
} sim_checked;

/* Runs m (configured with checking on) to the end under the protocol
 * above.  why gets one line naming the pause or checkpoint and the first
 * difference, or the failed compare or fault. */
sim_checked sim_checking_run(sim_machine *m, int checkpoints, sim_checkpoint_fn check, void *ctx,
                             char *why, size_t why_size);

#endif
