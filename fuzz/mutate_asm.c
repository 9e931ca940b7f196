/*
 * mutate_asm: fuzz_asm's structure-aware mutator (fuzz/README.md), linked
 * only into the libFuzzer build.  Byte mutations of source text mostly
 * give syntax errors, and a program with one error stops before the
 * optimizer, the linker and the machine.  These mutations work on lines
 * and tokens, so that a valid program tends to stay valid:
 *
 *   delete, duplicate, swap or move lines, delete a block of lines; wrap
 *   lines in .linear or .rept;
 *   replace an op with another of its engine (from the ISA table), a
 *   number with an interesting value, a name with another name of the
 *   input; change the option byte.
 *
 * About a third of the mutations are libFuzzer's own (LLVMFuzzerMutate)
 * on the source, so byte-level exploration goes on.  The cross-over puts
 * a block of lines of one input into the other (a macro next to its uses,
 * a label next to its jumps).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isa.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2, size_t size2,
                                 uint8_t *out, size_t max_out_size, unsigned int seed);

enum { MAX_LINES = 4096, MAX_NAMES = 256 };

typedef struct {
    uint64_t state;
} rng;

static unsigned next(rng *r, unsigned bound)   /* 0 .. bound-1 (bound > 0) */
{
    r->state ^= r->state << 13;
    r->state ^= r->state >> 7;
    r->state ^= r->state << 17;
    return (unsigned)(r->state % bound);
}

typedef struct {
    const char *text;
    size_t len;   /* with its '\n', when it has one */
} line;

/* The lines of text (at most MAX_LINES; the last may lack its '\n'). */
static size_t split_lines(const char *text, size_t size, line *lines)
{
    size_t n = 0;
    for (size_t at = 0; at < size && n < MAX_LINES;) {
        const char *nl = memchr(text + at, '\n', size - at);
        size_t len = nl ? (size_t)(nl - (text + at)) + 1 : size - at;
        lines[n++] = (line){text + at, len};
        at += len;
    }
    return n;
}

/* An output under construction; full once it would pass max. */
typedef struct {
    uint8_t *buf;
    size_t len, max;
    int full;
} out_buf;

static void put(out_buf *o, const void *bytes, size_t len)
{
    if (o->full || len > o->max - o->len) {
        o->full = 1;
        return;
    }
    memcpy(o->buf + o->len, bytes, len);
    o->len += len;
}

static void put_line(out_buf *o, const line *l)
{
    put(o, l->text, l->len);
    if (!l->len || l->text[l->len - 1] != '\n')
        put(o, "\n", 1);
}

static int is_name_char(char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' ||
           (!first && c >= '0' && c <= '9');
}

/* The next token of l at or after *at: [start, end) of a name, a number
 * or an op word (a run of non-space, non-comma characters); 0 at the end. */
static int next_token(const line *l, size_t *at, size_t *start, size_t *end)
{
    size_t i = *at;
    while (i < l->len && (l->text[i] == ' ' || l->text[i] == '\t' || l->text[i] == ',' || l->text[i] == '\n'))
        i++;
    if (i >= l->len || l->text[i] == '#')
        return 0;
    size_t j = i + 1;
    if (is_name_char(l->text[i], 1))
        while (j < l->len && is_name_char(l->text[j], 0))
            j++;
    else
        while (j < l->len && l->text[j] != ' ' && l->text[j] != '\t' && l->text[j] != ',' && l->text[j] != '\n')
            j++;
    *start = i;
    *end = j;
    *at = j;
    return 1;
}

/* Line l with [start, end) replaced by word. */
static void put_replaced(out_buf *o, const line *l, size_t start, size_t end, const char *word)
{
    put(o, l->text, start);
    put(o, word, strlen(word));
    put(o, l->text + end, l->len - end);
}

/* Replaces a token of line k chosen by kind: an op after its engine, a
 * number, or a name of the input.  Returns 0 when the line has none. */
