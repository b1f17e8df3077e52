/* scenario.c — schema-driven validation of a scenario's YAML tree, defaults,
 * --set overrides and typed getters (see scenario.h). Every message carries the
 * file, line and column of the offending text. */
#include "sim/scenario.h"
#include "sim/ytree.h"

#include <ctype.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum origin { FROM_DEFAULT, FROM_FILE, FROM_SET, FROM_PRESET };

struct mark {
    char *path;
    int   line, col;
};

/* Open addressing on a path: slot[j] holds 1 + the position of an entry in its owner's
 * array (values, list items' marks), 0 when empty; at most half full. */
struct path_index {
    size_t *slot;
    size_t  cap;              /* a power of two, or 0 before the first entry */
};

struct value {
    char                   *path;   /* instance path: "l1.slot", "schemes[1].da" */
    const struct scn_param *p;
    char                   *text;   /* as written (or the default's text) */
    char                   *resolved; /* SCN_PATH: the path relative to the cwd */
    int                     line, col;
    enum origin             origin;
    union {
        int64_t          i;
        uint64_t         u;
        double           d;
        bool             b;
        u128             amount;
        struct unit_rate rate;
    } v;
};

struct scn {
    const struct scn_schema *schema;
    char         *file;
    char         *dir;        /* the scenario's directory, with trailing '/', or "" */
    char         *text;
    size_t        len;
    uint8_t       sha256[32];
    struct value *vals;
    size_t        n, cap;
    struct path_index vindex; /* path -> vals */
    int           root_line, root_col;
    struct mark  *marks;      /* where each list item starts, for messages */
    size_t        nmarks;
    struct path_index mindex; /* path -> marks */
    char        **rejected;   /* paths given a value (file or --set) that was refused:
                               * defaults and "missing required" never speak for them */
    size_t        nrejected;
    char         *overrides;
    struct err   *e;          /* while loading */
    const char   *set_arg;    /* while applying one --set: the argument, for messages */
};

/* ---- schema lookup ---- */

static const struct scn_param *param_find(const struct scn_schema *sc, const char *path)
{
    for (size_t i = 0; i < sc->n; i++)
        if (strcmp(sc->params[i].path, path) == 0)
            return &sc->params[i];
    return NULL;
}

/* True when some parameter lies below `prefix` (so `prefix` names a section). */
static bool is_section(const struct scn_schema *sc, const char *prefix)
{
    size_t len = strlen(prefix);
    for (size_t i = 0; i < sc->n; i++)
        if (strncmp(sc->params[i].path, prefix, len) == 0 && sc->params[i].path[len] == '.')
            return true;
    return false;
}

static char *join(const char *prefix, const char *key)
{
    return prefix[0] ? xasprintf("%s.%s", prefix, key) : xstrdup(key);
}

/* ---- messages ---- */

static const char *type_example(enum scn_type t)
{
    switch (t) {
    case SCN_STR:      return "text";
    case SCN_ENUM:     return "one of the listed words";
    case SCN_BOOL:     return "true or false";
    case SCN_INT:      return "an integer, e.g. 42";
    case SCN_UINT:     return "a non-negative integer, e.g. 42";
    case SCN_REAL:     return "a number, e.g. 1.5";
    case SCN_FRACTION: return "a fraction, e.g. 5% or 0.05";
    case SCN_DURATION: return "a duration, e.g. 12s, 250ms, 7d";
    case SCN_GAS:      return "an amount of gas, e.g. 21000 or 30M";
    case SCN_AMOUNT:   return "an amount of ether, e.g. 10gwei or 0.5eth";
    case SCN_RATE:     return "a rate, e.g. 20/s or 180/block";
    case SCN_PATH:     return "a file path";
    case SCN_LIST:     return "a list";
    }
    return "?";
}

const char *scn_type_name(enum scn_type t)
{
    static const char *names[] = { "string", "enum", "bool", "int", "uint", "real",
                                   "fraction", "duration", "gas", "amount", "rate",
                                   "path", "list" };
    return (unsigned)t < ARRAY_LEN(names) ? names[t] : "?";
}

/* Report a problem at a file position, or at the --set argument being applied. */
__attribute__((format(printf, 4, 5)))
static int fail_at(struct scn *s, int line, int col, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (s->set_arg)
        return err_set(s->e, L2_EINPUT, "--set %s: %s", s->set_arg, msg);
    if (line > 0)
        return err_set(s->e, L2_EINPUT, "%s:%d:%d: %s", s->file, line, col, msg);
    return err_set(s->e, L2_EINPUT, "%s: %s", s->file, msg);
}

/* Optimal string alignment distance (Damerau-Levenshtein with adjacent swaps),
 * case-insensitive. O(|a||b|); names are short. */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    int d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

/* A set of candidate words and the closest one to a misspelling. */
struct words {
    const char *list[256];
    size_t      n;
};

static void words_add(struct words *w, const char *word, size_t len)
{
    static char store[256][64];   /* per-call scratch is enough: used right away */
    if (len >= 64 || w->n == ARRAY_LEN(w->list))
        return;
    for (size_t i = 0; i < w->n; i++)
        if (strlen(w->list[i]) == len && strncmp(w->list[i], word, len) == 0)
            return;
    memcpy(store[w->n], word, len);
    store[w->n][len] = '\0';
    w->list[w->n] = store[w->n];
    w->n++;
}

static const char *words_closest(const struct words *w, const char *typo)
{
    const char *best = NULL;
    int bestd = INT_MAX;
    int limit = (int)strlen(typo) / 4 + 1;
    if (limit > 3)
        limit = 3;
    for (size_t i = 0; i < w->n; i++) {
        int d = edit_distance(typo, w->list[i]);
        if (d < bestd)
            bestd = d, best = w->list[i];
    }
    return bestd <= limit ? best : NULL;
}

