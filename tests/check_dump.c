/*
 * check_dump: the contents vdis prints besides the code (asm/dump.c):
 * headers and sections, symbols, relocations, the line map.  Expected
 * offsets and sizes are read from the encoded bytes' own section table,
 * the rest is written out by hand from docs/vdis.md.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "image.h"

static isa_slot slot_of(const char *engine, const char *mnemonic, int64_t a0, int64_t a1, int64_t a2)
{
    int op = isa_find_op((isa_engine)isa_find_engine(engine), mnemonic);
    ck_assert_int_ge(op, 0);
    isa_slot s = {.op = (uint16_t)op, .arg = {a0, a1, a2, 0, 0}};
    return s;
}

/* An object: main (entry, line 3), a fixed scratch `io` at 100, a placed
 * `buf` of 4 words, an extern `w` of extent 8; two bundles from k.vasm,
 * the second's slot made by a macro in m.vasm; two relocations. */
static vimage *sample_object(void)
{
    vimage *o = img_new(IMG_OBJECT);
    img_add_symbol(o, "main", IMG_SYM_LABEL, IMG_BIND_GLOBAL, IMG_SYMF_ENTRY, 0, 0, 3);
    img_add_symbol(o, "io", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, IMG_SYMF_FIXED, 100, 1, 1);
    uint32_t buf = img_add_symbol(o, "buf", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 4, 2);
    uint32_t w = img_add_symbol(o, "w", IMG_SYM_SCRATCH, IMG_BIND_EXTERN, 0, 0, 8, 1);
    img_begin_bundle(o, "k.vasm", 4);
    isa_slot s = slot_of("alu", "+", 0, 100, 0);
    img_add_slot(o, &s);
    img_begin_bundle(o, "k.vasm", 5);
    s = slot_of("flow", "halt", 0, 0, 0);
    img_add_slot(o, &s);
    img_add_reloc(o, 0, 0, IMG_REL_SCRATCH, buf, 2);
    img_add_reloc(o, 0, 2, IMG_REL_SCRATCH, w, 0);
    img_set_slot_line(o, 0, "k.vasm", 4, NULL, 0);
    img_set_slot_line(o, 1, "m.vasm", 2, "k.vasm", 5);
    return o;
}

/* The dump of img's encoding (caller frees). */
static char *dump_of(const vimage *img, unsigned what, uint8_t **bytes, size_t *size)
{
    ck_assert_int_eq(img_encode(img, bytes, size), 0);
    img_view v;
    img_status st;
    ck_assert_int_eq(img_view_bytes(&v, *bytes, *size, &st), 0);
    vimage *again = img_view_image(&v);
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(dump_print(f, &v, again, "k.vo", what), 0);
    fclose(f);
    img_free(again);
    img_view_close(&v);
    return text;
}

#define ck_assert_has(text, needle) \
    ck_assert_msg(strstr((text), (needle)) != NULL, "expected \"%s\" in:\n%s", (needle), (text))

START_TEST(test_headers_give_the_type_size_checksum_and_every_section_where_it_is)
{
    vimage *o = sample_object();
    uint8_t *bytes;
    size_t size;
    char *text = dump_of(o, DUMP_HEADERS, &bytes, &size);
    ck_assert_has(text, "k.vo:  vliwkit relocatable object, format version 2\n");
    char line[200];
    snprintf(line, sizeof line, "size %zu bytes, checksum 0x%08" PRIx32 " (CRC-32), 2 bundles, 2 slots\n", size,
             img_le32(bytes + 12));
    ck_assert_has(text, line);
    static const char *const names[] = {NULL, "CODE", "STRINGS", "SYMBOLS", "LINES", "MEMORY", "RELOCS",
                                        "SLOTLINES"};
    uint32_t nsections = img_le32(bytes + 16);
    ck_assert_uint_eq(nsections, 6);   /* no MEMORY */
    for (uint32_t i = 0; i < nsections; i++) {
        const uint8_t *e = bytes + 32 + 12 * i;
        snprintf(line, sizeof line, "  %2" PRIu32 "  %-10s  %10" PRIu32 "  %10" PRIu32 "  ", img_le32(e),
                 names[img_le32(e)], img_le32(e + 4), img_le32(e + 8));
        ck_assert_has(text, line);
    }
    ck_assert_has(text, "CODE");
    ck_assert_has(text, "2 bundles, 2 slots\n");
    ck_assert_has(text, "4 symbols\n");
    ck_assert_has(text, "2 relocations\n");
    ck_assert_ptr_null(strstr(text, "MEMORY"));
    free(text);
    free(bytes);
    img_free(o);
}
END_TEST

