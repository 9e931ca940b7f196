/*
 * steps_search: the search behind the tables of samples/kernel-steps.vasm.
 *
 *     steps_search DIR      writes DIR/schedule.vasm and DIR/tables.vasm
 *
 * The kernel runs in steps of 17 cycles: G slots 0..3 hash a gathered
 * group-round, P slots 4..7 a selected one (the kernel's header tells why).
 * What a person could not redo by hand is found here, under the rules
 * written in the kernel's comments, and printed in the form the .vasm files
 * hold it:
 *
 * 1. the order of the steps (schedule.vasm): a randomized greedy, restarted
 *    100,000 times, keeps the first of the shortest orders that keep the
 *    rules (`order_check`);
 * 2. the op offsets of each slot (`slotoffs`) and the flow vselects of a P
 *    block (`pblock`): simulated annealing places every op of the round
 *    template so that, for every pair of neighbouring steps the order holds
 *    (and the set-up of the first step, `pro`), no engine is over its limit
 *    and the rules between steps hold (`rules_broken`); at cost 0 an
 *    earliest-deadline list scheduler must fit the 44 vselects of a block
 *    on the flow engine (`flow_place`).  A second annealing run, from those
 *    offsets, also asks that the last gather end by cycle 15 of its step;
 *    its offsets are kept if they shorten the last step;
 * 3. the last two steps' offsets (`penoffs`, `sprintoffs`) and the last
 *    gather (`lastlanes`): a list scheduler in the cycles those steps leave,
 *    keeping the placement (of 20,000 random tries) that ends soonest.
 *
 * Every random choice comes from one xorshift generator with a fixed seed,
 * and there is no floating point, so a run prints the same files on every
 * machine; `make regen-kernel-steps` writes them into samples/kernel-steps/
 * and `make check` compares a fresh run with the committed ones
 * (tools/regen-check.sh).  What the search cannot see (the data the ops
 * read, the slot limits of each bundle as assembled) the assembler,
 * `vrun --check` and `vrun --trials` check.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"

enum {
    S = 17,             /* cycles a step */
    NG = 8,             /* groups of 4 vectors */
    NV = 32,            /* vectors */
    MAXSTEPS = 96,
    MAXOFF = 2 * S - 1, /* a round's ops lie in its step and the next */
    REHEAT = 2000000,   /* annealing moves from hot to cold */
    NONE = -1
};

/* ------------------------------------------------------------------ random */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)((rng_state >> 11) % n);
}

/* ---------------------------------------------------------------- schedule */

/* One step: round rG of group gG in the G slots, round rP of group gP in
 * the P slots (group -1: nothing). */
typedef struct {
    int gG, rG, gP, rP;
} step;

typedef struct {
    step s[MAXSTEPS];
    int n;
} order;

static int gathered(int r) { return (r >= 4 && r <= 10) || r == 15; }
static int rootround(int r) { return r == 0 || r == 11; }

/* The vectors' values are loaded by `vfill`, 2 a cycle in every step whose
 * successor gathers nothing (but for the set-up's first 9 cycles); vectors
 * 0..3 by the set-up.  Sets when[v] to the cycle vector v is loaded in. */
static void vfill_cycles(const order *o, int *when)
{
    int nvl = 4;

    for (int v = 0; v < 4; v++)     /* in time: pro_val_ready */
        when[v] = -1;
    for (int v = 4; v < NV; v++)
        when[v] = 1 << 20;
    for (int i = 0; i + 1 < o->n && nvl < NV; i++) {
        const step *next = &o->s[i + 1];
        if (next->gG >= 0 && next->rG != 0)
            continue;
        for (int c = i == 0 ? 9 : 0; c < S && nvl < NV; c++, nvl += 2)
            when[nvl] = when[nvl + 1] = S * i + c;
    }
}

/*
 * The rules of the order (kernel-steps.vasm, "THE ORDER OF THE STEPS", and
 * schedule.vasm's header), checked on a whole order; returns NULL or the
 * rule broken.
 */
static const char *order_check(const order *o)
{
    int next[NG], last[NG], rootat[NG], when[NV];
    int pg = NONE, pr = 0;

    for (int g = 0; g < NG; g++) {
        next[g] = 0;
        last[g] = -100;
        rootat[g] = NONE;
    }
    if (o->s[0].gG != NONE || o->s[0].gP != 0 || o->s[0].rP != 0)
        return "the first step must run round 0 of group 0 in the P slots only";
    for (int i = 0; i < o->n; i++) {
        const step *t = &o->s[i];
        if (t->gG >= 0 && t->gG == t->gP)
            return "a group twice in one step";
        if (t->gG >= 0) {
            int g = t->gG, r = t->rG;
            if (r != next[g])
                return "a group's rounds out of order";
            if (gathered(r) && i < last[g] + 2)
                return "a gathered round less than 2 steps after the previous";
            if (!gathered(r) && !rootround(r))
                return "a selected round in the G slots";
            if (rootround(r)) {
                if (g < 1 || g > 5)
                    return "RS holds only groups 1..5";
                rootat[g] = i;
            }
            next[g]++;
            last[g] = i;
        }
        if (pg >= 0 && (t->gP != pg || t->rP != pr))
            return "a P block not in consecutive steps";
        if (t->gP >= 0) {
            int g = t->gP, r = t->rP;
            if (r != next[g])
                return "a group's rounds out of order";
            if (pg < 0) {       /* a block starts */
                if (r == 1 || r == 12) {
                    const step *before = &o->s[i - 1];
                    if (rootat[g] < 0 || i < rootat[g] + 2)
                        return "a P block from round 1 less than 2 steps after its round 0";
                    if (before->gP >= 0 && before->rP != 3 && before->rP != 14)
                        return "a P block from round 1 after a step whose P slots are busy";
                } else if (r != 0 && r != 11) {
                    return "a P block starting mid-block";
                }
            }
            next[g]++;
            last[g] = i;
            pg = r == 3 || r == 14 ? NONE : g;
            pr = r + 1;
        }
    }
    for (int g = 0; g < NG; g++)
        if (next[g] != 16)
            return "a group not finished";
    for (int i = o->n - 2; i < o->n; i++)
        if (o->s[i].gP >= 0 || o->s[i].rG != 15)
            return "the last two steps must hold only rounds 15";
    vfill_cycles(o, when);
    for (int i = 0; i < o->n; i++) {
        const step *t = &o->s[i];
        for (int v = 0; v < NV; v++)
            if (((t->gG == v / 4 && t->rG == 0) || (t->gP == v / 4 && t->rP == 0)) &&
                when[v] >= S * i)
                return "a vector's values not loaded before its round 0";
    }
    return NULL;
}

