/*
 * check_disasm: the disassembler's text (asm/disasm.c) and the vdis
 * program.
 *
 * Expected listings are written out by hand from ISA.md's canonical form
 * (one bundle per line, "< a ; b >", "nop") and docs/vdis.md's comment
 * conventions.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "disasm.h"
#include "image.h"
#include "srclines.h"
#include "testdir.h"

static isa_slot slot_of(const char *engine, const char *mnemonic, int64_t a0, int64_t a1, int64_t a2,
                        int64_t a3)
{
    int op = isa_find_op((isa_engine)isa_find_engine(engine), mnemonic);
    ck_assert_int_ge(op, 0);
    isa_slot s = {.op = (uint16_t)op, .arg = {a0, a1, a2, a3, 0}};
    return s;
}

static void add(vimage *img, isa_slot s)
{
    img_add_slot(img, &s);
}

/* The listing of img as a malloc'd string. */
static char *listing_of(const vimage *img, int names, int addresses, int python)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    ck_assert_ptr_nonnull(f);
    dis_options opt = {.names = names, .addresses = addresses, .python = python};
    ck_assert_int_eq(dis_print(f, img, &opt), 0);
    fclose(f);
    return text;
}

static char *listing(const vimage *img, int names, int addresses)
{
    return listing_of(img, names, addresses, 0);
}

static void assert_listing(const vimage *img, int names, int addresses, const char *want)
{
    char *got = listing(img, names, addresses);
    ck_assert_str_eq(got, want);
    free(got);
}

/* ------------------------------------------------------------------ */
/* Code */

START_TEST(test_one_slot_bundle_prints_without_brackets)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("load", "const", 0, 2127912214, 0, 0));
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("flow", "cond_jump_rel", 1092, -8, 0, 0));
    assert_listing(img, 0, 0, "load const 0, 2127912214\nflow cond_jump_rel 1092, -8\n");
    img_free(img);
}
END_TEST

START_TEST(test_empty_bundle_prints_as_nop)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("flow", "halt", 0, 0, 0, 0));
    assert_listing(img, 1, 0, "nop\nflow halt\n");
    img_free(img);
}
END_TEST

START_TEST(test_several_slots_print_in_bundle_order_between_brackets)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("alu", "+", 10, 11, 12, 0));
    add(img, slot_of("load", "load", 13, 14, 0, 0));
    add(img, slot_of("flow", "vselect", 40, 48, 56, 64));
    assert_listing(img, 1, 0, "< alu + 10, 11, 12 ; load load 13, 14 ; flow vselect 40, 48, 56, 64 >\n");
    img_free(img);
}
END_TEST

START_TEST(test_debug_slots_print_keys_and_escaped_comments)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("debug", "comment", img_intern(img, "a \"quoted\" \\ word"), 0, 0, 0));
    isa_slot cmp = slot_of("debug", "vcompare", 228, 1, 45, ISA_KEY_HASH_STAGE);
    cmp.arg[4] = 5;
    add(img, cmp);
    assert_listing(img, 1, 0,
                   "< debug comment \"a \\\"quoted\\\" \\\\ word\" ; "
                   "debug vcompare 228, 1, 45, hash_stage, 5 >\n");
    img_free(img);
}
END_TEST

START_TEST(test_long_bundles_print_whole)
{
    /* a full bundle of 64 debug comments of 300 characters each */
    vimage *img = img_new(IMG_EXECUTABLE);
    char text[301];
    memset(text, 'x', 300);
    text[300] = '\0';
    uint32_t s = img_intern(img, text);
    img_begin_bundle(img, NULL, 0);
    for (int i = 0; i < 64; i++)
        add(img, slot_of("debug", "comment", s, 0, 0, 0));
    char *got = listing(img, 1, 0);
    size_t slot_len = strlen("debug comment \"\"") + 300;
    ck_assert_uint_eq(strlen(got), 2 + 64 * slot_len + 63 * 3 + 2 + 1);
    ck_assert_ptr_eq(strchr(got, '\n'), got + strlen(got) - 1);   /* one line */
    free(got);
    img_free(img);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Names */

/* start: const; loop: add, cond_jump_rel back to loop, jump to start;
 * nop; end label after the code. */
static vimage *named_program(void)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("load", "const", 10, 0, 0, 0));
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("alu", "+", 10, 17, 16, 0));
    add(img, slot_of("valu", "*", 24, 16, 40, 0));
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("flow", "cond_jump_rel", 10, -2, 0, 0));
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("flow", "jump", 0, 0, 0, 0));
    img_begin_bundle(img, NULL, 0);
    img_add_symbol(img, "start", IMG_SYM_LABEL, IMG_BIND_GLOBAL, 0, 0, 0, 1);
    img_add_symbol(img, "loop", IMG_SYM_LABEL, IMG_BIND_LOCAL, 0, 1, 0, 2);
    img_add_symbol(img, "again", IMG_SYM_LABEL, IMG_BIND_LOCAL, 0, 1, 0, 2);
    img_add_symbol(img, "end", IMG_SYM_LABEL, IMG_BIND_LOCAL, 0, 5, 0, 9);
    img_add_symbol(img, "acc", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 10, 1, 3);
    img_add_symbol(img, "vals", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 16, 16, 4);
    img_add_symbol(img, "N", IMG_SYM_CONST, IMG_BIND_LOCAL, 0, 10, 0, 5);   /* not a scratch name */
    return img;
}

