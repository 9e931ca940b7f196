/*
 * image: the binary container for executable images and relocatable
 * objects (one format, two types, like ELF's ET_EXEC / ET_REL).
 * docs/image-format.md describes it byte by byte; in short, all integers
 * little-endian:
 *
 *   header (32 bytes)
 *     0  u8[4] magic "VLWK"
 *     4  u16   version (2, or 3 when a relocation has a column)
 *     6  u16   type: 1 executable image, 2 relocatable object
 *     8  u32   file size in bytes
 *    12  u32   CRC-32 (IEEE) of the whole file, this field taken as 0
 *    16  u32   section count
 *    20  u8[12] zero
 *   section table: count entries of 12 bytes: u32 id, u32 offset, u32 size
 *   section bodies, each starting on a 4-byte boundary, each id at most
 *   once, none overlapping (a missing section is an empty one):
 *     CODE    (1) u32 bundle count, then per bundle: u32 slot count and
 *                 that many 24-byte slots: u8 op, u8 negative-operand mask
 *                 (bit i: operand i is arg - 2^32; only immediates, kinds
 *                 i t r, may set it), u16 zero, u32 arg[5]
 *     STRINGS (2) NUL-terminated strings; offset 0 is the empty string
 *     SYMBOLS (3) 20-byte entries: u32 name, u8 kind, u8 binding,
 *                 u16 flags, u32 value, u32 size, u32 line
 *     LINES   (4) per bundle: u32 file (string offset), u32 line (0: none)
 *     MEMORY  (5) segments: u32 address, u32 word count, the words
 *     RELOCS  (6) 16-byte entries: u32 slot index, u8 operand, u8 kind,
 *                 u16 column (version 3; zero in version 2), u32 symbol
 *                 index, i32 addend
 *     SLOTLINES (7) per slot: u32 file, u32 line, u32 macro call file,
 *                 u32 macro call line (0: not from a macro)
 *     SYMLINES (8) per symbol: u32 file of its definition, u16 column,
 *                 u16 length (version 3; objects, for the linker's messages)
 *
 * The in-memory form (vimage) is what the assembler builds, the linker
 * merges and the simulator loads.  Readers validate everything before
 * anyone uses an image: img_read_* returns a named error, never a
 * half-checked image.
 */
#ifndef VLIW_IMAGE_H
#define VLIW_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "isa.h"

#define IMG_MAGIC "VLWK"
/* The format version this library writes at most and reads.  A writer
 * writes the lowest version that holds the file: 2 unless a relocation
 * has a column or a symbol a place (SYMLINES; version 3), so images, which
 * have neither, are what version 2 wrote, byte for byte. */
#define IMG_VERSION 3
#define IMG_VERSION_MIN 2
/* The largest file the readers take from a stream (a mapped file is
 * checked against its header's size instead). */
#define IMG_MAX_FILE_SIZE (1u << 30)

typedef enum { IMG_EXECUTABLE = 1, IMG_OBJECT = 2 } img_type;

/* Section ids of the section table. */
typedef enum {
    IMG_SEC_CODE = 1,
    IMG_SEC_STRINGS = 2,
    IMG_SEC_SYMBOLS = 3,
    IMG_SEC_LINES = 4,
    IMG_SEC_MEMORY = 5,
    IMG_SEC_RELOCS = 6,
    IMG_SEC_SLOTLINES = 7,
    IMG_SEC_SYMLINES = 8,
} img_section_id;

typedef enum {
    IMG_SYM_LABEL = 1,    /* value: bundle index */
    IMG_SYM_SCRATCH = 2,  /* value: scratch address, size: words */
    IMG_SYM_CONST = 3,    /* value: the constant */
} img_sym_kind;

typedef enum {
    IMG_BIND_LOCAL = 0,
    IMG_BIND_GLOBAL = 1,
    IMG_BIND_EXTERN = 2,  /* referenced, defined in another module */
} img_sym_binding;

enum {
    IMG_SYMF_FIXED = 1,   /* scratch placed at a fixed address by its module */
    IMG_SYMF_ENTRY = 2,   /* label that claims the program entry (objects) */
};

