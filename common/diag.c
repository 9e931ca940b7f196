/* diag: formatted messages with the source line and a caret. */
#include "diag.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "srclines.h"
#include "xalloc.h"

/* The colours gcc and clang use: bold places and text, red errors,
 * magenta warnings, cyan notes, a green caret. */
#define BOLD "\033[1m"
#define RESET "\033[0m"

typedef struct {
    char *file;
    char *text;
    size_t size;
    size_t *line_start;   /* offset of every DIAG_LINE_STEP-th line, built on the first lookup */
    size_t nlines;        /* lines in all */
    /* The line found last (0: none), where a message's note usually is,
     * and from which the next message's line, usually further on, is
     * found when that is nearer than the index's. */
    size_t last_line, last_start;
} diag_source;

/* An error or warning shown lately: the same one again (a statement inside
 * a .rept, a bad index in a .for) is counted rather than printed. */
typedef struct {
    uint64_t key;     /* hash of its first line, location and text */
    char *where;      /* its "file:line:col" to cite in the summary */
    long repeats;
} diag_recent;

#define DIAG_RECENT 16
#define DIAG_LINE_STEP 16   /* lines per entry of a source's line index */
#define DIAG_WINDOW 120     /* columns of a long source line shown around the caret */
#define DIAG_MAX_NOTES 10   /* notes shown under one error or warning */

struct diag {
    FILE *out;
    char *program;
    int werror, color;
    struct werror_flag {
        char *flag;
        int on;
    } *flags;            /* -Werror=NAME, -Wno-error=NAME */
    size_t nflags;
    int errors, warnings;
    int limit;            /* errors shown before stopping; 0: no limit */
    int shown_errors;
    int stopped;          /* the limit was reached: nothing more is shown */
    int hiding;           /* the last error or warning was not shown, nor are its notes */
    int notes;            /* notes shown since the last error or warning */
    long hidden_notes;    /* and those held back */
    diag_recent recent[DIAG_RECENT];
    unsigned next_recent;
    diag_source *sources;
    size_t nsources, cap;
    src_cache *disk;     /* diag_read_sources: other files' lines, read on first use */
    /* diag_hold: the messages held back, each with its notes. */
    struct held {
        size_t at, len;  /* its text: held_text[at .. at+len) */
        int file;        /* index in files, or INT_MAX: no line */
        int line, col;
        size_t seq;      /* arrival, to keep equal keys in order */
    } *held;
    size_t nheld, cap_held;
    char *held_text;     /* the held messages' texts, one after another */
    size_t held_len, cap_held_text;
    char **files;        /* file names in order of first message */
    size_t nfiles;
    int holding;
};

