/* harness: the checking-run protocol (see harness.h). */
#include "harness.h"

#include <stdio.h>

sim_checked sim_checking_run(sim_machine *m, int checkpoints, sim_checkpoint_fn check, void *ctx,
                             char *why, size_t why_size)
{
    char detail[768];
    int next = 0;   /* the checkpoint the next stop is matched with */
    if (why_size)
        why[0] = '\0';
    for (;;) {
        sim_status st = sim_run(m);
        size_t words;
        const uint32_t *memory = sim_memory_const(m, &words);
        switch (st) {
        case SIM_FAULT:
            sim_format_error(m, why, why_size);
            return SIM_CHECKED_FAULT;
        case SIM_CHECK_FAILED:
            sim_format_error(m, why, why_size);
            return SIM_CHECKED_FAIL;
        case SIM_PAUSED:
            if (next >= checkpoints) {
                snprintf(why, why_size,
                         "pause %d: the program pauses more often than the reference has "
                         "checkpoints (%d)", next + 1, checkpoints);
                return SIM_CHECKED_FAIL;
            }
            if (check(ctx, next, memory, words, detail, sizeof detail) != 0) {
                snprintf(why, why_size, "pause %d does not match checkpoint %d: %s", next + 1,
                         next, detail);
                return SIM_CHECKED_FAIL;
            }
            next++;
            break;
        case SIM_DONE:
            for (; next < checkpoints; next++) {
                if (check(ctx, next, memory, words, detail, sizeof detail) != 0) {
                    /* A program without pauses fails here on its final values, which a
                     * reader would not expect of checkpoint 0: say why. */
                    snprintf(why, why_size,
                             "the end of the run (standing for checkpoint %d) does not match "
                             "it: %s%s", next, detail,
                             next == 0 ? " (the program never paused, so its end was compared "
                                         "with checkpoint 0, the values before the first round; "
                                         "a checking run expects a 'flow pause' at each "
                                         "checkpoint: one before the first round and one after "
                                         "the last, see docs/vrun.md#checking-runs)" : "");
                    return SIM_CHECKED_FAIL;
                }
            }
            return SIM_CHECKED_PASS;
        }
    }
}