START_TEST(test_labels_print_as_comment_lines_before_their_bundle)
{
    vimage *img = named_program();
    char *got = listing(img, 1, 0);
    const char *want =
        "# start:\n"
        "load const 10, 0   # 10=acc\n"
        "# loop:\n"
        "# again:\n"
        "< alu + 10, 17, 16 ; valu * 24, 16, 40 >   # 10=acc, 17=vals+1, 16=vals, 24=vals+8\n"
        "flow cond_jump_rel 10, -2   # 10=acc, -2=loop\n"
        "flow jump 0   # 0=start\n"
        "nop\n"
        "# end:\n";
    ck_assert_str_eq(got, want);
    free(got);
    img_free(img);
}
END_TEST

START_TEST(test_no_names_prints_the_code_alone)
{
    vimage *img = named_program();
    assert_listing(img, 0, 0,
                   "load const 10, 0\n"
                   "< alu + 10, 17, 16 ; valu * 24, 16, 40 >\n"
                   "flow cond_jump_rel 10, -2\n"
                   "flow jump 0\n"
                   "nop\n");
    img_free(img);
}
END_TEST

START_TEST(test_addresses_lead_the_trailing_comment)
{
    vimage *img = named_program();
    assert_listing(img, 0, 1,
                   "load const 10, 0   # 0\n"
                   "< alu + 10, 17, 16 ; valu * 24, 16, 40 >   # 1\n"
                   "flow cond_jump_rel 10, -2   # 2\n"
                   "flow jump 0   # 3\n"
                   "nop   # 4\n");
    char *got = listing(img, 1, 1);
    ck_assert_ptr_nonnull(strstr(got, "flow jump 0   # 3: 0=start\n"));
    ck_assert_ptr_nonnull(strstr(got, "nop   # 4\n"));
    free(got);
    img_free(img);
}
END_TEST

START_TEST(test_lines_end_the_trailing_comment_with_each_slots_own_line)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, "k.vasm", 4);
    add(img, slot_of("load", "const", 0, 1, 0, 0));
    img_set_slot_line(img, img->nslots - 1, "k.vasm", 4, NULL, 0);
    img_begin_bundle(img, "m.vasm", 2);
    add(img, slot_of("alu", "+", 1, 0, 0, 0));
    img_set_slot_line(img, img->nslots - 1, "m.vasm", 2, "k.vasm", 9);
    add(img, slot_of("alu", "-", 2, 0, 0, 0));
    img_set_slot_line(img, img->nslots - 1, "k.vasm", 12, NULL, 0);
    add(img, slot_of("alu", "^", 3, 0, 0, 0));
    img_set_slot_line(img, img->nslots - 1, "k.vasm", 13, NULL, 0);
    img_begin_bundle(img, "k.vasm", 14);   /* nop: its bundle's line */
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    dis_options opt = {.names = 1, .addresses = 1, .lines = 1};
    ck_assert_int_eq(dis_print(f, img, &opt), 0);
    fclose(f);
    ck_assert_str_eq(text, "load const 0, 1   # 0; k.vasm:4\n"
                           "< alu + 1, 0, 0 ; alu - 2, 0, 0 ; alu ^ 3, 0, 0 >   # 1; "
                           "m.vasm:2,k.vasm:12,13\n"
                           "nop   # 2; k.vasm:14\n");
    free(text);
    img_free(img);
}
END_TEST