typedef struct {
    uint32_t name;        /* string offset */
    uint8_t kind;         /* img_sym_kind */
    uint8_t binding;      /* img_sym_binding */
    uint16_t flags;       /* IMG_SYMF_* */
    uint32_t value;
    uint32_t size;
    uint32_t line;        /* source line of the definition (0: unknown) */
    /* Where the definition is written, for the linker's messages (SYMLINES,
     * version 3; objects): its file (string offset; 0: unknown, the line
     * is then in the module's first source file), and its column and
     * length in that line (0: unknown).  The linker leaves them out of
     * images. */
    uint32_t file;
    uint16_t column, length;
} img_symbol;

typedef enum {
    IMG_REL_CODE_ABS = 1,   /* operand = symbol's bundle + addend (jump, cond_jump) */
    IMG_REL_CODE_REL = 2,   /* operand = symbol's bundle + addend - (slot's bundle + 1) */
    IMG_REL_SCRATCH = 3,    /* operand = symbol's scratch address + addend */
    IMG_REL_CONST = 4,      /* operand = symbol's value + addend */
} img_reloc_kind;

typedef struct {
    uint32_t slot;        /* index into the image's slots */
    uint8_t operand;      /* 0 .. ISA_MAX_ARGS-1 */
    uint8_t kind;         /* img_reloc_kind */
    uint16_t column;      /* 1-based column of the operand in its slot's source line
                             (SLOTLINES), for the linker's messages; 0: unknown */
    uint32_t symbol;      /* index into the image's symbols */
    int32_t addend;
} img_reloc;

typedef struct {
    uint32_t file;        /* string offset of the source file name (0: none) */
    uint32_t line;        /* 0: no source line */
} img_line;

/* Where one slot was written: the line itself (a macro body line for a
 * slot a macro made) and the outermost macro call that expanded it. */
typedef struct {
    uint32_t file;        /* string offset (0: none) */
    uint32_t line;        /* 0: no source line */
    uint32_t call_file;   /* string offset of the outermost macro call's file (0: none) */
    uint32_t call_line;   /* 0: the slot does not come from a macro */
} img_slot_line;

typedef struct {
    uint32_t address;
    uint32_t count;
    uint32_t *words;
} img_segment;

/* Deferred code: the slots of an image held by their producer and read
 * when the image is written, rather than copied into it -- a one-file
 * build's program stays the only copy of its code (docs/vasm.md).  read
 * gives slots [first, first + n) and lines their lines, with string
 * offsets of the producer's image; comment_slots lists the slots that
 * have a comment operand, in ascending order; release frees the source. */
typedef struct img_code_source {
    void (*read)(const struct img_code_source *c, uint32_t first, uint32_t n, isa_slot *out);
    /* The same slots as CODE holds them (img_slot_put), or NULL: for a
     * source whose every operand lies in the format's range (-2^32, 2^32),
     * so that the bytes say what read does.  The writer then encodes a
     * checked image's code without decoding it first. */
    void (*encode)(const struct img_code_source *c, uint32_t first, uint32_t n, uint8_t *out);
    void (*lines)(const struct img_code_source *c, uint32_t first, uint32_t n, img_slot_line *out);
    void (*release)(struct img_code_source *c);
    const uint32_t *comment_slots;
    uint32_t ncomment_slots;
    /* The file offsets the slots' lines name, in the order of the lines:
     * a file whenever it differs from the last slot's, then a macro call
     * file whenever it does (a reader that needs only the names, such as
     * the linker interning them, need not read every line). */
    const uint32_t *line_files;
    uint32_t nline_files;
} img_code_source;

/* A relocated operand's final value, for deferred code (the linker
 * cannot patch slots that are not held). */
typedef struct {
    uint32_t slot;
    uint8_t operand;
    int64_t value;
} img_patch;

