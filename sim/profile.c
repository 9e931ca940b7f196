/* profile: per-source-line slot and cycle counts (see profile.h). */
#include "profile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "srclines.h"
#include "trace.h"
#include "xalloc.h"

#define NONE UINT32_MAX
#define NE ISA_ENGINE_COUNT      /* counter NE of a place: its cycles */

/* A place: kind, then where (string offsets of the image); labels keep
 * their symbol in call_line. */
typedef struct {
    uint32_t kind, file, line, call_file, call_line;
} place_key;

typedef struct {
    place_key key;
    uint32_t label;              /* entries: the label place above, or NONE */
} place;

/* What one slot (or an empty bundle) of a bundle adds to a place. */
typedef struct {
    uint32_t place;
    uint8_t engine;              /* NE: an empty bundle, a cycle and no slot */
} use;

typedef struct {
    uint32_t file, line, symbol;
} label_site;

struct sim_profile {
    const vimage *img;
    int cores;
    place *places;
    size_t nplaces, cap_places;
    uint32_t *table;             /* open addressing: place index + 1, 0 empty */
    size_t table_cap;
    use *uses;                   /* per bundle: uses[use_start[b] .. use_start[b+1]) */
    uint32_t *use_start;
    uint64_t *counts;            /* (place x cores) x (NE + 1) */
    uint64_t *last;              /* place x cores: the cycle + 1 last counted */
    uint32_t *order[3];          /* per kind: places that ran, in output order */
    size_t norder[3];
    int sorted;                  /* order[] is up to date with counts */
};

/* ------------------------------------------------------------------------
 * Places
 */

static uint64_t hash_key(const place_key *k)
{
    uint64_t h = 1469598103934665603ull;
    const uint32_t v[5] = {k->kind, k->file, k->line, k->call_file, k->call_line};
    for (int i = 0; i < 5; i++)
        h = (h ^ v[i]) * 1099511628211ull;
    return h;
}

static int same_key(const place_key *a, const place_key *b)
{
    return a->kind == b->kind && a->file == b->file && a->line == b->line &&
           a->call_file == b->call_file && a->call_line == b->call_line;
}

static void table_grow(sim_profile *pr)
{
    free(pr->table);
    pr->table_cap = pr->table_cap ? pr->table_cap * 2 : 1024;
    pr->table = xcalloc(pr->table_cap, sizeof *pr->table);
    for (size_t i = 0; i < pr->nplaces; i++) {
        size_t b = (size_t)hash_key(&pr->places[i].key) & (pr->table_cap - 1);
        while (pr->table[b])
            b = (b + 1) & (pr->table_cap - 1);
        pr->table[b] = (uint32_t)i + 1;
    }
}

static uint32_t intern_place(sim_profile *pr, place_key k)
{
    if ((pr->nplaces + 1) * 2 > pr->table_cap)
        table_grow(pr);
    size_t b = (size_t)hash_key(&k) & (pr->table_cap - 1);
    while (pr->table[b]) {
        if (same_key(&pr->places[pr->table[b] - 1].key, &k))
            return pr->table[b] - 1;
        b = (b + 1) & (pr->table_cap - 1);
    }
    if (pr->nplaces == pr->cap_places) {
        pr->cap_places = pr->cap_places ? 2 * pr->cap_places : 256;
        pr->places = xrealloc(pr->places, pr->cap_places * sizeof *pr->places);
    }
    pr->places[pr->nplaces] = (place){k, NONE};
    pr->table[b] = (uint32_t)pr->nplaces + 1;
    return (uint32_t)pr->nplaces++;
}

static int by_site(const void *pa, const void *pb)
{
    const label_site *a = pa, *b = pb;
    if (a->file != b->file)
        return a->file < b->file ? -1 : 1;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return a->symbol < b->symbol ? -1 : a->symbol > b->symbol;
}

/* Where each label stands, as the place a slot is charged to: for a label
 * whose bundle a macro made, its call; else the label's own line. */
static label_site *label_sites(const vimage *img, size_t *n)
{
    label_site *sites = xcalloc(img->nsymbols ? img->nsymbols : 1, sizeof *sites);
    *n = 0;
    for (uint32_t i = 0; i < img->nsymbols; i++) {
        const img_symbol *s = &img->symbols[i];
        if (s->kind != IMG_SYM_LABEL || s->value >= img->nbundles)
            continue;
        uint32_t b = s->value, first = img->bundle_start[b];
        img_slot_line l = img_slot_source(img, b, first);
        if (first == img->bundle_start[b + 1] && img->lines)
            l = (img_slot_line){img->lines[b].file, img->lines[b].line, 0, 0};
        if (l.call_line)
            sites[(*n)++] = (label_site){l.call_file, l.call_line, i};
        else if (l.file)
            sites[(*n)++] = (label_site){l.file, s->line ? s->line : l.line, i};
    }
    qsort(sites, *n, sizeof *sites, by_site);
    return sites;
}