/* The greedy's preferences, drawn for each restart: w[4] says whether the
 * G slots prefer the group furthest on or the one furthest behind, w[3]
 * whether rounds 15 go first or last; w[0..2] rank, for the P slots, a
 * block whose round 0 or 11 ran already, a second block and a first. */
static int gscore(int r, const int *w) { return r == 15 ? w[3] : w[4] ? r : -r; }
static int pscore(int r, const int *w) { return r == 1 || r == 12 ? w[0] : r == 11 ? w[1] : w[2]; }

/* A random greedy order: the G slots take a gathered round if one is ready,
 * else (mostly) a round 0 or 11; the P slots continue their block, else
 * (mostly) start one; each choice mostly the preferred one. */
static void order_greedy(order *o)
{
    int next[NG], last[NG], rootat[NG];
    int pg = NONE, pr = 0, w[5];

    for (int g = 0; g < NG; g++) {
        next[g] = 0;
        last[g] = -100;
        rootat[g] = NONE;
    }
    for (int j = 0; j < 3; j++)
        w[j] = (int)rnd(3);
    w[3] = rnd(2) ? -100 : 100;
    w[4] = (int)rnd(2);
    o->n = 0;
    for (int i = 0; i < MAXSTEPS; i++) {
        step t = { NONE, 0, NONE, 0 };
        int cand[NG], nc = 0, done = 1;

        for (int g = 0; g < NG; g++)
            done &= next[g] == 16;
        if (done)
            break;
        /* G slots */
        for (int g = 0; g < NG; g++)
            if (gathered(next[g]) && i >= last[g] + 2 && g != pg)
                cand[nc++] = g;
        if (nc > 0) {
            int best = cand[rnd(nc)];
            if (rnd(4) != 0)
                for (int j = 0; j < nc; j++)
                    if (gscore(next[cand[j]], w) > gscore(next[best], w))
                        best = cand[j];
            t.gG = best;
        } else if (i > 0 && rnd(8) != 0) {
            for (int g = 1; g <= 5; g++)
                if (rootround(next[g]) && i >= last[g] + 1 && g != pg)
                    cand[nc++] = g;
            if (nc > 0)
                t.gG = cand[rnd(nc)];
        }
        if (t.gG >= 0)
            t.rG = next[t.gG];
        /* P slots */
        if (pg >= 0) {
            t.gP = pg;
            t.rP = pr;
        } else if (i == 0) {
            t.gP = 0;
        } else if (rnd(16) != 0) {
            const step *before = &o->s[i - 1];
            int free = before->gP < 0 || before->rP == 3 || before->rP == 14;
            nc = 0;
            for (int g = 0; g < NG; g++) {
                if (g == t.gG || i < last[g] + 1)
                    continue;
                if (rootround(next[g]) && rootat[g] < 0)
                    cand[nc++] = g;
                else if ((next[g] == 1 || next[g] == 12) && rootat[g] >= 0 &&
                         i >= rootat[g] + 2 && free)
                    cand[nc++] = g;
            }
            if (nc > 0) {
                int best = cand[rnd(nc)];
                if (rnd(4) != 0)
                    for (int j = 0; j < nc; j++)
                        if (pscore(next[cand[j]], w) > pscore(next[best], w))
                            best = cand[j];
                t.gP = best;
            }
        }
        if (t.gP >= 0)
            t.rP = next[t.gP];
        /* bookkeeping */
        if (t.gG >= 0) {
            if (rootround(t.rG))
                rootat[t.gG] = i;
            next[t.gG]++;
            last[t.gG] = i;
        }
        if (t.gP >= 0) {
            if (rootround(t.rP) || t.rP == 1 || t.rP == 12)
                rootat[t.gP] = NONE;
            next[t.gP]++;
            last[t.gP] = i;
            pg = t.rP == 3 || t.rP == 14 ? NONE : t.gP;
            pr = t.rP + 1;
        }
        o->s[o->n++] = t;
    }
}

/* The shortest order the greedy finds in `tries` restarts. */
static int order_search(order *best, int tries)
{
    order o;

    best->n = MAXSTEPS + 1;
    for (int k = 0; k < tries; k++) {
        order_greedy(&o);
        if (o.n < best->n && order_check(&o) == NULL)
            *best = o;
    }
    return best->n <= MAXSTEPS ? 0 : -1;
}

/* ----------------------------------------------------------- the template */

/* The ops of one vector-round, the columns of `offs` (kernel-steps.vasm). */
enum { X0, X1, H1, H2A, H2B, H3, H4, H5A, H5B, H6, H7, H8A, H8B, H9,
       B0, B1, T0, T1, OA, NOPS };
static const char *const opname[NOPS] = {
    "x0", "x1", "h1", "h2a", "h2b", "h3", "h4", "h5a", "h5b", "h6", "h7",
    "h8a", "h8b", "h9", "b0", "b1", "t0", "t1", "a"
};

enum { VALU, ALU, STORE, NENG };
static const int cap[NENG] = { 6, 12, 2 };

/* What a slot runs in a step.  G slots: nothing, a round 0 or 11 (root
 * node; R1 to RS), rounds 4..9, round 10 (no index), round 15 (store);
 * P slots: nothing, rounds 0..2 of a block, its round 3. */
