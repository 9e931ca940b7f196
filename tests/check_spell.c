/* Tests of common/spell: "did you mean" by edit distance. */
#include <check.h>
#include <stdlib.h>

#include "spell.h"

static const char *suggest(const char *word, const char *const *candidates)
{
    spell_match m;
    spell_init(&m, word);
    for (; *candidates; candidates++)
        spell_consider(&m, *candidates);
    return spell_result(&m);
}

START_TEST(test_distance_counts_insertions_deletions_substitutions_and_transpositions)
{
    ck_assert_int_eq(spell_distance("halt", "halt", 3), 0);
    ck_assert_int_eq(spell_distance("hlt", "halt", 3), 1);
    ck_assert_int_eq(spell_distance("hallt", "halt", 3), 1);
    ck_assert_int_eq(spell_distance("hilt", "halt", 3), 1);
    ck_assert_int_eq(spell_distance("hlep", "help", 3), 1);
    ck_assert_int_eq(spell_distance("kitten", "sitting", 5), 3);
    ck_assert_int_gt(spell_distance("kitten", "sitting", 2), 2);   /* cut off above the limit */
}
END_TEST

START_TEST(test_the_nearest_close_candidate_is_suggested_and_a_far_one_is_not)
{
    const char *ops[] = {"halt", "pause", "jump", "cond_jump", NULL};
    ck_assert_str_eq(suggest("hlt", ops), "halt");
    ck_assert_str_eq(suggest("cond_jmp", ops), "cond_jump");
    ck_assert_ptr_null(suggest("frobnicate", ops));
    ck_assert_ptr_null(suggest("halt", ops));   /* the word itself is no suggestion */
    const char *tie[] = {"map", "mao", NULL};
    ck_assert_str_eq(suggest("mak", tie), "map");   /* the first of equals */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("spell");
    TCase *tc = tcase_create("suggestions");
    tcase_add_test(tc, test_distance_counts_insertions_deletions_substitutions_and_transpositions);
    tcase_add_test(tc, test_the_nearest_close_candidate_is_suggested_and_a_far_one_is_not);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
