/*
 * check_image: the image container (common/image.c).
 *
 * Round trips build images through the public builder and compare every
 * field after decoding.  Loader-error tests take a valid encoding, corrupt
 * one field at the byte offset docs/image-format.md gives for it (found
 * here by walking the section table independently of the decoder), then
 * recompute the CRC so that the intended error -- not CHECKSUM -- is the
 * one the loader must report.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "background.h"
#include "deferred.h"
#include "image.h"
#include "testdir.h"

/* ------------------------------------------------------------------ */
/* Byte-level helpers written from the format description */

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* The checksum field (bytes 12..15) holds the CRC-32 of the file with
 * that field taken as zero. */
static void reseal(uint8_t *buf, size_t size)
{
    wr32(buf + 12, 0);
    wr32(buf + 12, img_crc32(buf, size));
}

/* Index of the section-table entry for id (entries of 12 bytes after the
 * 32-byte header), or -1. */
static int section_entry(const uint8_t *buf, uint32_t id)
{
    uint32_t count = rd32(buf + 16);
    for (uint32_t i = 0; i < count; i++)
        if (rd32(buf + 32 + 12 * i) == id)
            return (int)i;
    return -1;
}

static uint8_t *section(uint8_t *buf, uint32_t id, uint32_t *size)
{
    int e = section_entry(buf, id);
    ck_assert_msg(e >= 0, "section %u missing", id);
    if (size)
        *size = rd32(buf + 32 + 12 * e + 8);
    return buf + rd32(buf + 32 + 12 * e + 4);
}

/* The 24 bytes of slot s of bundle b: CODE is a bundle count, then per
 * bundle a slot count and the slots. */
static uint8_t *slot_bytes(uint8_t *buf, uint32_t b, uint32_t s)
{
    uint8_t *p = section(buf, IMG_SEC_CODE, NULL);
    ck_assert_uint_lt(b, rd32(p));
    p += 4;
    for (uint32_t i = 0; i < b; i++)
        p += 4 + 24 * rd32(p);
    ck_assert_uint_lt(s, rd32(p));
    return p + 4 + 24 * s;
}

typedef struct {
    uint8_t *data;
    size_t size;
} encoded;

static encoded encode_ok(const vimage *img)
{
    encoded e;
    img_status st;
    ck_assert_msg(img_validate(img, &st) == 0, "%s: %s", img_error_name(st.code), st.detail);
    ck_assert_int_eq(img_encode(img, &e.data, &e.size), 0);
    return e;
}

/* Decodes, expecting the error `want`; returns the detail for further checks. */
static void expect_error(const uint8_t *data, size_t size, img_error want, const char *detail_part)
{
    img_status st;
    vimage *img = img_decode(data, size, &st);
    ck_assert_msg(img == NULL, "decoded, expected %s", img_error_name(want));
    ck_assert_msg(st.code == want, "got %s (%s), expected %s", img_error_name(st.code), st.detail,
                  img_error_name(want));
    ck_assert_msg(st.detail[0] != '\0', "%s without a detail", img_error_name(want));
    if (detail_part)
        ck_assert_msg(strstr(st.detail, detail_part), "detail \"%s\" lacks \"%s\"", st.detail,
                      detail_part);
}

static void expect_resealed_error(encoded e, img_error want, const char *detail_part)
{
    reseal(e.data, e.size);
    expect_error(e.data, e.size, want, detail_part);
    free(e.data);
}

static isa_slot slot_of(const char *engine, const char *mnemonic, int64_t a0, int64_t a1, int64_t a2,
                        int64_t a3, int64_t a4)
{
    int op = isa_find_op((isa_engine)isa_find_engine(engine), mnemonic);
    ck_assert_int_ge(op, 0);
    isa_slot s = {.op = (uint16_t)op, .arg = {a0, a1, a2, a3, a4}};
    return s;
}

static void add(vimage *img, isa_slot s)
{
    img_add_slot(img, &s);
}

/* ------------------------------------------------------------------ */
/* Images to work on */

/* A valid operand for each kind; immediates alternate between the ends
 * of their range so the negative mask and 2^32-1 are both exercised. */
static void fill_operands(vimage *img, int op, isa_slot *s)
{
    const char *kinds = isa_ops[op].kinds;
    int displaced = strchr(kinds, 'e') != NULL;
    for (int a = 0; kinds[a]; a++) {
        int64_t v = 0;
        switch (kinds[a]) {
        case 'd': v = 1 + op; break;
        case 'D': v = 1528 - op; break;
        case 's': v = 1535 - op; break;
        case 'S': v = 8 * op; break;
        case 'e': v = 100; break;
        case 'f': v = 1535; break;
        case 'i': v = displaced ? -5 : (op % 2 ? ISA_IMM_MIN : ISA_IMM_MAX); break;
        case 't': v = op % 2 ? ISA_IMM_MAX : 0; break;
        case 'r': v = op % 2 ? -7 : ISA_IMM_MIN; break;
        case 'n': v = 4294967295LL - op; break;
        case 'k': v = ISA_KEY_HASH_STAGE; break;
        case 'K': v = 5; break;
        case 'c': v = img_intern(img, "say \"hi\" \\ to every op"); break;
        }
        s->arg[a] = v;
    }
}

/* One bundle per op of the table, an empty bundle, and a bundle filled to
 * every engine's slot limit. */
static vimage *every_op_image(img_type type)
{
    vimage *img = img_new(type);
    for (int op = 0; op < ISA_OP_COUNT; op++) {
        img_begin_bundle(img, op % 2 ? "every.vasm" : "lib/other.vasm", (uint32_t)op + 1);
        isa_slot s = {.op = (uint16_t)op};
        fill_operands(img, op, &s);
        img_add_slot(img, &s);
        /* every third slot from a macro body, called from every.vasm */
        img_set_slot_line(img, img->nslots - 1, op % 3 ? "every.vasm" : "lib/macros.vasm", 1000u + (uint32_t)op,
                          op % 3 ? NULL : "every.vasm", op % 3 ? 0 : 2000u + (uint32_t)op);
    }
    img_begin_bundle(img, NULL, 0);   /* nop */
    img_begin_bundle(img, "every.vasm", 999);
    for (int e = 0; e < ISA_ENGINE_COUNT; e++) {
        int op = 0;
        while (isa_ops[op].engine != (isa_engine)e)
            op++;
        for (int n = 0; n < isa_engines[e].slot_limit; n++) {
            isa_slot s = {.op = (uint16_t)op};
            fill_operands(img, op, &s);
            img_add_slot(img, &s);
        }
    }
    return img;
}

static void add_symbols_and_data(vimage *img)
{
    int object = img->type == IMG_OBJECT;
    img_add_symbol(img, "main", IMG_SYM_LABEL, IMG_BIND_GLOBAL, object ? IMG_SYMF_ENTRY : 0, 0, 0, 1);
    img_add_symbol(img, "end", IMG_SYM_LABEL, IMG_BIND_LOCAL, 0, img->nbundles, 0, 40);
    img_add_symbol(img, "vals", IMG_SYM_SCRATCH, IMG_BIND_GLOBAL, IMG_SYMF_FIXED, 16, 24, 3);
    img_add_symbol(img, "acc", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 1535, 1, 4);
    img_add_symbol(img, "N", IMG_SYM_CONST, IMG_BIND_LOCAL, 0, 4294967295u, 0, 5);
    if (object) {
        img_add_symbol(img, "helper", IMG_SYM_LABEL, IMG_BIND_EXTERN, 0, 0, 0, 6);
        img_add_symbol(img, "shared", IMG_SYM_SCRATCH, IMG_BIND_EXTERN, 0, 0, 0, 7);
        /* an extern may leave its kind to its definition */
        img_add_symbol(img, "anything", 0, IMG_BIND_EXTERN, 0, 0, 0, 8);
    }
    uint32_t words[5] = {0, 1, 0x80000000u, 0xFFFFFFFFu, 42};
    img_add_segment(img, 100, words, 5);
    img_add_segment(img, 0, words, 3);
    img_add_segment(img, 4294967295u, words + 3, 1);   /* the last word of the address space */
}

/* Object with one relocation of each kind. */
static vimage *object_with_relocs(void)
{
    vimage *img = every_op_image(IMG_OBJECT);
    add_symbols_and_data(img);
    uint32_t jump = img->bundle_start[isa_find_op(ISA_ENG_FLOW, "jump")];
    uint32_t rel = img->bundle_start[isa_find_op(ISA_ENG_FLOW, "cond_jump_rel")];
    uint32_t plus = img->bundle_start[ISA_OP_ALU_ADD];
    uint32_t cnst = img->bundle_start[isa_find_op(ISA_ENG_LOAD, "const")];
    img_add_reloc(img, jump, 0, IMG_REL_CODE_ABS, 5, 0);          /* helper */
    img_add_reloc(img, rel, 1, IMG_REL_CODE_REL, 0, -3);          /* main */
    img_add_reloc(img, plus, 2, IMG_REL_SCRATCH, 6, 7);           /* shared */
    img_add_reloc(img, cnst, 1, IMG_REL_CONST, 4, -2147483647 - 1);   /* N */
    return img;
}

