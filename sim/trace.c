/* trace: Chrome trace, text trace and statistics (see trace.h). */
#include "trace.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define NO_SYMBOL UINT32_MAX

struct sim_tracer {
    const sim_program *prog;
    const vimage *img;
    sim_trace_options opt;
    int cores;
    int thread_base[ISA_ENGINE_COUNT];   /* tid of each engine's slot 0; -1: not shown */
    int *slot_tid;                /* per image slot: thread, -1 when not shown */
    char **slot_json;             /* per image slot: its annotated text as a JSON string */
    char **source_json;           /* per image slot: its own source line as a JSON string, or NULL */
    uint32_t scratch_symbol[ISA_SCRATCH_WORDS];   /* most specific SCRATCH symbol, or NO_SYMBOL */
    char **counter_json;          /* per scratch word: counter name as JSON, or NULL */
    uint32_t *last_value;         /* cores x ISA_SCRATCH_WORDS: what the counters show */
};

/* A growing string, for building texts once at start-up. */
typedef struct { char *s; size_t len, cap; } strbuf;

__attribute__((format(printf, 2, 3)))
static void sb_printf(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->len + (size_t)n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s)
            abort();
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void sb_json_string(strbuf *b, const char *s)
{
    sb_printf(b, "\"");
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            sb_printf(b, "\\%c", *c);
        else if (*c < 0x20)
            sb_printf(b, "\\u%04x", *c);
        else
            sb_printf(b, "%c", *c);
    }
    sb_printf(b, "\"");
}

static char *sb_take(strbuf *b)
{
    if (!b->s)
        sb_printf(b, "%s", "");
    return b->s;
}

void sim_json_string(FILE *out, const char *s)
{
    strbuf b = {0};
    sb_json_string(&b, s);
    fputs(b.s, out);
    free(b.s);
}

/* ------------------------------------------------------------------------
 * Start-up: names of scratch words and the annotated text of every slot
 */

static const char *symbol_name(const sim_tracer *t, uint32_t sym)
{
    const char *name = img_string(t->img, t->img->symbols[sym].name);
    return name ? name : "?";
}

static void map_scratch_symbols(sim_tracer *t)
{
    const vimage *img = t->img;
    for (uint32_t a = 0; a < ISA_SCRATCH_WORDS; a++)
        t->scratch_symbol[a] = NO_SYMBOL;
    for (uint32_t i = 0; i < img->nsymbols; i++) {
        const img_symbol *s = &img->symbols[i];
        if (s->kind != IMG_SYM_SCRATCH || s->size == 0)
            continue;
        for (uint64_t a = s->value; a < (uint64_t)s->value + s->size && a < ISA_SCRATCH_WORDS; a++) {
            uint32_t old = t->scratch_symbol[a];
            if (old == NO_SYMBOL || img->symbols[old].size > s->size)
                t->scratch_symbol[a] = i;
        }
    }
}

/* The name of the scratch operand at address addr touching width words:
 * "tmp" when it is the whole symbol, "vals[3]" inside a larger one. */
static int operand_name(const sim_tracer *t, uint32_t addr, uint32_t width, strbuf *b)
{
    uint32_t sym = addr < ISA_SCRATCH_WORDS ? t->scratch_symbol[addr] : NO_SYMBOL;
    if (sym == NO_SYMBOL) {
        sb_printf(b, "%u", addr);
        return 0;
    }
    const img_symbol *s = &t->img->symbols[sym];
    if (addr == s->value && width == s->size)
        sb_printf(b, "%s", symbol_name(t, sym));
    else
        sb_printf(b, "%s[%u]", symbol_name(t, sym), addr - s->value);
    return 1;
}

/* "vals[0], vals[0], tmp": the slot's scratch operands by name, into
 * names; returns whether at least one has a name. */
static int slot_operand_names(const sim_tracer *t, const isa_slot *slot, strbuf *names)
{
    isa_operand_effect fx[ISA_MAX_RANGES];
    int nfx = isa_scratch_operands(slot->op, fx);
    int named = 0;
    for (int i = 0; i < nfx; i++) {
        int64_t addr = slot->arg[fx[i].arg] + (fx[i].disp_arg >= 0 ? slot->arg[fx[i].disp_arg] : 0);
        sb_printf(names, i ? ", " : "");
        named |= operand_name(t, (uint32_t)addr, fx[i].words, names);
    }
    return named;
}

/* "valu + 16, 16, 24  (vals[0], vals[0], tmp)": the canonical text, then
 * the names of the scratch operands when at least one has a name. */
