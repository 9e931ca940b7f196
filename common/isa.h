/*
 * isa: the machine's instruction set as data (drawn from isa.def).
 *
 * A slot is held decoded as an isa_slot: the op and up to ISA_MAX_ARGS
 * integer operands, in the order the canonical text form writes them.
 * Immediates keep their sign (an int64_t), so that "-1" and "4294967295"
 * stay distinct where it matters (jump targets, relative offsets) and the
 * disassembler prints back what was written.
 *
 * Operand i has kind isa_ops[op].kinds[i] (see isa.def): a trace key is
 * two operands (k, K); a comment (c) holds a string-table offset.
 */
#ifndef VLIW_ISA_H
#define VLIW_ISA_H

#include <stddef.h>
#include <stdint.h>

#define ISA_SCRATCH_WORDS 1536
#define ISA_VLEN 8
#define ISA_MAX_ARGS 5
#define ISA_IMM_MIN (-2147483648LL)        /* -2^31 */
#define ISA_IMM_MAX 4294967295LL           /* 2^32 - 1 */

typedef enum {
#define ISA_ENGINE(id, name, slots, cost) ISA_ENG_##id,
#include "isa.def"
    ISA_ENGINE_COUNT
} isa_engine;

typedef enum {
#define ISA_BINOP(id, m) ISA_BIN_##id,
#include "isa.def"
    ISA_BINOP_COUNT
} isa_binop;

/* Op ids: every binop on the alu, then every binop on the valu, then the
 * ops listed with ISA_OP, in isa.def order. */
typedef enum {
#define ISA_BINOP(id, m) ISA_OP_ALU_##id,
#include "isa.def"
#define ISA_BINOP(id, m) ISA_OP_VALU_##id,
#include "isa.def"
#define ISA_OP(id, eng, m, k, mem, fx, lanes) ISA_OP_##id,
#include "isa.def"
    ISA_OP_COUNT
} isa_opcode;

typedef enum {
#define ISA_TRACE_KEY(id, name, stage) ISA_KEY_##id,
#include "isa.def"
    ISA_KEY_COUNT
} isa_trace_key;

typedef struct {
    const char *name;
    int slot_limit;
    int costs_cycle;
} isa_engine_info;

/* Memory and other effects of an op (isa.def's memory and effects
 * columns). */
enum { ISA_MEM_NONE_KIND, ISA_MEM_READ_KIND, ISA_MEM_WRITE_KIND };
typedef struct {
    uint8_t kind;           /* ISA_MEM_*_KIND */
    uint8_t addr_arg;       /* the scratch operand holding the address */
    uint8_t words;          /* 1 or ISA_VLEN */
} isa_mem;
#define ISA_MEM_NONE {ISA_MEM_NONE_KIND, 0, 0}
#define ISA_MEM_READ(arg, words) {ISA_MEM_READ_KIND, arg, words}
#define ISA_MEM_WRITE(arg, words) {ISA_MEM_WRITE_KIND, arg, words}
#define ISA_FX_CONTROL 1u   /* a jump, halt or pause */
#define ISA_FX_ORDERED 2u   /* an outside effect kept in program order */

typedef struct {
    const char *mnemonic;   /* as written after the engine name */
    isa_engine engine;
    const char *kinds;      /* operand kinds, one char each (isa.def) */
    int nargs;              /* operands = strlen(kinds) */
    int binop;              /* isa_binop for alu/valu arithmetic, else -1 */
    isa_mem mem;
    unsigned effects;       /* ISA_FX_* */
    int lane_op;            /* the alu op computing one lane, or -1 */
} isa_op_info;

typedef struct {
    uint16_t op;            /* isa_opcode */
    int64_t arg[ISA_MAX_ARGS];
} isa_slot;