enum { K_NONE, K_ROOT, K_MID, K_R10, K_R15, K_PJ, K_P3, NKINDS };

static int kind_of_g(int g, int r)
{
    if (g < 0)
        return K_NONE;
    if (rootround(r))
        return K_ROOT;
    return r == 10 ? K_R10 : r == 15 ? K_R15 : K_MID;
}

static int kind_of_p(int g, int r)
{
    if (g < 0)
        return K_NONE;
    return r == 3 || r == 14 ? K_P3 : K_PJ;
}

/* The engine op `op` uses in a round of kind k and how many slots (an alu
 * op on 4 lanes takes 4), or -1: the round has no such op.  xv: the x as
 * one valu op at x1 (OXV). */
static int op_engine(int op, int k, int xv, int *count)
{
    *count = 1;
    if (k == K_NONE)
        return -1;
    switch (op) {
    case X0:
    case X1:
        if (xv)
            return op == X1 ? VALU : -1;
        *count = 4;
        return ALU;
    case H8A:   /* stage 5's xor with C5, skipped where C5 is folded */
        return k == K_MID || k == K_R15 || k == K_P3 ? VALU : -1;
    case B0:
        if (k == K_R15)
            return STORE;
        /* fall through */
    case B1:
        *count = 4;
        return k == K_R10 || k == K_R15 ? -1 : ALU;
    case T0:
    case T1:
        *count = 4;
        return k == K_MID || k == K_P3 ? ALU : -1;
    case OA:
        return k == K_MID || k == K_ROOT || k == K_PJ ? VALU : -1;
    default:
        return VALU;
    }
}

/* Each op after the ops whose results it reads (a cycle later). */
static int op_deps(int op, int *deps)
{
    static const int d[NOPS][4] = {
        [H1] = { X0, X1, -1 }, [H2A] = { H1, -1 }, [H2B] = { H1, -1 },
        [H3] = { H2A, H2B, -1 }, [H4] = { H3, -1 }, [H5A] = { H4, -1 },
        [H5B] = { H4, -1 }, [H6] = { H5A, H5B, -1 }, [H7] = { H6, -1 },
        [H8A] = { H7, -1 }, [H8B] = { H7, -1 }, [H9] = { H8A, H8B, -1 },
        [B0] = { H9, -1 }, [B1] = { H9, -1 }, [T0] = { B0, -1 },
        [T1] = { B1, -1 }, [OA] = { B0, B1, T0, T1 },
        [X0] = { -1 }, [X1] = { -1 },
    };
    int n = 0;

    while (n < 4 && d[op][n] >= 0)
        deps[n] = d[op][n], n++;
    return n;
}

/* ------------------------------------------------------ resource tables */

/* The cycles of one step, as one pair of neighbouring kinds sees them:
 * the current step's ops at offsets 0..16, the previous step's at 17..33. */
typedef struct {
    int prev[8], cur[8];        /* kind of each slot */
    int use[S][NENG];
} pair;

typedef struct {
    pair p[2 * MAXSTEPS];
    int n;
} pairs;

/* The set-up (`pro` in kernel-steps.vasm) in the first step's cycles
 * 0..14: valu and alu slots it takes, and when each constant a P op reads
 * arrives (a slot may run no sooner). */
static const int pro_valu[S] = { 0, 0, 6, 3, 2, 5, 3, 3, 4, 2, 4, 3, 3, 3, 4 };
static const int pro_alu[S] = { 0, 3, 2, 4, 8, 0, 9, 9, 0, 1 };
static const int pro_ready[NOPS] = {
    [X0] = 2, [X1] = 2, [H1] = 4, [H2A] = 5, [H2B] = 5, [H4] = 7,
    [H5A] = 8, [H5B] = 8, [H7] = 9, [H8A] = 10, [H8B] = 9, [B0] = 6,
    [B1] = 6, [OA] = 15,
};
static const int pro_val_ready[4] = { 2, 5, 7, 9 };  /* val[0..3] */
static const int pro_flow_busy = 12;   /* flow slots of cycles 0..11 */
static const int pro_node_ready[11] = { /* N[] ^ C5, per flow kind */
    12, 12, 15, 15, 15, 15, 12, 12, 11, 12, 12
};

/* Whether every op a round of kind b runs, a round of kind a runs too, on
 * the same engine and with as many slots: then a fits wherever b fits. */
static int kind_within(int b, int a)
{
    for (int op = 0; op < NOPS; op++) {
        int cb, ca, eb = op_engine(op, b, 0, &cb), ea = op_engine(op, a, 0, &ca);
        if (eb >= 0 && (ea != eb || ca < cb))
            return 0;
    }
    return 1;
}

static int pair_within(const pair *b, const pair *a)
{
    for (int k = 0; k < 8; k++)
        if (!kind_within(b->prev[k], a->prev[k]) || !kind_within(b->cur[k], a->cur[k]))
            return 0;
    return 1;
}

/* The pairs of neighbouring steps 1 .. n-3 of order o (the last two have
 * their own offsets) but those within another, and the first step with the
 * set-up. */
static void pairs_of(const order *o, pairs *ps)
{
    ps->n = 0;
    for (int i = 0; i <= o->n - 3; i++) {
        pair q;
        memset(&q, 0, sizeof q);
        for (int k = 0; k < 4; k++) {
            const step *a = i > 0 ? &o->s[i - 1] : NULL, *b = &o->s[i];
            q.prev[k] = a ? kind_of_g(a->gG, a->rG) : K_NONE;
            q.prev[4 + k] = a ? kind_of_p(a->gP, a->rP) : K_NONE;
            q.cur[k] = kind_of_g(b->gG, b->rG);
            q.cur[4 + k] = kind_of_p(b->gP, b->rP);
        }
        if (i == 0)
            for (int c = 0; c < S; c++) {
                q.use[c][VALU] = pro_valu[c];
                q.use[c][ALU] = pro_alu[c];
            }
        int dup = 0;
        for (int j = 1; j < ps->n && i > 0; j++)
            dup |= pair_within(&q, &ps->p[j]);
        if (dup)
            continue;
        for (int j = 1; j < ps->n; j++)     /* drop those within q */
            if (pair_within(&ps->p[j], &q))
                ps->p[j--] = ps->p[--ps->n];
        ps->p[ps->n++] = q;
    }
}