/* The last label at or above line in file, or NULL. */
static const label_site *label_above(const label_site *sites, size_t n, uint32_t file, uint32_t line)
{
    const label_site *best = NULL;
    size_t lo = 0, hi = n;   /* the first site after (file, line) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sites[mid].file < file || (sites[mid].file == file && sites[mid].line <= line))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0 && sites[lo - 1].file == file)
        best = &sites[lo - 1];
    return best;
}

static void add_use(sim_profile *pr, size_t *n, size_t *cap, uint32_t place_index, uint8_t engine)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 1024;
        pr->uses = xrealloc(pr->uses, *cap * sizeof *pr->uses);
    }
    pr->uses[(*n)++] = (use){place_index, engine};
}

sim_profile *sim_profile_new(const sim_program *p, int cores)
{
    sim_profile *pr = xcalloc(1, sizeof *pr);
    const vimage *img = sim_program_image(p);
    pr->img = img;
    pr->cores = cores;
    size_t nsites;
    label_site *sites = label_sites(img, &nsites);
    pr->use_start = xcalloc((size_t)img->nbundles + 1, sizeof *pr->use_start);
    size_t nuses = 0, cap_uses = 0;
    for (uint32_t b = 0; b < img->nbundles; b++) {
        pr->use_start[b] = (uint32_t)nuses;
        uint32_t first = img->bundle_start[b], end = img->bundle_start[b + 1];
        for (uint32_t i = first; i < end || (i == first && first == end); i++) {
            img_slot_line l;
            uint8_t engine = NE;
            if (i == end) {   /* nop: its bundle's line */
                l = (img_slot_line){0, 0, 0, 0};
                if (img->lines)
                    l = (img_slot_line){img->lines[b].file, img->lines[b].line, 0, 0};
            } else {
                l = img_slot_source(img, b, i);
                engine = (uint8_t)isa_ops[img->slots[i].op].engine;
            }
            uint32_t entry = intern_place(pr, (place_key){SIM_PROF_ENTRY, l.file, l.line,
                                                          l.call_file, l.call_line});
            add_use(pr, &nuses, &cap_uses, entry, engine);
            add_use(pr, &nuses, &cap_uses,
                    intern_place(pr, (place_key){SIM_PROF_LINE, l.file, l.line, 0, 0}), engine);
            if (l.call_line)
                add_use(pr, &nuses, &cap_uses,
                        intern_place(pr, (place_key){SIM_PROF_LINE, l.call_file, l.call_line, 0, 0}),
                        engine);
            const label_site *site = l.call_line ? label_above(sites, nsites, l.call_file, l.call_line)
                                                 : label_above(sites, nsites, l.file, l.line);
            if (site) {
                uint32_t label = intern_place(pr, (place_key){SIM_PROF_LABEL, site->file, site->line,
                                                              0, site->symbol});
                pr->places[entry].label = label;
                add_use(pr, &nuses, &cap_uses, label, engine);
            }
            if (i == end)
                break;
        }
    }
    pr->use_start[img->nbundles] = (uint32_t)nuses;
    free(sites);
    pr->counts = xcalloc(pr->nplaces * (size_t)cores * (NE + 1), sizeof *pr->counts);
    pr->last = xcalloc(pr->nplaces * (size_t)cores, sizeof *pr->last);
    return pr;
}

void sim_profile_free(sim_profile *pr)
{
    if (!pr)
        return;
    free(pr->places);
    free(pr->table);
    free(pr->uses);
    free(pr->use_start);
    free(pr->counts);
    free(pr->last);
    for (int k = 0; k < 3; k++)
        free(pr->order[k]);
    free(pr);
}

