/*
 * link: joins relocatable objects into one executable image.
 *
 * Places code in command-line order (a module that claims the entry goes
 * first), lays out scratch (fixed-address symbols first, then the rest,
 * first fit in command-line module order, then declaration order),
 * resolves relocations and re-checks every relocated slot, and carries
 * symbols (with final values; externs dropped) and line maps into the
 * image.  docs/objects.md states the rules and every error.
 */
#ifndef VLIW_LINK_H
#define VLIW_LINK_H

#include <stdio.h>

#include "diag.h"
#include "image.h"

typedef struct {
    const vimage *object;   /* an IMG_OBJECT */
    const char *name;       /* its file name, for messages and the map */
} lnk_input;

typedef struct {
    FILE *map;              /* when not NULL, the link map is written here on success */
    int strip;              /* leave out symbols and the line map (like ld -s): the image
                               then holds only what the text form can say, so
                               vdis | vasm --strip gives it back byte for byte */
} lnk_options;

/* Returns the executable image, or NULL when an error was reported
 * through d (every problem found is reported; nothing is written to
 * opt->map then).  The inputs are not modified; the same inputs give a
 * byte-identical image. */
vimage *lnk_link(const lnk_input *inputs, size_t ninputs, const lnk_options *opt, diag *d);

/* The same for one object the caller gives up: its code, line maps and
 * slots become the image's rather than being copied (a one-file build
 * then holds its code once), and it is left without code, to be freed
 * with img_free.  The image is byte for byte lnk_link's. */
vimage *lnk_link_taking(vimage *object, const char *name, const lnk_options *opt, diag *d);

#endif
