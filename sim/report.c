/* report: the HTML report of one run (see report.h). */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define NO_PC UINT32_MAX
#define GRID_ENGINES ISA_ENG_DEBUG   /* the engines before debug have grid columns */

/* ------------------------------------------------------------------------
 * Timeline: per core, the bundle that cost each cycle
 */

struct sim_timeline {
    int cores;
    uint32_t **pc;               /* per core: pc per cycle, NO_PC when none ran */
    uint64_t *len, *cap;
};

sim_timeline *sim_timeline_new(const sim_program *p, int cores)
{
    (void)p;
    sim_timeline *t = xcalloc(1, sizeof *t);
    t->cores = cores;
    t->pc = xcalloc((size_t)cores, sizeof *t->pc);
    t->len = xcalloc((size_t)cores, sizeof *t->len);
    t->cap = xcalloc((size_t)cores, sizeof *t->cap);
    return t;
}

void sim_timeline_observe(void *ctx, const sim_machine *m, const sim_step *st)
{
    sim_timeline *t = ctx;
    (void)m;
    if (!st->costs_cycle)
        return;
    int k = st->core;
    if (st->cycle >= t->cap[k]) {
        uint64_t cap = t->cap[k] ? t->cap[k] : 1024;
        while (cap <= st->cycle)
            cap *= 2;
        t->pc[k] = xrealloc(t->pc[k], (size_t)cap * sizeof *t->pc[k]);
        t->cap[k] = cap;
    }
    while (t->len[k] < st->cycle)
        t->pc[k][t->len[k]++] = NO_PC;
    t->pc[k][st->cycle] = st->pc;
    t->len[k] = st->cycle + 1;
}

void sim_timeline_free(sim_timeline *t)
{
    if (!t)
        return;
    for (int k = 0; k < t->cores; k++)
        free(t->pc[k]);
    free(t->pc);
    free(t->len);
    free(t->cap);
    free(t);
}

static uint32_t pc_at(const sim_timeline *t, int core, uint64_t cycle)
{
    return cycle < t->len[core] ? t->pc[core][cycle] : NO_PC;
}

/* ------------------------------------------------------------------------
 * Escaping
 */

static void html(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*s, out);
        }
    }
}

/* A JSON string that is also safe inside <script>: no '<', '>' or '&'. */
static void js_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(out, "\\%c", *c);
        else if (*c < 0x20 || *c == '<' || *c == '>' || *c == '&')
            fprintf(out, "\\u%04x", *c);
        else
            fputc(*c, out);
    }
    fputc('"', out);
}

/* ------------------------------------------------------------------------
 * What the page shows, worked out from the image and the timeline
 */

static const char *const engine_colors[GRID_ENGINES] = {
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1",
};

typedef struct {
    const sim_program *prog;
    const vimage *img;
    const sim_timeline *t;
    uint64_t cycles;
    int cores;
    uint8_t (*per_engine)[ISA_ENGINE_COUNT];   /* per bundle: slots of each engine */
    int column_base[GRID_ENGINES];             /* first grid column of each engine */
    int columns;
} view;

static void view_init(view *v, const sim_machine *m, const sim_timeline *t)
{
    v->prog = sim_machine_program(m);
    v->img = sim_program_image(v->prog);
    v->t = t;
    v->cycles = sim_cycles(m);
    v->cores = sim_cores(m);
    v->per_engine = xcalloc(v->img->nbundles ? v->img->nbundles : 1, sizeof *v->per_engine);
    for (uint32_t b = 0; b < v->img->nbundles; b++)
        for (uint32_t i = v->img->bundle_start[b]; i < v->img->bundle_start[b + 1]; i++)
            v->per_engine[b][isa_ops[v->img->slots[i].op].engine]++;
    v->columns = 0;
    for (int e = 0; e < GRID_ENGINES; e++) {
        v->column_base[e] = v->columns;
        v->columns += isa_engines[e].slot_limit;
    }
}

