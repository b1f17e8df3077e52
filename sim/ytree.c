/* ytree.c — libyaml events to a node tree (see ytree.h). Iterative, with an
 * explicit stack, so nesting depth is bounded by YTREE_MAX_DEPTH, not the C stack. */
#include "sim/ytree.h"

#include "sim/paths.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

void ytree_free(struct ynode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        if (n->keys)
            ytree_free(n->keys[i]);
        ytree_free(n->vals[i]);
    }
    free(n->keys);
    free(n->vals);
    free(n->text);
    free(n);
}

static struct ynode *node_new(enum ynode_kind kind, yaml_mark_t m)
{
    struct ynode *n = xcalloc(1, sizeof *n);
    n->kind = kind;
    n->line = (int)m.line + 1;
    n->col = (int)m.column + 1;
    return n;
}

/* Append child (and key for maps) to parent. Amortised O(1). */
static void node_add(struct ynode *p, struct ynode *key, struct ynode *val)
{
    if ((p->n & (p->n - 1)) == 0) {           /* grow at powers of two */
        size_t cap = p->n ? p->n * 2 : 4;
        p->vals = xrealloc(p->vals, cap * sizeof *p->vals);
        if (p->kind == YNODE_MAP)
            p->keys = xrealloc(p->keys, cap * sizeof *p->keys);
    }
    if (p->kind == YNODE_MAP)
        p->keys[p->n] = key;
    p->vals[p->n++] = val;
}

/* The 1-based line and column of byte offset `off` in text. */
static void position(const char *text, size_t off, int *line, int *col)
{
    *line = 1, *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n')
            (*line)++, *col = 1;
        else
            (*col)++;
    }
}

/* libyaml's messages are terse; translate the ones users meet most. */
static int syntax_error(const char *name, const char *text, size_t len,
                        const yaml_parser_t *p, struct err *e)
{
    yaml_mark_t m = p->problem_mark;
    size_t off = m.index < len ? m.index : len;
    /* a tab in the indentation of the offending line is the usual culprit */
    size_t bol = off;
    while (bol > 0 && text[bol - 1] != '\n')
        bol--;
    for (size_t i = bol; i < len && (text[i] == ' ' || text[i] == '\t'); i++) {
        if (text[i] == '\t') {
            int line, col;
            position(text, i, &line, &col);
            return err_set(e, L2_EINPUT, "%s:%d:%d: tab character in indentation "
                           "(YAML indents with spaces only)", name, line, col);
        }
    }
    const char *what = p->problem ? p->problem : "syntax error";
    if (p->context)
        return err_set(e, L2_EINPUT, "%s:%d:%d: YAML syntax error: %s %s (line %d)", name,
                       (int)m.line + 1, (int)m.column + 1, what, p->context,
                       (int)p->context_mark.line + 1);
    return err_set(e, L2_EINPUT, "%s:%d:%d: YAML syntax error: %s", name, (int)m.line + 1,
                   (int)m.column + 1, what);
}

const char *ytree_describe(const struct ynode *n, char *buf, size_t len)
{
    switch (n->kind) {
    case YNODE_MAP: return "a mapping";
    case YNODE_SEQ: return "a list";
    case YNODE_SCALAR:
        if (!n->quoted && n->text[0] == '\0')
            return "an empty value";
        snprintf(buf, len, "'%.40s%s'", n->text, strlen(n->text) > 40 ? "..." : "");
        return buf;
    }
    return "?";
}

/* The keys of one open mapping, hashed, so the duplicate check is O(1) per key and a
 * scenario of half a million keys is read in linear time. Open addressing over key
 * nodes (borrowed: the mapping or the pending slot owns them). */
struct keyset {
    const struct ynode **slot;
    size_t               cap, n;     /* cap a power of two; n < cap / 2 */
};