/* The keys allowed directly below `prefix` (one or two generic prefixes). */
static void child_words(const struct scn_schema *sc, const char *prefix, struct words *w)
{
    size_t len = strlen(prefix);
    for (size_t i = 0; i < sc->n; i++) {
        const char *p = sc->params[i].path;
        if (len && (strncmp(p, prefix, len) != 0 || p[len] != '.'))
            continue;
        const char *k = len ? p + len + 1 : p;
        size_t kl = strcspn(k, ".[");
        words_add(w, k, kl);
    }
}

static void words_join(const struct words *w, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < w->n; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", i ? ", " : "", w->list[i]);
    }
}

/* ---- values ---- */

static uint64_t fnv1a(const char *p)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
    return h;
}

/* The path of entry i of the index's owner. */
typedef const char *(*path_at_fn)(const struct scn *s, size_t i);

static const char *value_path(const struct scn *s, size_t i) { return s->vals[i].path; }
static const char *mark_path(const struct scn *s, size_t i) { return s->marks[i].path; }

/* Put entry i at the first free slot of path's probe sequence (room is the caller's). */
static void pi_put(struct path_index *x, const char *path, size_t i)
{
    size_t j = fnv1a(path) & (x->cap - 1);
    while (x->slot[j])
        j = (j + 1) & (x->cap - 1);
    x->slot[j] = i + 1;
}

/* Index the n entries of s (named by at) afresh, in a table at most half full. O(n). */
static void pi_rebuild(struct path_index *x, const struct scn *s, size_t n, path_at_fn at)
{
    size_t cap = 64;
    while (cap < 2 * n + 2)
        cap *= 2;
    free(x->slot);
    x->slot = xcalloc(cap, sizeof *x->slot);
    x->cap = cap;
    for (size_t i = 0; i < n; i++)
        pi_put(x, at(s, i), i);
}

/* Index entry n - 1, just appended (the entries now number n): O(1) amortised (the
 * table doubles when half full). */
static void pi_add(struct path_index *x, const struct scn *s, size_t n, path_at_fn at)
{
    if (2 * n + 2 > x->cap)
        pi_rebuild(x, s, n, at);
    else
        pi_put(x, at(s, n - 1), n - 1);
}

/* 1 + the position of the first entry (in the owner's order) at path, or 0. O(1)
 * expected. */
static size_t pi_find(const struct path_index *x, const struct scn *s, const char *path,
                      path_at_fn at)
{
    size_t first = 0;
    if (!x->cap)
        return 0;
    for (size_t j = fnv1a(path) & (x->cap - 1); x->slot[j]; j = (j + 1) & (x->cap - 1))
        if ((!first || x->slot[j] < first) && strcmp(at(s, x->slot[j] - 1), path) == 0)
            first = x->slot[j];
    return first;
}

/* The value at instance path, or NULL. O(1) expected. */
static struct value *value_find(const struct scn *s, const char *path)
{
    size_t i = pi_find(&s->vindex, s, path, value_path);
    return i ? &s->vals[i - 1] : NULL;
}

static int cmp_value_path(const void *a, const void *b)
{
    return strcmp(((const struct value *)a)->path, ((const struct value *)b)->path);
}

/* Where list item `path` starts. Hashed like the values: a list of n items asks for
 * each item's mark once, and a linear search made loading a long list (24,000 spikes)
 * quadratic. */
static void mark_add(struct scn *s, const char *path, int line, int col)
{
    if ((s->nmarks & (s->nmarks - 1)) == 0)
        s->marks = xrealloc(s->marks, (s->nmarks ? 2 * s->nmarks : 4) * sizeof *s->marks);
    s->marks[s->nmarks++] = (struct mark){ xstrdup(path), line, col };
    pi_add(&s->mindex, s, s->nmarks, mark_path);
}

/* The first mark at path (marks are added in document order), or NULL. */
static const struct mark *mark_find(const struct scn *s, const char *path)
{
    size_t i = pi_find(&s->mindex, s, path, mark_path);
    return i ? &s->marks[i - 1] : NULL;
}

/* Note that the value given for path was refused, unless one is in force (a --set
 * refused over the file's accepted value). Few: one per problem reported. */
static void rejected_add(struct scn *s, const char *path)
{
    if (value_find(s, path))
        return;
    if ((s->nrejected & (s->nrejected - 1)) == 0)
        s->rejected = xrealloc(s->rejected, (s->nrejected ? 2 * s->nrejected : 4) *
                               sizeof *s->rejected);
    s->rejected[s->nrejected++] = xstrdup(path);
}

static bool rejected_has(const struct scn *s, const char *path)
{
    for (size_t i = 0; i < s->nrejected; i++)
        if (strcmp(s->rejected[i], path) == 0)
            return true;
    return false;
}