static void assert_same_image(const vimage *a, const vimage *b)
{
    ck_assert_int_eq(a->type, b->type);
    ck_assert_uint_eq(a->nbundles, b->nbundles);
    ck_assert_uint_eq(a->nslots, b->nslots);
    for (uint32_t i = 0; i <= a->nbundles; i++)
        ck_assert_uint_eq(a->bundle_start[i], b->bundle_start[i]);
    for (uint32_t i = 0; i < a->nslots; i++) {
        ck_assert_uint_eq(a->slots[i].op, b->slots[i].op);
        for (int k = 0; k < ISA_MAX_ARGS; k++)
            ck_assert_msg(a->slots[i].arg[k] == b->slots[i].arg[k], "slot %u arg %d: %lld != %lld",
                          i, k, (long long)a->slots[i].arg[k], (long long)b->slots[i].arg[k]);
    }
    ck_assert_uint_eq(a->strings_size, b->strings_size);
    ck_assert_mem_eq(a->strings, b->strings, a->strings_size);
    ck_assert_int_eq(a->lines == NULL, b->lines == NULL);
    for (uint32_t i = 0; a->lines && i < a->nbundles; i++) {
        ck_assert_uint_eq(a->lines[i].file, b->lines[i].file);
        ck_assert_uint_eq(a->lines[i].line, b->lines[i].line);
    }
    ck_assert_int_eq(a->slot_lines == NULL, b->slot_lines == NULL);
    for (uint32_t i = 0; a->slot_lines && i < a->nslots; i++)
        ck_assert_mem_eq(&a->slot_lines[i], &b->slot_lines[i], sizeof a->slot_lines[i]);
    ck_assert_uint_eq(a->nsymbols, b->nsymbols);
    for (uint32_t i = 0; i < a->nsymbols; i++)
        ck_assert_mem_eq(&a->symbols[i], &b->symbols[i], sizeof a->symbols[i]);
    ck_assert_uint_eq(a->nsegments, b->nsegments);
    for (uint32_t i = 0; i < a->nsegments; i++) {
        ck_assert_uint_eq(a->segments[i].address, b->segments[i].address);
        ck_assert_uint_eq(a->segments[i].count, b->segments[i].count);
        if (a->segments[i].count)
            ck_assert_mem_eq(a->segments[i].words, b->segments[i].words,
                             4 * (size_t)a->segments[i].count);
    }
    ck_assert_uint_eq(a->nrelocs, b->nrelocs);
    for (uint32_t i = 0; i < a->nrelocs; i++) {
        ck_assert_uint_eq(a->relocs[i].slot, b->relocs[i].slot);
        ck_assert_uint_eq(a->relocs[i].operand, b->relocs[i].operand);
        ck_assert_uint_eq(a->relocs[i].kind, b->relocs[i].kind);
        ck_assert_uint_eq(a->relocs[i].column, b->relocs[i].column);
        ck_assert_uint_eq(a->relocs[i].symbol, b->relocs[i].symbol);
        ck_assert_int_eq(a->relocs[i].addend, b->relocs[i].addend);
    }
}

static vimage *decode_ok(encoded e)
{
    img_status st;
    vimage *img = img_decode(e.data, e.size, &st);
    ck_assert_msg(img != NULL, "%s: %s", img_error_name(st.code), st.detail);
    ck_assert_int_eq(st.code, IMG_ERR_OK);
    return img;
}

/* ------------------------------------------------------------------ */
/* Round trips and the builder */

START_TEST(test_crc32_matches_the_ieee_check_value)
{
    /* The standard check value of CRC-32/ISO-HDLC (zlib's crc32). */
    ck_assert_uint_eq(img_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
    ck_assert_uint_eq(img_crc32(NULL, 0), 0);
    ck_assert_uint_eq(img_crc32((const uint8_t *)"a", 1), 0xE8B7BE43u);
}
END_TEST

/* CRC-32 one bit at a time, straight from the polynomial: the reference
 * for the table-driven and the carry-less-multiply code paths. */
static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

START_TEST(test_crc32_agrees_with_the_bitwise_definition_at_every_length)
{
    /* Lengths around the 16- and 64-byte steps of the folding code, at
     * every alignment. */
    uint8_t data[1100];
    uint64_t x = 0x2545F4914F6CDD1Dull;
    for (size_t i = 0; i < sizeof data; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data[i] = (uint8_t)x;
    }
    for (size_t start = 0; start < 16; start++)
        for (size_t n = 0; start + n <= sizeof data; n += n < 300 ? 1 : 37)
            ck_assert_msg(img_crc32(data + start, n) == crc_bitwise(data + start, n),
                          "length %zu at offset %zu", n, start);
}
END_TEST

START_TEST(test_every_op_round_trips_in_an_executable)
{
    vimage *img = every_op_image(IMG_EXECUTABLE);
    add_symbols_and_data(img);
    encoded e = encode_ok(img);
    vimage *back = decode_ok(e);
    assert_same_image(img, back);
    /* the nop bundle survives as a bundle of no slots */
    uint32_t nop = ISA_OP_COUNT;
    ck_assert_uint_eq(back->bundle_start[nop], back->bundle_start[nop + 1]);
    /* re-encoding the decoded image gives the same bytes */
    encoded again = encode_ok(back);
    ck_assert_uint_eq(again.size, e.size);
    ck_assert_mem_eq(again.data, e.data, e.size);
    free(again.data);
    free(e.data);
    img_free(back);
    img_free(img);
}
END_TEST

START_TEST(test_object_with_relocations_round_trips)
{
    vimage *img = object_with_relocs();
    encoded e = encode_ok(img);
    ck_assert_uint_eq(rd32(e.data + 4) & 0xFFFF, 2);   /* no column: what version 2 wrote */
    ck_assert_uint_eq(rd32(e.data + 4) >> 16, IMG_OBJECT);
    vimage *back = decode_ok(e);
    assert_same_image(img, back);
    free(e.data);
    img_free(back);
    img->relocs[1].column = 17;   /* a column needs version 3 */
    e = encode_ok(img);
    ck_assert_uint_eq(rd32(e.data + 4) & 0xFFFF, 3);
    back = decode_ok(e);
    assert_same_image(img, back);
    ck_assert_uint_eq(back->relocs[1].column, 17);
    free(e.data);
    img_free(back);
    img_free(img);
}
END_TEST

/* Version 3 gave the relocation's bytes 6..7 a meaning (the column); in
 * a version 2 file they are still reserved. */
START_TEST(test_a_relocation_column_needs_version_3)
{
    vimage *img = object_with_relocs();
    encoded e = encode_ok(img);
    int entry = section_entry(e.data, IMG_SEC_RELOCS);
    ck_assert_int_ge(entry, 0);
    uint8_t *relocs = e.data + rd32(e.data + 32 + 12 * entry + 4);
    wr16(relocs + 16 + 6, 5);   /* relocation 1, in a file that says version 2 */
    expect_resealed_error(e, IMG_ERR_RESERVED, "relocation 1: reserved bytes are 0x0005 (a version 2 file)");
    e = encode_ok(img);
    relocs = e.data + rd32(e.data + 32 + 12 * entry + 4);
    wr16(relocs + 16 + 6, 5);
    wr16(e.data + 4, 3);
    reseal(e.data, e.size);
    vimage *back = decode_ok(e);
    ck_assert_uint_eq(back->relocs[1].column, 5);
    img_free(back);
    free(e.data);
    img_free(img);
}
END_TEST

/* Every op (a comment among them), relocations, symbols and data, many
 * bundles (past the writer's windows, several times) and slot lines with
 * macro calls. */
static vimage *big_object(void)
{
    vimage *img = object_with_relocs();
    for (uint32_t b = 0; b < 60000; b++) {   /* past the writer's windows */
        img_begin_bundle(img, "big.vasm", b + 1);
        isa_slot s = {.op = ISA_OP_ALU_ADD, .arg = {b % 1536, 1, 2, 0, 0}};
        img_add_slot(img, &s);
    }
    for (uint32_t k = 0; k < img->nslots; k++)
        img_set_slot_line(img, k, k % 3 ? "big.vasm" : "m.vh", k + 1, k % 3 ? NULL : "big.vasm", k % 3 ? 0 : 7);
    return img;
}

/* img_write_stream writes a big image through small windows to a file
 * (the checksum put in last, where the file starts), each written by the
 * helper thread while the next is filled, or by the caller when there is
 * no thread; and from one buffer to a stream that cannot seek: the bytes
 * are img_encode's every way. */
START_TEST(test_streaming_writes_the_bytes_of_encoding)
{
    vimage *img = big_object();
    encoded e = encode_ok(img);   /* validated, as img_write_stream requires */
    ck_assert_uint_gt(e.size, 2u << 20);

    FILE *f;
    img_status st;
    uint8_t *back;
    for (int thread = 0; thread < 2; thread++) {
        bg_set_enabled(thread);
        f = tmpfile();
        ck_assert_ptr_nonnull(f);
        fputs("xy", f);   /* the image need not start the file */
        ck_assert_int_eq(img_write_stream(img, f, &st), 0);
        ck_assert_int_eq(fflush(f), 0);
        ck_assert_int_eq((int)ftell(f), (int)(2 + e.size));
        rewind(f);
        back = malloc(e.size + 2);
        ck_assert_uint_eq(fread(back, 1, e.size + 2, f), e.size + 2);
        ck_assert_int_eq(memcmp(back + 2, e.data, e.size), 0);
        fclose(f);
        free(back);
    }

    /* A file opened to append (vasm -o - >> file): the checksum cannot be
     * put back into the header, so one buffer, and the same bytes. */
    char path[] = "/tmp/check_image_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    f = fdopen(fd, "a+");
    ck_assert_ptr_nonnull(f);
    fputs("xy", f);
    ck_assert_int_eq(img_write_stream(img, f, &st), 0);
    ck_assert_int_eq(fflush(f), 0);
    rewind(f);
    back = malloc(e.size + 2);
    ck_assert_uint_eq(fread(back, 1, e.size + 2, f), e.size + 2);
    ck_assert_int_eq(memcmp(back + 2, e.data, e.size), 0);
    fclose(f);
    unlink(path);
    free(back);

    char *text = NULL;
    size_t size = 0;
    f = open_memstream(&text, &size);   /* no file descriptor: the one-buffer way */
    ck_assert_int_eq(img_write_stream(img, f, &st), 0);
    fclose(f);
    ck_assert_uint_eq(size, e.size);
    ck_assert_int_eq(memcmp(text, e.data, e.size), 0);
    free(text);
    free(e.data);
    img_free(img);
}
END_TEST

/* A window that cannot be written (here: past a file size limit, while
 * the header's checksum still can be) is an I/O error, whichever thread
 * wrote it. */
START_TEST(test_a_failed_write_of_a_window_is_an_io_error)
{
    vimage *img = big_object();
    ck_assert_int_eq(img_validate(img, NULL), 0);
    signal(SIGXFSZ, SIG_IGN);   /* a write past the limit fails with EFBIG instead */
    struct rlimit old, limit = {1 << 20, 1 << 20};
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    limit.rlim_max = old.rlim_max;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &limit), 0);
    for (int thread = 0; thread < 2; thread++) {
        bg_set_enabled(thread);
        FILE *f = tmpfile();
        ck_assert_ptr_nonnull(f);
        img_status st;
        ck_assert_int_eq(img_write_stream(img, f, &st), -1);
        ck_assert_int_eq(st.code, IMG_ERR_IO);
        fclose(f);
    }
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    img_free(img);
}
END_TEST