/* -------------------------------------------------------- slot offsets */

typedef struct {
    int off[8][NOPS];
    int ld[4];                  /* first gather cycle of G slot k (< 0) */
    int flow[4][11];            /* P block cycle of each vselect */
} offsets;

/* The slots over the engines' limits, summed over the pairs, in alu lanes
 * (a valu or store slot weighs 4, as an alu op on 4 lanes does). */
static int overflow;

static void cell_add(pair *p, int c, int eng, int count)
{
    int old = p->use[c][eng], now = old + count, w = eng == ALU ? 1 : 4;

    overflow += w * ((now > cap[eng] ? now - cap[eng] : 0) -
                     (old > cap[eng] ? old - cap[eng] : 0));
    p->use[c][eng] = now;
}

/* Adds (sign 1) or takes back (-1) op `op` of slot k at offset t in every
 * pair: in the current step's cycle t, or the next step's t - 17. */
static void op_apply(pairs *ps, int k, int op, int t, int sign)
{
    for (int j = 0; j < ps->n; j++) {
        pair *p = &ps->p[j];
        int kind = t < S ? p->cur[k] : p->prev[k], count;
        int eng = op_engine(op, kind, 0, &count);
        if (eng >= 0)
            cell_add(p, t < S ? t : t - S, eng, sign * count);
    }
}

/* The earliest offset of op `op` in slot k: after its operands, and in P
 * slots after the set-up's constants arrive (`pro`). */
static int op_earliest(const offsets *of, int k, int op)
{
    int deps[4], nd = op_deps(op, deps), lo = 0;

    for (int j = 0; j < nd; j++)
        lo = lo > of->off[k][deps[j]] + 1 ? lo : of->off[k][deps[j]] + 1;
    if (k >= 4) {
        if (lo < pro_ready[op])
            lo = pro_ready[op];
        if ((op == X0 || op == X1) && lo < pro_val_ready[k - 4])
            lo = pro_val_ready[k - 4];
    }
    return lo;
}

/* The latest: before the ops that read its result. */
static int op_latest(const offsets *of, int k, int op)
{
    int hi = MAXOFF;

    for (int o = 0; o < NOPS; o++) {
        int deps[4], nd = op_deps(o, deps);
        for (int j = 0; j < nd; j++)
            if (deps[j] == op && of->off[k][o] - 1 < hi)
                hi = of->off[k][o] - 1;
    }
    return hi;
}

static int mx(int a, int b) { return a > b ? a : b; }
static int mn(int a, int b) { return a < b ? a : b; }

/* By how many cycles the offsets break the rules between steps
 * (kernel-steps.vasm, above `slotoffs`); 0: they keep them.  over(a, b):
 * by how much a > b fails. */
static int over(int a, int b) { return a > b ? 0 : b - a + 1; }

static int rules_broken(const offsets *of)
{
    int n = 0;

    for (int q = 0; q < 4; q++) {
        const int *g = of->off[q], *p = of->off[4 + q];
        int ld = of->ld[q];
        /* the address written before the gather 2 steps later reads it */
        n += over(2 * S + ld, g[OA]) + over(2 * S + ld, p[T0]) + over(2 * S + ld + 2, p[T1]);
        /* the gather 2 steps later overwrites this node buffer */
        n += over(2 * S + ld, mx(g[X0], g[X1]));
        /* x after the node's lanes arrive */
        n += over(g[X0], ld + 1) + over(g[X1], ld + 3);
        /* temporaries rewritten by the next step after their last use */
        n += over(S + g[H2A], mx(g[H9], g[OA])) + over(S + g[H2B], g[H9]);
        n += over(S + p[H2A], p[H9]) + over(S + p[H2B], p[H9]);
        /* the next round's x after this round's last read of the value
         * (G round 10 -> round 11 in G or P slots; P within a block) */
        n += over(S + mn(g[X0], g[X1]), g[H9]) + over(S + mn(p[X0], p[X1]), g[H9]);
        n += over(S + mn(p[X0], p[X1]), mx(p[H9], mx(p[B0], p[B1])));
        /* room for the flow engine: a P round's bits some cycles before
         * the next round's x (the 11 vselects of 4 slots queue) */
        n += over(S + mn(p[X0], p[X1]), mx(p[B0], p[B1]) + 3);
    }
    return n;
}

/*
 * The last gather (in the step before the last, cycles A 0..16): its 16
 * lane pairs, one a cycle (both load slots), each as soon as its address is written (G slot q's
 * lanes 0..3 by P slot 4+q's t0 in step n-3 at the latest, lanes 4..7 by
 * its t1) and its node buffer is free (step n-3's x read it), the lowest
 * slot first, so that slots finish one after another.  when[q][j]: the
 * cycle of lanes 2j, 2j+1.  Returns the cycle after the last load.
 */
static int gather_plan(const offsets *of, int when[4][4])
{
    int ready[4][4], left = 16, a;

    for (int q = 0; q < 4; q++)
        for (int j = 0; j < 4; j++) {
            const int *p = of->off[4 + q];
            ready[q][j] = mx((j < 2 ? p[T0] : p[T1]) + 1 - S,
                             mx(of->off[q][X0], of->off[q][X1]) + 1 - S);
            when[q][j] = -1;
        }
    for (a = 0; left > 0; a++) {
        int n = 0;
        for (int q = 0; q < 4 && !n; q++)
            for (int j = 0; j < 4 && !n; j++)
                if (when[q][j] < 0 && ready[q][j] <= a) {
                    when[q][j] = a;
                    n = 1;
                    left--;
                }
    }
    return a;
}