static uint64_t key_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;         /* FNV-1a, 64 bits */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The earlier key equal to k, or NULL after adding k. Amortised O(1). */
static const struct ynode *keyset_add(struct keyset *ks, const struct ynode *k)
{
    if (2 * (ks->n + 1) > ks->cap) {
        size_t cap = ks->cap ? 2 * ks->cap : 16;
        const struct ynode **slot = xcalloc(cap, sizeof *slot);
        for (size_t i = 0; i < ks->cap; i++)
            if (ks->slot[i]) {
                size_t j = key_hash(ks->slot[i]->text) & (cap - 1);
                while (slot[j])
                    j = (j + 1) & (cap - 1);
                slot[j] = ks->slot[i];
            }
        free(ks->slot);
        ks->slot = slot, ks->cap = cap;
    }
    size_t j = key_hash(k->text) & (ks->cap - 1);
    for (; ks->slot[j]; j = (j + 1) & (ks->cap - 1))
        if (strcmp(ks->slot[j]->text, k->text) == 0)
            return ks->slot[j];
    ks->slot[j] = k;
    ks->n++;
    return NULL;
}

static void keyset_clear(struct keyset *ks)
{
    free(ks->slot);
    memset(ks, 0, sizeof *ks);
}

int ytree_parse(const char *name, const char *text, size_t len, struct ynode **root,
                struct err *e)
{
    *root = NULL;
    if (len > YTREE_MAX_BYTES)
        return err_set(e, L2_EINPUT, "%s: file is %zu bytes; a scenario may be at most "
                       "%u bytes (4 MiB)", name, len, YTREE_MAX_BYTES);
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        int line, col;
        position(text, (size_t)(nul - text), &line, &col);
        return err_set(e, L2_EINPUT, "%s:%d:%d: NUL byte: this is not a text file", name,
                       line, col);
    }

    /* libyaml reports bad UTF-8 where its reader buffer starts (often 1:1): find the
     * byte ourselves, line and column (in characters, as libyaml counts) */
    {
        int line = 1, col = 1;
        for (size_t i = 0; i < len;) {
            size_t n = utf8_seq_len(text + i, len - i);
            if (n == 0)
                return err_set(e, L2_EINPUT, "%s:%d:%d: invalid UTF-8 (byte 0x%02x): a "
                               "scenario is UTF-8 text", name, line, col,
                               (unsigned char)text[i]);
            if (text[i] == '\n')
                line++, col = 1;
            else
                col++;
            i += n;
        }
    }

    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        sim_panic("libyaml: cannot initialise parser");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);

    struct ynode *stack[YTREE_MAX_DEPTH + 1];
    struct ynode *pending_key[YTREE_MAX_DEPTH + 1];
    struct keyset keys[YTREE_MAX_DEPTH + 1];
    memset(keys, 0, sizeof keys);
    int depth = 0, docs = 0, rc = 0;
    struct ynode *top = NULL;
    bool done = false;

    while (!done && rc == 0) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = syntax_error(name, text, len, &p, e);
            break;
        }
        yaml_mark_t m = ev.start_mark;
        int line = (int)m.line + 1, col = (int)m.column + 1;
        struct ynode *n = NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                rc = err_set(e, L2_EINPUT, "%s:%d:%d: a second YAML document ('---'); a "
                             "scenario is one document", name, line, col);
            break;
        case YAML_ALIAS_EVENT:
            rc = err_set(e, L2_EINPUT, "%s:%d:%d: YAML aliases (*%s) are not supported in "
                         "scenarios; write the value out", name, line, col,
                         (const char *)ev.data.alias.anchor);
            break;
        case YAML_SCALAR_EVENT:
            if (ev.data.scalar.tag && !ev.data.scalar.quoted_implicit &&
                !ev.data.scalar.plain_implicit) {
                rc = err_set(e, L2_EINPUT, "%s:%d:%d: YAML tags (%s) are not supported in "
                             "scenarios", name, line, col, (const char *)ev.data.scalar.tag);
                break;
            }
            n = node_new(YNODE_SCALAR, m);
            n->text = xstrndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
            if (strlen(n->text) != ev.data.scalar.length) {
                ytree_free(n);
                n = NULL;
                rc = err_set(e, L2_EINPUT, "%s:%d:%d: value contains a NUL character", name,
                             line, col);
                break;
            }
            n->quoted = ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
            break;
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT: {
            const yaml_char_t *tag = ev.type == YAML_MAPPING_START_EVENT
                ? ev.data.mapping_start.tag : ev.data.sequence_start.tag;
            int implicit = ev.type == YAML_MAPPING_START_EVENT
                ? ev.data.mapping_start.implicit : ev.data.sequence_start.implicit;
            if (tag && !implicit) {
                rc = err_set(e, L2_EINPUT, "%s:%d:%d: YAML tags (%s) are not supported in "
                             "scenarios", name, line, col, (const char *)tag);
                break;
            }
            if (depth == YTREE_MAX_DEPTH) {
                rc = err_set(e, L2_EINPUT, "%s:%d:%d: nesting deeper than %d levels", name,
                             line, col, YTREE_MAX_DEPTH);
                break;
            }
            n = node_new(ev.type == YAML_MAPPING_START_EVENT ? YNODE_MAP : YNODE_SEQ, m);
            break;
        }
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            n = stack[--depth];           /* completed: attach below as a value */
            keyset_clear(&keys[depth]);
            break;
        default:
            break;
        }
        if (rc == 0 && n && ev.type != YAML_MAPPING_END_EVENT &&
            ev.type != YAML_SEQUENCE_END_EVENT && n->kind != YNODE_SCALAR) {
            stack[depth] = n;             /* open a container */
            pending_key[depth] = NULL;
            depth++;
            n = NULL;
        }
        if (rc == 0 && n) {               /* a finished node: attach it to its parent */
            if (depth == 0) {
                top = n;
            } else {
                struct ynode *parent = stack[depth - 1];
                if (parent->kind == YNODE_SEQ) {
                    node_add(parent, NULL, n);
                } else if (!pending_key[depth - 1]) {
                    if (n->kind != YNODE_SCALAR) {
                        rc = err_set(e, L2_EINPUT, "%s:%d:%d: a mapping key must be a "
                                     "plain name, not %s", name, n->line, n->col,
                                     n->kind == YNODE_MAP ? "a mapping" : "a list");
                        ytree_free(n);
                    } else {
                        const struct ynode *dup = keyset_add(&keys[depth - 1], n);
                        if (dup) {
                            rc = err_set(e, L2_EINPUT, "%s:%d:%d: duplicate key '%s' "
                                         "(first given at line %d)", name, n->line, n->col,
                                         n->text, dup->line);
                            ytree_free(n);
                        } else {
                            pending_key[depth - 1] = n;
                        }
                    }
                } else {
                    node_add(parent, pending_key[depth - 1], n);
                    pending_key[depth - 1] = NULL;
                }
            }
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    for (int d = 0; d <= YTREE_MAX_DEPTH; d++)
        keyset_clear(&keys[d]);

    if (rc != 0) {            /* free whatever was built; open containers own their children */
        for (int d = depth - 1; d >= 0; d--) {
            ytree_free(pending_key[d]);
            if (d == 0)
                ytree_free(stack[0]);
        }
        /* containers above 0 are not yet attached to their parents */
        for (int d = 1; d < depth; d++)
            ytree_free(stack[d]);
        ytree_free(top);
        return rc;
    }
    *root = top;
    return 0;
}

int ytree_read_file(const char *path, char **text, size_t *len, struct err *e)
{
    *text = NULL, *len = 0;
    /* a FIFO, a directory or a device (/dev/zero) is refused before an open that
     * could block or a read that would not end */
    FILE *f;
    if (paths_open_read(path, "scenario", &f, e) != 0)
        return L2_EINPUT;
    int rc = read_bounded(f, YTREE_MAX_BYTES, text, len);
    fclose(f);
    if (rc < 0)
        return err_set(e, L2_EINPUT, "%s: read error", path);
    if (rc > 0)
        return err_set(e, L2_EINPUT, "%s: file is larger than %u bytes (4 MiB), the limit "
                       "for a scenario", path, YTREE_MAX_BYTES);
    return 0;
}
