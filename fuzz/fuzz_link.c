/*
 * fuzz_link: the object reader and the linker.  The input is up to four
 * objects separated by the 8 bytes "#NEXTOBJ"; each has its header's size
 * and CRC fixed first (fuzz_fix_header), decodes or not, and those that
 * are objects are linked together, the map written.
 */
#define _GNU_SOURCE   /* memmem */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "image.h"
#include "link.h"

#define SEP "#NEXTOBJ"
#define MAX_OBJECTS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lnk_input in[MAX_OBJECTS];
    vimage *objs[MAX_OBJECTS];
    static const char *const names[MAX_OBJECTS] = {"a.vo", "b.vo", "c.vo", "d.vo"};
    size_t n = 0;
    const uint8_t *p = data, *end = data + size;
    while (n < MAX_OBJECTS && p <= end) {
        const uint8_t *sep = memmem(p, (size_t)(end - p), SEP, 8);
        size_t len = (size_t)((sep ? sep : end) - p);
        uint8_t *bytes = fuzz_fix_header(p, len);
        img_status st;
        vimage *o = img_decode(bytes, len, &st);
        free(bytes);
        if (o && o->type == IMG_OBJECT) {
            objs[n] = o;
            in[n] = (lnk_input){o, names[n]};
            n++;
        } else {
            img_free(o);
        }
        if (!sep)
            break;
        p = sep + 8;
    }
    if (n) {
        diag *d = diag_new(fuzz_sink(), "vld");
        lnk_options opt = {0};
        opt.map = fuzz_sink();
        vimage *exe = lnk_link(in, n, &opt, d);
        if (exe) {
            uint8_t *bytes;
            size_t len;
            if (img_encode(exe, &bytes, &len) == 0)
                free(bytes);
            img_free(exe);
        }
        diag_free(d);
    }
    for (size_t i = 0; i < n; i++)
        img_free(objs[i]);
    return 0;
}