/* Parse `text` as parameter p's type into out; on failure write why. */
static int parse_typed(const struct scn_param *p, const char *text, struct value *out,
                       char why[UNIT_WHY_MAX])
{
    switch (p->type) {
    case SCN_STR:
    case SCN_PATH:
        return 0;
    case SCN_ENUM: {
        size_t tl = strlen(text);
        for (const char *c = p->choices; c && *c;) {
            size_t cl = strcspn(c, "|");
            if (cl == tl && strncmp(c, text, cl) == 0)
                return 0;
            c += cl + (c[cl] == '|');
        }
        struct words w = { .n = 0 };
        for (const char *c = p->choices; c && *c;) {
            size_t cl = strcspn(c, "|");
            words_add(&w, c, cl);
            c += cl + (c[cl] == '|');
        }
        const char *near = words_closest(&w, text);
        char all[512];
        words_join(&w, all, sizeof all);
        if (near)
            snprintf(why, UNIT_WHY_MAX, "'%.40s' is not one of %.300s (did you mean '%.60s'?)",
                     text, all, near);
        else
            snprintf(why, UNIT_WHY_MAX, "'%.40s' is not one of %.400s", text, all);
        return L2_EINPUT;
    }
    case SCN_BOOL:     return unit_bool(text, &out->v.b, why);
    case SCN_INT:      return unit_int(text, &out->v.i, why);
    case SCN_UINT:     return unit_uint(text, &out->v.u, why);
    case SCN_REAL:     return unit_real(text, &out->v.d, why);
    case SCN_FRACTION: return unit_fraction(text, &out->v.d, why);
    case SCN_DURATION: return unit_duration(text, &out->v.i, why);
    case SCN_GAS:      return unit_gas(text, &out->v.i, why);
    case SCN_AMOUNT:   return unit_amount(text, &out->v.amount, why);
    case SCN_RATE:     return unit_rate(text, &out->v.rate, why);
    case SCN_LIST:     return 0;   /* the count is set by the caller */
    }
    snprintf(why, UNIT_WHY_MAX, "unknown parameter type");
    return L2_EINPUT;
}

/* Rates compare by events per microsecond; per-block and per-time rates do not
 * compare (bounds on rates are written in the unit the parameter expects). */
static int cmp_typed(enum scn_type t, const struct value *a, const struct value *b)
{
    switch (t) {
    case SCN_INT: case SCN_DURATION: case SCN_GAS:
        return (a->v.i > b->v.i) - (a->v.i < b->v.i);
    case SCN_UINT:
        return (a->v.u > b->v.u) - (a->v.u < b->v.u);
    case SCN_REAL: case SCN_FRACTION:
        return (a->v.d > b->v.d) - (a->v.d < b->v.d);
    case SCN_AMOUNT:
        return (a->v.amount > b->v.amount) - (a->v.amount < b->v.amount);
    case SCN_RATE: {
        double x = a->v.rate.count / (a->v.rate.per_block ? 1.0 : (double)a->v.rate.per);
        double y = b->v.rate.count / (b->v.rate.per_block ? 1.0 : (double)b->v.rate.per);
        return (x > y) - (x < y);
    }
    default:
        return 0;
    }
}

/* Validate `text` for parameter p and record it at instance path `path`: the value
 * recorded (valid until the next set_value, which may move s->vals), or NULL when text
 * was refused (reported). */
static struct value *set_value(struct scn *s, const struct scn_param *p, const char *path,
                               const char *text, int line, int col, enum origin origin)
{
    struct value v = { .p = p, .line = line, .col = col, .origin = origin };
    char why[UNIT_WHY_MAX] = "";
    if (text[0] == '\0') {
        fail_at(s, line, col, "%s: missing value (expected %s)", path, type_example(p->type));
        return NULL;
    }
    if (parse_typed(p, text, &v, why) != 0) {
        fail_at(s, line, col, "%s: %s", path, why);
        return NULL;
    }
    if (p->min || p->max) {
        struct value bound = { .p = p };
        char bwhy[UNIT_WHY_MAX];
        if (p->min && parse_typed(p, p->min, &bound, bwhy) == 0 &&
            cmp_typed(p->type, &v, &bound) < 0) {
            fail_at(s, line, col, "%s: %s is below the minimum %s", path, text, p->min);
            return NULL;
        }
        if (p->max && parse_typed(p, p->max, &bound, bwhy) == 0 &&
            cmp_typed(p->type, &v, &bound) > 0) {
            fail_at(s, line, col, "%s: %s is above the maximum %s", path, text, p->max);
            return NULL;
        }
    }
    struct value *old = value_find(s, path);
    if (!old) {
        if (s->n == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 64;
            s->vals = xrealloc(s->vals, s->cap * sizeof *s->vals);
        }
        old = &s->vals[s->n++];
        old->path = xstrdup(path);
        pi_add(&s->vindex, s, s->n, value_path);
    } else {
        free(old->text);
        free(old->resolved);
    }
    char *keep = old->path;
    *old = v;
    old->path = keep;
    old->text = xstrdup(text);
    old->resolved = NULL;
    if (p->type == SCN_PATH)
        old->resolved = text[0] == '/' ? xstrdup(text) : xasprintf("%s%s", s->dir, text);
    return old;
}

/* ---- walking the tree ---- */

static void walk_map(struct scn *s, const struct ynode *map, const char *g1, const char *g2,
                     const char *inst);

static const struct ynode *map_get(const struct ynode *map, const char *key)
{
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i]->text, key) == 0)
            return map->vals[i];
    return NULL;
}

/* A list parameter: each item a mapping, discriminated by 'type' when the schema
 * has "list[].type". Records "list" = count and the items' keys as "list[i].key". */