typedef struct vimage {
    img_type type;
    /* code: bundle b holds slots[bundle_start[b] .. bundle_start[b+1]) */
    uint32_t nbundles;
    uint32_t *bundle_start;     /* nbundles + 1 entries */
    isa_slot *slots;
    uint32_t nslots;
    img_line *lines;            /* nbundles entries, or NULL when no LINES section */
    img_slot_line *slot_lines;  /* nslots entries, or NULL when no SLOTLINES section */
    char *strings;              /* STRINGS: offset 0 is "" */
    uint32_t strings_size;
    img_symbol *symbols;
    uint32_t nsymbols;
    img_segment *segments;
    uint32_t nsegments;
    img_reloc *relocs;
    uint32_t nrelocs;
    /* Set by a producer that checked every slot against the machine
     * (isa_check_slot) on its way to the image -- the assembler's emit, and
     * the linker for an image made only of such objects, re-checking the
     * slots it patched: img_validate then leaves out the per-slot machine
     * checks (every other rule, comment strings and slot limits included,
     * is still checked).  The reader never sets it: an image read from a
     * file is checked slot by slot.  img_begin_bundle and img_add_slot
     * clear it; code that writes slots in place must clear it too. */
    uint8_t code_checked;
    /* Deferred code (img_code_source), or NULL: then slots and slot_lines
     * are NULL, nslots still counts the slots, bundle_start and lines are
     * held as usual, and code_slot_lines says whether there are per-slot
     * lines.  On the way out each slot's comment operand and each line's
     * file offsets go through code_strings (the source's offset -> this
     * image's; NULL: the same), and patches (ascending by slot) set
     * relocated operands.  Such an image may only be given to img_validate
     * (which leaves its code to the writer), img_write_stream, img_encode,
     * lnk_link_taking and img_free; the writer checks each bundle by
     * img_validate's rules as it encodes it. */
    img_code_source *code;
    uint8_t code_slot_lines;
    uint32_t *code_strings;
    uint32_t ncode_strings;
    img_patch *patches;
    uint32_t npatches;
    /* builder bookkeeping (capacities; the index that makes img_intern
     * find equal strings, built on first use) */
    size_t cap_bundles, cap_slots, cap_strings, cap_symbols, cap_segments, cap_relocs;
    struct img_intern_index *intern;
} vimage;

/* Errors of the reader (and of the writer, which runs the same content
 * checks before any I/O), each with a name for messages and tests;
 * docs/image-format.md says when each is raised. */
#define IMG_ERRORS(X) \
    X(OK,            "no error") \
    X(IO,            "cannot read or write the file") \
    X(TRUNCATED,     "file is truncated") \
    X(BAD_MAGIC,     "bad magic (not a vliwkit image or object)") \
    X(BAD_VERSION,   "unsupported format version") \
    X(BAD_TYPE,      "unknown file type") \
    X(SIZE_MISMATCH, "file size does not match its header") \
    X(CHECKSUM,      "checksum mismatch (the file is corrupt)") \
    X(BAD_SECTION,   "malformed section table") \
    X(UNKNOWN_OP,    "unknown op") \
    X(SLOT_LIMIT,    "too many slots for an engine in one bundle") \
    X(BAD_OPERAND,   "bad operand") \
    X(SCRATCH_RANGE, "scratch operand out of range") \
    X(BAD_STRING,    "bad string reference") \
    X(BAD_SYMBOL,    "malformed symbol") \
    X(BAD_LINES,     "malformed line map") \
    X(BAD_MEMORY,    "malformed memory segment") \
    X(BAD_RELOC,     "malformed relocation") \
    X(WRONG_TYPE,    "wrong file type for this use") \
    X(RESERVED,      "reserved field is not zero") \
    X(TOO_BIG,       "file is larger than the readers accept")

typedef enum {
#define IMG_ERR_ENUM(id, text) IMG_ERR_##id,
    IMG_ERRORS(IMG_ERR_ENUM)
#undef IMG_ERR_ENUM
    IMG_ERR_COUNT
} img_error;

/* A failed read: the error, and a detail such as "bundle 12, slot 3:
 * vector operand 1530..1537 is outside scratch (0..1535)". */
typedef struct {
    img_error code;
    char detail[256];
} img_status;

const char *img_error_name(img_error e);   /* "SCRATCH_RANGE" */
const char *img_error_text(img_error e);   /* "scratch operand out of range" */

/* Building */
vimage *img_new(img_type type);
void img_free(vimage *img);
/* Starts a new bundle whose source is file:line (file may be NULL). */
void img_begin_bundle(vimage *img, const char *file, uint32_t line);
/* A whole bundle at once: its source as a string offset (from img_intern;
 * 0: none) and line, and nslots slots, returned for the caller to write
 * every field of. */
