/* ytree.h — a scenario file as a tree of YAML nodes with their line and column,
 * built with libyaml's event parser. Rejects what a scenario never needs and an
 * attacker might use: huge files, binary data, deep nesting, aliases, tags,
 * several documents, duplicate keys. Knows nothing of the scenario schema. */
#ifndef L2SIM_YTREE_H
#define L2SIM_YTREE_H

#include "sim/util.h"

#define YTREE_MAX_BYTES (4u << 20)   /* 4 MiB: the largest sensible scenario is ~10 KiB */
#define YTREE_MAX_DEPTH 32

enum ynode_kind { YNODE_SCALAR, YNODE_MAP, YNODE_SEQ };

struct ynode {
    enum ynode_kind kind;
    int            line, col;   /* 1-based position of the node's first character */
    char          *text;        /* SCALAR: its value ("" for an empty/null value) */
    bool           quoted;      /* SCALAR: written in quotes */
    size_t         n;           /* MAP: pairs; SEQ: items */
    struct ynode **keys;        /* MAP: key scalars, in file order */
    struct ynode **vals;        /* MAP: values; SEQ: items */
};

/* Parse `len` bytes of `text`; `name` (the file name) prefixes every message as
 * "name:line:col: what is wrong". An empty document yields *root = NULL and 0.
 * Returns 0 or L2_EINPUT. The caller owns *root (ytree_free). */
int  ytree_parse(const char *name, const char *text, size_t len, struct ynode **root,
                 struct err *e);
void ytree_free(struct ynode *n);

/* Read a whole file (at most YTREE_MAX_BYTES); the caller frees *text. */
int  ytree_read_file(const char *path, char **text, size_t *len, struct err *e);

/* "a mapping", "a list", "'text'": how to name a node in a message. buf >= 64 B. */
const char *ytree_describe(const struct ynode *n, char *buf, size_t len);

#endif
