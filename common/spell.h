/*
 * spell: "did you mean" suggestions.  A word the user typed is compared
 * with each candidate (an op, a directive, an option, a symbol) by edit
 * distance; the nearest one close enough is the suggestion.
 *
 *     spell_match m;
 *     spell_init(&m, "hlt");
 *     for (...)
 *         spell_consider(&m, name);
 *     if (spell_result(&m))
 *         ... "did you mean '%s'?", spell_result(&m)
 */
#ifndef VLIW_SPELL_H
#define VLIW_SPELL_H

typedef struct {
    const char *word;
    const char *best;   /* the nearest candidate so far, NULL: none close */
    int distance;
} spell_match;

void spell_init(spell_match *m, const char *word);
void spell_consider(spell_match *m, const char *candidate);
/* The suggestion, or NULL when no candidate is close enough to be a slip
 * of the keyboard (at most a third of the word's letters, at least one,
 * may differ; the first candidate wins a tie). */
const char *spell_result(const spell_match *m);

/* Levenshtein distance of a and b, or a value above limit once it is
 * certain to exceed it. */
int spell_distance(const char *a, const char *b, int limit);

#endif