isa_slot *img_add_bundle_at(vimage *img, uint32_t file, uint32_t line, uint32_t nslots);
/* Room for nbundles bundles and nslots slots in all (a builder that knows
 * the size: no reallocation, no spare room). */
void img_reserve_code(vimage *img, uint32_t nbundles, uint32_t nslots);
/* Appends a slot to the current bundle (one must have been begun). */
void img_add_slot(vimage *img, const isa_slot *slot);
/* Gives slot `slot` (an index over all slots; the slot must exist) its
 * own source line and macro call site (files may be NULL).  An image where
 * this is never called has no SLOTLINES section; slots never given a line
 * have none.  Writers call it after everything else that interns strings,
 * so that the line map's file names come last in STRINGS and leave every
 * other string where it was before SLOTLINES existed. */
void img_set_slot_line(vimage *img, uint32_t slot, const char *file, uint32_t line,
                       const char *call_file, uint32_t call_line);
/* The per-slot line map to fill in directly (nslots entries; created all
 * zero when the image has none), with file offsets from img_intern: for a
 * producer that interns each run of equal file names once.  The same
 * rules as img_set_slot_line apply. */
img_slot_line *img_slot_lines(vimage *img);
/* The source of slot `slot` (an index over all slots) of bundle `bundle`:
 * its own line when the image has per-slot lines, else its bundle's line
 * (with no call site); all zero when the image has no line map. */
img_slot_line img_slot_source(const vimage *img, uint32_t bundle, uint32_t slot);
/* The source of slot `slot` of bundle `bundle` (counted within the bundle)
 * as text, "k.vasm:9" or "m.vasm:2, macro call k.vasm:9"; of the whole
 * bundle when slot is -1: the distinct lines of its slots, in slot order,
 * "k.vasm:9,12,m.vasm:2" (an empty bundle: its own line).  "" when the
 * image has no line for it.  Returns the length the whole text needs
 * (cut at size like snprintf). */
size_t img_format_source(const vimage *img, uint32_t bundle, int slot, char *buf, size_t size);
/* Interns a string, returning its offset in STRINGS. */
uint32_t img_intern(vimage *img, const char *s);
/* Appends a symbol and returns its index. */
uint32_t img_add_symbol(vimage *img, const char *name, img_sym_kind kind, img_sym_binding binding,
                        uint16_t flags, uint32_t value, uint32_t size, uint32_t line);
void img_add_segment(vimage *img, uint32_t address, const uint32_t *words, uint32_t count);
void img_add_reloc(vimage *img, uint32_t slot, uint8_t operand, img_reloc_kind kind, uint32_t symbol,
                   int32_t addend);
/* The string at an offset, or NULL when the offset does not start one. */
const char *img_string(const vimage *img, uint32_t offset);

/* Checks an in-memory image against every rule the reader enforces
 * (docs/image-format.md); returns 0, or -1 with st filled.  img_encode
 * and img_write_file run it, so no writer produces a file the reader
 * rejects. */
int img_validate(const vimage *img, img_status *st);

/* Encoding and decoding */
/* Serializes into a malloc'd buffer; returns 0, or -1 when the image
 * fails img_validate (call it for the reason). */
int img_encode(const vimage *img, uint8_t **out, size_t *out_size);
/* Decodes and validates; on failure returns NULL and fills *st. */
vimage *img_decode(const uint8_t *data, size_t size, img_status *st);
/* Writes the encoded image to f from where f stands: to a regular file in
 * pieces through a small buffer, the checksum put into the header at the
 * end, so a big image is never held encoded in memory; to anything else
 * from one buffer.  The image must have passed img_validate (the caller
 * checks first, so that no file is begun for an image that fails, and an
 * image is checked once).  Returns 0, or -1 with st filled (IO when a
 * write failed). */
int img_write_stream(const vimage *img, FILE *f, img_status *st);
/* Writes atomically (temp file in the same directory, then rename); "-"
 * writes to standard output.  On failure no file is left behind and an
 * existing file at path is untouched.  Returns 0, or -1 with st filled. */
int img_write_file(const vimage *img, const char *path, img_status *st);
/* Reads and decodes a file ("-": standard input); NULL with st filled on
 * failure. */