void sim_profile_observe(void *ctx, const sim_machine *m, const sim_step *st)
{
    sim_profile *pr = ctx;
    (void)m;
    const size_t cores = (size_t)pr->cores;
    for (uint32_t u = pr->use_start[st->pc]; u < pr->use_start[st->pc + 1]; u++) {
        const use *x = &pr->uses[u];
        size_t at = (size_t)x->place * cores + (size_t)st->core;
        uint64_t *c = pr->counts + at * (NE + 1);
        int costs = x->engine == NE || isa_engines[x->engine].costs_cycle;
        if (x->engine != NE)
            c[x->engine]++;
        if (costs && st->costs_cycle && pr->last[at] != st->cycle + 1) {
            c[NE]++;
            pr->last[at] = st->cycle + 1;
        }
    }
    pr->sorted = 0;
}

/* ------------------------------------------------------------------------
 * Queries
 */

int sim_profile_cores(const sim_profile *pr)
{
    return pr->cores;
}

static uint64_t count_of(const sim_profile *pr, uint32_t place_index, int core, int counter)
{
    uint64_t sum = 0;
    for (int k = core < 0 ? 0 : core; k < (core < 0 ? pr->cores : core + 1); k++)
        sum += pr->counts[((size_t)place_index * (size_t)pr->cores + (size_t)k) * (NE + 1) +
                          (size_t)counter];
    return sum;
}

static uint64_t slot_total(const sim_profile *pr, uint32_t i)
{
    uint64_t n = 0;
    for (int e = 0; e < NE; e++)
        n += count_of(pr, i, -1, e);
    return n;
}

/* A place with what the sort looks at. */
typedef struct {
    uint64_t cycles, slots;
    const char *file;
    uint32_t line, id;
} sort_item;

static int hottest_first(const void *pa, const void *pb)
{
    const sort_item *a = pa, *b = pb;
    if (a->cycles != b->cycles)
        return a->cycles > b->cycles ? -1 : 1;
    if (a->slots != b->slots)
        return a->slots > b->slots ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;   /* places were made in image order */
}

static int by_file_line(const void *pa, const void *pb)
{
    const sort_item *a = pa, *b = pb;
    int c = strcmp(a->file, b->file);
    if (c)
        return c;
    return a->line < b->line ? -1 : a->line > b->line;
}

static void sort_places(sim_profile *pr)
{
    sort_item *items = xcalloc(pr->nplaces ? pr->nplaces : 1, sizeof *items);
    for (int k = 0; k < 3; k++) {
        size_t n = 0;
        for (uint32_t i = 0; i < pr->nplaces; i++) {
            if (pr->places[i].key.kind != (uint32_t)k)
                continue;
            sort_item it = {count_of(pr, i, -1, NE), slot_total(pr, i),
                            img_string(pr->img, pr->places[i].key.file), pr->places[i].key.line, i};
            if (it.cycles || it.slots)
                items[n++] = it;
        }
        qsort(items, n, sizeof *items, k == SIM_PROF_LINE ? by_file_line : hottest_first);
        free(pr->order[k]);
        pr->order[k] = xcalloc(n ? n : 1, sizeof *pr->order[k]);
        for (size_t i = 0; i < n; i++)
            pr->order[k][i] = items[i].id;
        pr->norder[k] = n;
    }
    free(items);
    pr->sorted = 1;
}

size_t sim_profile_count(const sim_profile *pr, sim_prof_kind kind)
{
    if (!pr->sorted)
        sort_places((sim_profile *)pr);
    return pr->norder[kind];
}

static const char *string_at(const sim_profile *pr, uint32_t offset)
{
    const char *s = img_string(pr->img, offset);
    return s ? s : "";
}

sim_prof_row sim_profile_row(const sim_profile *pr, sim_prof_kind kind, size_t i, int core)
{
    sim_prof_row r;
    memset(&r, 0, sizeof r);
    if (i >= sim_profile_count(pr, kind))
        return r;
    uint32_t id = pr->order[kind][i];
    const place *pl = &pr->places[id];
    r.file = string_at(pr, pl->key.file);
    r.line = pl->key.line;
    r.call_file = "";
    if (kind == SIM_PROF_ENTRY) {
        r.call_file = string_at(pr, pl->key.call_file);
        r.call_line = pl->key.call_line;
        if (pl->label != NONE)
            r.label = string_at(pr, pr->img->symbols[pr->places[pl->label].key.call_line].name);
    } else if (kind == SIM_PROF_LABEL) {
        r.label = string_at(pr, pr->img->symbols[pl->key.call_line].name);
    }
    for (int e = 0; e < NE; e++)
        r.slots[e] = count_of(pr, id, core, e);
    r.cycles = count_of(pr, id, core, NE);
    return r;
}

/* ------------------------------------------------------------------------
 * Output
 */