static void walk_list(struct scn *s, const struct scn_param *p, const struct ynode *seq,
                      const char *inst)
{
    char buf[64];
    if (seq->kind != YNODE_SEQ) {
        fail_at(s, seq->line, seq->col, "%s: expected a list of mappings, got %s", inst,
                ytree_describe(seq, buf, sizeof buf));
        return;
    }
    char *g1 = xasprintf("%s[]", p->path);
    char *typekey = xasprintf("%s[].type", p->path);
    const struct scn_param *tp = param_find(s->schema, typekey);
    for (size_t i = 0; i < seq->n; i++) {
        const struct ynode *item = seq->vals[i];
        char *ii = xasprintf("%s[%zu]", inst, i);
        mark_add(s, ii, item->line, item->col);
        if (item->kind != YNODE_MAP) {
            fail_at(s, item->line, item->col, "%s: each item must be a mapping "
                    "(key: value), got %s", ii, ytree_describe(item, buf, sizeof buf));
            free(ii);
            continue;
        }
        char *g2 = NULL;
        if (tp) {
            const struct ynode *t = map_get(item, "type");
            if (!t) {
                fail_at(s, item->line, item->col, "%s: missing 'type' (one of %s)", ii,
                        tp->choices);
                free(ii);
                continue;
            }
            if (t->kind != YNODE_SCALAR || (t->text[0] == '\0' && !t->quoted)) {
                fail_at(s, t->line, t->col, "%s.type: expected one of %s, got %s", ii,
                        tp->choices, ytree_describe(t, buf, sizeof buf));
                free(ii);
                continue;
            }
            char why[UNIT_WHY_MAX];
            struct value tmp;
            if (parse_typed(tp, t->text, &tmp, why) != 0) {
                fail_at(s, t->line, t->col, "%s.type: %s", ii, why);
                free(ii);
                continue;
            }
            g2 = xasprintf("%s[%s]", p->path, t->text);
        }
        walk_map(s, item, g1, g2, ii);
        free(g2);
        free(ii);
    }
    free(typekey);
    free(g1);
    struct value *cnt = value_find(s, inst);
    if (!cnt)
        cnt = set_value(s, p, inst, "list", seq->line, seq->col, FROM_FILE);
    if (cnt)
        cnt->v.u = seq->n;
}

/* A SCN_SEQ value written as a list of scalars: recorded as their texts joined by
 * ", " (items may not themselves contain a comma). */
static void set_seq(struct scn *s, const struct scn_param *p, const char *inst,
                    const struct ynode *seq)
{
    char buf[64];
    size_t len = 1;
    for (size_t i = 0; i < seq->n; i++) {
        const struct ynode *it = seq->vals[i];
        if (it->kind != YNODE_SCALAR || (it->text[0] == '\0' && !it->quoted)) {
            fail_at(s, it->line, it->col, "%s[%zu]: expected a value, got %s", inst, i,
                    ytree_describe(it, buf, sizeof buf));
            return;
        }
        if (strchr(it->text, ',')) {
            fail_at(s, it->line, it->col, "%s[%zu]: '%s' contains a comma, which separates "
                    "values here", inst, i, it->text);
            return;
        }
        len += strlen(it->text) + 2;
    }
    if (seq->n == 0) {
        fail_at(s, seq->line, seq->col, "%s: empty list", inst);
        return;
    }
    char *joined = xmalloc(len);
    joined[0] = '\0';
    for (size_t i = 0; i < seq->n; i++) {
        if (i)
            strcat(joined, ", ");
        strcat(joined, seq->vals[i]->text);
    }
    set_value(s, p, inst, joined, seq->line, seq->col, FROM_FILE);
    free(joined);
}

/* Validate the keys of one mapping. g1 (and, for typed list items, g2) are the generic
 * prefixes its keys are looked up under; inst is the instance prefix values get. */
static void walk_map(struct scn *s, const struct ynode *map, const char *g1, const char *g2,
                     const char *inst)
{
    char buf[64];
    for (size_t i = 0; i < map->n; i++) {
        const struct ynode *k = map->keys[i], *v = map->vals[i];
        char *p1 = join(g1, k->text), *p2 = g2 ? join(g2, k->text) : NULL;
        char *ip = join(inst, k->text);
        const struct scn_param *p = param_find(s->schema, p1);
        if (!p && p2)
            p = param_find(s->schema, p2);
        if (p && p->type == SCN_LIST) {
            walk_list(s, p, v, ip);
        } else if (p && v->kind == YNODE_SEQ && (p->flags & SCN_SEQ)) {
            set_seq(s, p, ip, v);
            rejected_add(s, ip);
        } else if (p) {
            if (v->kind != YNODE_SCALAR)
                fail_at(s, v->line, v->col, "%s: expected %s, got %s", ip,
                        type_example(p->type), ytree_describe(v, buf, sizeof buf));
            else if (v->text[0] == '\0' && !v->quoted)
                fail_at(s, k->line, k->col, "%s: missing value (expected %s)", ip,
                        type_example(p->type));
            else
                set_value(s, p, ip, v->text, v->line, v->col, FROM_FILE);
            rejected_add(s, ip);
        } else if (is_section(s->schema, p1) || (p2 && is_section(s->schema, p2))) {
            if (v->kind != YNODE_MAP)
                fail_at(s, v->line, v->col, "%s: is a section; expected a mapping of its "
                        "keys, got %s", ip, ytree_describe(v, buf, sizeof buf));
            else
                walk_map(s, v, p1, p2, ip);
        } else if (s->e->count >= 64) {
            /* past what a reader reads (and the message buffer holds), no suggestions:
             * each costs a pass over the schema, and a hostile file has 500,000 keys */
            fail_at(s, k->line, k->col, "unknown key '%.64s'", k->text);
        } else {
            struct words w = { .n = 0 };
            child_words(s->schema, g1, &w);
            if (g2)
                child_words(s->schema, g2, &w);
            const char *near = words_closest(&w, k->text);
            char where[160] = "";
            if (inst[0])
                snprintf(where, sizeof where, " in '%s'", inst);
            if (near) {
                fail_at(s, k->line, k->col, "unknown key '%s'%s (did you mean '%s'?)",
                        k->text, where, near);
            } else {
                char all[1024];
                words_join(&w, all, sizeof all);
                fail_at(s, k->line, k->col, "unknown key '%s'%s; valid keys: %s", k->text,
                        where, all);
            }
        }
        free(p1), free(p2), free(ip);
    }
}