START_TEST(test_header_fields_sit_where_the_format_says)
{
    vimage *img = every_op_image(IMG_EXECUTABLE);
    encoded e = encode_ok(img);
    ck_assert_mem_eq(e.data, "VLWK", 4);
    ck_assert_uint_eq(rd32(e.data + 8), e.size);
    uint32_t stored = rd32(e.data + 12);
    wr32(e.data + 12, 0);
    ck_assert_uint_eq(stored, img_crc32(e.data, e.size));
    for (int i = 20; i < 32; i++)
        ck_assert_uint_eq(e.data[i], 0);
    /* sections start on 4-byte boundaries */
    for (uint32_t i = 0; i < rd32(e.data + 16); i++)
        ck_assert_uint_eq(rd32(e.data + 32 + 12 * i + 4) % 4, 0);
    /* a negative immediate is stored as u32 + 2^32 with its mask bit:
     * load const d, -2^31 (op const has an odd or even id; find it) */
    int cnst = isa_find_op(ISA_ENG_LOAD, "const");
    uint8_t *s = slot_bytes(e.data, (uint32_t)cnst, 0);
    ck_assert_uint_eq(s[0], cnst);
    if (img->slots[img->bundle_start[cnst]].arg[1] < 0) {
        ck_assert_uint_eq(s[1], 1u << 1);
        ck_assert_uint_eq(rd32(s + 4 + 4), 0x80000000u);
    } else {
        ck_assert_uint_eq(s[1], 0);
        ck_assert_uint_eq(rd32(s + 4 + 4), 0xFFFFFFFFu);
    }
    free(e.data);
    img_free(img);
}
END_TEST

START_TEST(test_intern_returns_one_offset_per_distinct_string)
{
    vimage *img = img_new(IMG_OBJECT);
    ck_assert_uint_eq(img_intern(img, ""), 0);
    ck_assert_uint_eq(img_intern(img, NULL), 0);
    uint32_t a = img_intern(img, "alpha"), b = img_intern(img, "beta");
    ck_assert_uint_ne(a, b);
    ck_assert_uint_eq(img_intern(img, "alpha"), a);
    ck_assert_uint_eq(img_intern(img, "beta"), b);
    ck_assert_str_eq(img_string(img, a), "alpha");
    ck_assert_ptr_null(img_string(img, a + 1));     /* inside "alpha" */
    ck_assert_ptr_null(img_string(img, img->strings_size));
    ck_assert_str_eq(img_string(img, 0), "");
    /* many strings: all distinct, all found again */
    char name[32];
    uint32_t offs[5000];
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "sym%d", i);
        offs[i] = img_intern(img, name);
    }
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "sym%d", i);
        ck_assert_uint_eq(img_intern(img, name), offs[i]);
        ck_assert_str_eq(img_string(img, offs[i]), name);
    }
    img_free(img);
}
END_TEST

START_TEST(test_intern_into_a_decoded_image_finds_its_strings)
{
    vimage *img = every_op_image(IMG_EXECUTABLE);
    add_symbols_and_data(img);
    encoded e = encode_ok(img);
    vimage *back = decode_ok(e);
    uint32_t size = back->strings_size;
    ck_assert_uint_eq(img_intern(back, "vals"), img_intern(img, "vals"));
    ck_assert_uint_eq(back->strings_size, size);
    uint32_t fresh = img_intern(back, "fresh");
    ck_assert_uint_eq(fresh, size);
    ck_assert_str_eq(img_string(back, fresh), "fresh");
    free(e.data);
    img_free(back);
    img_free(img);
}
END_TEST

START_TEST(test_image_without_line_map_decodes_without_one)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    encoded e = encode_ok(img);   /* no bundles at all */
    vimage *back = decode_ok(e);
    ck_assert_uint_eq(back->nbundles, 0);
    ck_assert_ptr_null(back->lines);
    ck_assert_uint_eq(back->bundle_start[0], 0);
    ck_assert_int_eq(section_entry(e.data, IMG_SEC_LINES), -1);
    free(e.data);
    img_free(back);
    img_free(img);

    /* bundles without a line map, then one more bundle built onto the
     * decoded image: the earlier bundles have no source */
    img = img_new(IMG_EXECUTABLE);
    for (int b = 0; b < 3; b++) {
        img_begin_bundle(img, "x.vasm", 7);
        add(img, slot_of("flow", "pause", 0, 0, 0, 0, 0));
    }
    free(img->lines);
    img->lines = NULL;
    e = encode_ok(img);
    back = decode_ok(e);
    ck_assert_ptr_null(back->lines);
    img_begin_bundle(back, "y.vasm", 9);
    add(back, slot_of("flow", "halt", 0, 0, 0, 0, 0));
    ck_assert_ptr_nonnull(back->lines);
    for (int b = 0; b < 3; b++) {
        ck_assert_uint_eq(back->lines[b].file, 0);
        ck_assert_uint_eq(back->lines[b].line, 0);
    }
    ck_assert_str_eq(img_string(back, back->lines[3].file), "y.vasm");
    ck_assert_uint_eq(back->lines[3].line, 9);
    ck_assert_int_eq(img_validate(back, NULL), 0);
    free(e.data);
    img_free(back);
    img_free(img);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The writer refuses what the reader would reject */

/* The bytes img_write_stream writes to a file. */
static uint8_t *stream_bytes(const vimage *img, size_t *size, img_status *st)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    if (img_write_stream(img, f, st) != 0) {
        fclose(f);
        return NULL;
    }
    ck_assert_int_eq(fflush(f), 0);
    *size = (size_t)ftell(f);
    rewind(f);
    uint8_t *bytes = malloc(*size ? *size : 1);
    ck_assert_uint_eq(fread(bytes, 1, *size, f), *size);
    fclose(f);
    return bytes;
}

/* img passes img_validate, and both img_encode and img_write_stream give
 * e's bytes. */
static void assert_written_as(const vimage *img, encoded e)
{
    img_status st;
    ck_assert_msg(img_validate(img, &st) == 0, "%s", st.detail);
    uint8_t *bytes;
    size_t size;
    ck_assert_int_eq(img_encode(img, &bytes, &size), 0);
    ck_assert_uint_eq(size, e.size);
    ck_assert_int_eq(memcmp(bytes, e.data, size), 0);
    free(bytes);
    bytes = stream_bytes(img, &size, &st);
    ck_assert_ptr_nonnull(bytes);
    ck_assert_uint_eq(size, e.size);
    ck_assert_int_eq(memcmp(bytes, e.data, size), 0);
    free(bytes);
}

START_TEST(test_deferred_code_is_written_as_held_code_is)
{
    /* Its bytes are written from what the source reads, or from what it
     * encodes when the code is checked (image.h). */
    for (int checked = 0; checked < 2; checked++) {
        vimage *held = big_object(), *deferred = big_object();
        held->code_checked = deferred->code_checked = (uint8_t)checked;
        defer_code(deferred);
        ck_assert_ptr_null(deferred->slots);
        encoded e = encode_ok(held);
        assert_written_as(deferred, e);
        free(e.data);
        img_free(held);
        img_free(deferred);
    }
}
END_TEST

/* An image whose bundle 1 breaks one rule of its code. */
static vimage *broken_code(int rule)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, "p.vasm", 1);
    add(img, slot_of("load", "const", 3, 7, 0, 0, 0));
    img_begin_bundle(img, "p.vasm", 2);
    if (rule == 0) {
        add(img, slot_of("load", "const", 1600, 7, 0, 0, 0));   /* past scratch */
    } else if (rule == 1) {
        for (int i = 0; i < 3; i++)   /* load takes 2 a bundle */
            add(img, slot_of("load", "const", (int64_t)i, 7, 0, 0, 0));
    } else {
        add(img, slot_of("debug", "comment", 999, 0, 0, 0, 0));   /* no string there */
        img->code_checked = 1;   /* (a comment is checked all the same) */
    }
    img_begin_bundle(img, "p.vasm", 3);
    add(img, slot_of("flow", "halt", 0, 0, 0, 0, 0));
    return img;
}

START_TEST(test_deferred_code_is_checked_as_it_is_written_by_the_rules_of_held_code)
{
    for (int rule = 0; rule < 3; rule++) {
        vimage *held = broken_code(rule), *deferred = broken_code(rule);
        defer_code(deferred);
        img_status want, st;
        ck_assert_int_eq(img_validate(held, &want), -1);
        ck_assert_int_eq(img_validate(deferred, &st), 0);   /* the code is left to the writer */
        uint8_t *bytes = (uint8_t *)1;
        size_t size = 1;
        ck_assert_int_eq(img_encode(deferred, &bytes, &size), -1);
        ck_assert_ptr_null(bytes);
        ck_assert_ptr_null(stream_bytes(deferred, &size, &st));
        ck_assert_msg(st.code == want.code, "rule %d: got %s, expected %s", rule, img_error_name(st.code),
                      img_error_name(want.code));
        ck_assert_str_eq(st.detail, want.detail);
        img_free(held);
        img_free(deferred);
    }
}
END_TEST

/* A linked image of deferred code: the source's slots still hold its own
 * comment offsets and 0 for relocated operands; the image's string map
 * and patches give the final ones as it is written. */