static char *annotated_slot_json(const sim_tracer *t, uint32_t bundle, int slot_in_bundle,
                                 const isa_slot *slot)
{
    char text[512];
    sim_format_slot(t->prog, bundle, slot_in_bundle, text, sizeof text);
    strbuf names = {0};
    int named = slot_operand_names(t, slot, &names);
    strbuf full = {0};
    if (named) {
        strbuf plain = {0};
        sb_printf(&plain, "%s  (%s)", text, names.s);
        sb_json_string(&full, plain.s);
        free(plain.s);
    } else {
        sb_json_string(&full, text);
    }
    free(names.s);
    return sb_take(&full);
}

static int engine_shown(const sim_tracer *t, int e)
{
    return e != ISA_ENG_DEBUG && (!t->opt.engines || (t->opt.engines & (1u << e)));
}

static void prepare_slots(sim_tracer *t)
{
    const vimage *img = t->img;
    t->slot_tid = xcalloc(img->nslots, sizeof *t->slot_tid);
    t->slot_json = xcalloc(img->nslots, sizeof *t->slot_json);
    t->source_json = xcalloc(img->nslots, sizeof *t->source_json);
    for (uint32_t b = 0; b < img->nbundles; b++) {
        int used[ISA_ENGINE_COUNT] = {0};
        for (uint32_t i = img->bundle_start[b]; i < img->bundle_start[b + 1]; i++) {
            int e = isa_ops[img->slots[i].op].engine;
            int lane = used[e]++;
            t->slot_tid[i] = engine_shown(t, e) ? t->thread_base[e] + lane : -1;
            if (t->slot_tid[i] < 0)
                continue;
            int k = (int)(i - img->bundle_start[b]);
            t->slot_json[i] = annotated_slot_json(t, b, k, &img->slots[i]);
            char source[600];
            if (sim_format_source(t->prog, b, k, source, sizeof source)) {
                strbuf j = {0};
                sb_json_string(&j, source);
                t->source_json[i] = sb_take(&j);
            }
        }
    }
}

static void prepare_counters(sim_tracer *t)
{
    t->counter_json = xcalloc(ISA_SCRATCH_WORDS, sizeof *t->counter_json);
    for (uint32_t i = 0; i < t->img->nsymbols; i++) {
        const img_symbol *s = &t->img->symbols[i];
        if (s->kind != IMG_SYM_SCRATCH || s->size != 1 || s->value >= ISA_SCRATCH_WORDS ||
            t->counter_json[s->value])
            continue;
        strbuf b = {0};
        sb_json_string(&b, symbol_name(t, i));
        t->counter_json[s->value] = sb_take(&b);
    }
}

static void write_chrome_header(sim_tracer *t)
{
    FILE *f = t->opt.chrome;
    fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"tool\":\"vrun\",\"time_unit\":"
          "\"1 us = 1 cycle\"},\n\"traceEvents\":[\n", f);
    int first = 1;
    for (int k = 0; k < t->cores; k++) {
        fprintf(f, "%s{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":0,"
                "\"args\":{\"name\":\"core %d\"}}", first ? "" : ",\n", k, k);
        first = 0;
        fprintf(f, ",\n{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":%d,\"tid\":0,"
                "\"args\":{\"sort_index\":%d}}", k, k);
        for (int e = 0; e < ISA_ENGINE_COUNT; e++) {
            if (t->thread_base[e] < 0)
                continue;
            for (int s = 0; s < isa_engines[e].slot_limit; s++) {
                int tid = t->thread_base[e] + s;
                fprintf(f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,"
                        "\"args\":{\"name\":\"%s-%d\"}}", k, tid, isa_engines[e].name, s);
                fprintf(f, ",\n{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":%d,"
                        "\"tid\":%d,\"args\":{\"sort_index\":%d}}", k, tid, tid);
            }
        }
        /* Counters start at zero, like scratch. */
        if (t->opt.first_cycle == 0)
            for (uint32_t a = 0; a < ISA_SCRATCH_WORDS; a++)
                if (t->counter_json[a])
                    fprintf(f, ",\n{\"name\":%s,\"ph\":\"C\",\"pid\":%d,\"ts\":0,"
                            "\"args\":{\"value\":0}}", t->counter_json[a], k);
    }
}

sim_tracer *sim_tracer_new(const sim_program *p, int cores, const sim_trace_options *o)
{
    sim_tracer *t = xcalloc(1, sizeof *t);
    t->prog = p;
    t->img = sim_program_image(p);
    t->opt = *o;
    t->cores = cores;
    int tid = 0;
    for (int e = 0; e < ISA_ENGINE_COUNT; e++) {
        t->thread_base[e] = engine_shown(t, e) ? tid : -1;
        if (t->thread_base[e] >= 0)
            tid += isa_engines[e].slot_limit;
    }
    map_scratch_symbols(t);
    t->last_value = xcalloc((size_t)cores * ISA_SCRATCH_WORDS, sizeof *t->last_value);
    if (o->chrome) {
        prepare_slots(t);
        prepare_counters(t);
        write_chrome_header(t);
    }
    return t;
}