enum { TOKEN_OP, TOKEN_NUMBER, TOKEN_NAME };
static int replace_token(out_buf *o, const line *lines, size_t n, size_t k, int kind, rng *r)
{
    const line *l = &lines[k];
    size_t at = 0, start, end, prev_start = 0, prev_end = 0;
    size_t found_start[32], found_end[32];
    const char *choice[32];
    int nfound = 0;
    static char words[32][64];
    int prev = 0;
    while (nfound < 32 && next_token(l, &at, &start, &end)) {
        size_t len = end - start;
        const char *tok = l->text + start;
        if (kind == TOKEN_OP && prev) {
            char engine[16];
            size_t elen = prev_end - prev_start;
            if (elen < sizeof engine) {
                memcpy(engine, l->text + prev_start, elen);
                engine[elen] = '\0';
                int e = isa_find_engine(engine);
                if (e >= 0) {
                    int ops[ISA_OP_COUNT], nops = 0;
                    for (int op = 0; op < ISA_OP_COUNT; op++)
                        if ((int)isa_ops[op].engine == e)
                            ops[nops++] = op;
                    if (nops) {
                        found_start[nfound] = start;
                        found_end[nfound] = end;
                        choice[nfound++] = isa_ops[ops[next(r, (unsigned)nops)]].mnemonic;
                    }
                }
            }
        } else if (kind == TOKEN_NUMBER && tok[0] >= '0' && tok[0] <= '9') {
            /* Operands get the edges of scratch, memory and words; a
             * directive (.rept, .for, .equ) small counts, since a big one
             * only makes a run slow until a limit stops it. */
            static const char *const operand[] = {
                "0", "1", "2", "7", "8", "9", "15", "16", "31", "32", "63", "64", "255", "256", "1023", "1024",
                "1535", "1536", "4095", "4096", "65535", "0x7fffffff", "0x80000000", "0xffffffff",
                "0x100000000", "9223372036854775807",
            };
            static const char *const count[] = {"0", "1", "2", "3", "4", "7", "8", "9", "16", "17"};
            size_t first = 0;
            while (first < l->len && (l->text[first] == ' ' || l->text[first] == '\t'))
                first++;
            int directive = first < l->len && l->text[first] == '.';
            found_start[nfound] = start;
            found_end[nfound] = end;
            choice[nfound++] = directive ? count[next(r, sizeof count / sizeof count[0])]
                                         : operand[next(r, sizeof operand / sizeof operand[0])];
        } else if (kind == TOKEN_NAME && is_name_char(tok[0], 1) && tok[0] != '.' && len < 64) {
            /* another name of the input: a token of a random line */
            const line *other = &lines[next(r, (unsigned)n)];
            size_t oat = 0, os, oe;
            int picked = 0;
            for (unsigned skip = next(r, 8); next_token(other, &oat, &os, &oe);)
                if (is_name_char(other->text[os], 1) && other->text[os] != '.' && oe - os < 64) {
                    memcpy(words[nfound], other->text + os, oe - os);
                    words[nfound][oe - os] = '\0';
                    picked = 1;
                    if (!skip--)
                        break;
                }
            if (picked) {
                found_start[nfound] = start;
                found_end[nfound] = end;
                choice[nfound] = words[nfound];
                nfound++;
            }
        }
        prev = 1;
        prev_start = start;
        prev_end = end;
    }
    if (!nfound)
        return 0;
    int pick = (int)next(r, (unsigned)nfound);
    for (size_t i = 0; i < n; i++)
        if (i == k)
            put_replaced(o, l, found_start[pick], found_end[pick], choice[pick]);
        else
            put_line(o, &lines[i]);
    return 1;
}