static double share(uint64_t n, uint64_t of)
{
    return of ? 100.0 * (double)n / (double)of : 0.0;
}

static void print_counts(FILE *out, const sim_prof_row *r, uint64_t capacity)
{
    fprintf(out, "%9llu %6.2f%%", (unsigned long long)r->cycles, share(r->cycles, capacity));
    for (int e = 0; e < NE; e++)
        fprintf(out, " %8llu", (unsigned long long)r->slots[e]);
}

static void print_header(FILE *out, const char *what)
{
    fprintf(out, "%9s %7s", "cycles", "share");
    for (int e = 0; e < NE; e++)
        fprintf(out, " %8s", isa_engines[e].name);
    fprintf(out, "  %s\n", what);
}

/* The source text of a line, trimmed, for the end of a profile row. */
static void print_text(FILE *out, src_cache *src, const char *file, uint32_t line)
{
    int len;
    const char *text = *file ? src_line(src, file, line, &len) : NULL;
    if (!text)
        return;
    while (len > 0 && (*text == ' ' || *text == '\t')) {
        text++;
        len--;
    }
    enum { MAX_TEXT = 60 };
    fprintf(out, "  %.*s%s", len > MAX_TEXT ? MAX_TEXT : len, text, len > MAX_TEXT ? "..." : "");
}

static void print_tables(FILE *out, const sim_profile *pr, src_cache *src, int core,
                         uint64_t capacity)
{
    print_header(out, "source line [label]  (macro body line <- its call)");
    for (size_t i = 0; i < sim_profile_count(pr, SIM_PROF_ENTRY); i++) {
        sim_prof_row r = sim_profile_row(pr, SIM_PROF_ENTRY, i, core);
        if (!r.cycles && !r.slots[0] && !r.slots[1] && !r.slots[2] && !r.slots[3] &&
            !r.slots[4] && !r.slots[5])
            continue;
        print_counts(out, &r, capacity);
        fprintf(out, "  %s:%u", *r.file ? r.file : "?", r.line);
        if (r.call_line)
            fprintf(out, " <- %s:%u", r.call_file, r.call_line);
        if (r.label)
            fprintf(out, " [%s]", r.label);
        print_text(out, src, r.file, r.line);
        fputc('\n', out);
    }
    fputc('\n', out);
    if (!sim_profile_count(pr, SIM_PROF_LABEL)) {
        fputs("(no label: no totals per label)\n", out);
        return;
    }
    print_header(out, "label (the lines below it, up to the next label)");
    for (size_t i = 0; i < sim_profile_count(pr, SIM_PROF_LABEL); i++) {
        sim_prof_row r = sim_profile_row(pr, SIM_PROF_LABEL, i, core);
        print_counts(out, &r, capacity);
        fprintf(out, "  %s (%s:%u)\n", r.label, r.file, r.line);
    }
}

void sim_profile_print(FILE *out, const sim_profile *pr, uint64_t cycles)
{
    src_cache *src = src_cache_new();
    int cores = pr->cores;
    fprintf(out, "profile: %llu cycles x %d core%s; per source line, hottest first (share: of "
            "the cycles%s)\n", (unsigned long long)cycles, cores, cores == 1 ? "" : "s",
            cores == 1 ? "" : " of all cores");
    print_tables(out, pr, src, -1, cycles * (uint64_t)cores);
    for (int k = 0; cores > 1 && k < cores; k++) {
        fprintf(out, "\ncore %d\n", k);
        print_tables(out, pr, src, k, cycles);
    }
    src_cache_free(src);
}

static void json_counts(FILE *out, const sim_prof_row *r, uint64_t capacity)
{
    fputs("\"slots\": {", out);
    for (int e = 0; e < NE; e++)
        fprintf(out, "%s\"%s\": %llu", e ? ", " : "", isa_engines[e].name,
                (unsigned long long)r->slots[e]);
    fprintf(out, "}, \"cycles\": %llu, \"share\": %.6f", (unsigned long long)r->cycles,
            capacity ? (double)r->cycles / (double)capacity : 0.0);
}

