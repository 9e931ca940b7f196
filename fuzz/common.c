/* fuzz: the harnesses' shared helpers (fuzz.h). */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "xalloc.h"

FILE *fuzz_sink(void)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    if (!sink)
        abort();
    return sink;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

uint8_t *fuzz_fix_header(const uint8_t *data, size_t size)
{
    uint8_t *copy = xmalloc(size ? size : 1);
    memcpy(copy, data, size);
    if (size < 32 || size > UINT32_MAX || getenv("VLIW_FUZZ_KEEP_CRC"))
        return copy;
    put32(copy + 8, (uint32_t)size);
    put32(copy + 12, 0);
    put32(copy + 12, img_crc32(copy, size));
    return copy;
}