static char *dup_bytes(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

diag *diag_new(FILE *out, const char *program)
{
    diag *d = xcalloc(1, sizeof *d);
    d->out = out;
    d->program = dup_bytes(program, strlen(program));
    d->limit = DIAG_DEFAULT_ERROR_LIMIT;
    return d;
}

void diag_free(diag *d)
{
    if (!d)
        return;
    diag_flush(d);   /* nothing held or counted is lost */
    for (size_t i = 0; i < d->nsources; i++) {
        free(d->sources[i].file);
        free(d->sources[i].text);
        free(d->sources[i].line_start);
    }
    free(d->sources);
    src_cache_free(d->disk);
    free(d->held);
    free(d->held_text);
    for (size_t i = 0; i < d->nfiles; i++)
        free(d->files[i]);
    free(d->files);
    for (size_t i = 0; i < d->nflags; i++)
        free(d->flags[i].flag);
    free(d->flags);
    free(d->program);
    free(d);
}

void diag_set_werror(diag *d, int on) { d->werror = on; }
void diag_set_color(diag *d, int on) { d->color = on; }

void diag_read_sources(diag *d, int on)
{
    if (on && !d->disk)
        d->disk = src_cache_new();
    else if (!on) {
        src_cache_free(d->disk);
        d->disk = NULL;
    }
}

void diag_set_werror_flag(diag *d, const char *flag, int on)
{
    d->flags = xrealloc(d->flags, (d->nflags + 1) * sizeof *d->flags);
    d->flags[d->nflags++] = (struct werror_flag){dup_bytes(flag, strlen(flag)), on};
}

/* Whether a warning of this flag is reported as an error. */
static int promoted(const diag *d, const char *flag)
{
    for (size_t i = d->nflags; i-- > 0;)
        if (strcmp(d->flags[i].flag, flag) == 0)
            return d->flags[i].on;
    return d->werror;
}

void diag_set_error_limit(diag *d, int limit) { d->limit = limit > 0 ? limit : 0; }
int diag_stopped(const diag *d) { return d->stopped; }
int diag_error_count(const diag *d) { return d->errors; }
int diag_warning_count(const diag *d) { return d->warnings; }

void diag_print_summary(diag *d)
{
    if (!d->errors && !d->warnings)
        return;
    fprintf(d->out, "%s: ", d->program);
    if (d->errors)
        fprintf(d->out, "%d error%s%s", d->errors, d->errors == 1 ? "" : "s", d->warnings ? " and " : "");
    if (d->warnings)
        fprintf(d->out, "%d warning%s", d->warnings, d->warnings == 1 ? "" : "s");
    fprintf(d->out, " generated.\n");
    fflush(d->out);
}

void diag_add_source(diag *d, const char *file, const char *text, size_t size)
{
    diag_adopt_source(d, file, dup_bytes(text, size), size);
}

void diag_adopt_source(diag *d, const char *file, char *text, size_t size)
{
    if (d->nsources == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 8;
        d->sources = xrealloc(d->sources, d->cap * sizeof *d->sources);
    }
    diag_source *s = &d->sources[d->nsources++];
    s->file = dup_bytes(file, strlen(file));
    s->text = text;
    s->text[size] = '\0';
    s->size = size;
    s->line_start = NULL;
    s->nlines = 0;
    s->last_line = s->last_start = 0;
}

void diag_drop_source(diag *d, const char *file)
{
    if (!d->disk)
        return;
    for (size_t i = d->nsources; i-- > 0;) {
        diag_source *s = &d->sources[i];
        if (strcmp(s->file, file) != 0)
            continue;
        free(s->file);
        free(s->text);
        free(s->line_start);
        memmove(s, s + 1, (d->nsources - i - 1) * sizeof *s);
        d->nsources--;
    }
}

/* Newlines in p[0..n).  With SSE2 (every x86-64): sixteen bytes a step,
 * each byte compared with '\n' into 0 or -1 and subtracted from a byte
 * counter, the counters summed every 255 steps (psadbw) before they can
 * wrap.  Elsewhere, eight bytes a step: in each word a byte that held
 * '\n' becomes 0 (xor), each zero byte gets its high bit set (the add
 * cannot carry out of a byte, so no other byte's bit is), and the
 * multiply sums the bits into the top byte. */
static size_t count_newlines(const char *p, size_t n)
{
    size_t count = 0, i = 0;
#ifdef __SSE2__
    const __m128i newline = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
    while (n - i >= 16) {
        __m128i counters = zero;
        for (int step = 0; step < 255 && n - i >= 16; step++, i += 16)
            counters = _mm_sub_epi8(counters, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i)), newline));
        __m128i sums = _mm_sad_epu8(counters, zero);
        count += (size_t)_mm_cvtsi128_si64(sums) + (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums));
    }
#else
    const uint64_t ones = 0x0101010101010101u, low7 = ones * 0x7f, newlines = ones * '\n';
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t x = w ^ newlines, nonzero = ((x & low7) + low7) | x;
        count += (size_t)((((~nonzero >> 7) & ones) * ones) >> 56);
    }
#endif
    for (; i < n; i++)
        count += p[i] == '\n';
    return count;
}

/* The bits set in a 16-bit mask, without the library call that
 * __builtin_popcount is on x86-64's baseline (no POPCNT). */
static unsigned bits16(unsigned x)
{
    x = x - ((x >> 1) & 0x5555u);
    x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
    x = (x + (x >> 4)) & 0x0F0Fu;
    return (x + (x >> 8)) & 0x1Fu;
}

/* The k-th newline (k >= 1) in p[0..n), or NULL when there are fewer.
 * With SSE2, sixteen bytes a step: a step's newlines are counted from the
 * compare mask, and the k-th is found among its bits. */
static const char *nth_newline(const char *p, size_t n, size_t k)
{
    size_t i = 0;
#ifdef __SSE2__
    const __m128i newline = _mm_set1_epi8('\n');
    for (; n - i >= 16; i += 16) {
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i)), newline));
        size_t in_step = bits16(mask);
        if (in_step < k) {
            k -= in_step;
            continue;
        }
        while (--k)
            mask &= mask - 1;
        return p + i + __builtin_ctz(mask);
    }
#endif
    for (; i < n; i++)
        if (p[i] == '\n' && --k == 0)
            return p + i;
    return NULL;
}