static void json_place(FILE *out, const sim_profile *pr, sim_prof_kind kind, size_t i,
                       uint64_t cycles)
{
    sim_prof_row r = sim_profile_row(pr, kind, i, -1);
    fputs("{", out);
    if (kind == SIM_PROF_LABEL) {
        fputs("\"label\": ", out);
        sim_json_string(out, r.label);
        fputs(", ", out);
    }
    fputs("\"file\": ", out);
    sim_json_string(out, r.file);
    fprintf(out, ", \"line\": %u, ", r.line);
    if (kind == SIM_PROF_ENTRY) {
        fputs("\"macro_call\": ", out);
        if (r.call_line) {
            fputs("{\"file\": ", out);
            sim_json_string(out, r.call_file);
            fprintf(out, ", \"line\": %u}", r.call_line);
        } else {
            fputs("null", out);
        }
        fputs(", \"label\": ", out);
        if (r.label)
            sim_json_string(out, r.label);
        else
            fputs("null", out);
        fputs(", ", out);
    }
    json_counts(out, &r, cycles * (uint64_t)pr->cores);
    if (pr->cores > 1) {
        fputs(", \"cores\": [", out);
        for (int k = 0; k < pr->cores; k++) {
            sim_prof_row c = sim_profile_row(pr, kind, i, k);
            fputs(k ? ", {" : "{", out);
            json_counts(out, &c, cycles);
            fputs("}", out);
        }
        fputs("]", out);
    }
    fputs("}", out);
}

void sim_profile_json(FILE *out, const sim_profile *pr, uint64_t cycles)
{
    fputs("[", out);
    for (size_t i = 0; i < sim_profile_count(pr, SIM_PROF_ENTRY); i++) {
        fputs(i ? ",\n  " : "\n  ", out);
        json_place(out, pr, SIM_PROF_ENTRY, i, cycles);
    }
    fputs("],\n \"profile_labels\": [", out);
    for (size_t i = 0; i < sim_profile_count(pr, SIM_PROF_LABEL); i++) {
        fputs(i ? ",\n  " : "\n  ", out);
        json_place(out, pr, SIM_PROF_LABEL, i, cycles);
    }
    fputs("]", out);
}

static void annotate_margin(FILE *out, const sim_prof_row *r)
{
    if (!r) {
        fprintf(out, "%9s", "");
        for (int e = 0; e < NE; e++)
            fprintf(out, " %6s", "");
        return;
    }
    fprintf(out, "%9llu", (unsigned long long)r->cycles);
    for (int e = 0; e < NE; e++)
        fprintf(out, " %6llu", (unsigned long long)r->slots[e]);
}

void sim_profile_annotate(FILE *out, const sim_profile *pr)
{
    src_cache *src = src_cache_new();
    size_t n = sim_profile_count(pr, SIM_PROF_LINE);
    size_t i = 0;
    while (i < n) {
        sim_prof_row first = sim_profile_row(pr, SIM_PROF_LINE, i, -1);
        const char *file = first.file;
        size_t end = i;   /* rows of this file: i .. end-1, by line */
        while (end < n && strcmp(sim_profile_row(pr, SIM_PROF_LINE, end, -1).file, file) == 0)
            end++;
        int err = 0;
        long nlines = *file ? src_line_count(src, file, &err) : -1;
        fprintf(out, "%s==> %s <==", i ? "\n" : "", *file ? file : "(no source line)");
        if (nlines < 0 && *file)
            fprintf(out, "  (cannot read it%s%s: only the counted lines follow)", err ? ": " : "",
                    err ? strerror(err) : "");
        fputc('\n', out);
        fprintf(out, "%9s", "cycles");
        for (int e = 0; e < NE; e++)
            fprintf(out, " %6s", isa_engines[e].name);
        fputs("  | line\n", out);
        size_t at = i;
        uint32_t last = nlines > 0 ? (uint32_t)nlines : 0;
        if (!*file) {   /* slots without a source line */
            sim_prof_row r = sim_profile_row(pr, SIM_PROF_LINE, i, -1);
            annotate_margin(out, &r);
            fputs("  |\n", out);
        }
        sim_prof_row tail = sim_profile_row(pr, SIM_PROF_LINE, end - 1, -1);
        if (tail.line > last)
            last = tail.line;
        for (uint32_t line = 1; line <= last; line++) {
            sim_prof_row r;
            int counted = at < end && (r = sim_profile_row(pr, SIM_PROF_LINE, at, -1)).line == line;
            if (!counted && nlines < 0)
                continue;   /* only the counted lines of a file that cannot be read */
            annotate_margin(out, counted ? &r : NULL);
            int len;
            const char *text = src_line(src, file, line, &len);
            fprintf(out, "  | %5u  %.*s\n", line, text ? len : 0, text ? text : "");
            if (counted)
                at++;
        }
        i = end;
    }
    src_cache_free(src);
}