static unsigned slots_at(const view *v, int core, uint64_t cycle, int engine)
{
    uint32_t pc = pc_at(v->t, core, cycle);
    return pc == NO_PC ? 0 : v->per_engine[pc][engine];
}

/* ------------------------------------------------------------------------
 * Sections
 */

static void write_style(FILE *out)
{
    fputs("<style>\n"
          "body{font:14px/1.4 system-ui,sans-serif;margin:20px;color:#222;max-width:1200px}\n"
          "h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 6px}\n"
          ".pass{color:#1a7f37}.fail{color:#cf222e}\n"
          "table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right;"
          "border-bottom:1px solid #eee}th{background:#f6f8fa}td.l,th.l{text-align:left}\n"
          "code,.mono{font-family:ui-monospace,monospace;font-size:12px}\n"
          ".key{display:inline-block;width:10px;height:10px;margin-right:4px}\n"
          "#grid{height:480px;overflow-y:scroll;position:relative;border:1px solid #ccc}\n"
          "#rows{position:sticky;top:0;height:480px;overflow:hidden}\n"
          ".row,.head{display:flex;height:18px;white-space:nowrap}\n"
          ".row span,.head span{display:inline-block;width:44px;overflow:hidden;"
          "font:10px/18px ui-monospace,monospace;text-align:center;"
          "border-right:1px solid #fff;box-sizing:border-box}\n"
          ".row span.n,.head span.n{width:64px;text-align:right;padding-right:6px;color:#555}\n"
          ".row span.s{color:#fff;cursor:default}.row span.e{background:#f0f0f0}\n"
          ".row.hl{outline:2px solid #000;outline-offset:-2px}\n"
          "#detail{min-height:2.8em;white-space:pre-wrap}\n"
          "</style>\n", out);
}

static void write_summary(FILE *out, const sim_report_info *info, const view *v,
                          const sim_machine *m)
{
    fputs("<h1>vrun report: ", out);
    html(out, info->program);
    fputs("</h1>\n<p class=\"", out);
    fputs(info->passed ? "pass" : "fail", out);
    fputs("\" id=\"verdict\"><b>", out);
    html(out, info->verdict);
    fputs("</b></p>\n<p>", out);
    html(out, info->workload);
    fprintf(out, "; <b id=\"cycles\">%llu</b> cycles on %d core%s", (unsigned long long)v->cycles,
            v->cores, v->cores == 1 ? "" : "s");
    if (info->passed && v->cycles && info->baseline_cycles)
        fprintf(out, "; speedup <b>%.2fx</b> over the baseline (%d cycles)",
                (double)info->baseline_cycles / (double)v->cycles, info->baseline_cycles);
    fprintf(out, "; %llu bundles executed.</p>\n",
            (unsigned long long)sim_bundles_executed(m));
    uint64_t used[ISA_ENGINE_COUNT];
    sim_engine_slots(m, used);
    fputs("<table id=\"engines\"><tr><th class=\"l\">engine</th><th>slots used</th>"
          "<th>capacity</th><th>utilization</th></tr>\n", out);
    for (int e = 0; e < GRID_ENGINES; e++) {
        uint64_t capacity = (uint64_t)isa_engines[e].slot_limit * v->cycles * (uint64_t)v->cores;
        fprintf(out, "<tr><td class=\"l\"><span class=\"key\" style=\"background:%s\"></span>%s"
                "</td><td>%llu</td><td>%llu</td><td>%.1f%%</td></tr>\n", engine_colors[e],
                isa_engines[e].name, (unsigned long long)used[e], (unsigned long long)capacity,
                capacity ? 100.0 * (double)used[e] / (double)capacity : 0.0);
    }
    fputs("</table>\n", out);
}

