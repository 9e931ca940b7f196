/*
 * json_valid FILE: exit 0 if FILE holds exactly one JSON value (RFC 8259),
 * 1 otherwise, printing where it went wrong.  The tests use it so that
 * checking vrun's JSON and traces needs nothing beyond the build itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p, *end;
    int depth;
} reader;

static int value(reader *r);

static void skip_space(reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static int literal(reader *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return -1;
    r->p += n;
    return 0;
}

static int digits(reader *r)
{
    const char *start = r->p;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
        r->p++;
    return r->p > start ? 0 : -1;
}

static int number(reader *r)
{
    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (r->p < r->end && *r->p == '0')
        r->p++;
    else if (digits(r) != 0)
        return -1;
    if (r->p < r->end && *r->p == '.') {
        r->p++;
        if (digits(r) != 0)
            return -1;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (digits(r) != 0)
            return -1;
    }
    return 0;
}

static int string(reader *r)
{
    r->p++; /* the opening quote */
    while (r->p < r->end) {
        unsigned char c = (unsigned char)*r->p++;
        if (c == '"')
            return 0;
        if (c < 0x20)
            return -1;
        if (c == '\\') {
            if (r->p >= r->end)
                return -1;
            char e = *r->p++;
            if (e == 'u') {
                for (int i = 0; i < 4; i++, r->p++)
                    if (r->p >= r->end || !strchr("0123456789abcdefABCDEF", *r->p))
                        return -1;
            } else if (!strchr("\"\\/bfnrt", e)) {
                return -1;
            }
        }
    }
    return -1;
}

/* Members or elements up to the closing bracket; objects take "key": value. */
static int container(reader *r, char close, int is_object)
{
    if (++r->depth > 1000)
        return -1;
    r->p++;
    skip_space(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
        r->depth--;
        return 0;
    }
    for (;;) {
        skip_space(r);
        if (is_object) {
            if (r->p >= r->end || *r->p != '"' || string(r) != 0)
                return -1;
            skip_space(r);
            if (r->p >= r->end || *r->p++ != ':')
                return -1;
        }
        if (value(r) != 0)
            return -1;
        skip_space(r);
        if (r->p >= r->end)
            return -1;
        char c = *r->p++;
        if (c == close) {
            r->depth--;
            return 0;
        }
        if (c != ',')
            return -1;
    }
}

static int value(reader *r)
{
    skip_space(r);
    if (r->p >= r->end)
        return -1;
    switch (*r->p) {
    case '{': return container(r, '}', 1);
    case '[': return container(r, ']', 0);
    case '"': return string(r);
    case 't': return literal(r, "true");
    case 'f': return literal(r, "false");
    case 'n': return literal(r, "null");
    default: return number(r);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: json_valid FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    size_t cap = 1 << 16, size = 0, n;
    char *text = malloc(cap);
    while (text && (n = fread(text + size, 1, cap - size, f)) > 0) {
        size += n;
        if (size == cap)
            text = realloc(text, cap *= 2);
    }
    fclose(f);
    if (!text)
        abort();
    reader r = {text, text + size, 0};
    int ok = value(&r) == 0;
    skip_space(&r);
    ok = ok && r.p == r.end;
    if (!ok)
        fprintf(stderr, "%s: not valid JSON at byte %ld\n", argv[1], (long)(r.p - text));
    free(text);
    return ok ? 0 : 1;
}