START_TEST(test_deferred_code_is_written_through_its_string_map_and_patches)
{
    for (int checked = 0; checked < 2; checked++) {   /* read, then encoded by the source */
        vimage *img = img_new(IMG_EXECUTABLE);
        img_intern(img, "an earlier string");
        uint32_t mine = img_intern(img, "note"), file = img_intern(img, "p.vasm");
        img_begin_bundle(img, "p.vasm", 1);
        add(img, slot_of("debug", "comment", 1, 0, 0, 0, 0));   /* the source's offset 1 */
        add(img, slot_of("alu", "+", 40, 0, 42, 0, 0));
        img_begin_bundle(img, "p.vasm", 2);
        add(img, slot_of("load", "const", 0, 0, 0, 0, 0));
        for (uint32_t k = 0; k < 3; k++)
            img_set_slot_line(img, k, "p.vasm", k < 2 ? 1 : 2, NULL, 0);
        for (uint32_t k = 0; k < 3; k++)
            img->slot_lines[k].file = 2;   /* the source's offset 2 */
        img->code_checked = (uint8_t)checked;
        defer_code(img);
        img->code_strings = calloc(3, sizeof *img->code_strings);
        img->code_strings[1] = mine;
        img->code_strings[2] = file;
        img->ncode_strings = 3;
        img->patches = calloc(3, sizeof *img->patches);
        img->patches[0] = (img_patch){1, 1, 41};
        img->patches[1] = (img_patch){2, 0, 5};
        img->patches[2] = (img_patch){2, 1, 123456};
        img->npatches = 3;

        /* The image it stands for: the same strings in the same order. */
        vimage *want = img_new(IMG_EXECUTABLE);
        img_intern(want, "an earlier string");
        uint32_t note = img_intern(want, "note");
        img_begin_bundle(want, "p.vasm", 1);
        add(want, slot_of("debug", "comment", note, 0, 0, 0, 0));
        add(want, slot_of("alu", "+", 40, 41, 42, 0, 0));
        img_begin_bundle(want, "p.vasm", 2);
        add(want, slot_of("load", "const", 5, 123456, 0, 0, 0));
        for (uint32_t k = 0; k < 3; k++)
            img_set_slot_line(want, k, "p.vasm", k < 2 ? 1 : 2, NULL, 0);
        encoded e = encode_ok(want);
        assert_written_as(img, e);
        free(e.data);
        img_free(want);
        img_free(img);
    }
}
END_TEST

static void expect_invalid(vimage *img, img_error want)
{
    img_status st;
    ck_assert_int_eq(img_validate(img, &st), -1);
    ck_assert_msg(st.code == want, "got %s (%s), expected %s", img_error_name(st.code), st.detail,
                  img_error_name(want));
    uint8_t *out = (uint8_t *)1;
    size_t size = 1;
    ck_assert_int_eq(img_encode(img, &out, &size), -1);
    ck_assert_ptr_null(out);
    ck_assert_uint_eq(size, 0);
    img_free(img);
}

START_TEST(test_code_its_producer_checked_skips_only_the_machine_checks)
{
    /* A slot outside scratch passes when the producer says it checked the
     * code (the producer's promise, image.h) ... */
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, "p.vasm", 1);
    add(img, slot_of("load", "const", 1600, 7, 0, 0, 0));
    img->code_checked = 1;
    img_status st;
    ck_assert_int_eq(img_validate(img, &st), 0);
    /* ... but adding code withdraws the promise. */
    add(img, slot_of("alu", "+", 1, 2, 3, 0, 0));
    ck_assert_int_eq(img->code_checked, 0);
    expect_invalid(img, IMG_ERR_SCRATCH_RANGE);

    /* The rules a producer's check does not cover still hold: comment
     * strings, slot limits, line maps. */
    img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    uint32_t hello = img_intern(img, "hello");
    add(img, slot_of("debug", "comment", hello + 1, 0, 0, 0, 0));
    img->code_checked = 1;
    expect_invalid(img, IMG_ERR_BAD_STRING);

    img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    for (int i = 0; i <= isa_engines[ISA_ENG_LOAD].slot_limit; i++)
        add(img, slot_of("load", "const", 10 + i, 1, 0, 0, 0));
    img->code_checked = 1;
    expect_invalid(img, IMG_ERR_SLOT_LIMIT);

    img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, "p.vasm", 1);
    add(img, slot_of("load", "const", 10, 1, 0, 0, 0));
    add(img, slot_of("load", "const", 11, 1, 0, 0, 0));
    img_set_slot_line(img, 0, "p.vasm", 1, NULL, 0);
    img_set_slot_line(img, 1, "p.vasm", 1, NULL, 0);
    img->slot_lines[1].file += 1;   /* inside "p.vasm": starts no string */
    img->code_checked = 1;
    expect_invalid(img, IMG_ERR_BAD_LINES);
}
END_TEST

START_TEST(test_an_image_read_from_bytes_is_checked_slot_by_slot_whatever_its_writer_claimed)
{
    /* A writer that claims checked code encodes a bad slot as it is ... */
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, "w.vasm", 1);
    add(img, slot_of("alu", "+", 1, 2, 3, 0, 0));
    add(img, slot_of("valu", "+", 1530, 0, 8, 0, 0));
    img->code_checked = 1;
    uint8_t *data;
    size_t size;
    ck_assert_int_eq(img_encode(img, &data, &size), 0);
    img_free(img);
    /* ... and every reader rejects it, naming the slot; nothing in a file
     * says its code was checked. */
    expect_error(data, size, IMG_ERR_SCRATCH_RANGE, "bundle 0, slot 1");
    img_view v;
    img_status st;
    ck_assert_int_eq(img_view_bytes(&v, data, size, &st), -1);
    ck_assert_int_eq(st.code, IMG_ERR_SCRATCH_RANGE);
    free(data);

    img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, "w.vasm", 1);
    add(img, slot_of("alu", "+", 1, 2, 3, 0, 0));
    img->code_checked = 1;
    encoded e = encode_ok(img);
    img_free(img);
    vimage *back = decode_ok(e);
    free(e.data);
    ck_assert_int_eq(back->code_checked, 0);
    img_free(back);
}
END_TEST

START_TEST(test_encoder_rejects_operands_that_do_not_fit)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("load", "const", 0, 4294967296LL, 0, 0, 0));
    expect_invalid(img, IMG_ERR_BAD_OPERAND);

    img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("load", "const", 0, -2147483649LL, 0, 0, 0));
    expect_invalid(img, IMG_ERR_BAD_OPERAND);

    img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("alu", "+", -1, 0, 0, 0, 0));   /* a scratch operand cannot be negative */
    expect_invalid(img, IMG_ERR_SCRATCH_RANGE);

    img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    isa_slot bad = {.op = ISA_OP_COUNT};
    img_add_slot(img, &bad);
    expect_invalid(img, IMG_ERR_UNKNOWN_OP);

    img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("flow", "halt", 0, 0, 0, 0, 0));
    add(img, slot_of("flow", "pause", 0, 0, 0, 0, 0));
    expect_invalid(img, IMG_ERR_SLOT_LIMIT);

    img = img_new(IMG_EXECUTABLE);
    img_add_symbol(img, "ext", IMG_SYM_LABEL, IMG_BIND_EXTERN, 0, 0, 0, 0);
    expect_invalid(img, IMG_ERR_BAD_SYMBOL);

    img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("flow", "jump", 0, 0, 0, 0, 0));
    img_add_symbol(img, "l", IMG_SYM_LABEL, IMG_BIND_LOCAL, 0, 0, 0, 0);
    img_add_reloc(img, 0, 0, IMG_REL_CODE_ABS, 0, 0);
    expect_invalid(img, IMG_ERR_BAD_RELOC);

    img = img_new(IMG_EXECUTABLE);
    uint32_t w[2] = {1, 2};
    img_add_segment(img, 10, w, 2);
    img_add_segment(img, 11, w, 1);
    expect_invalid(img, IMG_ERR_BAD_MEMORY);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Loader errors: the container */

START_TEST(test_truncated_files_are_named_truncated)
{
    vimage *img = every_op_image(IMG_EXECUTABLE);
    add_symbols_and_data(img);
    encoded e = encode_ok(img);
    size_t cuts[] = {0, 1, 4, 31, 32, 33, 44, e.size / 2, e.size - 4, e.size - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++)
        expect_error(e.data, cuts[i], IMG_ERR_TRUNCATED, NULL);
    free(e.data);
    img_free(img);
}
END_TEST

START_TEST(test_trailing_bytes_are_a_size_mismatch)
{
    vimage *img = every_op_image(IMG_EXECUTABLE);
    encoded e = encode_ok(img);
    e.data = realloc(e.data, e.size + 4);
    memset(e.data + e.size, 0, 4);
    e.size += 4;
    expect_resealed_error(e, IMG_ERR_SIZE_MISMATCH, NULL);
    img_free(img);
}
END_TEST

START_TEST(test_bad_magic_version_and_type_are_named)
{
    vimage *img = every_op_image(IMG_EXECUTABLE);
    encoded e = encode_ok(img);
    e.data[0] = 'X';
    expect_resealed_error(e, IMG_ERR_BAD_MAGIC, NULL);

    e = encode_ok(img);
    wr16(e.data + 4, IMG_VERSION_MIN - 1);
    expect_resealed_error(e, IMG_ERR_BAD_VERSION, "is older than this reader's");

    e = encode_ok(img);
    wr16(e.data + 4, IMG_VERSION + 1);
    expect_resealed_error(e, IMG_ERR_BAD_VERSION, "is newer than this reader's");

    e = encode_ok(img);
    wr16(e.data + 6, 3);
    expect_resealed_error(e, IMG_ERR_BAD_TYPE, "type 3");

    e = encode_ok(img);
    e.data[25] = 1;
    expect_resealed_error(e, IMG_ERR_RESERVED, NULL);
    img_free(img);
}
END_TEST

START_TEST(test_any_changed_byte_breaks_the_checksum)
{
    vimage *img = every_op_image(IMG_EXECUTABLE);
    add_symbols_and_data(img);
    encoded e = encode_ok(img);
    size_t spots[] = {12, 15, 20, 40, e.size / 3, e.size - 1};
    for (size_t i = 0; i < sizeof spots / sizeof *spots; i++) {
        e.data[spots[i]] ^= 0x10;
        expect_error(e.data, e.size, IMG_ERR_CHECKSUM, NULL);
        e.data[spots[i]] ^= 0x10;
    }
    free(e.data);
    img_free(img);
}
END_TEST