/* Indexes the starts of a source's lines once, so that a run reporting
 * many messages in a big file does not rescan it for each one.  Only
 * every DIAG_LINE_STEP-th line's start is kept: a lookup passes at most
 * that many lines, and the index of a million-line file is 512 KB, not
 * 8 MB held beside the program while it is checked.  The text is counted
 * a block at a time, and searched newline by newline only in the blocks
 * where an indexed line starts. */
static void index_lines(diag_source *s)
{
    enum { BLOCK = 256 };
    size_t n = 1, cap = 64;
    s->line_start = xmallocarray(cap, sizeof *s->line_start);
    s->line_start[0] = 0;
    for (size_t at = 0; at < s->size; at += BLOCK) {
        size_t len = s->size - at < BLOCK ? s->size - at : BLOCK;
        size_t in_block = count_newlines(s->text + at, len);
        /* Lines n .. n + in_block - 1 end in this block: is one of them
         * the last before an indexed one? */
        if ((n + in_block - 1) / DIAG_LINE_STEP == (n - 1) / DIAG_LINE_STEP) {
            n += in_block;
            continue;
        }
        /* Line m (a multiple of the step) ends at the block's newline
         * m - n + 1; the next line starts after it. */
        for (size_t m = (n + DIAG_LINE_STEP - 1) / DIAG_LINE_STEP * DIAG_LINE_STEP; m < n + in_block;
             m += DIAG_LINE_STEP) {
            if (m / DIAG_LINE_STEP == cap) {
                cap *= 2;
                s->line_start = xrealloc(s->line_start, cap * sizeof *s->line_start);
            }
            const char *nl = nth_newline(s->text + at, len, m - n + 1);
            s->line_start[m / DIAG_LINE_STEP] = (size_t)(nl - s->text) + 1;
        }
        n += in_block;
    }
    s->nlines = n;
}

/* The text of line `line` of a registered file, or NULL. */
static const char *find_line(diag *d, const char *file, int line, size_t *len)
{
    for (size_t i = d->nsources; i-- > 0;) {
        diag_source *s = &d->sources[i];
        if (strcmp(s->file, file) != 0)
            continue;
        if (!s->line_start)
            index_lines(s);
        if (line < 1 || (size_t)line > s->nlines)
            return NULL;
        const char *p = s->text + s->line_start[(size_t)(line - 1) / DIAG_LINE_STEP], *end = s->text + s->size;
        size_t skip = (size_t)(line - 1) % DIAG_LINE_STEP;
        if (s->last_line && s->last_line <= (size_t)line && (size_t)line - s->last_line < skip) {
            p = s->text + s->last_start;
            skip = (size_t)line - s->last_line;
        }
        if (skip)   /* the line exists: so do the newlines before it */
            p = nth_newline(p, (size_t)(end - p), skip) + 1;
        if (p >= end && line > 1)
            return NULL;
        s->last_line = (size_t)line;
        s->last_start = (size_t)(p - s->text);
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        *len = (size_t)((nl ? nl : end) - p);
        if (*len && p[*len - 1] == '\r')
            (*len)--;
        return p;
    }
    int n;
    const char *text = d->disk && line > 0 ? src_line(d->disk, file, (uint32_t)line, &n) : NULL;
    if (text)
        *len = (size_t)n;
    return text;
}

/* A message is formatted whole into one buffer and written with one
 * call: on an unbuffered stderr, printing it piece by piece cost a write
 * system call per piece (about 90 for a warning with its caret line). */
typedef struct {
    char *buf;
    size_t len, cap;
    char local[1024];
} msg_buf;

static void reserve(msg_buf *m, size_t more)
{
    if (m->len + more < m->cap)
        return;
    size_t cap = 2 * (m->len + more) + 1;
    if (m->buf == m->local) {
        m->buf = xmalloc(cap);
        memcpy(m->buf, m->local, m->len);
    } else {
        m->buf = xrealloc(m->buf, cap);
    }
    m->cap = cap;
}

static void put_char(msg_buf *m, char c)
{
    reserve(m, 1);
    m->buf[m->len++] = c;
}

