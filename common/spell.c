/* spell: the nearest of several words by edit distance. */
#include "spell.h"

#include <string.h>

int spell_distance(const char *a, const char *b, int limit)
{
    size_t n = strlen(a), m = strlen(b);
    enum { MAX = 64 };
    if (n >= MAX || m >= MAX)
        return limit + 1;   /* no option, op or symbol worth suggesting is that long */
    if ((n > m ? n - m : m - n) > (size_t)limit)
        return limit + 1;
    int row[MAX + 1];
    for (size_t j = 0; j <= m; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        int diag = row[0], best = row[0] = (int)i;
        for (size_t j = 1; j <= m; j++) {
            int up = row[j];
            int v = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < v)
                v = up + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
            if (v < best)
                best = v;
        }
        if (best > limit)
            return limit + 1;
    }
    return row[m];
}

static int limit_for(const char *word)
{
    int n = (int)strlen(word) / 3;
    return n < 1 ? 1 : n;
}

void spell_init(spell_match *m, const char *word)
{
    m->word = word;
    m->best = NULL;
    m->distance = limit_for(word) + 1;
}

void spell_consider(spell_match *m, const char *candidate)
{
    if (strcmp(candidate, m->word) == 0)
        return;   /* the word itself is no suggestion */
    int d = spell_distance(m->word, candidate, m->distance - 1);
    if (d < m->distance) {
        m->best = candidate;
        m->distance = d;
    }
}

const char *spell_result(const spell_match *m)
{
    return m->best;
}