/* ---- defaults ---- */

/* Fill every scalar parameter under generic prefix g (with, for list items, the
 * instance prefix inst replacing it) that was not given. */
static void fill_defaults(struct scn *s, const char *g, const char *inst, int line, int col)
{
    size_t gl = strlen(g);
    for (size_t i = 0; i < s->schema->n; i++) {
        const struct scn_param *p = &s->schema->params[i];
        const char *rest;
        if (gl == 0) {
            if (strchr(p->path, '['))
                continue;                     /* list item keys: per item below */
            rest = p->path;
        } else {
            if (strncmp(p->path, g, gl) != 0 || p->path[gl] != '.')
                continue;
            rest = p->path + gl + 1;
        }
        char *ip = join(inst, rest);
        if (!value_find(s, ip) && !rejected_has(s, ip)) {
            if (p->flags & SCN_REQUIRED)
                fail_at(s, line, col, "%s: missing required key '%s'",
                        inst[0] ? inst : "scenario", rest);
            else if (p->type == SCN_LIST) {
                struct value *cnt = set_value(s, p, ip, "list", 0, 0, FROM_DEFAULT);
                if (cnt)
                    cnt->v.u = 0;
            } else if (!(p->flags & SCN_OPTIONAL) && p->def)
                set_value(s, p, ip, p->def, 0, 0, FROM_DEFAULT);
        }
        free(ip);
    }
}

static void fill_list_defaults(struct scn *s)
{
    for (size_t i = 0; i < s->schema->n; i++) {
        const struct scn_param *p = &s->schema->params[i];
        if (p->type != SCN_LIST)
            continue;
        struct value *cnt = value_find(s, p->path);
        size_t n = cnt ? cnt->v.u : 0;
        char *namekey = xasprintf("%s[].name", p->path);
        char *typekey = xasprintf("%s[].type", p->path);
        const struct scn_param *namep = param_find(s->schema, namekey);
        bool typed = param_find(s->schema, typekey) != NULL;
        char *g1 = xasprintf("%s[]", p->path);
        for (size_t k = 0; k < n; k++) {
            char *inst = xasprintf("%s[%zu]", p->path, k);
            char *tpath = xasprintf("%s.type", inst);
            /* copies: set_value below may move s->vals and every pointer into it */
            const struct value *tv = value_find(s, tpath);
            char *type = tv ? xstrdup(tv->text) : NULL;
            int tline = tv ? tv->line : 0, tcol = tv ? tv->col : 0;
            const struct mark *m = mark_find(s, inst);
            int line = m ? m->line : 0, col = m ? m->col : 0;
            if (typed && !type) {      /* its missing or invalid type was reported */
                free(tpath), free(inst);
                continue;
            }
            /* an item's name defaults to its type (and points there in messages), so
             * results and --set can say schemes[l1] */
            if (namep && type) {
                char *npath = xasprintf("%s.name", inst);
                if (!value_find(s, npath) && !rejected_has(s, npath)) {
                    struct value *nv = set_value(s, namep, npath, type, 0, 0, FROM_DEFAULT);
                    if (nv)
                        nv->line = tline, nv->col = tcol;
                }
                free(npath);
            }
            fill_defaults(s, g1, inst, line, col);
            if (type) {
                char *g2 = xasprintf("%s[%s]", p->path, type);
                fill_defaults(s, g2, inst, line, col);
                free(g2);
            }
            free(type);
            free(tpath), free(inst);
        }
        free(g1), free(namekey), free(typekey);
    }
}

/* A problem with a value, located by where the value came from. */
__attribute__((format(printf, 3, 4)))
static void fail_value(struct scn *s, const struct value *v, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (v->origin == FROM_SET)
        err_set(s->e, L2_EINPUT, "--set %s=%s: %s", v->path, v->text, msg);
    else
        fail_at(s, v->line, v->col, "%s", msg);
}

static int cmp_value_text(const void *a, const void *b)
{
    const struct value *x = *(const struct value *const *)a, *y = *(const struct value *const *)b;
    int c = strcmp(x->text, y->text);
    return c ? c : strcmp(x->path, y->path);
}

/* Item names must be unique (they name results and --set targets). Checked after
 * the overrides, which may rename. O(n log n). */
static void check_unique_names(struct scn *s)
{
    for (size_t i = 0; i < s->schema->n; i++) {
        const struct scn_param *p = &s->schema->params[i];
        char *namekey = xasprintf("%s[].name", p->path);
        bool named = p->type == SCN_LIST && param_find(s->schema, namekey);
        free(namekey);
        struct value *cnt = named ? value_find(s, p->path) : NULL;
        if (!cnt || cnt->v.u < 2)
            continue;
        struct value **v = xcalloc(cnt->v.u, sizeof *v);
        size_t n = 0;
        for (size_t k = 0; k < cnt->v.u; k++) {
            char *np = xasprintf("%s[%zu].name", p->path, k);
            if ((v[n] = value_find(s, np)))
                n++;
            free(np);
        }
        qsort(v, n, sizeof *v, cmp_value_text);
        for (size_t k = 1; k < n; k++)
            if (strcmp(v[k - 1]->text, v[k]->text) == 0) {
                const struct value *later = strcmp(v[k - 1]->path, v[k]->path) < 0 ? v[k] : v[k - 1];
                fail_value(s, later, "%s: two items named '%s'; give each a distinct 'name'",
                           p->path, v[k]->text);
            }
        free(v);
    }
}

