/*
 * Tests of sim/profile: per-source-line counts of a run, checked against
 * counts worked out by hand from a small image whose slots name their own
 * lines (two cores run it, so each count is doubled in the sums), and
 * against the machine's own per-bundle totals.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "machine.h"
#include "profile.h"

static vimage *img;
static sim_program *prog;
static sim_machine *mach;
static sim_profile *prof;

static void slot(int op, int64_t a0, int64_t a1, int64_t a2, const char *file, uint32_t line,
                 const char *call_file, uint32_t call_line)
{
    isa_slot s = {.op = (uint16_t)op, .arg = {a0, a1, a2, 0, 0}};
    img_add_slot(img, &s);
    img_set_slot_line(img, img->nslots - 1, file, line, call_file, call_line);
}

/*   label top (line 9)
 *   b0  t:10 load const 1, 7          t:11 alu + 2, 1, 1
 *   b1  t:11 alu + 3, 1, 1 ; t:11 alu + 4, 1, 1 ; t:12 debug comment
 *   b2  nop (t:13)
 *   label later (line 19; its bundle comes from a macro called at t:20)
 *   b3  m:2 alu + 5, 1, 1 <- t:20 ; m:3 valu + 16, 8, 8 <- t:20 ; t:21 alu + 6, 1, 1
 *   b4  t:22 flow halt
 * run on two cores. */
static void setup(void)
{
    img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, "t.vasm", 10);
    slot(ISA_OP_CONST, 1, 7, 0, "t.vasm", 10, NULL, 0);
    slot(ISA_OP_ALU_ADD, 2, 1, 1, "t.vasm", 11, NULL, 0);
    img_begin_bundle(img, "t.vasm", 11);
    slot(ISA_OP_ALU_ADD, 3, 1, 1, "t.vasm", 11, NULL, 0);
    slot(ISA_OP_ALU_ADD, 4, 1, 1, "t.vasm", 11, NULL, 0);
    slot(ISA_OP_COMMENT, img_intern(img, "note"), 0, 0, "t.vasm", 12, NULL, 0);
    img_begin_bundle(img, "t.vasm", 13);
    img_begin_bundle(img, "m.vasm", 2);
    slot(ISA_OP_ALU_ADD, 5, 1, 1, "m.vasm", 2, "t.vasm", 20);
    slot(ISA_OP_VALU_ADD, 16, 8, 8, "m.vasm", 3, "t.vasm", 20);
    slot(ISA_OP_ALU_ADD, 6, 1, 1, "t.vasm", 21, NULL, 0);
    img_begin_bundle(img, "t.vasm", 22);
    slot(ISA_OP_HALT, 0, 0, 0, "t.vasm", 22, NULL, 0);
    img_add_symbol(img, "top", IMG_SYM_LABEL, IMG_BIND_LOCAL, 0, 0, 0, 9);
    img_add_symbol(img, "later", IMG_SYM_LABEL, IMG_BIND_LOCAL, 0, 3, 0, 19);

    char why[256];
    prog = sim_program_new(img, why, sizeof why);
    ck_assert_msg(prog != NULL, "%s", why);
    prof = sim_profile_new(prog, 2);
    sim_config cfg = SIM_CONFIG_DEFAULT;
    cfg.cores = 2;
    cfg.observer = sim_profile_observe;
    cfg.observer_ctx = prof;
    static const uint32_t memory[16];
    mach = sim_new(prog, &cfg, memory, 16, why, sizeof why);
    ck_assert_msg(mach != NULL, "%s", why);
    ck_assert_int_eq(sim_run(mach), SIM_DONE);
}

static void teardown(void)
{
    sim_free(mach);
    sim_profile_free(prof);
    sim_program_free(prog);
    img_free(img);
}

/* The row of kind for file:line (entries: with that call line), or fails. */
static sim_prof_row find(sim_prof_kind kind, const char *file, uint32_t line, uint32_t call_line,
                         int core)
{
    for (size_t i = 0; i < sim_profile_count(prof, kind); i++) {
        sim_prof_row r = sim_profile_row(prof, kind, i, core);
        if (strcmp(r.file, file) == 0 && r.line == line && r.call_line == call_line)
            return r;
    }
    ck_abort_msg("no row for %s:%u (call line %u)", file, line, call_line);
    sim_prof_row none = {0};
    return none;
}

static sim_prof_row label(const char *name)
{
    for (size_t i = 0; i < sim_profile_count(prof, SIM_PROF_LABEL); i++) {
        sim_prof_row r = sim_profile_row(prof, SIM_PROF_LABEL, i, -1);
        if (strcmp(r.label, name) == 0)
            return r;
    }
    ck_abort_msg("no label %s", name);
    sim_prof_row none = {0};
    return none;
}

START_TEST(test_slots_per_entry_add_up_to_the_machines_engine_totals)
{
    uint64_t used[ISA_ENGINE_COUNT], sum[ISA_ENGINE_COUNT] = {0}, per_core[ISA_ENGINE_COUNT] = {0};
    sim_engine_slots(mach, used);
    for (size_t i = 0; i < sim_profile_count(prof, SIM_PROF_ENTRY); i++) {
        sim_prof_row r = sim_profile_row(prof, SIM_PROF_ENTRY, i, -1);
        for (int k = 0; k < 2; k++) {
            sim_prof_row c = sim_profile_row(prof, SIM_PROF_ENTRY, i, k);
            for (int e = 0; e < ISA_ENGINE_COUNT; e++)
                per_core[e] += c.slots[e];
        }
        for (int e = 0; e < ISA_ENGINE_COUNT; e++)
            sum[e] += r.slots[e];
    }
    for (int e = 0; e < ISA_ENGINE_COUNT; e++) {
        ck_assert_uint_eq(sum[e], used[e]);
        ck_assert_uint_eq(per_core[e], used[e]);
    }
    ck_assert_uint_eq(used[ISA_ENG_ALU], 2 * 5);   /* by hand: 5 alu slots a core */
}
END_TEST