/* ------------------------------------------------------------------------
 * Per bundle
 */

static void chrome_step(sim_tracer *t, const sim_step *st)
{
    FILE *f = t->opt.chrome;
    const vimage *img = t->img;
    unsigned long long ts = (unsigned long long)st->cycle;
    for (uint32_t i = img->bundle_start[st->pc]; i < img->bundle_start[st->pc + 1]; i++) {
        if (t->slot_tid[i] < 0)
            continue;
        const isa_op_info *info = &isa_ops[img->slots[i].op];
        fprintf(f, ",\n{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"X\",\"pid\":%d,\"tid\":%d,"
                "\"ts\":%llu,\"dur\":1,\"args\":{\"slot\":%s,\"pc\":%u",
                info->mnemonic, isa_engines[info->engine].name, st->core, t->slot_tid[i], ts,
                t->slot_json[i], st->pc);
        if (t->source_json[i])
            fprintf(f, ",\"source\":%s", t->source_json[i]);
        fputs("}}", f);
    }
    uint32_t *last = t->last_value + (size_t)st->core * ISA_SCRATCH_WORDS;
    for (int w = 0; w < st->n_scratch_writes; w++) {
        const sim_write *x = &st->scratch_writes[w];
        for (uint32_t j = 0; j < x->count; j++) {
            uint32_t a = x->address + j;
            if (t->counter_json[a] && last[a] != x->values[j]) {
                last[a] = x->values[j];
                fprintf(f, ",\n{\"name\":%s,\"ph\":\"C\",\"pid\":%d,\"ts\":%llu,"
                        "\"args\":{\"value\":%u}}", t->counter_json[a], st->core, ts + 1,
                        x->values[j]);
            }
        }
    }
}

/* "s[16..23] (vals[0..7]) = 1 2 3 4 5 6 7 8" */
static void text_write(sim_tracer *t, FILE *f, char space, const sim_write *x)
{
    if (x->count == 1)
        fprintf(f, "%c[%u]", space, x->address);
    else
        fprintf(f, "%c[%u..%u]", space, x->address, x->address + x->count - 1);
    if (space == 's' && t->scratch_symbol[x->address] != NO_SYMBOL) {
        uint32_t sym = t->scratch_symbol[x->address];
        const img_symbol *s = &t->img->symbols[sym];
        uint32_t off = x->address - s->value;
        if (off == 0 && x->count == s->size)
            fprintf(f, " (%s)", symbol_name(t, sym));
        else if (x->count == 1)
            fprintf(f, " (%s[%u])", symbol_name(t, sym), off);
        else
            fprintf(f, " (%s[%u..%u])", symbol_name(t, sym), off, off + x->count - 1);
    }
    fputs(" =", f);
    for (uint32_t j = 0; j < x->count; j++)
        fprintf(f, " %u", x->values[j]);
}

/* Whether the text trace shows a slot of engine e: every slot, or with
 * --trace-engines those of the engines named. */
static int text_shown(const sim_tracer *t, int e)
{
    return !t->opt.engines || engine_shown(t, e);
}

/* The bundle's slots on the engines the text trace shows, "< a ; b >" (or
 * the one slot alone), each followed by its scratch operands' names when
 * the image has them ("load const 89, 79  (c[79])"); returns how many
 * there are (0: none). */
static int shown_slots(const sim_tracer *t, uint32_t pc, char *buf, size_t size, size_t *need)
{
    const vimage *img = t->img;
    uint32_t first = img->bundle_start[pc], end = img->bundle_start[pc + 1];
    int n = 0;
    for (uint32_t i = first; i < end; i++)
        n += text_shown(t, isa_ops[img->slots[i].op].engine);
    *need = 0;
    buf[0] = '\0';
    char slot[1024];
    for (uint32_t i = first, k = 0; i < end; i++) {
        if (!text_shown(t, isa_ops[img->slots[i].op].engine))
            continue;
        sim_format_slot(t->prog, pc, (int)(i - first), slot, sizeof slot);
        strbuf names = {0};
        int named = slot_operand_names(t, &img->slots[i], &names);
        size_t at = *need < size ? *need : size - 1;
        *need += (size_t)snprintf(buf + at, size - at, "%s%s%s%s%s", k == 0 ? (n > 1 ? "< " : "") : " ; ", slot,
                                  named ? "  (" : "", named ? names.s : "", named ? ")" : "");
        free(names.s);
        k++;
    }
    if (n > 1) {
        size_t at = *need < size ? *need : size - 1;
        *need += (size_t)snprintf(buf + at, size - at, " >");
    }
    return n;
}