extern const isa_engine_info isa_engines[ISA_ENGINE_COUNT];
extern const isa_op_info isa_ops[ISA_OP_COUNT];
extern const char *const isa_binop_names[ISA_BINOP_COUNT];
/* The binop whose isa.def id is this word in any case ("add", "XOR"),
 * or -1: what a user of other assemblers may type for "+" or "^". */
int isa_find_binop_word(const char *word);
extern const char *const isa_trace_key_names[ISA_KEY_COUNT];
extern const int isa_trace_key_takes_stage[ISA_KEY_COUNT];

/* Op id for "engine mnemonic", or -1. */
int isa_find_op(isa_engine engine, const char *mnemonic);
/* The same by hash, for the assembler's hot paths (an op per slot): a
 * table its user owns, filled once by isa_op_index_init. */
#define ISA_OP_INDEX_SIZE 256
typedef struct {
    struct {
        const char *text;   /* the mnemonic, or NULL: a free entry */
        uint8_t len, engine;
        int16_t op;
    } e[ISA_OP_INDEX_SIZE];
} isa_op_index;
void isa_op_index_init(isa_op_index *t);
int isa_op_index_find(const isa_op_index *t, int engine, const char *text, size_t len);
/* Engine id for a name ("alu" ...), or -1. */
int isa_find_engine(const char *name);
/* Trace key id for a name, or -1. */
int isa_find_trace_key(const char *name);
/* The engines that have an op of this mnemonic, as a bit set (1 << engine);
 * lets the assembler say "vselect runs on the flow engine". */
unsigned isa_engines_with_op(const char *mnemonic);

/* Checks a decoded slot against the machine: known op, operand count,
 * immediates in range, every scratch word it touches inside 0..1535
 * (vector operands over all 8 lanes, load_offset's displaced words),
 * valid trace key and stage.  Returns 0 if the slot is valid, else -1 with
 * a one-line reason in why and the index of the offending operand in
 * *bad_arg (-1 for the whole slot).  Used by the assembler and the image
 * loader alike. */
int isa_check_slot(const isa_slot *slot, char *why, size_t why_size, int *bad_arg);

/* The scratch operands of an op, in operand order: the one description of
 * what a slot reads and writes, from which every consumer (assembler,
 * optimizer, linker checks, loader, simulator, traces) works out words.
 * Operand arg touches words [value, value+words), displaced by the
 * value of operand disp_arg when that is >= 0 (load_offset). */
#define ISA_MAX_RANGES 5
typedef struct {
    uint8_t arg;
    uint8_t writes;         /* 1: a destination, 0: a source */
    uint8_t words;          /* 1 or ISA_VLEN */
    int8_t disp_arg;        /* operand displacing the address, or -1 */
} isa_operand_effect;
/* Fills out with op's scratch operands; returns how many. */
int isa_scratch_operands(int op, isa_operand_effect out[ISA_MAX_RANGES]);
/* The same without a copy, for callers that ask per slot: op's scratch
 * operands, *n of them, in a table that lives as long as the program. */
const isa_operand_effect *isa_scratch_effects(int op, int *n);
/* The operand of op that holds a comment's string offset (kind c), or -1
 * (also for an op outside the table). */
int isa_comment_arg(int op);

/* Scratch words a decoded slot reads and writes.  Each range is
 * [first, first+count).  Returns the number of ranges stored (at most
 * ISA_MAX_RANGES). */
typedef struct { uint32_t first, count; } isa_range;
int isa_slot_writes(const isa_slot *slot, isa_range out[ISA_MAX_RANGES]);
int isa_slot_reads(const isa_slot *slot, isa_range out[ISA_MAX_RANGES]);

/* Writes the canonical text form of a slot ("alu + 10, 11, 12") into buf,
 * always NUL-terminated; comment is the text of a debug comment (unquoted,
 * unescaped) and is ignored for other ops.  Returns the length the full
 * text needs, like snprintf. */
size_t isa_format_slot(char *buf, size_t size, const isa_slot *slot, const char *comment);

#endif