START_TEST(test_malformed_section_tables_are_rejected)
{
    vimage *img = every_op_image(IMG_EXECUTABLE);
    add_symbols_and_data(img);
    int code = -1, strs = -1;
    encoded e = encode_ok(img);
    code = section_entry(e.data, IMG_SEC_CODE);
    strs = section_entry(e.data, IMG_SEC_STRINGS);
    ck_assert(code >= 0 && strs >= 0);
    uint8_t *code_entry = e.data + 32 + 12 * code, *strs_entry = e.data + 32 + 12 * strs;

    wr32(code_entry, 9);                           /* unknown id */
    expect_resealed_error(e, IMG_ERR_BAD_SECTION, "unknown section id 9");

    e = encode_ok(img);
    wr32(e.data + 32 + 12 * strs, IMG_SEC_CODE);   /* CODE twice */
    expect_resealed_error(e, IMG_ERR_BAD_SECTION, NULL);

    e = encode_ok(img);
    strs_entry = e.data + 32 + 12 * strs;
    wr32(strs_entry + 4, (uint32_t)e.size);        /* past the end */
    expect_resealed_error(e, IMG_ERR_BAD_SECTION, NULL);

    e = encode_ok(img);
    strs_entry = e.data + 32 + 12 * strs;
    wr32(strs_entry + 8, 0xFFFFFFFFu);             /* size wraps past the end */
    expect_resealed_error(e, IMG_ERR_BAD_SECTION, NULL);

    e = encode_ok(img);
    code_entry = e.data + 32 + 12 * code;
    strs_entry = e.data + 32 + 12 * strs;
    wr32(strs_entry + 4, rd32(code_entry + 4));    /* overlaps CODE */
    expect_resealed_error(e, IMG_ERR_BAD_SECTION, "overlap");

    e = encode_ok(img);
    strs_entry = e.data + 32 + 12 * strs;
    wr32(strs_entry + 4, rd32(strs_entry + 4) + 2);   /* not aligned */
    expect_resealed_error(e, IMG_ERR_BAD_SECTION, NULL);

    e = encode_ok(img);
    wr32(e.data + 32 + 12 * code + 4, 8);          /* inside the header */
    expect_resealed_error(e, IMG_ERR_BAD_SECTION, NULL);

    e = encode_ok(img);
    wr32(e.data + 16, 0x10000000u);                /* table larger than the file */
    expect_resealed_error(e, IMG_ERR_BAD_SECTION, NULL);

    e = encode_ok(img);
    code_entry = e.data + 32 + 12 * code;
    wr32(code_entry + 8, rd32(code_entry + 8) - 4);   /* CODE cut inside its last slot */
    expect_resealed_error(e, IMG_ERR_BAD_SECTION, NULL);
    img_free(img);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Loader errors: code */

START_TEST(test_unknown_op_is_named)
{
    vimage *img = every_op_image(IMG_EXECUTABLE);
    encoded e = encode_ok(img);
    slot_bytes(e.data, 3, 0)[0] = ISA_OP_COUNT;
    expect_resealed_error(e, IMG_ERR_UNKNOWN_OP, "bundle 3, slot 0: unknown op");
    e = encode_ok(img);
    slot_bytes(e.data, 0, 0)[0] = 255;
    expect_resealed_error(e, IMG_ERR_UNKNOWN_OP, "unknown op 255");
    img_free(img);
}
END_TEST

/* A bundle of `n` slots of op `first_op` (operands 0), where the last
 * slot becomes op `extra` in the bytes. */
static void expect_slot_limit(const char *engine, const char *mnemonic, int limit)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    for (int i = 0; i < limit; i++)
        add(img, slot_of(engine, mnemonic, 0, 0, 0, 0, 0));
    add(img, slot_of("alu", "+", 0, 0, 0, 0, 0));
    encoded e = encode_ok(img);
    slot_bytes(e.data, 0, (uint32_t)limit)[0] = (uint8_t)img->slots[0].op;
    expect_resealed_error(e, IMG_ERR_SLOT_LIMIT, NULL);
    img_free(img);
}

START_TEST(test_too_many_slots_for_an_engine_are_rejected)
{
    /* ISA.md: flow 1, load 2, store 2, valu 6 */
    expect_slot_limit("flow", "halt", 1);
    expect_slot_limit("load", "const", 2);
    expect_slot_limit("store", "store", 2);
    expect_slot_limit("valu", "+", 6);
    /* alu 12: the 13th alu slot of a bundle */
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    for (int i = 0; i < 12; i++)
        add(img, slot_of("alu", "-", 1, 2, 3, 0, 0));
    add(img, slot_of("valu", "-", 0, 0, 0, 0, 0));
    encoded e = encode_ok(img);
    slot_bytes(e.data, 0, 12)[0] = (uint8_t)img->slots[0].op;
    expect_resealed_error(e, IMG_ERR_SLOT_LIMIT, "alu");
    img_free(img);
}
END_TEST

START_TEST(test_vector_operand_past_scratch_is_a_scratch_range_error)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("alu", "+", 1, 2, 3, 0, 0));
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("alu", "+", 1, 2, 3, 0, 0));
    add(img, slot_of("valu", "+", 1528, 0, 8, 0, 0));
    encoded e = encode_ok(img);
    wr32(slot_bytes(e.data, 1, 1) + 4, 1530);
    expect_resealed_error(e, IMG_ERR_SCRATCH_RANGE,
                          "bundle 1, slot 1 (valu + 1530, 0, 8): vector operand 1530..1537 is "
                          "outside scratch (0..1535)");
    img_free(img);
}
END_TEST

START_TEST(test_load_offset_displaced_dest_past_scratch_is_rejected)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("load", "load_offset", 1530, 0, 5, 0, 0));   /* writes s[1535] */
    encoded e = encode_ok(img);
    wr32(slot_bytes(e.data, 0, 0) + 4 + 8, 6);                     /* writes s[1536] */
    expect_resealed_error(e, IMG_ERR_SCRATCH_RANGE, "1536");
    img_free(img);
}
END_TEST

START_TEST(test_negative_bit_on_a_scratch_operand_is_a_bad_operand)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("alu", "+", 1, 2, 3, 0, 0));
    add(img, slot_of("load", "const", 4, -1, 0, 0, 0));
    encoded e = encode_ok(img);
    slot_bytes(e.data, 0, 0)[1] = 1u << 1;          /* alu + operand 2 */
    expect_resealed_error(e, IMG_ERR_BAD_OPERAND, "negative");

    e = encode_ok(img);
    slot_bytes(e.data, 0, 1)[1] |= 1u << 4;         /* const has 2 operands */
    expect_resealed_error(e, IMG_ERR_BAD_OPERAND, "negative");

    e = encode_ok(img);
    slot_bytes(e.data, 0, 1)[1] = 1u << 7;          /* no operand 8 at all */
    expect_resealed_error(e, IMG_ERR_BAD_OPERAND, NULL);
    img_free(img);
}
END_TEST

START_TEST(test_bad_operands_are_named)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("alu", "+", 1, 2, 3, 0, 0));
    add(img, slot_of("debug", "compare", 5, 1, 2, ISA_KEY_HASH_STAGE, 3));
    encoded e = encode_ok(img);
    wr32(slot_bytes(e.data, 0, 0) + 4 + 12, 9);              /* a 4th operand on alu + */
    expect_resealed_error(e, IMG_ERR_BAD_OPERAND, "operand 4");

    e = encode_ok(img);
    wr32(slot_bytes(e.data, 0, 1) + 4 + 12, ISA_KEY_COUNT);  /* unknown trace key */
    expect_resealed_error(e, IMG_ERR_BAD_OPERAND, "trace key");

    e = encode_ok(img);
    wr32(slot_bytes(e.data, 0, 1) + 4 + 16, 6);              /* hash_stage 6 */
    expect_resealed_error(e, IMG_ERR_BAD_OPERAND, "stage");

    e = encode_ok(img);
    wr16(slot_bytes(e.data, 0, 0) + 2, 0x0100);             /* reserved bytes */
    expect_resealed_error(e, IMG_ERR_RESERVED, NULL);
    img_free(img);
}
END_TEST

START_TEST(test_comment_must_reference_the_start_of_a_string)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("debug", "comment", img_intern(img, "hello"), 0, 0, 0, 0));
    encoded e = encode_ok(img);
    uint8_t *arg = slot_bytes(e.data, 0, 0) + 4;
    wr32(arg, rd32(arg) + 1);                                  /* "ello", inside a string */
    expect_resealed_error(e, IMG_ERR_BAD_STRING, "comment");

    e = encode_ok(img);
    wr32(slot_bytes(e.data, 0, 0) + 4, 0x7FFFFFFF);            /* past the table */
    expect_resealed_error(e, IMG_ERR_BAD_STRING, NULL);

    e = encode_ok(img);
    uint32_t size;
    uint8_t *strs = section(e.data, IMG_SEC_STRINGS, &size);
    ck_assert_mem_eq(strs + size - 6, "hello", 6);
    strs[size - 4] = '\n';                                     /* "he\nlo" */
    expect_resealed_error(e, IMG_ERR_BAD_STRING, "line break");
    img_free(img);
}
END_TEST

START_TEST(test_string_table_must_start_and_end_with_nul)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    img_intern(img, "abc");
    encoded e = encode_ok(img);
    uint32_t size;
    uint8_t *strs = section(e.data, IMG_SEC_STRINGS, &size);
    strs[0] = 'x';
    expect_resealed_error(e, IMG_ERR_BAD_STRING, NULL);

    e = encode_ok(img);
    strs = section(e.data, IMG_SEC_STRINGS, &size);
    strs[size - 1] = 'x';
    expect_resealed_error(e, IMG_ERR_BAD_STRING, "terminated");
    img_free(img);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Loader errors: symbols, lines, memory, relocations */

/* Overwrites `width` bytes at byte `at` of entry `index` of a section of
 * fixed-size entries with `value`, reseals, and expects the error. */
static void expect_bad_entry(vimage *img, int section_id, int entry_size, uint32_t index, int at, int width,
                             uint32_t value, img_error want, const char *detail_part)
{
    encoded e = encode_ok(img);
    uint8_t *p = section(e.data, section_id, NULL) + (size_t)entry_size * index + at;
    if (width == 4)
        wr32(p, value);
    else if (width == 2)
        wr16(p, (uint16_t)value);
    else
        *p = (uint8_t)value;
    expect_resealed_error(e, want, detail_part);
}

/* Corrupts symbol `index` (20-byte entries). */
static void expect_bad_symbol_byte(vimage *img, uint32_t index, int at, int width, uint32_t value,
                                   img_error want, const char *detail_part)
{
    expect_bad_entry(img, IMG_SEC_SYMBOLS, 20, index, at, width, value, want, detail_part);
}