static void text_step(sim_tracer *t, const sim_step *st)
{
    FILE *f = t->opt.text;
    char source[600], bundle[4096];
    size_t need;
    if (shown_slots(t, st->pc, bundle, sizeof bundle, &need) == 0) {
        if (t->opt.engines)
            return;   /* no slot on the engines asked for */
        need = sim_format_slot(t->prog, st->pc, -1, bundle, sizeof bundle);   /* nop */
    }
    sim_format_source(t->prog, st->pc, -1, source, sizeof source);
    fprintf(f, "cycle %llu  core %d  pc %u", (unsigned long long)st->cycle, st->core, st->pc);
    if (*source)
        fprintf(f, "  %s", source);
    fprintf(f, ": %s%s%s\n", bundle, need >= sizeof bundle ? " ..." : "",
            st->costs_cycle ? "" : "  [debug only: no cycle]");
    int any = 0;
    for (int w = 0; w < st->n_scratch_writes; w++) {
        fputs(any ? ";  " : "    ", f);
        text_write(t, f, 's', &st->scratch_writes[w]);
        any = 1;
    }
    for (int w = 0; w < st->n_memory_writes; w++) {
        fputs(any ? ";  " : "    ", f);
        text_write(t, f, 'm', &st->memory_writes[w]);
        any = 1;
    }
    if (st->trace_written) {
        fprintf(f, "%strace_write %u", any ? ";  " : "    ", st->trace_value);
        any = 1;
    }
    if (any)
        fputc('\n', f);
}

void sim_tracer_observe(void *ctx, const sim_machine *m, const sim_step *st)
{
    sim_tracer *t = ctx;
    (void)m;
    if (st->cycle < t->opt.first_cycle || st->cycle > t->opt.last_cycle)
        return;
    if (t->opt.chrome)
        chrome_step(t, st);
    if (t->opt.text)
        text_step(t, st);
}

int sim_tracer_finish(sim_tracer *t)
{
    int rc = 0;
    if (t->opt.chrome) {
        fputs("\n]}\n", t->opt.chrome);
        if (fflush(t->opt.chrome) != 0 || ferror(t->opt.chrome))
            rc = -1;
    }
    if (t->opt.text && (fflush(t->opt.text) != 0 || ferror(t->opt.text)))
        rc = -1;
    return rc;
}

void sim_tracer_free(sim_tracer *t)
{
    if (!t)
        return;
    if (t->slot_json)
        for (uint32_t i = 0; i < t->img->nslots; i++) {
            free(t->slot_json[i]);
            free(t->source_json[i]);
        }
    if (t->counter_json)
        for (uint32_t a = 0; a < ISA_SCRATCH_WORDS; a++)
            free(t->counter_json[a]);
    free(t->slot_json);
    free(t->source_json);
    free(t->slot_tid);
    free(t->counter_json);
    free(t->last_value);
    free(t);
}

/* ------------------------------------------------------------------------
 * Statistics
 */

void sim_print_stats(FILE *out, const sim_machine *m)
{
    uint64_t used[ISA_ENGINE_COUNT];
    sim_engine_slots(m, used);
    sim_print_stats_of(out, used, sim_cycles(m), sim_cores(m), sim_bundles_executed(m));
}

void sim_print_stats_of(FILE *out, const uint64_t used[], uint64_t cycles, int cores,
                        uint64_t bundles)
{
    enum { BAR = 40 };
    fprintf(out, "engine    slots used     capacity    use\n");
    for (int e = 0; e < ISA_ENGINE_COUNT; e++) {
        if (!isa_engines[e].costs_cycle) {
            fprintf(out, "%-6s %13llu            -      -   (no cycle cost)\n",
                    isa_engines[e].name, (unsigned long long)used[e]);
            continue;
        }
        uint64_t capacity = (uint64_t)isa_engines[e].slot_limit * cycles * (uint64_t)cores;
        double share = capacity ? (double)used[e] / (double)capacity : 0.0;
        int fill = (int)(share * BAR + 0.5);
        char bar[BAR + 1];
        memset(bar, '#', (size_t)fill);
        memset(bar + fill, '.', (size_t)(BAR - fill));
        bar[BAR] = '\0';
        fprintf(out, "%-6s %13llu %12llu %5.1f%%  |%s|\n", isa_engines[e].name,
                (unsigned long long)used[e], (unsigned long long)capacity, 100.0 * share, bar);
    }
    fprintf(out, "%llu cycles x %d core%s; %llu bundles executed\n", (unsigned long long)cycles,
            cores, cores == 1 ? "" : "s", (unsigned long long)bundles);
}
