/* isa: tables and slot checks drawn from isa.def. */
#include "isa.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "text.h"

const isa_engine_info isa_engines[ISA_ENGINE_COUNT] = {
#define ISA_ENGINE(id, name, slots, cost) {name, slots, cost},
#include "isa.def"
};

const char *const isa_binop_names[ISA_BINOP_COUNT] = {
#define ISA_BINOP(id, m) m,
#include "isa.def"
};

int isa_find_binop_word(const char *word)
{
    static const char *const ids[ISA_BINOP_COUNT] = {
#define ISA_BINOP(id, m) #id,
#include "isa.def"
    };
    for (int i = 0; i < ISA_BINOP_COUNT; i++)
        if (strcasecmp(ids[i], word) == 0)
            return i;
    return -1;
}

const char *const isa_trace_key_names[ISA_KEY_COUNT] = {
#define ISA_TRACE_KEY(id, name, stage) name,
#include "isa.def"
};

const int isa_trace_key_takes_stage[ISA_KEY_COUNT] = {
#define ISA_TRACE_KEY(id, name, stage) stage,
#include "isa.def"
};

const isa_op_info isa_ops[ISA_OP_COUNT] = {
#define ISA_BINOP(id, m) {m, ISA_ENG_ALU, "dss", 3, ISA_BIN_##id, ISA_MEM_NONE, 0, -1},
#include "isa.def"
#define ISA_BINOP(id, m) {m, ISA_ENG_VALU, "DSS", 3, ISA_BIN_##id, ISA_MEM_NONE, 0, ISA_OP_ALU_##id},
#include "isa.def"
#define ISA_OP(id, eng, m, k, mem, fx, lanes) {m, ISA_ENG_##eng, k, sizeof(k) - 1, -1, mem, fx, lanes},
#include "isa.def"
};

int isa_find_engine(const char *name)
{
    for (int e = 0; e < ISA_ENGINE_COUNT; e++)
        if (strcmp(isa_engines[e].name, name) == 0)
            return e;
    return -1;
}

int isa_find_op(isa_engine engine, const char *mnemonic)
{
    for (int op = 0; op < ISA_OP_COUNT; op++)
        if (isa_ops[op].engine == engine && strcmp(isa_ops[op].mnemonic, mnemonic) == 0)
            return op;
    return -1;
}

static uint32_t op_hash(int engine, const char *text, size_t len)
{
    uint32_t h = 2166136261u ^ (uint32_t)engine;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)text[i]) * 16777619u;
    return h % ISA_OP_INDEX_SIZE;
}

void isa_op_index_init(isa_op_index *t)
{
    memset(t, 0, sizeof *t);
    for (int op = 0; op < ISA_OP_COUNT; op++) {
        size_t len = strlen(isa_ops[op].mnemonic);
        uint32_t h = op_hash((int)isa_ops[op].engine, isa_ops[op].mnemonic, len);
        while (t->e[h].text)
            h = (h + 1) % ISA_OP_INDEX_SIZE;
        t->e[h].text = isa_ops[op].mnemonic;
        t->e[h].len = (uint8_t)len;
        t->e[h].engine = (uint8_t)isa_ops[op].engine;
        t->e[h].op = (int16_t)op;
    }
}

int isa_op_index_find(const isa_op_index *t, int engine, const char *text, size_t len)
{
    for (uint32_t h = op_hash(engine, text, len);; h = (h + 1) % ISA_OP_INDEX_SIZE) {
        if (!t->e[h].text)
            return -1;
        if (t->e[h].engine == engine && t->e[h].len == len && memcmp(t->e[h].text, text, len) == 0)
            return t->e[h].op;
    }
}

unsigned isa_engines_with_op(const char *mnemonic)
{
    unsigned set = 0;
    for (int op = 0; op < ISA_OP_COUNT; op++)
        if (strcmp(isa_ops[op].mnemonic, mnemonic) == 0)
            set |= 1u << isa_ops[op].engine;
    return set;
}

int isa_find_trace_key(const char *name)
{
    for (int k = 0; k < ISA_KEY_COUNT; k++)
        if (strcmp(isa_trace_key_names[k], name) == 0)
            return k;
    return -1;
}