/* Utilization over time: per engine a band of bars, one per bucket. */
static void write_chart(FILE *out, const view *v)
{
    enum { WIDTH = 1000, LEFT = 50, BAND = 56, GAP = 8 };
    uint64_t size = (v->cycles + SIM_REPORT_MAX_BUCKETS - 1) / SIM_REPORT_MAX_BUCKETS;
    if (size == 0)
        size = 1;
    uint64_t buckets = (v->cycles + size - 1) / size;
    double bar_w = buckets ? (double)(WIDTH - LEFT) / (double)buckets : 0;
    int height = GRID_ENGINES * (BAND + GAP) + 20;
    fprintf(out, "<h2>Utilization over time</h2>\n<p>Buckets of %llu cycle%s; a bar's height is "
            "the share of the engine's slots used in its bucket (all cores).</p>\n",
            (unsigned long long)size, size == 1 ? "" : "s");
    fprintf(out, "<svg id=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" data-buckets=\"%llu\" data-bucket-cycles=\"%llu\" "
            "font-family=\"sans-serif\" font-size=\"11\">\n", WIDTH, height,
            (unsigned long long)buckets, (unsigned long long)size);
    uint64_t *sum = xcalloc(buckets ? buckets : 1, sizeof *sum);
    for (int e = 0; e < GRID_ENGINES; e++) {
        memset(sum, 0, (buckets ? buckets : 1) * sizeof *sum);
        for (int k = 0; k < v->cores; k++)
            for (uint64_t c = 0; c < v->cycles; c++)
                sum[c / size] += slots_at(v, k, c, e);
        int top = e * (BAND + GAP);
        fprintf(out, "<text x=\"0\" y=\"%d\">%s</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" "
                "height=\"%d\" fill=\"#f4f4f4\"/>\n", top + BAND / 2 + 4, isa_engines[e].name,
                LEFT, top, WIDTH - LEFT, BAND);
        for (uint64_t b = 0; b < buckets; b++) {
            uint64_t first = b * size, last = first + size - 1 < v->cycles ? first + size - 1
                                                                             : v->cycles - 1;
            double capacity = (double)isa_engines[e].slot_limit * (double)(last - first + 1) *
                              (double)v->cores;
            double u = capacity > 0 ? (double)sum[b] / capacity : 0;
            double h = u * BAND;
            fprintf(out, "<rect class=\"bar\" data-engine=\"%s\" data-bucket=\"%llu\" "
                    "x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\">"
                    "<title>%s, cycles %llu..%llu: %.1f%%</title></rect>\n",
                    isa_engines[e].name, (unsigned long long)b, LEFT + bar_w * (double)b,
                    top + BAND - h, bar_w, h, engine_colors[e], isa_engines[e].name,
                    (unsigned long long)first, (unsigned long long)last, 100 * u);
        }
    }
    free(sum);
    int axis = GRID_ENGINES * (BAND + GAP) + 12;
    for (int i = 0; i <= 4; i++)
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\">%llu</text>\n",
                LEFT + (WIDTH - LEFT) * i / 4, axis, i == 0 ? "start" : i == 4 ? "end" : "middle",
                (unsigned long long)(v->cycles * (uint64_t)i / 4));
    fputs("</svg>\n", out);
}

static void profile_row_cells(FILE *out, const sim_prof_row *r, uint64_t capacity)
{
    fprintf(out, "<td>%llu</td><td>%.2f%%</td>", (unsigned long long)r->cycles,
            capacity ? 100.0 * (double)r->cycles / (double)capacity : 0.0);
    for (int e = 0; e < GRID_ENGINES; e++)
        fprintf(out, "<td>%llu</td>", (unsigned long long)r->slots[e]);
}

static void profile_header(FILE *out, const char *what)
{
    fputs("<tr><th>cycles</th><th>share</th>", out);
    for (int e = 0; e < GRID_ENGINES; e++)
        fprintf(out, "<th>%s</th>", isa_engines[e].name);
    fprintf(out, "<th class=\"l\">%s</th></tr>\n", what);
}