vimage *img_read_file(const char *path, img_status *st);

/* CRC-32 (IEEE 802.3, reflected, as zlib computes it). */
uint32_t img_crc32(const uint8_t *data, size_t size);

/* Reading in place.  An img_view is a file's bytes read once (mapped when
 * the file can be), checked once, and pointed into rather than copied: a
 * simulator runs its CODE as it stands, so a 7 MB image costs no decoding
 * into a vimage.  img_decode and img_read_file are an img_view followed by
 * img_view_image, so every reader applies the same checks, once.
 *
 * CODE holds per bundle a u32 slot count and that many IMG_SLOT_BYTES
 * slots (layout above).  A checked view satisfies every rule of
 * docs/image-format.md. */
#define IMG_SLOT_BYTES 24
/* Bundles between two entries of a view's bundle index. */
#define IMG_INDEX_STRIDE 32

typedef struct {
    img_type type;
    uint32_t nbundles, nslots;
    const uint8_t *code;          /* the first bundle's slot count */
    const uint32_t *index;        /* offset in code of bundle k * IMG_INDEX_STRIDE */
    const char *strings;          /* STRINGS ("" when absent) */
    uint32_t strings_size;
    const uint8_t *lines;         /* LINES (8 bytes per bundle), or NULL */
    const uint8_t *slot_lines;    /* SLOTLINES (16 bytes per slot), or NULL */
    const img_segment *segments;  /* MEMORY, decoded */
    uint32_t nsegments;
    /* private: the bytes and their sections, who owns them, what the
     * view decoded */
    const uint8_t *data;
    size_t size;
    const uint8_t *section[IMG_SEC_SYMLINES + 1];   /* by section id; NULL: absent */
    uint32_t section_size[IMG_SEC_SYMLINES + 1];
    void *map;                    /* a mapping of size bytes, or NULL */
    uint8_t *owned;               /* a buffer to free, or NULL */
    uint32_t *own_index;
    img_segment *own_segments;
} img_view;

/* Checks an encoded image in place (data must outlive the view); 0, or -1
 * with st filled (the same error and detail as img_decode). */
int img_view_bytes(img_view *v, const uint8_t *data, size_t size, img_status *st);
/* Reads a file once ("-": standard input) and checks it; 0, or -1 with st
 * filled. */
int img_view_file(img_view *v, const char *path, img_status *st);
/* Encodes an in-memory image after one img_validate; 0, or -1 with st
 * filled. */
int img_view_encode(img_view *v, const vimage *img, img_status *st);
/* The in-memory form of a checked view (nothing is checked again). */
vimage *img_view_image(const img_view *v);
/* Releases what the view owns (a zeroed view is closed). */
void img_view_close(img_view *v);
/* Offset in v->code of bundle b's slot count (b <= nbundles). */
uint32_t img_view_bundle(const img_view *v, uint32_t b);
/* Index (over all slots) of bundle b's first slot (b <= nbundles). */
uint32_t img_view_first_slot(const img_view *v, uint32_t b);
/* img_format_source on a checked view: the same text, read from its LINES
 * and SLOTLINES in place. */
size_t img_view_format_source(const img_view *v, uint32_t bundle, int slot, char *buf, size_t size);
/* Decodes one encoded slot of a checked view. */
void img_slot_decode(const uint8_t *p, isa_slot *slot);

static inline uint8_t *img_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
    return p + 4;
}

/* Writes a slot as CODE holds it (IMG_SLOT_BYTES): its op, a bit for
 * each negative operand (bit a: operand a), a reserved u16 of zero, and
 * each operand's low 32 bits.  Returns the end. */
static inline uint8_t *img_slot_put(uint8_t *p, uint8_t op, uint8_t negative, const uint32_t arg[5])
{
    _Static_assert(ISA_MAX_ARGS == 5 && IMG_SLOT_BYTES == 24, "a slot encodes five operands in 24 bytes");
    p[0] = op;
    p[1] = negative;
    p[2] = p[3] = 0;
    p += 4;
    for (int a = 0; a < 5; a++)
        p = img_put_le32(p, arg[a]);
    return p;
}

static inline uint32_t img_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