/* Encoded operand index of the immediate of an op, or -1. */
static int imm_arg(const isa_op_info *info)
{
    for (int a = 0; a < info->nargs; a++)
        if (info->kinds[a] == 'i')
            return a;
    return -1;
}

/* Each op's scratch operands and its comment operand, worked out from
 * isa.def on the first call: the assembler and linker ask for every slot,
 * several times. */
static struct {
    int n;
    isa_operand_effect fx[ISA_MAX_RANGES];
    int comment_arg;
} scratch_table[ISA_OP_COUNT];
static int scratch_table_ready;

static void scratch_table_init(void)
{
    for (int op = 0; op < ISA_OP_COUNT; op++) {
        const isa_op_info *info = &isa_ops[op];
        int n = 0, imm = imm_arg(info);
        /* Written: d, D, e (isa.def); read: s, S, f. */
        for (int a = 0; a < info->nargs; a++) {
            char k = info->kinds[a];
            int writes;
            switch (k) {
            case 'd': case 'D': case 'e': writes = 1; break;
            case 's': case 'S': case 'f': writes = 0; break;
            default: continue;
            }
            int displaced = k == 'e' || k == 'f';
            scratch_table[op].fx[n++] = (isa_operand_effect){(uint8_t)a, (uint8_t)writes,
                                                             (k == 'D' || k == 'S') ? ISA_VLEN : 1,
                                                             (int8_t)(displaced ? imm : -1)};
        }
        scratch_table[op].n = n;
        const char *comment = strchr(info->kinds, 'c');
        scratch_table[op].comment_arg = comment ? (int)(comment - info->kinds) : -1;
    }
    scratch_table_ready = 1;
}

int isa_comment_arg(int op)
{
    if (!scratch_table_ready)
        scratch_table_init();
    return op >= 0 && op < ISA_OP_COUNT ? scratch_table[op].comment_arg : -1;
}

const isa_operand_effect *isa_scratch_effects(int op, int *n)
{
    if (!scratch_table_ready)
        scratch_table_init();
    *n = scratch_table[op].n;
    return scratch_table[op].fx;
}

int isa_scratch_operands(int op, isa_operand_effect out[ISA_MAX_RANGES])
{
    int n;
    const isa_operand_effect *fx = isa_scratch_effects(op, &n);
    memcpy(out, fx, (size_t)n * sizeof *out);
    return n;
}

/* The words a slot's operands of one direction touch. */
static int scratch_ranges(const isa_slot *slot, int writes, isa_range out[ISA_MAX_RANGES])
{
    isa_operand_effect fx[ISA_MAX_RANGES];
    int n = 0, nfx = isa_scratch_operands(slot->op, fx);
    for (int i = 0; i < nfx; i++) {
        if (fx[i].writes != writes)
            continue;
        int64_t first = slot->arg[fx[i].arg] + (fx[i].disp_arg >= 0 ? slot->arg[fx[i].disp_arg] : 0);
        out[n++] = (isa_range){(uint32_t)first, fx[i].words};
    }
    return n;
}

int isa_slot_writes(const isa_slot *slot, isa_range out[ISA_MAX_RANGES])
{
    return scratch_ranges(slot, 1, out);
}

int isa_slot_reads(const isa_slot *slot, isa_range out[ISA_MAX_RANGES])
{
    return scratch_ranges(slot, 0, out);
}