START_TEST(test_a_line_counts_a_cycle_once_however_many_slots_it_issues)
{
    sim_prof_row r = find(SIM_PROF_ENTRY, "t.vasm", 11, 0, 0);
    ck_assert_uint_eq(r.slots[ISA_ENG_ALU], 3);
    ck_assert_uint_eq(r.cycles, 2);            /* b0 and b1 */
    r = find(SIM_PROF_ENTRY, "t.vasm", 11, 0, -1);
    ck_assert_uint_eq(r.cycles, 4);            /* both cores */
    ck_assert_uint_eq(r.slots[ISA_ENG_ALU], 6);
}
END_TEST

START_TEST(test_a_nop_costs_its_line_a_cycle_and_debug_slots_cost_none)
{
    sim_prof_row nop = find(SIM_PROF_ENTRY, "t.vasm", 13, 0, 0);
    ck_assert_uint_eq(nop.cycles, 1);
    for (int e = 0; e < ISA_ENGINE_COUNT; e++)
        ck_assert_uint_eq(nop.slots[e], 0);
    sim_prof_row debug = find(SIM_PROF_ENTRY, "t.vasm", 12, 0, 0);
    ck_assert_uint_eq(debug.slots[ISA_ENG_DEBUG], 1);
    ck_assert_uint_eq(debug.cycles, 0);
}
END_TEST

START_TEST(test_a_macro_slot_counts_for_its_body_line_and_for_the_call)
{
    sim_prof_row e = find(SIM_PROF_ENTRY, "m.vasm", 2, 20, -1);
    ck_assert_str_eq(e.call_file, "t.vasm");
    ck_assert_uint_eq(e.slots[ISA_ENG_ALU], 2);
    ck_assert_uint_eq(e.cycles, 2);
    sim_prof_row body = find(SIM_PROF_LINE, "m.vasm", 3, 0, -1);
    ck_assert_uint_eq(body.slots[ISA_ENG_VALU], 2);
    sim_prof_row call = find(SIM_PROF_LINE, "t.vasm", 20, 0, -1);   /* both body lines */
    ck_assert_uint_eq(call.slots[ISA_ENG_ALU], 2);
    ck_assert_uint_eq(call.slots[ISA_ENG_VALU], 2);
    ck_assert_uint_eq(call.cycles, 2);                               /* one bundle a core */
}
END_TEST

START_TEST(test_labels_total_the_lines_below_them_up_to_the_next)
{
    ck_assert_str_eq(find(SIM_PROF_ENTRY, "t.vasm", 12, 0, -1).label, "top");
    ck_assert_str_eq(find(SIM_PROF_ENTRY, "m.vasm", 2, 20, -1).label, "later");   /* by its call */
    ck_assert_str_eq(find(SIM_PROF_ENTRY, "t.vasm", 22, 0, -1).label, "later");
    sim_prof_row top = label("top"), later = label("later");
    ck_assert_uint_eq(top.slots[ISA_ENG_ALU], 2 * 3);
    ck_assert_uint_eq(top.slots[ISA_ENG_LOAD], 2 * 1);
    ck_assert_uint_eq(top.cycles, 2 * 3);     /* b0, b1, the nop */
    ck_assert_uint_eq(later.slots[ISA_ENG_ALU], 2 * 2);
    ck_assert_uint_eq(later.slots[ISA_ENG_FLOW], 2 * 1);
    ck_assert_uint_eq(later.cycles, 2 * 2);   /* b3, b4 */
}
END_TEST

START_TEST(test_entries_come_hottest_first)
{
    size_t n = sim_profile_count(prof, SIM_PROF_ENTRY);
    ck_assert_uint_eq(n, 8);   /* t:10 11 12 13 21 22, m:2 m:3 */
    ck_assert_uint_eq(sim_profile_row(prof, SIM_PROF_ENTRY, 0, -1).line, 11);
    for (size_t i = 1; i < n; i++)
        ck_assert_uint_ge(sim_profile_row(prof, SIM_PROF_ENTRY, i - 1, -1).cycles,
                          sim_profile_row(prof, SIM_PROF_ENTRY, i, -1).cycles);
}
END_TEST

START_TEST(test_annotation_margins_show_each_lines_counts)
{
    char *text;
    size_t size;
    FILE *f = open_memstream(&text, &size);
    sim_profile_annotate(f, prof);
    fclose(f);
    /* t.vasm cannot be read: only its counted lines, line 20 with both
     * body lines' slots, one of each a core (alu 2, valu 2, 2 cycles) */
    ck_assert_msg(strstr(text, "==> t.vasm <==  (cannot read it") != NULL, "%s", text);
    ck_assert_msg(strstr(text, "        2      2      2      0      0      0      0  |    20") !=
                      NULL, "%s", text);
    free(text);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("profile");
    TCase *tc = tcase_create("counts");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_slots_per_entry_add_up_to_the_machines_engine_totals);
    tcase_add_test(tc, test_a_line_counts_a_cycle_once_however_many_slots_it_issues);
    tcase_add_test(tc, test_a_nop_costs_its_line_a_cycle_and_debug_slots_cost_none);
    tcase_add_test(tc, test_a_macro_slot_counts_for_its_body_line_and_for_the_call);
    tcase_add_test(tc, test_labels_total_the_lines_below_them_up_to_the_next);
    tcase_add_test(tc, test_entries_come_hottest_first);
    tcase_add_test(tc, test_annotation_margins_show_each_lines_counts);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