/*
 * The 44 flow vselects of a P block (kind 0/1 lo/hi of depth 2, 2..5 m0..m3,
 * 6/7 lo/hi of depth 3, 8/9/10 the node of depth 1/2/3; `pf` in the kernel)
 * on the one flow slot, earliest deadline first, in block cycles 0..67.  A
 * block's cycles 0..16 may run in the step of another block's round 3
 * (cycles 51..67): the two share the flow slot and the buffers.
 */
static int flow_place(offsets *of)
{
    int rel[4][11], dl[4][11], done[4][11], used[3 * S + S];

    memset(done, 0, sizeof done);
    memset(used, 0, sizeof used);
    for (int q = 0; q < 4; q++) {
        const int *p = of->off[4 + q];
        int bmax = mx(p[B0], p[B1]), bmin = mn(p[B0], p[B1]);
        int xmax = mx(p[X0], p[X1]), xmin = mn(p[X0], p[X1]);
        int tmin = mn(p[T0], p[T1]);
        for (int kd = 0; kd < 11; kd++) {
            rel[q][kd] = mx(bmax + 1, pro_node_ready[kd]);  /* b1' in addr */
            dl[q][kd] = S * 3 + tmin - 1;   /* before round 3's t rewrites addr */
        }
        rel[q][8] = mx(rel[q][8], xmax + 1);   /* the last block's x read PN */
        dl[q][8] = S + xmin - 1;               /* round 1's x reads it */
        rel[q][9] = mx(S + bmax + 1, S + xmax + 1); /* b2'; round 1's x */
        dl[q][9] = mn(2 * S + xmin - 1, 3 * S + bmin - 1);
        rel[q][6] = rel[q][7] = S + bmax + 1;
        dl[q][6] = dl[q][7] = 3 * S + bmin - 1;  /* round 3's b rewrites PB2 */
        rel[q][10] = mx(2 * S + bmax + 1, 2 * S + xmax + 1);
        dl[q][10] = 3 * S + xmin - 1;
        /* through the successors: 0,1 -> 9 -> 6,7 -> 10; 2..5 -> 6,7 */
        dl[q][6] = mn(dl[q][6], dl[q][10] - 1);
        dl[q][7] = mn(dl[q][7], dl[q][10] - 1);
        dl[q][9] = mn(dl[q][9], mn(dl[q][6], dl[q][7]) - 1);
        for (int kd = 0; kd < 6; kd++)
            dl[q][kd] = mn(dl[q][kd], (kd < 2 ? dl[q][9] : mn(dl[q][6], dl[q][7])) - 1);
    }
    for (int bc = 0; bc < 4 * S; bc++) {
        int bq = -1, bk = -1;
        if (used[bc >= 3 * S ? bc - 3 * S : bc])
            continue;
        if (bc < S && bc < pro_flow_busy)
            continue;
        for (int q = 0; q < 4; q++)
            for (int kd = 0; kd < 11; kd++) {
                int ok = !done[q][kd] && rel[q][kd] <= bc;
                if (kd == 9)
                    ok = ok && done[q][0] && done[q][1] && of->flow[q][0] < bc &&
                         of->flow[q][1] < bc;
                if (kd == 6 || kd == 7)
                    ok = ok && done[q][9] && of->flow[q][9] < bc &&
                         done[q][kd - 4] && done[q][kd - 2] &&
                         of->flow[q][kd - 4] < bc && of->flow[q][kd - 2] < bc;
                if (kd == 10)
                    ok = ok && done[q][6] && done[q][7] && of->flow[q][6] < bc &&
                         of->flow[q][7] < bc;
                if (ok && (bq < 0 || dl[q][kd] < dl[bq][bk]))
                    bq = q, bk = kd;
            }
        if (bq < 0)
            continue;
        if (dl[bq][bk] < bc)
            return -1;
        done[bq][bk] = 1;
        of->flow[bq][bk] = bc;
        used[bc >= 3 * S ? bc - 3 * S : bc] = 1;
    }
    for (int q = 0; q < 4; q++) {
        for (int kd = 0; kd < 11; kd++)
            if (!done[q][kd] || of->flow[q][kd] > dl[q][kd])
                return -1;
        /* the next block's early vselects after this block's last reads */
        for (int kd = 0; kd < 6; kd++) {
            int reader = kd < 2 ? of->flow[q][10] : mx(of->flow[q][6], of->flow[q][7]);
            if (of->flow[q][kd] < S && of->flow[q][kd] <= reader - 3 * S)
                return -1;
        }
    }
    return 0;
}

/* Whether to take a move that makes the cost worse by d at coldness L:
 * with probability 2^(-d L / 32), in integers only (2^20 2^(-i/8) for the
 * fractions), so that the search runs alike on every machine. */
static int accept(int d, int L)
{
    static const uint32_t frac[8] = {
        1048576, 961548, 881744, 808563, 741455, 679917, 623487, 571740
    };
    int e = d * L / 4;

    return e >> 3 < 21 && rnd(1u << 20) < frac[e & 7] >> (e >> 3);
}

/* Moves slot k by d cycles, if its ops stay in range. */
static int slot_shift(pairs *ps, offsets *of, int k, int d)
{
    for (int op = 0; op < NOPS; op++) {
        int t = of->off[k][op] + d;
        int lo = k >= 4 ? mx(pro_ready[op], op == X0 || op == X1 ? pro_val_ready[k - 4] : 0) : 0;
        if (t < lo || t > MAXOFF)
            return 0;
    }
    for (int op = 0; op < NOPS; op++) {
        op_apply(ps, k, op, of->off[k][op], -1);
        of->off[k][op] += d;
        op_apply(ps, k, op, of->off[k][op], 1);
    }
    return 1;
}