/* ---- --set ---- */

struct setarg {
    char *path;    /* canonical instance path */
    const char *arg;
    const char *value;
};

/* Turn "schemes[oru].da" into "schemes[2].da" and find its parameter. */
static int resolve_set_path(struct scn *s, const char *raw, char **canon,
                            const struct scn_param **param)
{
    *canon = NULL, *param = NULL;
    const char *lb = strchr(raw, '[');
    char *inst, *g1 = NULL, *g2 = NULL;
    if (!lb) {
        inst = xstrdup(raw);
        g1 = xstrdup(raw);
    } else {
        const char *rb = strchr(lb, ']');
        if (!rb || rb[1] != '.' || strchr(rb + 1, '['))
            return fail_at(s, 0, 0, "'%s' is not a parameter path (expected e.g. "
                           "schemes[0].name or schemes[l1].name)", raw);
        char *list = xstrndup(raw, (size_t)(lb - raw));
        char *sel = xstrndup(lb + 1, (size_t)(rb - lb - 1));
        struct value *cnt = value_find(s, list);
        if (!cnt || cnt->p->type != SCN_LIST) {
            free(list), free(sel);
            return fail_at(s, 0, 0, "'%s' is not a list in this scenario", raw);
        }
        size_t idx = SIZE_MAX;
        if (sel[0] && strspn(sel, "0123456789") == strlen(sel)) {
            idx = (size_t)strtoull(sel, NULL, 10);
        } else {
            for (size_t k = 0; k < cnt->v.u; k++) {
                char *np = xasprintf("%s[%zu].name", list, k);
                struct value *nv = value_find(s, np);
                free(np);
                if (nv && strcmp(nv->text, sel) == 0)
                    idx = k;
            }
        }
        if (idx >= cnt->v.u) {
            /* name the items there are, so a typo is easy to see */
            char names[512] = "";
            size_t o = 0;
            for (size_t k = 0; k < cnt->v.u && o + 8 < sizeof names; k++) {
                char *np = xasprintf("%s[%zu].name", list, k);
                struct value *nv = value_find(s, np);
                free(np);
                int w = snprintf(names + o, sizeof names - o, "%s%s", k ? ", " : "",
                                 nv ? nv->text : "?");
                o += w > 0 && (size_t)w < sizeof names - o ? (size_t)w : sizeof names - o - 1;
            }
            int rc = fail_at(s, 0, 0, "the scenario has no item '%s' in '%s'; its %llu "
                             "item%s: %s (by name or index 0..%llu)", sel, list,
                             (unsigned long long)cnt->v.u, cnt->v.u == 1 ? "" : "s",
                             cnt->v.u ? names : "none", (unsigned long long)(cnt->v.u ? cnt->v.u - 1 : 0));
            free(list), free(sel);
            return rc;
        }
        inst = xasprintf("%s[%zu]%s", list, idx, rb + 1);
        g1 = xasprintf("%s[]%s", list, rb + 1);
        char *tp = xasprintf("%s[%zu].type", list, idx);
        struct value *tv = value_find(s, tp);
        if (tv)
            g2 = xasprintf("%s[%s]%s", list, tv->text, rb + 1);
        free(tp), free(list), free(sel);
    }
    const struct scn_param *p = param_find(s->schema, g1);
    if (!p && g2)
        p = param_find(s->schema, g2);
    int rc = 0;
    if (!p) {
        if (is_section(s->schema, g1) || (g2 && is_section(s->schema, g2))) {
            rc = fail_at(s, 0, 0, "'%s' is a section; set one of its keys", raw);
        } else {
            struct words w = { .n = 0 };
            for (size_t i = 0; i < s->schema->n; i++)
                if (!strchr(s->schema->params[i].path, '['))
                    words_add(&w, s->schema->params[i].path, strlen(s->schema->params[i].path));
            const char *near = words_closest(&w, g1);
            if (near)
                rc = fail_at(s, 0, 0, "unknown parameter '%s' (did you mean '%s'?)", raw, near);
            else
                rc = fail_at(s, 0, 0, "unknown parameter '%s' (see `l2sim list`)", raw);
        }
    } else if (p->type == SCN_LIST) {
        rc = fail_at(s, 0, 0, "'%s' is a list; --set changes one value at a time "
                     "(e.g. %s[0].KEY=VALUE)", raw, raw);
    }
    if (rc == 0) {
        *canon = inst;
        *param = p;
    } else {
        free(inst);
    }
    free(g1), free(g2);
    return rc;
}

static int cmp_setarg(const void *a, const void *b)
{
    return strcmp(((const struct setarg *)a)->path, ((const struct setarg *)b)->path);
}