START_TEST(test_malformed_symbols_are_rejected)
{
    vimage *img = every_op_image(IMG_EXECUTABLE);
    add_symbols_and_data(img);
    uint32_t vals = 2, acc = 3, end = 1;
    expect_bad_symbol_byte(img, vals, 0, 4, img->symbols[vals].name + 1, IMG_ERR_BAD_SYMBOL, "name");
    expect_bad_symbol_byte(img, vals, 0, 4, 0, IMG_ERR_BAD_SYMBOL, "empty name");
    expect_bad_symbol_byte(img, vals, 4, 1, 9, IMG_ERR_BAD_SYMBOL, "kind");
    expect_bad_symbol_byte(img, vals, 4, 1, 0, IMG_ERR_BAD_SYMBOL, "kind");   /* only externs */
    expect_bad_symbol_byte(img, vals, 5, 1, 3, IMG_ERR_BAD_SYMBOL, "binding");
    expect_bad_symbol_byte(img, vals, 6, 2, 0x80, IMG_ERR_BAD_SYMBOL, "flags");
    /* a fixed label, an entry scratch word */
    expect_bad_symbol_byte(img, end, 6, 2, IMG_SYMF_FIXED, IMG_ERR_BAD_SYMBOL, NULL);
    expect_bad_symbol_byte(img, acc, 6, 2, IMG_SYMF_ENTRY, IMG_ERR_BAD_SYMBOL, NULL);
    img_free(img);
    /* an extern label cannot claim the entry: symbol 5 is extern "helper" */
    img = object_with_relocs();
    expect_bad_symbol_byte(img, 5, 6, 2, IMG_SYMF_ENTRY, IMG_ERR_BAD_SYMBOL, "entry");
    img_free(img);
    img = every_op_image(IMG_EXECUTABLE);
    add_symbols_and_data(img);
    /* executables resolve everything */
    expect_bad_symbol_byte(img, vals, 5, 1, IMG_BIND_EXTERN, IMG_ERR_BAD_SYMBOL, "extern");
    /* a label past the end of the code, scratch past 1535 */
    expect_bad_symbol_byte(img, end, 8, 4, img->nbundles + 1, IMG_ERR_BAD_SYMBOL, NULL);
    expect_bad_symbol_byte(img, acc, 12, 4, 2, IMG_ERR_BAD_SYMBOL, "1535..1536");
    expect_bad_symbol_byte(img, vals, 8, 4, 1520, IMG_ERR_BAD_SYMBOL, "1520..1543");
    img_free(img);
    /* in an object, only fixed scratch has an address to check */
    img = object_with_relocs();
    expect_bad_symbol_byte(img, vals, 8, 4, 1520, IMG_ERR_BAD_SYMBOL, "1520..1543");
    img->symbols[acc].value = 5000;   /* unfixed: the linker will place it */
    encoded ok = encode_ok(img);
    img_free(decode_ok(ok));
    free(ok.data);
    img_free(img);
    img = every_op_image(IMG_EXECUTABLE);
    add_symbols_and_data(img);
    /* a symbols section that is not whole entries */
    encoded e = encode_ok(img);
    int entry = section_entry(e.data, IMG_SEC_SYMBOLS);
    wr32(e.data + 32 + 12 * entry + 8, rd32(e.data + 32 + 12 * entry + 8) - 1);
    expect_resealed_error(e, IMG_ERR_BAD_SECTION, NULL);
    img_free(img);
}
END_TEST

START_TEST(test_line_map_must_cover_every_bundle_with_valid_files)
{
    vimage *img = every_op_image(IMG_EXECUTABLE);
    encoded e = encode_ok(img);
    int entry = section_entry(e.data, IMG_SEC_LINES);
    wr32(e.data + 32 + 12 * entry + 8, rd32(e.data + 32 + 12 * entry + 8) - 8);
    expect_resealed_error(e, IMG_ERR_BAD_LINES, NULL);

    e = encode_ok(img);
    uint8_t *lines = section(e.data, IMG_SEC_LINES, NULL);
    wr32(lines + 8 * 2, rd32(lines + 8 * 2) + 1);            /* bundle 2's file name + 1 */
    expect_resealed_error(e, IMG_ERR_BAD_LINES, "bundle 2");
    img_free(img);
}
END_TEST

START_TEST(test_slot_lines_are_kept_per_slot_with_their_macro_call)
{
    vimage *img = every_op_image(IMG_EXECUTABLE);
    encoded e = encode_ok(img);
    uint32_t size;
    section(e.data, IMG_SEC_SLOTLINES, &size);
    ck_assert_uint_eq(size, 16u * img->nslots);
    vimage *back = decode_ok(e);
    /* slot 3 of op 3 (a macro body line, called at 2003), slot 4 its own */
    img_slot_line l = img_slot_source(back, 3, back->bundle_start[3]);
    ck_assert_str_eq(img_string(back, l.file), "lib/macros.vasm");
    ck_assert_uint_eq(l.line, 1003);
    ck_assert_str_eq(img_string(back, l.call_file), "every.vasm");
    ck_assert_uint_eq(l.call_line, 2003);
    l = img_slot_source(back, 4, back->bundle_start[4]);
    ck_assert_str_eq(img_string(back, l.file), "every.vasm");
    ck_assert_uint_eq(l.line, 1004);
    ck_assert_uint_eq(l.call_line, 0);
    /* the slots of the full bundle were added without a line */
    uint32_t last = back->nbundles - 1;
    l = img_slot_source(back, last, back->bundle_start[last]);
    ck_assert_uint_eq(l.file, 0);
    ck_assert_uint_eq(l.line, 0);
    free(e.data);
    img_free(back);
    img_free(img);

    /* without per-slot lines a slot takes its bundle's line */
    img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, "x.vasm", 7);
    add(img, slot_of("flow", "halt", 0, 0, 0, 0, 0));
    e = encode_ok(img);
    ck_assert_int_eq(section_entry(e.data, IMG_SEC_SLOTLINES), -1);
    back = decode_ok(e);
    ck_assert_ptr_null(back->slot_lines);
    l = img_slot_source(back, 0, 0);
    ck_assert_str_eq(img_string(back, l.file), "x.vasm");
    ck_assert_uint_eq(l.line, 7);
    free(e.data);
    img_free(back);
    img_free(img);
}
END_TEST

/* What vrun runs is a view; its fault messages, traces and reports name
 * slots through img_view_format_source, so it must say what the image says. */
static void expect_view_sources_as_image(const vimage *img)
{
    encoded e = encode_ok(img);
    img_view v;
    img_status st;
    ck_assert_msg(img_view_bytes(&v, e.data, e.size, &st) == 0, "%s", st.detail);
    for (uint32_t b = 0; b <= img->nbundles; b++) {
        if (b < img->nbundles)   /* past the last bundle: no source, as in the image */
            ck_assert_uint_eq(img_view_first_slot(&v, b), img->bundle_start[b]);
        uint32_t n = b < img->nbundles ? img->bundle_start[b + 1] - img->bundle_start[b] : 1;
        for (int k = -1; k <= (int)n; k++) {
            char want[256], got[256];
            size_t nw = img_format_source(img, b, k, want, sizeof want);
            size_t ng = img_view_format_source(&v, b, k, got, sizeof got);
            ck_assert_msg(nw == ng && strcmp(want, got) == 0,
                          "bundle %u slot %d: image \"%s\", view \"%s\"", b, k, want, got);
        }
    }
    img_view_close(&v);
    free(e.data);
}

START_TEST(test_a_view_names_the_same_sources_as_its_image)
{
    vimage *img = every_op_image(IMG_EXECUTABLE);
    expect_view_sources_as_image(img);
    /* and what the image says is what every_op_image wrote: op 3's slot
     * comes from a macro body line called from every.vasm */
    char text[128];
    img_format_source(img, 3, 0, text, sizeof text);
    ck_assert_str_eq(text, "lib/macros.vasm:1003, macro call every.vasm:2003");
    img_format_source(img, 4, 0, text, sizeof text);
    ck_assert_str_eq(text, "every.vasm:1004");
    img_free(img);

    /* without per-slot lines every slot names its bundle's line */
    img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, "x.vasm", 7);
    add(img, slot_of("flow", "halt", 0, 0, 0, 0, 0));
    add(img, slot_of("alu", "+", 1, 2, 3, 0, 0));
    img_begin_bundle(img, "x.vasm", 0);
    expect_view_sources_as_image(img);
    img_format_source(img, 0, 1, text, sizeof text);
    ck_assert_str_eq(text, "x.vasm:7");
    img_free(img);
}
END_TEST

/* SYMLINES: where each symbol is defined (version 3, objects), for the
 * linker's messages. */
START_TEST(test_symbol_places_round_trip_and_need_version_3)
{
    vimage *img = object_with_relocs();
    img->symbols[0].file = img_intern(img, "inc/defs.inc");
    img->symbols[0].column = 7;
    img->symbols[0].length = 4;
    encoded e = encode_ok(img);
    ck_assert_uint_eq(rd32(e.data + 4) & 0xFFFF, 3);
    uint32_t size;
    section(e.data, IMG_SEC_SYMLINES, &size);
    ck_assert_uint_eq(size, 8 * img->nsymbols);
    vimage *back = decode_ok(e);
    ck_assert_str_eq(img_string(back, back->symbols[0].file), "inc/defs.inc");
    ck_assert_uint_eq(back->symbols[0].column, 7);
    ck_assert_uint_eq(back->symbols[0].length, 4);
    ck_assert_uint_eq(back->symbols[1].file, 0);
    img_free(back);
    free(e.data);

    e = encode_ok(img);   /* a version 2 file has no SYMLINES */
    wr16(e.data + 4, 2);
    expect_resealed_error(e, IMG_ERR_BAD_SECTION, "SYMLINES section in a version 2 file");
    e = encode_ok(img);
    uint8_t *places = section(e.data, IMG_SEC_SYMLINES, NULL);
    wr32(places + 8 * 1, rd32(e.data + 8) + 1);               /* symbol 1's file: past the strings */
    expect_resealed_error(e, IMG_ERR_BAD_SYMBOL, "symbol 1");
    e = encode_ok(img);
    int entry = section_entry(e.data, IMG_SEC_SYMLINES);
    wr32(e.data + 32 + 12 * entry + 8, size - 8);             /* one symbol short */
    expect_resealed_error(e, IMG_ERR_BAD_SYMBOL, "SYMLINES");
    img_free(img);
}
END_TEST