/* Moves op `op` of slot k to offset t. */
static void op_move(pairs *ps, offsets *of, int k, int op, int t)
{
    op_apply(ps, k, op, of->off[k][op], -1);
    of->off[k][op] = t;
    op_apply(ps, k, op, t, 1);
}

/*
 * Simulated annealing on the offsets, from chains spread evenly over the
 * step (slots in the order 0 4 1 5 2 6 3 7, each op right after its
 * operands): a move puts one op at another offset between its operands and
 * its readers, or shifts a whole slot by a cycle; the cost is the slots
 * over the engines' limits plus the cycles by which a rule between steps
 * is broken (4 a cycle).  At cost 0 the flow engine must serve the P blocks
 * too.  The coldness rises from 11 to 232 (`accept`) in REHEAT moves, then
 * starts again.  polish: start from the offsets in of, and also count the
 * cycles by which the last gather ends after cycle 15 of its step (then the
 * last step can take 10 cycles: x, 9 hash levels, the store; the search
 * finds such offsets far sooner from offsets that keep the other rules).
 * Returns the number of moves made, or -1.
 */
static int offsets_search(const order *o, offsets *of, int moves, int polish)
{
    static pairs ps;
    static const int spread[8] = { 0, 4, 1, 5, 2, 6, 3, 7 };
    int cost, when[4][4];

    pairs_of(o, &ps);
    overflow = 0;                       /* the set-up alone fits */
    for (int q = 0; q < 4; q++)
        of->ld[q] = -16 + 4 * q;
    for (int i = 0; i < 8; i++) {
        int k = spread[i];
        for (int op = 0; op < NOPS; op++) {
            if (!polish)
                of->off[k][op] = mx(op_earliest(of, k, op), (S * i) / 8);
            op_apply(&ps, k, op, of->off[k][op], 1);
        }
    }
    cost = overflow + 4 * rules_broken(of) + (polish ? 4 * over(S, gather_plan(of, when)) : 0);
    for (int n = 0; n < moves; n++) {
        int L = 11 + (int)((int64_t)(n % REHEAT) * (232 - 11) / REHEAT);
        int k = rnd(8), was = cost, op = -1, d = 0, old = 0;

        if (rnd(10) == 0) {             /* the whole slot by one cycle */
            d = rnd(2) ? 1 : -1;
            if (!slot_shift(&ps, of, k, d))
                continue;
        } else {
            int lo, hi;
            op = rnd(NOPS);
            lo = op_earliest(of, k, op);
            hi = op_latest(of, k, op);
            if (hi <= lo)
                continue;
            old = of->off[k][op];
            int t = lo + (int)rnd(hi - lo);
            op_move(&ps, of, k, op, t >= old ? t + 1 : t);
        }
        cost = overflow + 4 * rules_broken(of) + (polish ? 4 * over(S, gather_plan(of, when)) : 0);
        if (cost > was && !accept(cost - was, L)) {
            if (op < 0)
                slot_shift(&ps, of, k, -d);
            else
                op_move(&ps, of, k, op, old);
            cost = was;
            continue;
        }
        if (cost == 0 && flow_place(of) == 0)
            return n;
    }
    return -1;
}

/* ----------------------------------------------------- the last two steps */

typedef struct {
    int pen[4][NOPS], spr[4][NOPS];   /* spr: offsets from the last step */
    int penxv[4], sprxv[4];
    int when[4][4];                   /* the last gather (gather_plan) */
    int sprint;                       /* the last step's length */
} ending;

/* The last two steps, in the cycles of the one before the last (A 0..16,
 * which also holds the spill of step n-3) and of the last (A >= 17): one
 * random placement; returns the last step's length, or -1. */