static void apply_sets(struct scn *s, const char *const *sets, size_t nset)
{
    struct setarg *sa = xcalloc(nset ? nset : 1, sizeof *sa);
    size_t ok = 0;
    for (size_t i = 0; i < nset; i++) {
        const char *eq = strchr(sets[i], '=');
        s->set_arg = sets[i];
        if (!eq || eq == sets[i]) {
            fail_at(s, 0, 0, "expected PATH=VALUE, e.g. --set l1.slot=12s");
            continue;
        }
        char *raw = xstrndup(sets[i], (size_t)(eq - sets[i]));
        const struct scn_param *p;
        char *canon;
        if (resolve_set_path(s, raw, &canon, &p) == 0) {
            sa[ok].path = canon;
            sa[ok].arg = sets[i];
            sa[ok].value = eq + 1;
            ok++;
        }
        free(raw);
    }
    /* canonical order: the result cannot depend on the order on the command line */
    qsort(sa, ok, sizeof *sa, cmp_setarg);
    size_t olen = 1;
    for (size_t i = 0; i < ok; i++)
        olen += strlen(sa[i].path) + strlen(sa[i].value) + 2;
    s->overrides = xmalloc(olen);
    s->overrides[0] = '\0';
    for (size_t i = 0; i < ok; i++) {
        s->set_arg = sa[i].arg;
        if (i > 0 && strcmp(sa[i].path, sa[i - 1].path) == 0) {
            fail_at(s, 0, 0, "'%s' is set twice on the command line", sa[i].path);
            continue;
        }
        const struct scn_param *p = NULL;
        char *canon = NULL;
        resolve_set_path(s, sa[i].path, &canon, &p);
        free(canon);
        if (p && !set_value(s, p, sa[i].path, sa[i].value, 0, 0, FROM_SET))
            rejected_add(s, sa[i].path);
        else if (p) {
            strcat(s->overrides, sa[i].path);
            strcat(s->overrides, "=");
            strcat(s->overrides, sa[i].value);
            strcat(s->overrides, "\n");
        }
    }
    s->set_arg = NULL;
    for (size_t i = 0; i < ok; i++)
        free(sa[i].path);
    free(sa);
}

/* ---- loading ---- */

void scn_free(struct scn *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->vals[i].path);
        free(s->vals[i].text);
        free(s->vals[i].resolved);
    }
    free(s->vals);
    free(s->vindex.slot);
    for (size_t i = 0; i < s->nmarks; i++)
        free(s->marks[i].path);
    free(s->marks);
    free(s->mindex.slot);
    for (size_t i = 0; i < s->nrejected; i++)
        free(s->rejected[i]);
    free(s->rejected);
    free(s->file);
    free(s->dir);
    free(s->text);
    free(s->overrides);
    free(s);
}

int scn_load_text(const struct scn_schema *schema, const char *name, const char *text,
                  size_t len, const char *const *sets, size_t nset, struct scn **out,
                  struct err *e)
{
    *out = NULL;
    struct scn *s = xcalloc(1, sizeof *s);
    s->schema = schema;
    s->file = xstrdup(name);
    s->dir = path_dir(name);
    s->text = xstrndup(text, len);
    s->len = len;
    s->e = e;
    crypto_hash_sha256(s->sha256, (const unsigned char *)text, len);
    int before = e->count;

    struct ynode *root = NULL;
    if (ytree_parse(name, text, len, &root, e) != 0)
        goto fail;
    if (!root) {
        fail_at(s, 1, 1, "empty scenario: expected a mapping of settings (name:, "
                "duration:, l1:, schemes:, ...)");
        goto fail;
    }
    if (root->kind != YNODE_MAP) {
        char buf[64];
        fail_at(s, root->line, root->col, "a scenario is a mapping of settings "
                "(key: value), not %s", ytree_describe(root, buf, sizeof buf));
        goto fail;
    }
    s->root_line = root->line, s->root_col = root->col;
    walk_map(s, root, "", NULL, "");
    fill_defaults(s, "", "", root->line, root->col);
    fill_list_defaults(s);
    if (e->count == before)
        apply_sets(s, sets, nset);
    if (e->count == before)
        check_unique_names(s);
    if (e->count == before && schema->complete)
        schema->complete(s);
    if (e->count != before)
        goto fail;
    qsort(s->vals, s->n, sizeof *s->vals, cmp_value_path);   /* for scn_dump */
    pi_rebuild(&s->vindex, s, s->n, value_path);
    s->e = NULL;
    ytree_free(root);
    *out = s;
    return 0;
fail:
    ytree_free(root);
    scn_free(s);
    return L2_EINPUT;
}

int scn_load_file(const struct scn_schema *schema, const char *path,
                  const char *const *sets, size_t nset, struct scn **out, struct err *e)
{
    char *text;
    size_t len;
    *out = NULL;
    if (ytree_read_file(path, &text, &len, e) != 0)
        return L2_EINPUT;
    int rc = scn_load_text(schema, path, text, len, sets, nset, out, e);
    free(text);
    return rc;
}

int scn_schema_check(const struct scn_schema *sc, struct err *e)
{
    int before = e->count;
    for (size_t i = 0; i < sc->n; i++) {
        const struct scn_param *p = &sc->params[i];
        struct value v = { .p = p };
        char why[UNIT_WHY_MAX];
        const char *lb = strchr(p->path, '[');
        if (lb && strchr(lb + 1, '['))
            err_set(e, L2_EINPUT, "schema: %s: lists inside list items are not supported",
                    p->path);
        if (!p->doc || !p->doc[0])
            err_set(e, L2_EINPUT, "schema: %s: no doc line", p->path);
        if (param_find(sc, p->path) != p)
            err_set(e, L2_EINPUT, "schema: %s: declared twice", p->path);
        if (p->type == SCN_ENUM && !p->choices)
            err_set(e, L2_EINPUT, "schema: %s: enum without choices", p->path);
        const char *texts[3] = { p->def, p->min, p->max };
        for (int k = 0; k < 3; k++)
            if (texts[k] && p->type != SCN_LIST && parse_typed(p, texts[k], &v, why) != 0)
                err_set(e, L2_EINPUT, "schema: %s: '%s' does not parse: %s", p->path,
                        texts[k], why);
        if (p->def && p->type != SCN_LIST && (p->min || p->max)) {
            struct value d = { .p = p }, b = { .p = p };
            if (parse_typed(p, p->def, &d, why) == 0) {
                if (p->min && parse_typed(p, p->min, &b, why) == 0 && cmp_typed(p->type, &d, &b) < 0)
                    err_set(e, L2_EINPUT, "schema: %s: default below minimum", p->path);
                if (p->max && parse_typed(p, p->max, &b, why) == 0 && cmp_typed(p->type, &d, &b) > 0)
                    err_set(e, L2_EINPUT, "schema: %s: default above maximum", p->path);
            }
        }
    }
    return e->count == before ? 0 : L2_EINPUT;
}