__attribute__((format(printf, 2, 0)))
static void put_v(msg_buf *m, const char *fmt, va_list ap)
{
    if (fmt[0] == '%' && fmt[1] == 's' && !fmt[2]) {   /* a message formatted already (asm_vreport's) */
        const char *s = va_arg(ap, const char *);
        size_t n = strlen(s);
        reserve(m, n);
        memcpy(m->buf + m->len, s, n);
        m->len += n;
        return;
    }
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(m->buf + m->len, m->cap - m->len, fmt, ap);
    if (n > 0 && (size_t)n >= m->cap - m->len) {
        reserve(m, (size_t)n);
        vsnprintf(m->buf + m->len, m->cap - m->len, fmt, again);
    }
    va_end(again);
    if (n > 0)
        m->len += (size_t)n;
}

static void put_bytes(msg_buf *m, const char *s, size_t n)
{
    reserve(m, n);
    memcpy(m->buf + m->len, s, n);
    m->len += n;
}

static void put_str(msg_buf *m, const char *s)
{
    put_bytes(m, s, strlen(s));
}

/* A number right-aligned in width columns (vsnprintf costs more than the
 * rest of a message, so it only formats the message's own text). */
static void put_int(msg_buf *m, int v, int width)
{
    char digits[16];
    int n = 0;
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
    do
        digits[n++] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        digits[n++] = '-';
    for (int pad = width - n; pad > 0; pad--)
        put_char(m, ' ');
    while (n > 0)
        put_char(m, digits[--n]);
}

/* A count with thousands separators: "99,985". */
static void put_count(msg_buf *m, long v)
{
    char digits[32];
    int n = 0;
    unsigned long u = (unsigned long)v;
    do {
        if (n % 4 == 3)
            digits[n++] = ',';
        digits[n++] = (char)('0' + u % 10);
    } while ((u /= 10) != 0);
    while (n > 0)
        put_char(m, digits[--n]);
}

/* The line, or for a long one a window of about DIAG_WINDOW columns
 * around the caret with "..." where it is cut, so that a message costs
 * the same on a line of a megabyte as on a short one. */
static void show_source(diag *d, msg_buf *m, const diag_loc *loc)
{
    size_t len;
    const char *text = find_line(d, loc->file, loc->line, &len);
    if (!text)
        return;
    size_t caret = loc->col > 0 ? (size_t)loc->col - 1 : 0;
    size_t from = 0, to = len;
    if (len > DIAG_WINDOW) {
        from = caret > DIAG_WINDOW / 3 ? caret - DIAG_WINDOW / 3 : 0;
        to = from + DIAG_WINDOW < len ? from + DIAG_WINDOW : len;
        from = to - DIAG_WINDOW;
        if (caret >= to)   /* a column past the line's end: show its end */
            caret = to;
    }
    put_int(m, loc->line, 5);
    put_bytes(m, " | ", 3);
    if (from > 0)
        put_bytes(m, "...", 3);
    put_bytes(m, text + from, to - from);
    if (to < len)
        put_bytes(m, "...", 3);
    put_char(m, '\n');
    if (loc->col <= 0)
        return;
    put_bytes(m, "      | ", 8);
    if (from > 0)
        put_bytes(m, "   ", 3);
    /* Keep tabs so the caret lines up under the same columns. */
    size_t lead = caret < to ? caret - from : to > from ? to - from : 0;
    reserve(m, lead);
    char *under = m->buf + m->len;
    memset(under, ' ', lead);
    for (const char *t = text + from; (t = memchr(t, '\t', (size_t)(text + from + lead - t))); t++)
        under[t - (text + from)] = '\t';
    m->len += lead;
    if (d->color)
        put_str(m, "\033[1;32m");
    put_char(m, '^');
    size_t room = to > caret ? to - caret : 1;
    size_t tildes = loc->len > 1 ? (size_t)loc->len - 1 : 0;
    if (tildes > room - 1)
        tildes = room - 1;
    reserve(m, tildes);
    memset(m->buf + m->len, '~', tildes);
    m->len += tildes;
    if (d->color)
        put_str(m, RESET);
    put_char(m, '\n');
}


static const char *kind_color(const char *kind)
{
    return kind[0] == 'e' ? "\033[1;31m" : kind[0] == 'w' ? "\033[1;35m" : "\033[1;36m";
}

static int file_index(diag *d, const char *file)
{
    for (size_t i = 0; i < d->nfiles; i++)
        if (strcmp(d->files[i], file) == 0)
            return (int)i;
    d->files = xrealloc(d->files, (d->nfiles + 1) * sizeof *d->files);
    d->files[d->nfiles] = dup_bytes(file, strlen(file));
    return (int)d->nfiles++;
}