START_TEST(test_object_operands_are_named_by_their_relocation)
{
    vimage *img = img_new(IMG_OBJECT);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("flow", "jump", 0, 0, 0, 0));
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("alu", "+", 0, 0, 5, 0));
    uint32_t helper = img_add_symbol(img, "helper", IMG_SYM_LABEL, IMG_BIND_EXTERN, 0, 0, 0, 0);
    uint32_t buf = img_add_symbol(img, "buf", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 8, 0);
    uint32_t pin = img_add_symbol(img, "pin", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, IMG_SYMF_FIXED, 5, 1, 0);
    (void)pin;
    img_add_reloc(img, 0, 0, IMG_REL_CODE_ABS, helper, 0);
    img_add_reloc(img, 1, 1, IMG_REL_SCRATCH, buf, 3);
    img_add_reloc(img, 1, 0, IMG_REL_SCRATCH, buf, 0);
    /* unplaced scratch (buf) names only relocated operands; fixed (pin)
     * names its word */
    assert_listing(img, 1, 0,
                   "flow jump 0   # 0=helper\n"
                   "alu + 0, 0, 5   # 0=buf, 0=buf+3, 5=pin\n");
    img_free(img);
}
END_TEST

START_TEST(test_names_cannot_break_the_line)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("flow", "halt", 0, 0, 0, 0));
    img_add_symbol(img, "bad\nname", IMG_SYM_LABEL, IMG_BIND_LOCAL, 0, 0, 0, 0);
    assert_listing(img, 1, 0, "# bad?name:\nflow halt\n");
    img_free(img);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The Python form.  Expected text follows the take-home's KernelBuilder
 * (a bundle {engine: [(op, *operands)]}, compare keys (round, item, name),
 * vcompare keys one per lane) written as Python's repr() writes it. */

static void assert_python(const vimage *img, int names, const char *want)
{
    char *got = listing_of(img, names, 0, 1);
    ck_assert_str_eq(got, want);
    free(got);
}

/* -S: the source each bundle comes from, as comment lines before it. */
static char *listing_with_source(const vimage *img, src_cache *c)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    ck_assert_ptr_nonnull(f);
    dis_options opt = {.names = 0, .source = c};
    ck_assert_int_eq(dis_print(f, img, &opt), 0);
    fclose(f);
    return text;
}

START_TEST(test_source_lines_come_before_their_bundle_with_short_gaps_filled)
{
    src_cache *c = src_cache_new();
    const char *src = ".word a\nstart:\n    alu + a, a, a\n# far below\n\n\n\n\n\n\n\n\n\n    flow halt\n";
    src_cache_add_text(c, "k.vasm", src, strlen(src));
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, "k.vasm", 3);
    add(img, slot_of("alu", "+", 0, 0, 0, 0));
    img_set_slot_line(img, 0, "k.vasm", 3, NULL, 0);
    img_begin_bundle(img, "k.vasm", 3);   /* the same line again: not repeated */
    add(img, slot_of("alu", "+", 0, 0, 0, 0));
    img_set_slot_line(img, 1, "k.vasm", 3, NULL, 0);
    img_begin_bundle(img, "k.vasm", 14);  /* 11 lines on: shown alone */
    add(img, slot_of("flow", "halt", 0, 0, 0, 0));
    img_set_slot_line(img, 2, "k.vasm", 14, NULL, 0);
    img_begin_bundle(img, "k.vasm", 3);   /* back up: the line alone */
    add(img, slot_of("alu", "+", 1, 1, 1, 0));
    img_set_slot_line(img, 3, "k.vasm", 3, NULL, 0);
    char *got = listing_with_source(img, c);
    ck_assert_str_eq(got, "# k.vasm:3:     alu + a, a, a\n"
                          "alu + 0, 0, 0\n"
                          "alu + 0, 0, 0\n"
                          "# k.vasm:14:     flow halt\n"
                          "flow halt\n"
                          "# k.vasm:3:     alu + a, a, a\n"
                          "alu + 1, 1, 1\n");
    free(got);
    /* A gap of up to 8 lines brings the lines between along. */
    vimage *near = img_new(IMG_EXECUTABLE);
    img_begin_bundle(near, "k.vasm", 1);
    add(near, slot_of("alu", "+", 0, 0, 0, 0));
    img_begin_bundle(near, "k.vasm", 3);
    add(near, slot_of("alu", "+", 0, 0, 0, 0));
    got = listing_with_source(near, c);   /* no SLOTLINES: each slot takes its bundle's line */
    ck_assert_str_eq(got, "# k.vasm:1: .word a\nalu + 0, 0, 0\n# k.vasm:2: start:\n# k.vasm:3:     alu + a, a, a\n"
                          "alu + 0, 0, 0\n");
    free(got);
    img_free(near);
    img_free(img);
    src_cache_free(c);
}
END_TEST