/* ---- getters ---- */

__attribute__((format(printf, 6, 0)))
static const struct value *get(const struct scn *s, enum scn_type want1, enum scn_type want2,
                               enum scn_type want3, bool may_lack, const char *fmt,
                               va_list ap)
{
    char path[512];
    vsnprintf(path, sizeof path, fmt, ap);
    const struct value *v = value_find(s, path);
    if (!v) {
        if (may_lack)
            return NULL;
        sim_panic("scenario has no value for '%s' (not in the schema, or optional: "
                  "test scn_has first)", path);
    }
    if (v->p->type != want1 && v->p->type != want2 && v->p->type != want3)
        sim_panic("scenario value '%s' is a %s, asked for as a %s", path,
                  scn_type_name(v->p->type), scn_type_name(want1));
    return v;
}

#define GETTER(rtype, name, t1, t2, t3, expr)                                \
    rtype name(const struct scn *s, const char *fmt, ...)                    \
    {                                                                         \
        va_list ap;                                                           \
        va_start(ap, fmt);                                                    \
        const struct value *v = get(s, t1, t2, t3, false, fmt, ap);          \
        va_end(ap);                                                           \
        return expr;                                                          \
    }

GETTER(int64_t, scn_int, SCN_INT, SCN_DURATION, SCN_GAS, v->v.i)
GETTER(uint64_t, scn_uint, SCN_UINT, SCN_UINT, SCN_UINT, v->v.u)
GETTER(double, scn_real, SCN_REAL, SCN_FRACTION, SCN_FRACTION, v->v.d)
GETTER(bool, scn_bool, SCN_BOOL, SCN_BOOL, SCN_BOOL, v->v.b)
GETTER(u128, scn_amount, SCN_AMOUNT, SCN_AMOUNT, SCN_AMOUNT, v->v.amount)
GETTER(struct unit_rate, scn_rate, SCN_RATE, SCN_RATE, SCN_RATE, v->v.rate)
GETTER(size_t, scn_count, SCN_LIST, SCN_LIST, SCN_LIST, (size_t)v->v.u)

const char *scn_str(const struct scn *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const struct value *v = get(s, SCN_STR, SCN_ENUM, SCN_PATH, true, fmt, ap);
    va_end(ap);
    if (!v)
        return NULL;
    return v->resolved ? v->resolved : v->text;
}

bool scn_has(const struct scn *s, const char *fmt, ...)
{
    char path[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    return value_find(s, path) != NULL;
}

int scn_error_at(const struct scn *s, struct err *e, const char *path, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const struct value *v = value_find(s, path);
    if (v && v->origin == FROM_FILE)
        return err_set(e, L2_EINPUT, "%s:%d:%d: %s: %s", s->file, v->line, v->col, path, msg);
    if (v && v->origin == FROM_SET)
        return err_set(e, L2_EINPUT, "--set %s=%s: %s", path, v->text, msg);
    if (v && v->line > 0)         /* a default that takes its position from a neighbour */
        return err_set(e, L2_EINPUT, "%s:%d:%d: %s: %s", s->file, v->line, v->col, path, msg);
    return err_set(e, L2_EINPUT, "%s:%d:%d: %s: %s", s->file, s->root_line, s->root_col,
                   path, msg);
}

void scn_put_preset(struct scn *s, const char *path, const char *text)
{
    const struct scn_param *p = param_find(s->schema, path);   /* not list items */
    if (p && !value_find(s, path))
        set_value(s, p, path, text, 0, 0, FROM_PRESET);
}

const char *scn_origin(const struct scn *s, const char *path)
{
    const struct value *v = value_find(s, path);
    if (!v)
        return NULL;
    return v->origin == FROM_FILE ? "scenario" : v->origin == FROM_SET ? "--set"
         : v->origin == FROM_PRESET ? "preset" : "default";
}

const char *scn_file(const struct scn *s) { return s->file; }

const char *scn_text(const struct scn *s, size_t *len)
{
    if (len)
        *len = s->len;
    return s->text;
}

const uint8_t *scn_sha256(const struct scn *s) { return s->sha256; }

void scn_sha256_hex(const struct scn *s, char hex[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", s->sha256[i]);
}

const char *scn_overrides(const struct scn *s) { return s->overrides ? s->overrides : ""; }

char *scn_dump(const struct scn *s)
{
    size_t cap = 256, len = 0;
    char *out = xmalloc(cap);
    out[0] = '\0';
    for (size_t i = 0; i < s->n; i++) {
        const struct value *v = &s->vals[i];
        /* a line of any length: a fixed buffer cut a long description and glued the
         * next parameter (duration) onto it */
        const char *origin = scn_origin(s, v->path);
        char *line = v->p->type == SCN_LIST
            ? xasprintf("%s = [%llu items]  # %s\n", v->path, (unsigned long long)v->v.u, origin)
            : xasprintf("%s = %s  # %s\n", v->path, v->text, origin);
        size_t ll = strlen(line);
        while (len + ll + 1 > cap)
            cap *= 2, out = xrealloc(out, cap);
        memcpy(out + len, line, ll + 1);
        len += ll;
        free(line);
    }
    return out;
}