/* Appends text to the held texts; returns where it starts. */
static size_t hold_text(diag *d, const char *text, size_t len)
{
    if (d->held_len + len > d->cap_held_text) {
        d->cap_held_text = 2 * (d->held_len + len) + 4096;
        d->held_text = xrealloc(d->held_text, d->cap_held_text);
    }
    memcpy(d->held_text + d->held_len, text, len);
    d->held_len += len;
    return d->held_len - len;
}

/* Keeps a formatted message for diag_flush, its text in one buffer with
 * the others' (no allocation per message); a note joins the message
 * before it, whose text is the last one held. */
static void hold(diag *d, const diag_loc *loc, const char *kind, const char *text, size_t len)
{
    if (kind[0] == 'n' && d->nheld) {
        hold_text(d, text, len);
        d->held[d->nheld - 1].len += len;
        return;
    }
    if (d->nheld == d->cap_held) {
        d->cap_held = d->cap_held ? 2 * d->cap_held : 16;
        d->held = xrealloc(d->held, d->cap_held * sizeof *d->held);
    }
    int placed = loc && loc->file && loc->line > 0;
    d->held[d->nheld] = (struct held){hold_text(d, text, len), len, placed ? file_index(d, loc->file) : INT_MAX,
                                      placed ? loc->line : 0, placed ? loc->col : 0, d->nheld};
    d->nheld++;
}

static int held_order(const void *a, const void *b)
{
    const struct held *x = a, *y = b;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void diag_hold(diag *d) { d->holding = 1; }

/* Writes the held messages in source order, gathered into writes of up
 * to DIAG_RELEASE_CHUNK bytes of whole messages: on an unbuffered stderr
 * each message would otherwise be a system call of its own (9,500 for a
 * million-line program that warns once in a hundred lines). */
#define DIAG_RELEASE_CHUNK 65536
static void release_held(diag *d)
{
    if (d->nheld)   /* qsort wants a valid pointer even for nothing */
        qsort(d->held, d->nheld, sizeof *d->held, held_order);
    char *chunk = d->nheld > 1 ? xmalloc(DIAG_RELEASE_CHUNK) : NULL;
    size_t used = 0;
    for (size_t i = 0; i < d->nheld; i++) {
        size_t len = d->held[i].len;
        if (chunk && used + len > DIAG_RELEASE_CHUNK) {
            fwrite(chunk, 1, used, d->out);
            used = 0;
        }
        const char *text = d->held_text + d->held[i].at;
        if (chunk && len <= DIAG_RELEASE_CHUNK) {
            memcpy(chunk + used, text, len);
            used += len;
        } else {
            fwrite(text, 1, len, d->out);
        }
    }
    if (used)
        fwrite(chunk, 1, used, d->out);
    free(chunk);
    fflush(d->out);
    d->nheld = 0;
    d->held_len = 0;
    d->holding = 0;
}

/* FNV-1a over eight bytes at a time (then the rest one by one), with a
 * shift folding the high bits back down after each multiply: a key for
 * the last few messages, not a stored value. */
static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603u;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 1099511628211u;
        h ^= h >> 29;
    }
    for (; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211u;
    return h;
}

/* One message, held for source order (diag_hold) or written whole: a
 * buffered stream is flushed, so that messages of tools sharing a terminal
 * do not interleave mid-line.  A note joins the message before it. */
static void write_msg(diag *d, const diag_loc *loc, const char *kind, msg_buf *m)
{
    if (d->holding) {
        hold(d, loc, kind, m->buf, m->len);
    } else {
        fwrite(m->buf, 1, m->len, d->out);
        fflush(d->out);
    }
    if (m->buf != m->local)
        free(m->buf);
}

static void init_msg(msg_buf *m)
{
    m->buf = m->local;
    m->len = 0;
    m->cap = sizeof m->local;
}

/* "... and N more" under the notes of the last error, once it is over. */
static void flush_notes(diag *d)
{
    if (d->hidden_notes) {
        msg_buf m;
        init_msg(&m);
        put_str(&m, d->program);
        put_bytes(&m, ": note: ... and ", 16);
        put_count(&m, d->hidden_notes);
        put_str(&m, d->hidden_notes == 1 ? " more note\n" : " more notes\n");
        write_msg(d, NULL, "note", &m);
    }
    d->hidden_notes = 0;
    d->notes = 0;
}