START_TEST(test_memory_segments_are_listed_with_their_last_word)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    uint32_t words[3] = {1, 2, 3};
    img_add_segment(img, 10, words, 3);
    uint8_t *bytes;
    size_t size;
    char *text = dump_of(img, DUMP_HEADERS | DUMP_RELOCS, &bytes, &size);
    ck_assert_has(text, "vliwkit executable image");
    ck_assert_has(text, "1 segments, 3 words\n");
    ck_assert_has(text, "Memory segments:\n     address        last       words\n          10          12           3\n");
    ck_assert_has(text, "Relocations: none (an executable image has none)\n");
    free(text);
    free(bytes);
    img_free(img);
}
END_TEST

START_TEST(test_symbols_show_kind_binding_flags_size_and_line)
{
    vimage *o = sample_object();
    uint8_t *bytes;
    size_t size;
    char *text = dump_of(o, DUMP_SYMBOLS, &bytes, &size);
    ck_assert_has(text, "Symbols:\n       value    size  kind     binding  flags     line  name\n");
    ck_assert_has(text, "           0       0  label    global   entry        3  main\n");
    ck_assert_has(text, "         100       1  scratch  local    fixed        1  io\n");
    /* In an object a placed scratch symbol and an extern have no value yet. */
    ck_assert_has(text, "           -       4  scratch  local    -            2  buf\n");
    ck_assert_has(text, "           -       8  scratch  extern   -            1  w\n");
    free(text);
    free(bytes);
    img_free(o);
}
END_TEST

START_TEST(test_relocations_name_their_slot_operand_symbol_and_source)
{
    vimage *o = sample_object();
    uint8_t *bytes;
    size_t size;
    char *text = dump_of(o, DUMP_RELOCS, &bytes, &size);
    ck_assert_has(text, "         0       0        1  SCRATCH   buf+2                     k.vasm:4\n");
    ck_assert_has(text, "         0       0        3  SCRATCH   w                         k.vasm:4\n");
    free(text);
    free(bytes);
    img_free(o);
}
END_TEST

START_TEST(test_line_map_gives_every_slot_its_line_and_macro_call)
{
    vimage *o = sample_object();
    uint8_t *bytes;
    size_t size;
    char *text = dump_of(o, DUMP_LINES, &bytes, &size);
    ck_assert_has(text, "Line map (per slot):\n");
    ck_assert_has(text, "         0       0  k.vasm:4\n");
    ck_assert_has(text, "         1       0  m.vasm:2, macro call k.vasm:5\n");
    free(text);
    free(bytes);
    img_free(o);
    vimage *bare = img_new(IMG_EXECUTABLE);   /* stripped, as vld -s leaves it */
    img_begin_bundle(bare, NULL, 0);
    free(bare->lines);
    bare->lines = NULL;
    text = dump_of(bare, DUMP_LINES, &bytes, &size);
    ck_assert_has(text, "Line map: none\n");
    free(text);
    free(bytes);
    img_free(bare);
}
END_TEST

static Suite *dump_suite(void)
{
    Suite *s = suite_create("dump");
    TCase *tc = tcase_create("contents");
    tcase_add_test(tc, test_headers_give_the_type_size_checksum_and_every_section_where_it_is);
    tcase_add_test(tc, test_memory_segments_are_listed_with_their_last_word);
    tcase_add_test(tc, test_symbols_show_kind_binding_flags_size_and_line);
    tcase_add_test(tc, test_relocations_name_their_slot_operand_symbol_and_source);
    tcase_add_test(tc, test_line_map_gives_every_slot_its_line_and_macro_call);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(dump_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
