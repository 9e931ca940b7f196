/* spell: the nearest of several words by edit distance. */
#include "spell.h"

#include <string.h>

/* Edit distance with adjacent transpositions (optimal string alignment):
 * "hlep" is one slip away from "help", as a typist sees it. */
int spell_distance(const char *a, const char *b, int limit)
{
    size_t n = strlen(a), m = strlen(b);
    enum { MAX = 64 };
    if (n >= MAX || m >= MAX)
        return limit + 1;   /* no option, op or symbol worth suggesting is that long */
    if ((n > m ? n - m : m - n) > (size_t)limit)
        return limit + 1;
    int rows[3][MAX + 1];
    int *before = rows[0], *prev = rows[1], *row = rows[2];
    for (size_t j = 0; j <= m; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        row[0] = (int)i;
        int best = row[0];
        for (size_t j = 1; j <= m; j++) {
            int v = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < v)
                v = prev[j] + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && before[j - 2] + 1 < v)
                v = before[j - 2] + 1;
            row[j] = v;
            if (v < best)
                best = v;
        }
        if (best > limit)
            return limit + 1;
        int *t = before;
        before = prev;
        prev = row;
        row = t;
    }
    return prev[m];
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