/* One structural mutation of the source into o; 0 when it did not apply. */
static int mutate_lines(out_buf *o, const char *src, size_t size, rng *r)
{
    static line lines[MAX_LINES];
    size_t n = split_lines(src, size, lines);
    if (n == 0)
        return 0;
    size_t a = next(r, (unsigned)n), b = next(r, (unsigned)n);
    if (a > b) {
        size_t t = a;
        a = b;
        b = t;
    }
    switch (next(r, 10)) {
    case 0:   /* delete line a */
        for (size_t i = 0; i < n; i++)
            if (i != a)
                put_line(o, &lines[i]);
        return 1;
    case 9:   /* delete lines a..b (at most 32): smaller programs run faster */
        if (b - a >= 32)
            b = a + next(r, 32);
        for (size_t i = 0; i < n; i++)
            if (i < a || i > b)
                put_line(o, &lines[i]);
        return 1;
    case 1:   /* a copy of line b before line a */
        for (size_t i = 0; i < n; i++) {
            if (i == a)
                put_line(o, &lines[b]);
            put_line(o, &lines[i]);
        }
        return 1;
    case 2:   /* swap lines a and b */
        for (size_t i = 0; i < n; i++)
            put_line(o, &lines[i == a ? b : i == b ? a : i]);
        return a != b;
    case 3: { /* lines a..b in .linear, or in .rept N */
        int linear = next(r, 2);
        char rept[32];
        snprintf(rept, sizeof rept, ".rept %u\n", 1 + next(r, 4));
        for (size_t i = 0; i < n; i++) {
            if (i == a)
                put(o, linear ? ".linear\n" : rept, strlen(linear ? ".linear\n" : rept));
            put_line(o, &lines[i]);
            if (i == b)
                put(o, linear ? ".endlinear\n" : ".endr\n", strlen(linear ? ".endlinear\n" : ".endr\n"));
        }
        return 1;
    }
    case 4:
    case 5:
        return replace_token(o, lines, n, a, TOKEN_OP, r);
    case 6:
        return replace_token(o, lines, n, a, TOKEN_NUMBER, r);
    case 7:
        return replace_token(o, lines, n, a, TOKEN_NAME, r);
    default:  /* move line a to the end */
        for (size_t i = 0; i < n; i++)
            if (i != a)
                put_line(o, &lines[i]);
        put_line(o, &lines[a]);
        return 1;
    }
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    rng r = {seed * 2654435761u + 1};
    if (size == 0 || max_size < 2) {
        data[0] = 1;
        return 1;
    }
    unsigned what = next(&r, 16);
    if (what < 10) {
        static uint8_t buf[1 << 20];
        out_buf o = {buf, 0, max_size < sizeof buf ? max_size : sizeof buf, 0};
        put(&o, data, 1);
        if (mutate_lines(&o, (const char *)data + 1, size - 1, &r) && !o.full && o.len > 1) {
            memcpy(data, buf, o.len);
            return o.len;
        }
    } else if (what == 10) {
        data[0] = (uint8_t)next(&r, 8);   /* -O0/1/2, -Werror */
        return size;
    }
    return 1 + LLVMFuzzerMutate(data + 1, size - 1, max_size - 1);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2, size_t size2,
                                 uint8_t *out, size_t max_out_size, unsigned int seed)
{
    static line a[MAX_LINES], b[MAX_LINES];
    if (size1 < 2 || size2 < 2 || max_out_size < 2)
        return 0;
    rng r = {seed * 2654435761u + 7};
    size_t na = split_lines((const char *)data1 + 1, size1 - 1, a);
    size_t nb = split_lines((const char *)data2 + 1, size2 - 1, b);
    /* Lines from..to of the second input, put before line at of the first. */
    size_t at = next(&r, (unsigned)na + 1), from = next(&r, (unsigned)nb), to = from + next(&r, 16);
    out_buf o = {out, 0, max_out_size, 0};
    put(&o, data1, 1);
    for (size_t i = 0; i <= na; i++) {
        if (i == at)
            for (size_t j = from; j <= to && j < nb; j++)
                put_line(&o, &b[j]);
        if (i < na)
            put_line(&o, &a[i]);
    }
    return o.full ? 0 : o.len;
}