static int ending_place(const order *o, const offsets *of, ending *e)
{
    int use[3 * S][NENG];
    int placed[8][NOPS], at[8][NOPS], order8[8], rel[8];
    const step *s3 = &o->s[o->n - 3];
    int gk = kind_of_g(s3->gG, s3->rG), pk = kind_of_p(s3->gP, s3->rP);

    memset(use, 0, sizeof use);
    memset(placed, 0, sizeof placed);
    /* step n-3's ops that run over into step n-2 */
    for (int k = 0; k < 8; k++)
        for (int op = 0; op < NOPS; op++) {
            int count, t = of->off[k][op];
            int eng = op_engine(op, k < 4 ? gk : pk, 0, &count);
            if (eng >= 0 && t >= S)
                use[t - S][eng] += count;
        }
    /* the last gather */
    if (gather_plan(of, e->when) > S)
        return -1;
    for (int k = 0; k < 4; k++) {
        e->penxv[k] = (int)rnd(2);
        e->sprxv[k] = (int)rnd(2);
    }
    for (int k = 0; k < 8; k++)
        order8[k] = k;
    for (int k = 7; k > 0; k--) {
        int j = rnd(k + 1), t = order8[k];
        order8[k] = order8[j];
        order8[j] = t;
    }
    for (int k = 0; k < 8; k++)
        rel[k] = (int)rnd(3);
    /* slots 0..3: the one before the last (G temporaries, step n-3's G
     * slots' last use first); 4..7: the last (P temporaries) */
    for (int t = 0; t < 3 * S; t++) {
        for (int i = 0; i < 8; i++) {
            int k = order8[i], q = k & 3, last = k >= 4;
            int xv = last ? e->sprxv[q] : e->penxv[q];
            for (int op = 0; op < NOPS; op++) {
                int deps[4], nd, count, ok = 1, lo = rel[k], eng;
                if (placed[k][op])
                    continue;
                nd = op_deps(op, deps);
                for (int j = 0; j < nd; j++) {
                    int d = deps[j] == X0 && xv ? X1 : deps[j];   /* x: one op */
                    if (op_engine(d, K_R15, xv, &count) >= 0 &&
                        (!placed[k][d] || at[k][d] >= t))
                        ok = 0;
                }
                eng = op_engine(op, K_R15, xv, &count);
                if (!last) {
                    /* the node gathered in step n-3; temporaries */
                    if (op == X0)
                        lo = mx(lo, of->ld[q] + 2);
                    if (op == X1)
                        lo = mx(lo, of->ld[q] + 4);
                    if (op == H2A)
                        lo = mx(lo, (gk == K_MID || gk == K_ROOT ? of->off[q][OA]
                                     : of->off[q][H9]) - S + 1);
                    if (op == H2B)
                        lo = mx(lo, of->off[q][H9] - S + 1);
                } else {
                    const int *p = of->off[4 + q];
                    if (op == X0 || xv)
                        lo = mx(lo, mx(e->when[q][0], e->when[q][1]) + 1);
                    if (op == X1)
                        lo = mx(lo, mx(e->when[q][2], e->when[q][3]) + 1);
                    if (op == X0 || op == X1)   /* round 14's b read val */
                        lo = mx(lo, mx(p[B0], p[B1]) - S + 1);
                    if (op == H2A || op == H2B) /* round 14's temporaries */
                        lo = mx(lo, p[H9] - S + 1);
                }
                if (!ok || t < lo)
                    continue;
                if (eng >= 0 && use[t][eng] + count > cap[eng])
                    continue;
                if (eng >= 0)
                    use[t][eng] += count;
                placed[k][op] = 1;
                at[k][op] = t;
            }
        }
    }
    int end = 0, penend = 0, count;
    for (int k = 0; k < 8; k++)
        for (int op = 0; op < NOPS; op++) {
            int xv = k >= 4 ? e->sprxv[k & 3] : e->penxv[k & 3];
            if (op_engine(op, K_R15, xv, &count) < 0)
                continue;
            if (!placed[k][op])
                return -1;
            if (k >= 4)
                end = mx(end, at[k][op] + 1);
            else
                penend = mx(penend, at[k][op] + 1);
        }
    e->sprint = end - S;
    if (e->sprint < 1 || penend > end)
        return -1;
    for (int q = 0; q < 4; q++) {
        for (int op = 0; op < NOPS; op++) {
            int pxv = e->penxv[q], sxv = e->sprxv[q];
            e->pen[q][op] = op_engine(op, K_R15, pxv, &count) >= 0 ? at[q][op] : 99;
            e->spr[q][op] = op_engine(op, K_R15, sxv, &count) >= 0 ? at[4 + q][op] - S : 99;
        }
        if (e->penxv[q])
            e->pen[q][X0] = e->pen[q][X1];
        if (e->sprxv[q])
            e->spr[q][X0] = e->spr[q][X1];
    }
    return e->sprint;
}

static int ending_search(const order *o, const offsets *of, ending *best, int tries)
{
    ending e;

    best->sprint = 1 << 20;
    for (int n = 0; n < tries; n++)
        if (ending_place(o, of, &e) > 0 && e.sprint < best->sprint)
            *best = e;
    return best->sprint < (1 << 20) ? 0 : -1;
}

/* ------------------------------------------------------------------ output */

static const char generated[] =
    "# Generated by tools/steps_search (make regen-kernel-steps): do not edit;\n"
    "# change the search, or the rules in samples/kernel-steps.vasm, instead.\n";

static void print_order(FILE *f, const order *o)
{
    fputs(generated, f);
    fputs("#\n"
          "# The schedule of samples/kernel-steps.vasm: one line a step of 17 cycles,\n"
          "#     step gG, rG, gP, rP\n"
          "# = round rG of group gG (vectors 4gG .. 4gG+3) in the G slots, round rP of\n"
          "# group gP in the P slots; -1: nothing.  G slots run rounds 4..10 and 15\n"
          "# (gathered), and 0 or 11 (the root) when they have nothing else; P slots\n"
          "# run blocks of rounds 0..3 or 11..14 in consecutive steps (a block may\n"
          "# start at round 1 or 12 when its round 0 or 11 ran in the G slots).\n"
          "# The rules (kernel-steps.vasm, \"THE ORDER OF THE STEPS\"): a group's rounds\n"
          "# in order, one a step at most; a gathered round at least 2 steps after the\n"
          "# group's previous round; a P block from round 1 or 12 at least 2 steps\n"
          "# after the G slots ran its round 0 or 11, the step between running its\n"
          "# first flow ops (the P slots must then end a block or be idle); round 0\n"
          "# or 11 in the G slots only for groups 1..5 (RS); the first step holds\n"
          "# only round 0 of group 0, in the P slots (next to the set-up, `pro`); a\n"
          "# group's round 0 after `vfill` loaded its values; the last two steps hold\n"
          "# only rounds 15 and no P group (`penoffs`, `sprintoffs` are made for them).\n",
          f);
    for (int i = 0; i < o->n; i++) {
        const step *t = &o->s[i];
        if (i == o->n - 1)
            fprintf(f, ".set penult, 1                     # step %d runs as the one before the last\n",
                    i - 1);
        fprintf(f, "    step %2d, %2d, %2d, %2d      # %d\n", t->gG, t->gG < 0 ? 0 : t->rG,
                t->gP, t->gP < 0 ? 0 : t->rP, i);
    }
    fprintf(f, "    laststep                       # step %d: the last G round\n", o->n - 1);
}

static void print_offs(FILE *f, const int *off, int ld)
{
    fputs("    offs", f);
    for (int op = 0; op < NOPS; op++)
        fprintf(f, "%4d,", off[op]);
    fprintf(f, "%4d\n", ld);
}

static void print_table(FILE *f, const char *name, int (*off)[NOPS], const int *ld,
                        const int *xv, int nslots)
{
    fputs("#       ", f);
    for (int op = 0; op < NOPS; op++)
        fprintf(f, "%5s", opname[op]);
    fprintf(f, "%5s\n.macro %s k\n", "ld", name);
    for (int k = 0; k < nslots; k++) {
        if (k == 0)
            fprintf(f, ".if \\k == 0\n");
        else if (k < nslots - 1)
            fprintf(f, ".elif \\k == %d\n", k);
        else
            fprintf(f, ".else\n");
        print_offs(f, off[k], ld ? ld[k] : -99);
        if (xv && xv[k])
            fputs(".set OXV, 1\n", f);
    }
    fputs(".endif\n.endm\n", f);
}