START_TEST(test_source_of_an_unreadable_file_shows_its_line_numbers)
{
    src_cache *c = src_cache_new();
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, "/nonexistent/dir/k.vasm", 7);
    add(img, slot_of("flow", "halt", 0, 0, 0, 0));
    img_begin_bundle(img, NULL, 0);   /* no line: nothing shown */
    char *got = listing_with_source(img, c);
    ck_assert_str_eq(got, "# /nonexistent/dir/k.vasm:7:\nflow halt\nnop\n");
    free(got);
    img_free(img);
    src_cache_free(c);
}
END_TEST

START_TEST(test_python_form_is_a_list_of_engine_dicts)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("load", "const", 0, -5, 0, 0));
    img_begin_bundle(img, NULL, 0);   /* nop: an engine with no slots */
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("flow", "pause", 0, 0, 0, 0));   /* a tuple of one */
    assert_python(img, 0, "[\n    {'load': [('const', 0, -5)]},\n    {'alu': []},\n    {'flow': [('pause',)]},\n]\n");
    img_free(img);
    img = img_new(IMG_EXECUTABLE);
    assert_python(img, 0, "[\n]\n");
    img_free(img);
}
END_TEST

START_TEST(test_python_form_groups_slots_by_engine_in_first_slot_order)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("valu", "*", 24, 16, 40, 0));
    add(img, slot_of("alu", "+", 10, 11, 12, 0));
    add(img, slot_of("valu", "vbroadcast", 32, 10, 0, 0));
    assert_python(img, 0,
                  "[\n    {'valu': [('*', 24, 16, 40), ('vbroadcast', 32, 10)], "
                  "'alu': [('+', 10, 11, 12)]},\n]\n");
    char why[512];
    ck_assert_int_eq(dis_python_check(img, why, sizeof why), 0);
    img_free(img);
}
END_TEST

START_TEST(test_python_form_writes_keys_and_comments_as_the_takehome_does)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("debug", "compare", 7, 1, 2, ISA_KEY_IDX));
    isa_slot stage = slot_of("debug", "compare", 8, 0, 3, ISA_KEY_HASH_STAGE);
    stage.arg[4] = 5;
    add(img, stage);
    add(img, slot_of("debug", "vcompare", 16, 2, 8, ISA_KEY_VAL));
    add(img, slot_of("debug", "comment", img_intern(img, "it's a \\ \"test\"\t"), 0, 0, 0));
    add(img, slot_of("debug", "comment", img_intern(img, "it's"), 0, 0, 0));
    assert_python(img, 0,
                  "[\n    {'debug': [('compare', 7, (1, 2, 'idx')), "
                  "('compare', 8, (0, 3, 'hash_stage', 5)), "
                  "('vcompare', 16, [(2, 8, 'val'), (2, 9, 'val'), (2, 10, 'val'), (2, 11, 'val'), "
                  "(2, 12, 'val'), (2, 13, 'val'), (2, 14, 'val'), (2, 15, 'val')]), "
                  "('comment', 'it\\'s a \\\\ \"test\"\\t'), ('comment', \"it's\")]},\n]\n");
    img_free(img);
}
END_TEST

START_TEST(test_python_form_keeps_labels_and_names_as_comments)
{
    vimage *img = named_program();
    char *got = listing_of(img, 1, 0, 1);
    ck_assert_ptr_nonnull(strstr(got, "[\n    # start:\n    {'load': [('const', 10, 0)]},   # 10=acc\n"));
    ck_assert_ptr_nonnull(strstr(got, "    {'alu': []},\n    # end:\n]\n"));
    free(got);
    img_free(img);
}
END_TEST

START_TEST(test_python_check_refuses_a_bundle_whose_write_order_would_change)
{
    /* load slots 0 and 2 group before the alu slot 1; slot 2's write to
     * word 5 would no longer come after slot 1's */
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("flow", "halt", 0, 0, 0, 0));
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("load", "const", 10, 1, 0, 0));
    add(img, slot_of("alu", "+", 5, 10, 10, 0));
    add(img, slot_of("load", "const", 5, 2, 0, 0));
    char why[512];
    ck_assert_int_eq(dis_python_check(img, why, sizeof why), -1);
    ck_assert_str_eq(why, "bundle 1: slots 1 (alu + 5, 10, 10) and 2 (load const 5, 2) both write scratch "
                          "word 5; a Python dict holds a bundle's slots engine by engine, which would "
                          "put the second first and change which write wins");
    img_free(img);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The vdis program */