START_TEST(test_slot_lines_must_cover_every_slot_with_valid_files)
{
    vimage *img = every_op_image(IMG_EXECUTABLE);
    encoded e = encode_ok(img);
    int entry = section_entry(e.data, IMG_SEC_SLOTLINES);
    wr32(e.data + 32 + 12 * entry + 8, rd32(e.data + 32 + 12 * entry + 8) - 16);
    expect_resealed_error(e, IMG_ERR_BAD_LINES, "SLOTLINES");

    e = encode_ok(img);
    uint8_t *lines = section(e.data, IMG_SEC_SLOTLINES, NULL);
    wr32(lines + 16 * 5, rd32(lines + 16 * 5) + 1);          /* slot 5's file name + 1 */
    expect_resealed_error(e, IMG_ERR_BAD_LINES, "slot 5");

    e = encode_ok(img);
    lines = section(e.data, IMG_SEC_SLOTLINES, NULL);
    wr32(lines + 16 * 6 + 8, rd32(e.data + 8) + 1);           /* slot 6's call file: past the strings */
    expect_resealed_error(e, IMG_ERR_BAD_LINES, "slot 6");
    img_free(img);
}
END_TEST

START_TEST(test_a_bad_file_is_found_in_any_slots_line)
{
    /* one file throughout, as in most images: the reader compares runs of
     * entries with the last files at once, so try every position of a run */
    vimage *img = img_new(IMG_EXECUTABLE);
    enum { SLOTS = 11 };
    for (uint32_t i = 0; i < SLOTS; i++) {
        img_begin_bundle(img, "a.vasm", i + 1);
        add(img, slot_of("flow", "halt", 0, 0, 0, 0, 0));
        img_set_slot_line(img, i, "a.vasm", i + 1, "a.vasm", 100);
    }
    for (uint32_t bad = 0; bad < SLOTS; bad++)
        for (int field = 0; field <= 8; field += 8) {   /* the file, then the call file */
            encoded e = encode_ok(img);
            uint8_t *lines = section(e.data, IMG_SEC_SLOTLINES, NULL);
            uint8_t *at = lines + 16 * bad + field;
            wr32(at, rd32(at) + 1);   /* inside "a.vasm" */
            char where[32];
            snprintf(where, sizeof where, "slot %u:", bad);
            expect_resealed_error(e, IMG_ERR_BAD_LINES, where);
        }
    img_free(img);
}
END_TEST

START_TEST(test_memory_segments_must_fit_and_not_overlap)
{
    vimage *img = img_new(IMG_EXECUTABLE);
    uint32_t w[4] = {1, 2, 3, 4};
    img_add_segment(img, 0, w, 4);
    img_add_segment(img, 10, w, 2);
    encoded e = encode_ok(img);
    uint32_t size;
    uint8_t *mem = section(e.data, IMG_SEC_MEMORY, &size);
    ck_assert_uint_eq(size, 8 + 16 + 8 + 8);
    wr32(mem + 4, 1000);                      /* 1000 words claimed, 4 present */
    expect_resealed_error(e, IMG_ERR_BAD_MEMORY, NULL);

    e = encode_ok(img);
    mem = section(e.data, IMG_SEC_MEMORY, NULL);
    wr32(mem + 24, 3);                        /* second segment at 3: overlaps 0..3 */
    expect_resealed_error(e, IMG_ERR_BAD_MEMORY, "overlap");

    e = encode_ok(img);
    mem = section(e.data, IMG_SEC_MEMORY, NULL);
    wr32(mem + 24, 0xFFFFFFFFu);              /* 2 words from the last address */
    expect_resealed_error(e, IMG_ERR_BAD_MEMORY, NULL);

    e = encode_ok(img);
    int entry = section_entry(e.data, IMG_SEC_MEMORY);
    wr32(e.data + 32 + 12 * entry + 8, size - 4);   /* last word cut off */
    expect_resealed_error(e, IMG_ERR_BAD_MEMORY, NULL);
    img_free(img);
}
END_TEST

/* Corrupts relocation `index` (16-byte entries). */
static void expect_bad_reloc(vimage *img, uint32_t index, int at, int width, uint32_t value, img_error want,
                             const char *detail_part)
{
    expect_bad_entry(img, IMG_SEC_RELOCS, 16, index, at, width, value, want, detail_part);
}

START_TEST(test_relocations_must_reference_existing_things)
{
    vimage *img = object_with_relocs();
    expect_bad_reloc(img, 0, 0, 4, img->nslots, IMG_ERR_BAD_RELOC, "slot");
    expect_bad_reloc(img, 0, 4, 1, 1, IMG_ERR_BAD_RELOC, "no operand 2");   /* jump has 1 */
    expect_bad_reloc(img, 0, 5, 1, 0, IMG_ERR_BAD_RELOC, "kind");
    expect_bad_reloc(img, 0, 5, 1, 5, IMG_ERR_BAD_RELOC, "kind");
    expect_bad_reloc(img, 0, 8, 4, img->nsymbols, IMG_ERR_BAD_RELOC, "symbol");
    expect_bad_reloc(img, 1, 6, 2, 1, IMG_ERR_RESERVED, NULL);
    /* a relocated trace key makes no sense (operand 3 of debug compare) */
    encoded e = encode_ok(img);
    uint8_t *r = section(e.data, IMG_SEC_RELOCS, NULL) + 16 * 3;
    wr32(r, img->bundle_start[isa_find_op(ISA_ENG_DEBUG, "compare")]);
    r[4] = 3;
    expect_resealed_error(e, IMG_ERR_BAD_RELOC, "cannot be relocated");
    img_free(img);
}
END_TEST

START_TEST(test_relocations_are_only_allowed_in_objects)
{
    vimage *img = object_with_relocs();
    /* drop the extern symbols' binding first so that only the relocs are wrong */
    for (uint32_t i = 0; i < img->nsymbols; i++)
        if (img->symbols[i].binding == IMG_BIND_EXTERN) {
            img->symbols[i].binding = IMG_BIND_GLOBAL;
            img->symbols[i].kind = IMG_SYM_CONST;
        }
    img->symbols[0].flags = 0;
    encoded e = encode_ok(img);
    wr16(e.data + 6, IMG_EXECUTABLE);
    expect_resealed_error(e, IMG_ERR_BAD_RELOC, "only objects");
    img_free(img);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Robustness */

/* xorshift64: a fixed, reproducible sequence. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

START_TEST(test_decoder_survives_random_corruption)
{
    vimage *img = object_with_relocs();
    encoded good = encode_ok(img);
    uint8_t *buf = malloc(good.size);
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    int decoded = 0;
    for (int round = 0; round < 20000; round++) {
        memcpy(buf, good.data, good.size);
        int flips = 1 + (int)(next_random(&rng) % 4);
        for (int f = 0; f < flips; f++) {
            size_t at = 16 + next_random(&rng) % (good.size - 16);
            buf[at] = (uint8_t)next_random(&rng);
        }
        size_t size = good.size;
        if (round % 5 == 0) {   /* also keep the header size consistent with a cut */
            size = 32 + next_random(&rng) % (good.size - 32);
            wr32(buf + 8, (uint32_t)size);
        }
        reseal(buf, size);
        img_status st;
        vimage *back = img_decode(buf, size, &st);
        if (back) {
            decoded++;
            ck_assert_int_eq(img_validate(back, &st), 0);
            img_free(back);
        } else {
            ck_assert_int_ne(st.code, IMG_ERR_OK);
            ck_assert_int_lt(st.code, IMG_ERR_COUNT);
        }
    }
    ck_assert_int_lt(decoded, 20000);   /* the corruption did reach the checks */
    free(buf);
    free(good.data);
    img_free(img);
}
END_TEST

/* The reader checks an executable's slots in one table-driven pass and
 * only falls back to the full checks to name an error: whatever it
 * accepts must pass img_validate and encode back to the same bytes. */
START_TEST(test_what_the_one_pass_check_accepts_is_valid)
{
    vimage *img = every_op_image(IMG_EXECUTABLE);
    add_symbols_and_data(img);
    encoded good = encode_ok(img);
    uint32_t code_size;
    uint8_t *code = section(good.data, IMG_SEC_CODE, &code_size);
    size_t code_at = (size_t)(code - good.data);
    uint8_t *buf = malloc(good.size);
    uint64_t rng = 0xD1B54A32D192ED03ull;
    int decoded = 0, rejected = 0;
    /* operand values at and around every limit */
    static const uint32_t edges[] = {0, 1, 5, 6, 7, 8, 1527, 1528, 1529, 1534, 1535, 1536, 1543,
                                     0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF};
    for (int round = 0; round < 20000; round++) {
        memcpy(buf, good.data, good.size);
        if (round % 2) {   /* a few bytes anywhere in CODE */
            int flips = 1 + (int)(next_random(&rng) % 3);
            for (int f = 0; f < flips; f++) {
                size_t at = code_at + 4 + next_random(&rng) % (code_size - 4);
                uint64_t r = next_random(&rng);
                buf[at] = (uint8_t)(r % 4 == 0 ? r >> 8 : buf[at] + (r >> 8) % 5 - 2);
            }
        } else {   /* one operand of one slot set to an edge, its negative bit drawn */
            uint32_t b = (uint32_t)(next_random(&rng) % img->nbundles);
            uint32_t n = img->bundle_start[b + 1] - img->bundle_start[b];
            if (n == 0)
                continue;
            uint8_t *slot = slot_bytes(buf, b, (uint32_t)(next_random(&rng) % n));
            int a = (int)(next_random(&rng) % ISA_MAX_ARGS);
            wr32(slot + 4 + 4 * a, edges[next_random(&rng) % (sizeof edges / sizeof *edges)]);
            if (next_random(&rng) % 4 == 0)
                slot[1] ^= (uint8_t)(1u << a);
        }
        reseal(buf, good.size);
        img_status st;
        vimage *back = img_decode(buf, good.size, &st);
        if (back) {
            decoded++;
            /* isa_check_slot, not the reader's tables, is the judge */
            for (uint32_t k = 0; k < back->nslots; k++) {
                char why[160];
                int bad;
                ck_assert_msg(isa_check_slot(&back->slots[k], why, sizeof why, &bad) == 0,
                              "round %d: slot %u accepted, but %s", round, k, why);
            }
            uint8_t *again;
            size_t size;
            ck_assert_int_eq(img_encode(back, &again, &size), 0);
            ck_assert_uint_eq(size, good.size);
            ck_assert_msg(memcmp(again, buf, size) == 0, "round %d: not the same bytes", round);
            free(again);
            img_free(back);
        } else {
            rejected++;
            ck_assert_int_ne(st.code, IMG_ERR_OK);
        }
    }
    ck_assert_int_gt(decoded, 0);
    ck_assert_int_gt(rejected, 0);
    free(buf);
    free(good.data);
    img_free(img);
}
END_TEST