int isa_check_slot(const isa_slot *slot, char *why, size_t why_size, int *bad_arg)
{
    *bad_arg = -1;
    if (slot->op >= ISA_OP_COUNT) {
        snprintf(why, why_size, "unknown op %u", (unsigned)slot->op);
        return -1;
    }
    const isa_op_info *info = &isa_ops[slot->op];
    int imm = imm_arg(info);
    for (int a = 0; info->kinds[a]; a++) {
        int64_t v = slot->arg[a];
        char k = info->kinds[a];
        *bad_arg = a;
        switch (k) {
        case 'd': case 'D': case 's': case 'S': case 'e': case 'f': {
            int64_t first = v, last;
            /* operands are 64-bit before encoding: the sums may overflow */
            int wraps = (k == 'e' || k == 'f') && imm >= 0 && __builtin_add_overflow(v, slot->arg[imm], &first);
            wraps |= __builtin_add_overflow(first, (k == 'D' || k == 'S') ? ISA_VLEN - 1 : 0, &last);
            if (v < 0 || wraps || first < 0 || last >= ISA_SCRATCH_WORDS) {
                if (wraps)
                    snprintf(why, why_size, "scratch address %lld%s is outside scratch (0..%d)", (long long)v,
                             first != v ? " with its offset" : "", ISA_SCRATCH_WORDS - 1);
                else if (k == 'D' || k == 'S')
                    snprintf(why, why_size,
                             "vector operand %lld..%lld is outside scratch (0..%d)",
                             (long long)first, (long long)last, ISA_SCRATCH_WORDS - 1);
                else if (first != v)
                    snprintf(why, why_size,
                             "scratch address %lld + offset %lld = %lld is outside scratch (0..%d)",
                             (long long)v, (long long)slot->arg[imm], (long long)first,
                             ISA_SCRATCH_WORDS - 1);
                else
                    snprintf(why, why_size, "scratch address %lld is outside scratch (0..%d)",
                             (long long)v, ISA_SCRATCH_WORDS - 1);
                return -1;
            }
            break;
        }
        case 'i': case 't': case 'r':
            if (v < ISA_IMM_MIN || v > ISA_IMM_MAX) {
                snprintf(why, why_size, "immediate %lld is outside -2^31 .. 2^32-1",
                         (long long)v);
                return -1;
            }
            break;
        case 'n':
            if (v < 0 || v > ISA_IMM_MAX) {
                snprintf(why, why_size, "%lld is not a round or item number", (long long)v);
                return -1;
            }
            break;
        case 'k': {
            int64_t stage = slot->arg[a + 1];
            if (v < 0 || v >= ISA_KEY_COUNT) {
                snprintf(why, why_size, "unknown trace key %lld", (long long)v);
                return -1;
            }
            if (isa_trace_key_takes_stage[v] ? (stage < 0 || stage > 5) : stage != 0) {
                *bad_arg = a + 1;
                snprintf(why, why_size, "bad stage %lld for trace key %s", (long long)stage,
                         isa_trace_key_names[v]);
                return -1;
            }
            break;
        }
        case 'K':
            break; /* checked with its key */
        case 'c':
            if (v < 0 || v > ISA_IMM_MAX) {
                snprintf(why, why_size, "bad comment reference %lld", (long long)v);
                return -1;
            }
            break;
        }
    }
    for (int a = info->nargs; a < ISA_MAX_ARGS; a++) {
        if (slot->arg[a] != 0) {
            *bad_arg = a;
            snprintf(why, why_size, "%s %s takes %d operands, but operand %d is set",
                     isa_engines[info->engine].name, info->mnemonic, info->nargs, a + 1);
            return -1;
        }
    }
    *bad_arg = -1;
    return 0;
}

size_t isa_format_slot(char *buf, size_t size, const isa_slot *slot, const char *comment)
{
    text_buf o = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    if (slot->op >= ISA_OP_COUNT) {
        text_put(&o, "<unknown op %u>", (unsigned)slot->op);
        return o.len;
    }
    const isa_op_info *info = &isa_ops[slot->op];
    text_put(&o, "%s %s", isa_engines[info->engine].name, info->mnemonic);
    for (int a = 0; info->kinds[a]; a++) {
        if (info->kinds[a] == 'K')
            continue; /* printed with its key */
        text_put(&o, a ? ", " : " ");
        switch (info->kinds[a]) {
        case 'k':
            if (slot->arg[a] >= 0 && slot->arg[a] < ISA_KEY_COUNT) {
                text_put(&o, "%s", isa_trace_key_names[slot->arg[a]]);
                if (isa_trace_key_takes_stage[slot->arg[a]])
                    text_put(&o, ", %lld", (long long)slot->arg[a + 1]);
            } else {
                text_put(&o, "<key %lld>", (long long)slot->arg[a]);
            }
            break;
        case 'c':
            text_put(&o, "\"");
            for (const char *c = comment ? comment : ""; *c; c++)
                text_put(&o, (*c == '"' || *c == '\\') ? "\\%c" : "%c", *c);
            text_put(&o, "\"");
            break;
        default:
            text_put(&o, "%lld", (long long)slot->arg[a]);
        }
    }
    return o.len;
}