static char tmpdir[256];

/* The vdis under test, as an absolute path (tests change directory). */
static const char *builddir(void)
{
    static char dir[4096];
    if (!dir[0]) {
        const char *d = getenv("top_builddir");
        ck_assert_ptr_nonnull(realpath(d && *d ? d : ".", dir));
    }
    return dir;
}

/* Runs a shell command, capturing stdout+stderr into out; returns the exit status. */
static int run(const char *cmd, char *out, size_t size)
{
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(out, 1, size - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    ck_assert(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void make_files(void)
{
    testdir_make(tmpdir, sizeof tmpdir, "check_disasm");
    vimage *img = named_program();
    char path[512];
    img_status st;
    snprintf(path, sizeof path, "%s/k.bin", tmpdir);
    ck_assert_int_eq(img_write_file(img, path, &st), 0);
    /* the same file with one byte changed */
    uint8_t *data;
    size_t size;
    ck_assert_int_eq(img_encode(img, &data, &size), 0);
    data[size - 1] ^= 1;
    snprintf(path, sizeof path, "%s/bad.bin", tmpdir);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fwrite(data, 1, size, f);
    fclose(f);
    free(data);
    img_free(img);
}

static void remove_files(void) { testdir_remove(tmpdir); }

START_TEST(test_vdis_prints_a_valid_image_and_exits_0)
{
    make_files();
    char cmd[1024], out[4096];
    snprintf(cmd, sizeof cmd, "'%s/vdis' --no-names '%s/k.bin' 2>&1", builddir(), tmpdir);
    ck_assert_int_eq(run(cmd, out, sizeof out), 0);
    ck_assert_str_eq(out,
                     "load const 10, 0\n"
                     "< alu + 10, 17, 16 ; valu * 24, 16, 40 >\n"
                     "flow cond_jump_rel 10, -2\n"
                     "flow jump 0\n"
                     "nop\n");
    /* -o: the listing goes to the file, nothing to standard output */
    snprintf(cmd, sizeof cmd, "'%s/vdis' -o '%s/k.txt' '%s/k.bin' 2>&1 && cat '%s/k.txt'",
             builddir(), tmpdir, tmpdir, tmpdir);
    ck_assert_int_eq(run(cmd, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "# loop:\n# again:\n< alu + 10, 17, 16"));
    remove_files();
}
END_TEST

START_TEST(test_vdis_names_the_loader_error_and_exits_2)
{
    make_files();
    char cmd[1024], out[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s/vdis' bad.bin 2>&1", tmpdir, builddir());
    ck_assert_int_eq(run(cmd, out, sizeof out), 2);
    ck_assert_msg(strncmp(out, "vdis: error: bad.bin: checksum mismatch (the file is corrupt)", 61) == 0,
                  "got: %s", out);
    snprintf(cmd, sizeof cmd, "'%s/vdis' '%s/missing.bin' 2>&1", builddir(), tmpdir);
    ck_assert_int_eq(run(cmd, out, sizeof out), 2);
    ck_assert_ptr_nonnull(strstr(out, "missing.bin"));
    /* a failed -o leaves no file behind */
    snprintf(cmd, sizeof cmd, "'%s/vdis' -o '%s/out.txt' '%s/bad.bin' 2>/dev/null; ls '%s'",
             builddir(), tmpdir, tmpdir, tmpdir);
    ck_assert_int_eq(run(cmd, out, sizeof out), 0);
    ck_assert_str_eq(out, "bad.bin\nk.bin\n");
    remove_files();
}
END_TEST

START_TEST(test_vdis_python_prints_images_and_refuses_objects)
{
    make_files();
    char cmd[1024], out[4096];
    snprintf(cmd, sizeof cmd, "'%s/vdis' --python --no-names '%s/k.bin' 2>&1", builddir(), tmpdir);
    ck_assert_int_eq(run(cmd, out, sizeof out), 0);
    ck_assert_str_eq(out,
                     "[\n"
                     "    {'load': [('const', 10, 0)]},\n"
                     "    {'alu': [('+', 10, 17, 16)], 'valu': [('*', 24, 16, 40)]},\n"
                     "    {'flow': [('cond_jump_rel', 10, -2)]},\n"
                     "    {'flow': [('jump', 0)]},\n"
                     "    {'alu': []},\n"
                     "]\n");
    vimage *obj = img_new(IMG_OBJECT);
    img_begin_bundle(obj, NULL, 0);
    add(obj, slot_of("flow", "halt", 0, 0, 0, 0));
    char path[512];
    img_status st;
    snprintf(path, sizeof path, "%s/k.vo", tmpdir);
    ck_assert_int_eq(img_write_file(obj, path, &st), 0);
    img_free(obj);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s/vdis' --python -o out.py k.vo 2>&1; echo \"exit $?\"; ls",
             tmpdir, builddir());
    ck_assert_int_eq(run(cmd, out, sizeof out), 0);
    ck_assert_str_eq(out, "vdis: error: k.vo: wrong file type for this use: --python prints executable "
                          "images (link the object first)\nexit 2\nbad.bin\nk.bin\nk.vo\n");
    remove_files();
}
END_TEST

START_TEST(test_vdis_usage_errors_exit_2_and_help_exits_0)
{
    char cmd[1024], out[4096];
    snprintf(cmd, sizeof cmd, "'%s/vdis' 2>&1", builddir());
    ck_assert_int_eq(run(cmd, out, sizeof out), 2);
    ck_assert_ptr_nonnull(strstr(out, "vdis: error: no input file"));
    snprintf(cmd, sizeof cmd, "'%s/vdis' --frobnicate x 2>&1", builddir());
    ck_assert_int_eq(run(cmd, out, sizeof out), 2);
    ck_assert_ptr_nonnull(strstr(out, "unknown option '--frobnicate'"));
    snprintf(cmd, sizeof cmd, "'%s/vdis' a.bin b.bin 2>&1", builddir());
    ck_assert_int_eq(run(cmd, out, sizeof out), 2);
    snprintf(cmd, sizeof cmd, "'%s/vdis' k.bin -o 2>&1", builddir());
    ck_assert_int_eq(run(cmd, out, sizeof out), 2);
    snprintf(cmd, sizeof cmd, "'%s/vdis' --help 2>&1", builddir());
    ck_assert_int_eq(run(cmd, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "Usage: vdis"));
    snprintf(cmd, sizeof cmd, "'%s/vdis' --version 2>&1", builddir());
    ck_assert_int_eq(run(cmd, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "vdis (vliwkit)"));
}
END_TEST

static Suite *disasm_suite(void)
{
    Suite *s = suite_create("disasm");
    TCase *code = tcase_create("code");
    tcase_add_test(code, test_one_slot_bundle_prints_without_brackets);
    tcase_add_test(code, test_empty_bundle_prints_as_nop);
    tcase_add_test(code, test_several_slots_print_in_bundle_order_between_brackets);
    tcase_add_test(code, test_debug_slots_print_keys_and_escaped_comments);
    tcase_add_test(code, test_long_bundles_print_whole);
    suite_add_tcase(s, code);

    TCase *names = tcase_create("names");
    tcase_add_test(names, test_labels_print_as_comment_lines_before_their_bundle);
    tcase_add_test(names, test_no_names_prints_the_code_alone);
    tcase_add_test(names, test_addresses_lead_the_trailing_comment);
    tcase_add_test(names, test_lines_end_the_trailing_comment_with_each_slots_own_line);
    tcase_add_test(names, test_object_operands_are_named_by_their_relocation);
    tcase_add_test(names, test_names_cannot_break_the_line);
    tcase_add_test(names, test_source_lines_come_before_their_bundle_with_short_gaps_filled);
    tcase_add_test(names, test_source_of_an_unreadable_file_shows_its_line_numbers);
    suite_add_tcase(s, names);

    TCase *python = tcase_create("python");
    tcase_add_test(python, test_python_form_is_a_list_of_engine_dicts);
    tcase_add_test(python, test_python_form_groups_slots_by_engine_in_first_slot_order);
    tcase_add_test(python, test_python_form_writes_keys_and_comments_as_the_takehome_does);
    tcase_add_test(python, test_python_form_keeps_labels_and_names_as_comments);
    tcase_add_test(python, test_python_check_refuses_a_bundle_whose_write_order_would_change);
    suite_add_tcase(s, python);

    TCase *cli = tcase_create("vdis");
    tcase_add_test(cli, test_vdis_prints_a_valid_image_and_exits_0);
    tcase_add_test(cli, test_vdis_names_the_loader_error_and_exits_2);
    tcase_add_test(cli, test_vdis_python_prints_images_and_refuses_objects);
    tcase_add_test(cli, test_vdis_usage_errors_exit_2_and_help_exits_0);
    suite_add_tcase(s, cli);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(disasm_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