START_TEST(test_every_prefix_of_a_file_is_rejected_cleanly)
{
    vimage *img = object_with_relocs();
    encoded e = encode_ok(img);
    for (size_t n = 0; n < e.size; n++) {
        uint8_t *copy = malloc(n ? n : 1);   /* exact size, so ASan sees any overread */
        memcpy(copy, e.data, n);
        expect_error(copy, n, IMG_ERR_TRUNCATED, NULL);
        free(copy);
    }
    free(e.data);
    img_free(img);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Files */

static char tmpdir[256];

static void make_tmpdir(void) { testdir_make(tmpdir, sizeof tmpdir, "check_image"); }
static void remove_tmpdir(void) { testdir_remove(tmpdir); }

START_TEST(test_write_then_read_gives_the_same_image)
{
    make_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/k.bin", tmpdir);
    vimage *img = object_with_relocs();
    img_status st;
    ck_assert_int_eq(img_write_file(img, path, &st), 0);
    vimage *back = img_read_file(path, &st);
    ck_assert_msg(back != NULL, "%s: %s", img_error_name(st.code), st.detail);
    assert_same_image(img, back);
    ck_assert_int_eq(testdir_entries(tmpdir), 1);   /* no temporary left behind */
    img_free(back);
    img_free(img);
    remove_tmpdir();
}
END_TEST

START_TEST(test_write_into_a_missing_directory_fails_and_leaves_nothing)
{
    make_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/no/such/dir/k.bin", tmpdir);
    vimage *img = every_op_image(IMG_EXECUTABLE);
    img_status st;
    ck_assert_int_eq(img_write_file(img, path, &st), -1);
    ck_assert_int_eq(st.code, IMG_ERR_IO);
    ck_assert_ptr_nonnull(strstr(st.detail, "k.bin"));
    ck_assert_int_eq(testdir_entries(tmpdir), 0);
    img_free(img);
    remove_tmpdir();
}
END_TEST

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static int file_is(const char *path, const char *text)
{
    char buf[64] = {0};
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return n == strlen(text) && memcmp(buf, text, n) == 0;
}

START_TEST(test_writing_over_a_file_replaces_it_whole)
{
    make_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/k.bin", tmpdir);
    write_text(path, "old contents");
    struct stat before;
    ck_assert_int_eq(stat(path, &before), 0);
    vimage *img = every_op_image(IMG_EXECUTABLE);
    img_status st;
    ck_assert_int_eq(img_write_file(img, path, &st), 0);
    struct stat after;
    ck_assert_int_eq(stat(path, &after), 0);
    /* a rename puts a new file in place rather than rewriting the old one */
    ck_assert(after.st_ino != before.st_ino);
    vimage *back = img_read_file(path, &st);
    ck_assert_ptr_nonnull(back);
    assert_same_image(img, back);
    ck_assert_int_eq(testdir_entries(tmpdir), 1);
    img_free(back);
    img_free(img);
    remove_tmpdir();
}
END_TEST

START_TEST(test_failed_write_keeps_the_existing_file)
{
    make_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/k.bin", tmpdir);
    write_text(path, "old contents");
    vimage *img = img_new(IMG_EXECUTABLE);
    img_begin_bundle(img, NULL, 0);
    add(img, slot_of("valu", "+", 1529, 0, 0, 0, 0));   /* invalid: nothing may be written */
    img_status st;
    ck_assert_int_eq(img_write_file(img, path, &st), -1);
    ck_assert_int_eq(st.code, IMG_ERR_SCRATCH_RANGE);
    ck_assert(file_is(path, "old contents"));
    ck_assert_int_eq(testdir_entries(tmpdir), 1);
    /* a directory in the way: the rename fails, the temporary is removed */
    char sub[512];
    snprintf(sub, sizeof sub, "%s/sub", tmpdir);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    char inner[600];
    snprintf(inner, sizeof inner, "%s/x", sub);
    write_text(inner, "x");
    img_free(img);
    img = every_op_image(IMG_EXECUTABLE);
    ck_assert_int_eq(img_write_file(img, sub, &st), -1);
    ck_assert_int_eq(st.code, IMG_ERR_IO);
    ck_assert_int_eq(testdir_entries(tmpdir), 2);
    ck_assert(file_is(inner, "x"));
    unlink(inner);
    rmdir(sub);
    img_free(img);
    remove_tmpdir();
}
END_TEST

START_TEST(test_reading_a_missing_file_is_an_io_error)
{
    img_status st;
    ck_assert_ptr_null(img_read_file("/nonexistent/dir/k.bin", &st));
    ck_assert_int_eq(st.code, IMG_ERR_IO);
    ck_assert_ptr_nonnull(strstr(st.detail, "k.bin"));
}
END_TEST

START_TEST(test_error_names_and_texts_are_defined)
{
    ck_assert_str_eq(img_error_name(IMG_ERR_SCRATCH_RANGE), "SCRATCH_RANGE");
    ck_assert_str_eq(img_error_text(IMG_ERR_CHECKSUM), "checksum mismatch (the file is corrupt)");
    for (int e = 0; e < IMG_ERR_COUNT; e++) {
        ck_assert(img_error_name((img_error)e)[0]);
        ck_assert(img_error_text((img_error)e)[0]);
    }
}
END_TEST

static Suite *image_suite(void)
{
    Suite *s = suite_create("image");
    TCase *trip = tcase_create("round_trip");
    tcase_add_test(trip, test_crc32_matches_the_ieee_check_value);
    tcase_add_test(trip, test_crc32_agrees_with_the_bitwise_definition_at_every_length);
    tcase_add_test(trip, test_every_op_round_trips_in_an_executable);
    tcase_add_test(trip, test_object_with_relocations_round_trips);
    tcase_add_test(trip, test_a_relocation_column_needs_version_3);
    tcase_add_test(trip, test_symbol_places_round_trip_and_need_version_3);
    tcase_add_test(trip, test_header_fields_sit_where_the_format_says);
    tcase_add_test(trip, test_intern_returns_one_offset_per_distinct_string);
    tcase_add_test(trip, test_intern_into_a_decoded_image_finds_its_strings);
    tcase_add_test(trip, test_image_without_line_map_decodes_without_one);
    tcase_add_test(trip, test_slot_lines_are_kept_per_slot_with_their_macro_call);
    tcase_add_test(trip, test_a_view_names_the_same_sources_as_its_image);
    tcase_add_test(trip, test_encoder_rejects_operands_that_do_not_fit);
    tcase_add_test(trip, test_code_its_producer_checked_skips_only_the_machine_checks);
    tcase_add_test(trip, test_an_image_read_from_bytes_is_checked_slot_by_slot_whatever_its_writer_claimed);
    tcase_add_test(trip, test_error_names_and_texts_are_defined);
    suite_add_tcase(s, trip);

    TCase *errs = tcase_create("loader_errors");
    tcase_add_test(errs, test_truncated_files_are_named_truncated);
    tcase_add_test(errs, test_trailing_bytes_are_a_size_mismatch);
    tcase_add_test(errs, test_bad_magic_version_and_type_are_named);
    tcase_add_test(errs, test_any_changed_byte_breaks_the_checksum);
    tcase_add_test(errs, test_malformed_section_tables_are_rejected);
    tcase_add_test(errs, test_unknown_op_is_named);
    tcase_add_test(errs, test_too_many_slots_for_an_engine_are_rejected);
    tcase_add_test(errs, test_vector_operand_past_scratch_is_a_scratch_range_error);
    tcase_add_test(errs, test_load_offset_displaced_dest_past_scratch_is_rejected);
    tcase_add_test(errs, test_negative_bit_on_a_scratch_operand_is_a_bad_operand);
    tcase_add_test(errs, test_bad_operands_are_named);
    tcase_add_test(errs, test_comment_must_reference_the_start_of_a_string);
    tcase_add_test(errs, test_string_table_must_start_and_end_with_nul);
    tcase_add_test(errs, test_malformed_symbols_are_rejected);
    tcase_add_test(errs, test_line_map_must_cover_every_bundle_with_valid_files);
    tcase_add_test(errs, test_slot_lines_must_cover_every_slot_with_valid_files);
    tcase_add_test(errs, test_a_bad_file_is_found_in_any_slots_line);
    tcase_add_test(errs, test_memory_segments_must_fit_and_not_overlap);
    tcase_add_test(errs, test_relocations_must_reference_existing_things);
    tcase_add_test(errs, test_relocations_are_only_allowed_in_objects);
    suite_add_tcase(s, errs);

    TCase *robust = tcase_create("robustness");
    tcase_set_timeout(robust, 120);
    tcase_add_test(robust, test_decoder_survives_random_corruption);
    tcase_add_test(robust, test_what_the_one_pass_check_accepts_is_valid);
    tcase_add_test(robust, test_every_prefix_of_a_file_is_rejected_cleanly);
    suite_add_tcase(s, robust);

    TCase *files = tcase_create("files");
    tcase_add_test(files, test_write_then_read_gives_the_same_image);
    tcase_add_test(files, test_write_into_a_missing_directory_fails_and_leaves_nothing);
    tcase_add_test(files, test_writing_over_a_file_replaces_it_whole);
    tcase_add_test(files, test_failed_write_keeps_the_existing_file);
    tcase_add_test(files, test_streaming_writes_the_bytes_of_encoding);
    tcase_add_test(files, test_a_failed_write_of_a_window_is_an_io_error);
    tcase_add_test(files, test_deferred_code_is_written_as_held_code_is);
    tcase_add_test(files, test_deferred_code_is_checked_as_it_is_written_by_the_rules_of_held_code);
    tcase_add_test(files, test_deferred_code_is_written_through_its_string_map_and_patches);
    tcase_add_test(files, test_reading_a_missing_file_is_an_io_error);
    suite_add_tcase(s, files);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(image_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