static void print_tables(FILE *f, const offsets *of, const ending *e)
{
    int off[8][NOPS], ld[8];

    fputs(generated, f);
    fputs("#\n"
          "# The op offsets of the round template (`offs` in kernel-steps.vasm: cycles\n"
          "# from the start of the step a vector-round belongs to), per slot: G slots\n"
          "# 0..3, P slots 4..7; ld is the first of the 4 cycles that gather the G\n"
          "# slot's node (in the step before).\n", f);
    memcpy(off, of->off, sizeof off);
    for (int k = 0; k < 8; k++)
        ld[k] = k < 4 ? of->ld[k] : -99;
    print_table(f, "slotoffs", off, ld, NULL, 8);
    fputs("\n# The last step (negative offsets: in the step before it).\n", f);
    memcpy(off, e->spr, sizeof e->spr);
    print_table(f, "sprintoffs", off, NULL, e->sprxv, 4);
    fputs("\n# The step before the last.\n", f);
    memcpy(off, e->pen, sizeof e->pen);
    print_table(f, "penoffs", off, NULL, e->penxv, 4);
    fprintf(f, ".equ SPRINT, %d                    # the length of the last step\n", e->sprint);
    fputs("\n# The last gather: in cycle c of the step before the last, G slot k loads\n"
          "# lanes ln, ln + 1 (ln -1: none).\n"
          ".macro lastlanes k, c\n.set ln, -1\n", f);
    for (int q = 0; q < 4; q++)
        for (int j = 0; j < 4; j++)
            fprintf(f, ".%s \\k == %d && \\c == %d\n.set ln, %d\n",
                    q == 0 && j == 0 ? "if" : "elif", q, e->when[q][j], 2 * j);
    fputs(".endif\n.endm\n", f);
    fputs("\n# The flow vselects of a P block (`pf kind, slot`), by cycle of the block.\n"
          ".macro pblock bc\n", f);
    int first = 1;
    for (int bc = 0; bc < 4 * S; bc++)
        for (int q = 0; q < 4; q++)
            for (int kd = 0; kd < 11; kd++)
                if (of->flow[q][kd] == bc) {
                    fprintf(f, ".%s \\bc == %d\n    pf %d, %d\n", first ? "if" : "elif", bc,
                            kd, 4 + q);
                    first = 0;
                }
    fputs(".endif\n.endm\n", f);
}

/* Opens DIR/name for writing (before the search, so that a bad directory
 * is reported at once). */
static int open_out(outfile *out, char *path, size_t size, const char *dir, const char *name)
{
    snprintf(path, size, "%s/%s", dir, name);
    if (outfile_open(out, path) == 0)
        return 0;
    fprintf(stderr, "steps_search: %s: %s\n", path, strerror(errno));
    return -1;
}

static int commit_out(outfile *out, const char *path)
{
    if (outfile_commit(out) == 0)
        return 0;
    fprintf(stderr, "steps_search: %s: %s\n", path, strerror(errno));
    return -1;
}

/* The three searches, in order; each reports what it found. */
static int search(order *o, offsets *of, ending *e)
{
    static offsets polished;
    static ending pe;
    int n;

    if (order_search(o, 100000) != 0) {
        fprintf(stderr, "steps_search: no order keeps the rules\n");
        return -1;
    }
    fprintf(stderr, "steps_search: %d steps\n", o->n);
    n = offsets_search(o, of, 20 * REHEAT, 0);
    if (n < 0) {
        fprintf(stderr, "steps_search: no slot offsets fit the order\n");
        return -1;
    }
    fprintf(stderr, "steps_search: slot offsets after %d moves\n", n);
    if (ending_search(o, of, e, 20000) != 0) {
        fprintf(stderr, "steps_search: no offsets fit the last two steps\n");
        return -1;
    }
    fprintf(stderr, "steps_search: last step %d cycles\n", e->sprint);
    /* the same offsets, polished for an earlier last gather */
    polished = *of;
    n = offsets_search(o, &polished, 10 * REHEAT, 1);
    if (n >= 0 && ending_search(o, &polished, &pe, 20000) == 0 && pe.sprint < e->sprint) {
        fprintf(stderr, "steps_search: polished after %d moves: last step %d cycles\n", n,
                pe.sprint);
        *of = polished;
        *e = pe;
    }
    fprintf(stderr, "steps_search: %d cycles in all\n", (o->n - 1) * S + e->sprint);
    return 0;
}

int main(int argc, char **argv)
{
    static order o;
    static offsets of;
    static ending e;
    static char sched_path[4096], tables_path[4096];
    outfile sched, tables;

    if (argc != 2) {
        fprintf(stderr, "usage: steps_search DIR\n"
                "Searches the step order and the timing tables of\n"
                "samples/kernel-steps.vasm and writes DIR/schedule.vasm and\n"
                "DIR/tables.vasm.\n");
        return 2;
    }
    if (open_out(&sched, sched_path, sizeof sched_path, argv[1], "schedule.vasm") != 0)
        return 1;
    if (open_out(&tables, tables_path, sizeof tables_path, argv[1], "tables.vasm") != 0) {
        outfile_discard(&sched);
        return 1;
    }
    if (search(&o, &of, &e) != 0) {
        outfile_discard(&sched);
        outfile_discard(&tables);
        return 1;
    }
    print_order(sched.f, &o);
    print_tables(tables.f, &of, &e);
    if (commit_out(&sched, sched_path) != 0) {
        outfile_discard(&tables);
        return 1;
    }
    return commit_out(&tables, tables_path) != 0;
}