static void flush_recent(diag *d, diag_recent *r)
{
    if (r->repeats) {
        msg_buf m;
        init_msg(&m);
        put_str(&m, r->where);
        put_bytes(&m, ": note: the message here was repeated ", 38);
        put_count(&m, r->repeats);
        put_str(&m, r->repeats == 1 ? " more time (not shown)\n" : " more times (not shown)\n");
        write_msg(d, NULL, "note", &m);
    }
    free(r->where);
    *r = (diag_recent){0, NULL, 0};
}

void diag_flush(diag *d)
{
    flush_notes(d);
    for (unsigned i = 0; i < DIAG_RECENT; i++)
        flush_recent(d, &d->recent[(d->next_recent + i) % DIAG_RECENT]);
    release_held(d);
}

/* Whether an error or warning whose first line is m's is one of the last
 * few shown: then it is only counted. */
static int is_repeat(diag *d, const msg_buf *m, size_t where_len)
{
    uint64_t key = hash_bytes(m->buf, m->len);
    for (unsigned i = 0; i < DIAG_RECENT; i++)
        if (d->recent[i].where && d->recent[i].key == key) {
            d->recent[i].repeats++;
            return 1;
        }
    diag_recent *r = &d->recent[d->next_recent];
    d->next_recent = (d->next_recent + 1) % DIAG_RECENT;
    flush_recent(d, r);
    r->key = key;
    r->where = dup_bytes(m->buf, where_len);
    return 0;
}

/* kind: "error", "warning" or "note"; returns whether it was shown. */
static int report(diag *d, const diag_loc *loc, const char *kind, const char *flag, const char *fmt,
                  va_list ap)
{
    int is_note = kind[0] == 'n';
    if (is_note && (d->hiding || d->stopped))
        return 0;
    if (is_note && d->notes >= DIAG_MAX_NOTES) {
        d->hidden_notes++;
        return 0;
    }
    if (!is_note) {
        flush_notes(d);
        d->hiding = 1;
        if (d->stopped)
            return 0;
    }
    msg_buf m;
    init_msg(&m);
    /* "file:line:col: kind: ..." for a place in a source; otherwise the
     * tool's name leads, as in "vasm: error: k.vo: ..." (docs/cli.md). */
    int in_source = loc && loc->file && loc->line > 0;
    if (d->color)
        put_str(&m, BOLD);
    if (in_source) {
        put_str(&m, loc->file);
        put_char(&m, ':');
        put_int(&m, loc->line, 0);
        if (loc->col > 0) {
            put_char(&m, ':');
            put_int(&m, loc->col, 0);
        }
    } else {
        put_str(&m, d->program);
    }
    size_t where_len = m.len;   /* what a repeated message is told by */
    put_bytes(&m, ": ", 2);
    if (d->color)
        put_str(&m, kind_color(kind));
    put_str(&m, kind);
    put_bytes(&m, ": ", 2);
    if (d->color)
        put_str(&m, RESET BOLD);
    if (!in_source && loc && loc->file) {
        put_str(&m, loc->file);
        put_bytes(&m, ": ", 2);
    }
    put_v(&m, fmt, ap);
    if (flag) {
        put_str(&m, promoted(d, flag) ? " [-Werror,-W" : " [-W");
        put_str(&m, flag);
        put_char(&m, ']');
    }
    if (d->color)
        put_str(&m, RESET);
    if (!is_note && is_repeat(d, &m, where_len)) {
        if (m.buf != m.local)
            free(m.buf);
        return 0;
    }
    if (kind[0] == 'e' && d->limit && d->shown_errors >= d->limit) {
        d->stopped = 1;
        m.len = 0;
        put_str(&m, d->program);
        put_str(&m, ": fatal error: too many errors emitted, stopping now [-ferror-limit=]\n");
        write_msg(d, NULL, "error", &m);
        return 0;
    }
    put_char(&m, '\n');
    if (in_source)
        show_source(d, &m, loc);
    write_msg(d, loc, kind, &m);
    if (is_note)
        d->notes++;
    else
        d->hiding = 0;
    return 1;
}

void diag_error(diag *d, const diag_loc *loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    d->shown_errors += report(d, loc, "error", NULL, fmt, ap);
    va_end(ap);
    d->errors++;
}

void diag_warning(diag *d, const diag_loc *loc, const char *flag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int error = promoted(d, flag);
    int shown = report(d, loc, error ? "error" : "warning", flag, fmt, ap);
    va_end(ap);
    if (error) {
        d->errors++;
        d->shown_errors += shown;
    } else {
        d->warnings++;
    }
}

void diag_note(diag *d, const diag_loc *loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(d, loc, "note", NULL, fmt, ap);
    va_end(ap);
}