static void write_hot_lines(FILE *out, const view *v, const sim_profile *pr)
{
    uint64_t capacity = v->cycles * (uint64_t)v->cores;
    size_t n = sim_profile_count(pr, SIM_PROF_ENTRY);
    fprintf(out, "<h2>Hottest lines</h2>\n<p>Slots per engine written on each source line "
            "(a macro body line with the call that expanded it), and the cycles in which the "
            "line issued at least one slot; %zu lines ran%s.</p>\n<table id=\"hot\">\n", n,
            n > SIM_REPORT_LINES_SHOWN ? ", the hottest are shown" : "");
    profile_header(out, "line");
    for (size_t i = 0; i < n && i < SIM_REPORT_LINES_SHOWN; i++) {
        sim_prof_row r = sim_profile_row(pr, SIM_PROF_ENTRY, i, -1);
        fputs("<tr>", out);
        profile_row_cells(out, &r, capacity);
        fputs("<td class=\"l mono\">", out);
        html(out, *r.file ? r.file : "?");
        fprintf(out, ":%u", r.line);
        if (r.call_line) {
            fputs(" &larr; ", out);
            html(out, r.call_file);
            fprintf(out, ":%u", r.call_line);
        }
        if (r.label) {
            fputs(" [", out);
            html(out, r.label);
            fputs("]", out);
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
    size_t nl = sim_profile_count(pr, SIM_PROF_LABEL);
    if (!nl)
        return;
    fputs("<h2>Labels</h2>\n<table id=\"labels\">\n", out);
    profile_header(out, "label (the lines up to the next label)");
    for (size_t i = 0; i < nl && i < SIM_REPORT_LINES_SHOWN; i++) {
        sim_prof_row r = sim_profile_row(pr, SIM_PROF_LABEL, i, -1);
        fputs("<tr>", out);
        profile_row_cells(out, &r, capacity);
        fputs("<td class=\"l mono\">", out);
        html(out, r.label);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
}

typedef struct {
    uint64_t first, length;
    int engine, core;
} stretch;

/* Keeps the SIM_REPORT_IDLE_SHOWN longest stretches, longest first (the
 * earlier one, then the lower core, first among equals). */
static void keep_stretch(stretch *top, int *n, stretch s)
{
    int at = *n;
    while (at > 0 && (top[at - 1].length < s.length ||
                      (top[at - 1].length == s.length && top[at - 1].first > s.first)))
        at--;
    if (at >= SIM_REPORT_IDLE_SHOWN)
        return;
    int last = *n < SIM_REPORT_IDLE_SHOWN ? *n : SIM_REPORT_IDLE_SHOWN - 1;
    memmove(top + at + 1, top + at, (size_t)(last - at) * sizeof *top);
    top[at] = s;
    if (*n < SIM_REPORT_IDLE_SHOWN)
        (*n)++;
}

static void write_stretches(FILE *out, const view *v, const stretch *top, int n);

static void write_idle(FILE *out, const view *v)
{
    fputs("<h2>Longest idle stretches</h2>\n<p>Per engine, the longest runs of cycles in "
          "which it issued no slot on a core; the cycle links move the grid there.</p>\n"
          "<table id=\"idle\">\n<tr><th class=\"l\">engine</th><th>core</th><th>cycles</th>"
          "<th>from</th><th>to</th><th class=\"l\">running at the start</th></tr>\n", out);
    for (int e = 0; e < GRID_ENGINES; e++) {
        stretch top[SIM_REPORT_IDLE_SHOWN];
        int n = 0;
        for (int k = 0; k < v->cores; k++) {
            uint64_t start = 0;
            for (uint64_t c = 0; c <= v->cycles; c++) {
                if (c < v->cycles && slots_at(v, k, c, e) == 0)
                    continue;
                if (c > start)
                    keep_stretch(top, &n, (stretch){start, c - start, e, k});
                start = c + 1;
            }
        }
        write_stretches(out, v, top, n);
    }
    fputs("</table>\n", out);
}

static void write_stretches(FILE *out, const view *v, const stretch *top, int n)
{
    for (int i = 0; i < n; i++) {
        const stretch *s = &top[i];
        uint32_t pc = pc_at(v->t, s->core, s->first);
        char source[600] = "";
        if (pc != NO_PC)
            sim_format_source(v->prog, pc, -1, source, sizeof source);
        fprintf(out, "<tr><td class=\"l\">%s</td><td>%d</td><td>%llu</td>"
                "<td><a href=\"#cycle=%llu\">%llu</a></td><td>%llu</td><td class=\"l mono\">",
                isa_engines[s->engine].name, s->core, (unsigned long long)s->length,
                (unsigned long long)s->first, (unsigned long long)s->first,
                (unsigned long long)(s->first + s->length - 1));
        if (pc == NO_PC)
            fputs("(the core had stopped)", out);
        else
            html(out, *source ? source : "(no source line)");
        fputs("</td></tr>\n", out);
    }
}

/* ------------------------------------------------------------------------
 * The grid's data: slots, their sources and the cycles' bundles
 */

typedef struct {
    uint32_t file, line, call_file, call_line, slot;
} source_key;

static int by_source(const void *pa, const void *pb)
{
    const source_key *a = pa, *b = pb;
    const uint32_t x[4] = {a->file, a->line, a->call_file, a->call_line};
    const uint32_t y[4] = {b->file, b->line, b->call_file, b->call_line};
    for (int i = 0; i < 4; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return a->slot < b->slot ? -1 : a->slot > b->slot;
}

/* "src": each distinct source once; *index gets each slot's entry. */
static void write_sources(FILE *out, const view *v, uint32_t *index)
{
    const vimage *img = v->img;
    source_key *keys = xcalloc(img->nslots ? img->nslots : 1, sizeof *keys);
    uint32_t *bundle_of = xcalloc(img->nslots ? img->nslots : 1, sizeof *bundle_of);
    for (uint32_t b = 0; b < img->nbundles; b++)
        for (uint32_t i = img->bundle_start[b]; i < img->bundle_start[b + 1]; i++) {
            img_slot_line l = img_slot_source(img, b, i);
            keys[i] = (source_key){l.file, l.line, l.call_file, l.call_line, i};
            bundle_of[i] = b;
        }
    qsort(keys, img->nslots, sizeof *keys, by_source);
    fputs("\"src\":[", out);
    uint32_t n = 0;
    for (uint32_t i = 0; i < img->nslots; i++) {
        if (i == 0 || by_source(&(source_key){keys[i - 1].file, keys[i - 1].line,
                                              keys[i - 1].call_file, keys[i - 1].call_line, 0},
                                &(source_key){keys[i].file, keys[i].line, keys[i].call_file,
                                              keys[i].call_line, 0}) != 0) {
            uint32_t b = bundle_of[keys[i].slot];
            char source[600];
            sim_format_source(v->prog, b, (int)(keys[i].slot - img->bundle_start[b]), source,
                              sizeof source);
            fputs(n ? "," : "", out);
            js_string(out, source);
            n++;
        }
        index[keys[i].slot] = n - 1;
    }
    fputs("],\n", out);
    free(keys);
    free(bundle_of);
}

typedef struct {
    char *text;
    uint32_t slot;
} slot_text;

static int by_text(const void *pa, const void *pb)
{
    const slot_text *a = pa, *b = pb;
    int c = strcmp(a->text, b->text);
    return c ? c : (a->slot < b->slot ? -1 : a->slot > b->slot);
}

/* "texts": each distinct slot text once (an unrolled loop repeats them);
 * *index gets each grid slot's entry. */
static void write_texts(FILE *out, const view *v, uint32_t *index)
{
    const vimage *img = v->img;
    slot_text *t = xcalloc(img->nslots ? img->nslots : 1, sizeof *t);
    uint32_t n = 0;
    for (uint32_t b = 0; b < img->nbundles; b++)
        for (uint32_t i = img->bundle_start[b]; i < img->bundle_start[b + 1]; i++) {
            if (isa_ops[img->slots[i].op].engine >= GRID_ENGINES)
                continue;
            char text[512];
            sim_format_slot(v->prog, b, (int)(i - img->bundle_start[b]), text, sizeof text);
            t[n].text = xmalloc(strlen(text) + 1);
            strcpy(t[n].text, text);
            t[n++].slot = i;
        }
    qsort(t, n, sizeof *t, by_text);
    fputs("\"texts\":[", out);
    uint32_t distinct = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(t[i - 1].text, t[i].text) != 0) {
            fputs(distinct ? ",\n" : "", out);
            js_string(out, t[i].text);
            distinct++;
        }
        index[t[i].slot] = distinct - 1;
    }
    fputs("],\n", out);
    for (uint32_t i = 0; i < n; i++)
        free(t[i].text);
    free(t);
}

static void write_data(FILE *out, const view *v)
{
    const vimage *img = v->img;
    fprintf(out, "<script type=\"application/json\" id=\"data\">{\"cycles\":%llu,\"cores\":%d,"
            "\"engines\":[", (unsigned long long)v->cycles, v->cores);
    for (int e = 0; e < GRID_ENGINES; e++)
        fprintf(out, "%s[\"%s\",%d,\"%s\"]", e ? "," : "", isa_engines[e].name,
                isa_engines[e].slot_limit, engine_colors[e]);
    fputs("],\n", out);
    uint32_t *source = xcalloc(img->nslots ? img->nslots : 1, sizeof *source);
    uint32_t *text = xcalloc(img->nslots ? img->nslots : 1, sizeof *text);
    write_sources(out, v, source);
    write_texts(out, v, text);
    /* The grid slots of every bundle in turn, debug slots left out: column,
     * text and source, three numbers a slot; "bn": how many per bundle. */
    fputs("\"slots\":[", out);
    int any = 0;
    for (uint32_t b = 0; b < img->nbundles; b++) {
        int lane[ISA_ENGINE_COUNT] = {0};
        for (uint32_t i = img->bundle_start[b]; i < img->bundle_start[b + 1]; i++) {
            int e = isa_ops[img->slots[i].op].engine;
            if (e >= GRID_ENGINES)
                continue;
            fprintf(out, "%s%d,%u,%u", any ? "," : "", v->column_base[e] + lane[e]++, text[i],
                    source[i]);
            any = 1;
        }
    }
    fputs("],\n\"bn\":[", out);
    for (uint32_t b = 0; b < img->nbundles; b++) {
        int shown = 0;
        for (int e = 0; e < GRID_ENGINES; e++)
            shown += v->per_engine[b][e];
        fprintf(out, "%s%d", b ? "," : "", shown);
    }
    /* Per core, runs of cycles: [pc, n] ran pc, pc+1, ..., pc+n-1 in turn;
     * pc -1: n cycles in which the core ran nothing. */
    fputs("],\n\"runs\":[", out);
    for (int k = 0; k < v->cores; k++) {
        fputs(k ? ",\n[" : "[", out);
        uint64_t c = 0;
        int first = 1;
        while (c < v->cycles) {
            uint32_t pc = pc_at(v->t, k, c);
            uint64_t n = 1;
            while (c + n < v->cycles &&
                   pc_at(v->t, k, c + n) == (pc == NO_PC ? NO_PC : pc + (uint32_t)n))
                n++;
            fprintf(out, "%s%lld,%llu", first ? "" : ",", pc == NO_PC ? -1LL : (long long)pc,
                    (unsigned long long)n);
            first = 0;
            c += n;
        }
        fputs("]", out);
    }
    fputs("]}</script>\n", out);
    free(text);
    free(source);
}

/* The grid: rows exist only for the cycles in view (plus a margin), built
 * again on each scroll; the spacer gives the scroll bar its full length. */
static const char grid_script[] =
    "<script>\n"
    "(function () {\n"
    "  'use strict';\n"
    "  var D = JSON.parse(document.getElementById('data').textContent);\n"
    "  var ROW = 18, VIEW = 480, MAXH = 15000000;\n"
    "  var grid = document.getElementById('grid'), rows = document.getElementById('rows');\n"
    "  var spacer = document.getElementById('spacer'), detail = document.getElementById('detail');\n"
    "  var coreSel = document.getElementById('core'), input = document.getElementById('goto');\n"
    "  var bstart = new Int32Array(D.bn.length + 1);\n"
    "  for (var b = 0; b < D.bn.length; b++) bstart[b + 1] = bstart[b] + D.bn[b];\n"
    "  var cols = [], colEngine = [];\n"
    "  D.engines.forEach(function (e, i) {\n"
    "    for (var s = 0; s < e[1]; s++) { cols.push(e[0] + s); colEngine.push(i); }\n"
    "  });\n"
    "  var head = document.getElementById('head');\n"
    "  var h = '<span class=\"n\">cycle</span>';\n"
    "  cols.forEach(function (c, i) { h += '<span style=\"color:' + D.engines[colEngine[i]][2] +\n"
    "    '\">' + c + '</span>'; });\n"
    "  head.innerHTML = h;\n"
    "  var pcs = D.runs.map(function (runs) {\n"
    "    var a = new Int32Array(D.cycles).fill(-1), c = 0;\n"
    "    for (var i = 0; i < runs.length; i += 2) {\n"
    "      for (var j = 0; j < runs[i + 1]; j++) a[c + j] = runs[i] < 0 ? -1 : runs[i] + j;\n"
    "      c += runs[i + 1];\n"
    "    }\n"
    "    return a;\n"
    "  });\n"
    "  var core = 0, first = 0, marked = -1;\n"
    "  var visible = Math.ceil(VIEW / ROW);\n"
    "  var full = D.cycles * ROW, height = Math.min(full, MAXH);\n"
    "  spacer.style.height = Math.max(0, height - VIEW) + 'px';\n"
    "  var maxFirst = Math.max(0, D.cycles - visible + 1);\n"
    "  var maxScroll = Math.max(1, height - VIEW);\n"
    "  function esc(s) {\n"
    "    return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')\n"
    "            .replace(/\"/g, '&quot;');\n"
    "  }\n"
    "  function render(from) {\n"
    "    first = Math.max(0, Math.min(from, maxFirst));\n"
    "    var out = [], p = pcs[core];\n"
    "    for (var c = first; c < Math.min(D.cycles, first + visible + 1); c++) {\n"
    "      var cells = new Array(cols.length), pc = p[c];\n"
    "      if (pc >= 0) {\n"
    "        for (var s = bstart[pc]; s < bstart[pc + 1]; s++) cells[D.slots[3 * s]] = s;\n"
    "      }\n"
    "      var r = '<div class=\"row' + (c === marked ? ' hl' : '') + '\" data-cycle=\"' + c +\n"
    "        '\" data-pc=\"' + pc + '\"><span class=\"n\">' + c + '</span>';\n"
    "      for (var k = 0; k < cols.length; k++) {\n"
    "        var x = cells[k];\n"
    "        if (x === undefined) { r += '<span class=\"e\"></span>'; continue; }\n"
    "        var text = D.texts[D.slots[3 * x + 1]];\n"
    "        r += '<span class=\"s\" style=\"background:' + D.engines[colEngine[k]][2] +\n"
    "          '\" data-slot=\"' + x + '\" title=\"' + esc(text + '\\n' + D.src[D.slots[3 * x + 2]]) + '\">' +\n"
    "          esc(text.split(' ')[1] || '') + '</span>';\n"
    "      }\n"
    "      out.push(r + '</div>');\n"
    "    }\n"
    "    rows.innerHTML = out.join('');\n"
    "  }\n"
    "  function scrolled() {\n"
    "    render(Math.round(grid.scrollTop / maxScroll * maxFirst));\n"
    "  }\n"
    "  function goTo(c) {\n"
    "    if (!(c >= 0 && c < D.cycles)) { render(first); return; }\n"
    "    marked = c;\n"
    "    var f = Math.max(0, Math.min(c - 2, maxFirst));\n"
    "    grid.scrollTop = Math.round(f / Math.max(1, maxFirst) * maxScroll);\n"
    "    render(f);\n"
    "  }\n"
    "  var pending = false;\n"
    "  grid.addEventListener('scroll', function () {\n"
    "    if (pending) return;\n"
    "    pending = true;\n"
    "    requestAnimationFrame(function () { pending = false; scrolled(); });\n"
    "  });\n"
    "  rows.addEventListener('mouseover', function (ev) {\n"
    "    var t = ev.target, x = t.getAttribute && t.getAttribute('data-slot');\n"
    "    if (x === null || x === undefined) return;\n"
    "    var row = t.parentNode;\n"
    "    detail.textContent = 'cycle ' + row.getAttribute('data-cycle') + ', core ' + core +\n"
    "      ', pc ' + row.getAttribute('data-pc') + ': ' + D.texts[D.slots[3 * x + 1]] + '\\n' +\n"
    "      D.src[D.slots[3 * x + 2]];\n"
    "  });\n"
    "  if (coreSel) coreSel.addEventListener('change', function () {\n"
    "    core = +coreSel.value; render(first);\n"
    "  });\n"
    "  input.addEventListener('change', function () { goTo(+input.value); });\n"
    "  function fromHash() {\n"
    "    var m = /cycle=(\\d+)/.exec(location.hash);\n"
    "    if (m) goTo(+m[1]); else render(first);\n"
    "  }\n"
    "  window.addEventListener('hashchange', fromHash);\n"
    "  fromHash();\n"
    "  document.body.setAttribute('data-ready-ms', Math.round(performance.now()));\n"
    "  window.addEventListener('load', function () {\n"
    "    document.body.setAttribute('data-load-ms', Math.round(performance.now()));\n"
    "  });\n"
    "})();\n"
    "</script>\n";

static void write_grid(FILE *out, const view *v)
{
    fputs("<h2>Bundle grid</h2>\n<p>A row per cycle, a column per slot of the machine, "
          "coloured by engine; hover a slot for its text and source line. Go to cycle "
          "<input id=\"goto\" type=\"number\" min=\"0\" style=\"width:8em\">", out);
    if (v->cores > 1) {
        fputs(" on core <select id=\"core\">", out);
        for (int k = 0; k < v->cores; k++)
            fprintf(out, "<option value=\"%d\">%d</option>", k, k);
        fputs("</select>", out);
    }
    fputs("</p>\n<div class=\"head\" id=\"head\"></div>\n<div id=\"grid\"><div id=\"rows\">"
          "</div><div id=\"spacer\"></div></div>\n<p id=\"detail\" class=\"mono\"></p>\n", out);
    write_data(out, v);
}

void sim_report_write(FILE *out, const sim_report_info *info, const sim_machine *m,
                      const sim_profile *pr, const sim_timeline *t)
{
    view v;
    view_init(&v, m, t);
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>vrun "
          "report: ", out);
    html(out, info->program);
    fputs("</title>\n", out);
    write_style(out);
    fputs("</head><body>\n", out);
    write_summary(out, info, &v, m);
    write_chart(out, &v);
    write_grid(out, &v);
    write_hot_lines(out, &v, pr);
    write_idle(out, &v);
    fputs("<p style=\"color:#888\">Made by vrun --report.</p>\n", out);
    fputs(grid_script, out);   /* last: the whole page exists when it runs */
    fputs("</body></html>\n", out);
    free(v.per_engine);
}
