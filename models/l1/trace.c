/* trace.c — the CSV loader behind `l1.demand.trace` (see trace.h for the format).
 *
 * The whole file is read into memory (bounded by L1_TRACE_MAX_BYTES), then walked
 * line by line: each line is first checked to be text (no NUL, no control character,
 * valid UTF-8), then split into fields, then the header located or a row parsed.
 * Parsing stops at the first problem, which is reported with its line. */
#include "models/l1/trace.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "models/l1/fee_market.h"
#include "sim/paths.h"

/* Room for echoing a field or the header back in a message: short, because a
 * scenario may point the trace at any readable file (the header is line 1 of it, and
 * a row is parsed only once the header names the trace's columns). */
enum { ECHO_MAX = 48, HEADER_ECHO_MAX = 48 };

/* ---- reading the file ---- */

/* Read `path` whole into a NUL-terminated buffer (*buf, caller frees). Refuses anything
 * but a regular file before opening it (paths_open_read: a FIFO, /dev/zero or
 * /dev/stdin cannot hang the loader or stream without end) and anything over
 * L1_TRACE_MAX_BYTES, reading at most one byte past it (the file may grow). */
static int read_file(const char *path, char **buf /* OUT */, size_t *len /* OUT */,
                     struct err *e)
{
    *buf = NULL, *len = 0;
    FILE *f;
    if (paths_open_read(path, "trace", &f, e) != 0)
        return L2_EINPUT;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (uint64_t)st.st_size > L1_TRACE_MAX_BYTES) {
        fclose(f);
        return err_set(e, L2_EINPUT, "%s: %llu bytes: a trace may be at most 64 MiB "
                       "(%llu bytes); replay a shorter range of blocks", path,
                       (unsigned long long)st.st_size,
                       (unsigned long long)L1_TRACE_MAX_BYTES);
    }
    int rc = read_bounded(f, L1_TRACE_MAX_BYTES, buf, len);
    int saved = errno;
    fclose(f);
    if (rc < 0)
        return err_set(e, L2_EINPUT, "%s: cannot read the trace: %s", path, strerror(saved));
    if (rc > 0)
        return err_set(e, L2_EINPUT, "%s: more than %llu bytes: a trace may be at most "
                       "64 MiB; replay a shorter range of blocks", path,
                       (unsigned long long)L1_TRACE_MAX_BYTES);
    return 0;
}

/* ---- the parser ---- */

struct field {
    const char *s;      /* content: inside the quotes for a quoted field, trimmed otherwise */
    size_t      n;
};

enum col { COL_GAS_LIMIT, COL_GAS_USED, COL_BLOB_GAS_USED, NCOL };
static const char *const col_name[NCOL] = { "gas_limit", "gas_used", "blob_gas_used" };

struct parser {
    const char   *path;
    struct err   *e;
    size_t        line;            /* 1-based number of the line being parsed */
    struct field *f;               /* fields of the current line */
    size_t        nf, capf;
    size_t        ncols;           /* fields in the header */
    size_t        idx[NCOL];       /* column of each used field; SIZE_MAX if absent */
    struct l1_trace *t;
    size_t        capblocks;
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Report "path:line: message" for the current line. Returns L2_EINPUT. */
static int fail(struct parser *p, const char *fmt, ...)
{
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(p->e, L2_EINPUT, "%s:%zu: %s", p->path, p->line, msg);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if there is none. RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, const unsigned char *end)
{
    unsigned c = s[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;          /* range of the second byte */
    if (c < 0x80)
        return 1;
    else if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if ((size_t)(end - s) < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* The line [s, end) (line ending removed) must be text: a trace that is not, is
 * most likely a binary file given by mistake. */
static int check_text(struct parser *p, const char *s, const char *end)
{
    const unsigned char *u = (const unsigned char *)s, *ue = (const unsigned char *)end;
    for (const unsigned char *c = u; c < ue;) {
        size_t col = (size_t)(c - u) + 1;
        if (*c == '\0')
            return fail(p, "NUL byte at column %zu: a trace must be a CSV text file, "
                        "not binary data", col);
        if (*c == '\r')
            return fail(p, "carriage return at column %zu not followed by a line feed: "
                        "lines must end in LF or CRLF", col);
        if ((*c < 0x20 && *c != '\t') || *c == 0x7F)
            return fail(p, "control character 0x%02x at column %zu: a trace must be a "
                        "CSV text file, not binary data", *c, col);
        size_t n = utf8_len(c, ue);
        if (n == 0)
            return fail(p, "byte 0x%02x at column %zu is not valid UTF-8: a trace must "
                        "be a UTF-8 CSV text file, not binary data", *c, col);
        c += n;
    }
    return 0;
}

static bool is_blank(const char *s, const char *end)
{
    for (; s < end; s++)
        if (*s != ' ' && *s != '\t')
            return false;
    return true;
}

static void push_field(struct parser *p, const char *s, size_t n)
{
    if (p->nf == p->capf) {
        p->capf = p->capf ? 2 * p->capf : 16;
        p->f = xrealloc(p->f, p->capf * sizeof *p->f);
    }
    p->f[p->nf++] = (struct field){ s, n };
}

/* Split the line [s, end) at commas into p->f. A field whose first non-blank
 * character is '"' is quoted: it ends at the next lone '"', and only blanks may
 * follow before the comma. Other fields are taken literally, blanks trimmed. */
static int split(struct parser *p, const char *s, const char *end)
{
    p->nf = 0;
    const char *c = s;
    for (;;) {
        while (c < end && (*c == ' ' || *c == '\t'))
            c++;
        if (c < end && *c == '"') {
            const char *q = c + 1;
            for (;;) {
                if (q >= end)
                    return fail(p, "field %zu: quoted field has no closing quote "
                                "(a field cannot span lines)", p->nf + 1);
                if (*q == '"') {
                    if (q + 1 < end && q[1] == '"') {
                        q += 2;
                        continue;
                    }
                    break;
                }
                q++;
            }
            push_field(p, c + 1, (size_t)(q - (c + 1)));
            c = q + 1;
            while (c < end && (*c == ' ' || *c == '\t'))
                c++;
            if (c < end && *c != ',')
                return fail(p, "field %zu: text after the closing quote", p->nf);
        } else {
            const char *f = c;
            while (c < end && *c != ',')
                c++;
            const char *fe = c;
            while (fe > f && (fe[-1] == ' ' || fe[-1] == '\t'))
                fe--;
            push_field(p, f, (size_t)(fe - f));
        }
        if (c >= end)
            return 0;
        c++;                                /* the comma; a field always follows */
    }
}

/* Echo a field into buf for a message: at most ECHO_MAX bytes, cut at a character
 * boundary, "..." when cut. The line was checked to be UTF-8 text. */
static const char *echo(const struct field *f, char buf[ECHO_MAX + 4])
{
    size_t n = f->n;
    if (n > ECHO_MAX) {
        n = ECHO_MAX;
        while (n > 0 && ((unsigned char)f->s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(buf, f->s, n);
    strcpy(buf + n, f->n > n ? "..." : "");
    return buf;
}

/* Lower-case letters and digits only: "gasUsed", "GAS_USED", "gas-used" -> "gasused". */
static bool loose_equal(const struct field *f, const char *name)
{
    const char *s = f->s, *e = f->s + f->n;
    for (;;) {
        while (s < e && !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                          (*s >= '0' && *s <= '9')))
            s++;
        while (*name == '_')
            name++;
        if (s == e || !*name)
            return s == e && !*name;
        char c = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
        if (c != *name)
            return false;
        s++, name++;
    }
}

static bool field_is(const struct field *f, const char *name)
{
    return f->n == strlen(name) && memcmp(f->s, name, f->n) == 0;
}

/* The header's columns as "a, b, c" (tabs shown as \t, empty names as (empty)),
 * cut with "..." to fit cap (>= 16) bytes, for messages. */
static void header_list(const struct parser *p, char *out, size_t cap)
{
    size_t k = 0;
    bool cut = false;
    for (size_t i = 0; i < p->nf && !cut; i++) {
        const char *s = p->f[i].n ? p->f[i].s : "(empty)";
        size_t n = p->f[i].n ? p->f[i].n : strlen("(empty)");
        if (i > 0) {
            if (k + 2 + 4 > cap) {
                cut = true;
                break;
            }
            out[k++] = ',', out[k++] = ' ';
        }
        for (size_t j = 0; j < n; j++) {
            size_t need = s[j] == '\t' ? 2 : 1;
            if (k + need + 4 > cap) {           /* keep room for "...\0" */
                while (j > 0 && ((unsigned char)s[j] & 0xC0) == 0x80)
                    j--, k--;                   /* do not cut a character in two */
                cut = true;
                break;
            }
            if (s[j] == '\t')
                out[k++] = '\\', out[k++] = 't';
            else
                out[k++] = s[j];
        }
    }
    if (cut)
        memcpy(out + k, "...", 3), k += 3;
    out[k] = '\0';
}

/* Append "'name' to 'col'" renames for every missing column the header spells another
 * way (JSON-RPC's gasUsed, GAS_USED, gas-used). Returns how many were found. */
static int renames(const struct parser *p, char *out, size_t cap)
{
    int found = 0;
    size_t k = strlen(out);
    for (int c = 0; c < NCOL; c++)
        for (size_t i = 0; i < p->nf && p->idx[c] == SIZE_MAX; i++)
            if (loose_equal(&p->f[i], col_name[c]) && k < cap) {
                char b[ECHO_MAX + 4];
                k += (size_t)snprintf(out + k, cap - k, "%s'%s' to '%s'", found ? ", " : "",
                                      echo(&p->f[i], b), col_name[c]);
                found++;
                break;
            }
    return found;
}

static int parse_header(struct parser *p)
{
    for (int c = 0; c < NCOL; c++)
        p->idx[c] = SIZE_MAX;
    for (size_t i = 0; i < p->nf; i++)
        for (int c = 0; c < NCOL; c++)
            if (field_is(&p->f[i], col_name[c])) {
                if (p->idx[c] != SIZE_MAX)
                    return fail(p, "column '%s' appears twice (columns %zu and %zu)",
                                col_name[c], p->idx[c] + 1, i + 1);
                p->idx[c] = i;
            }
    p->ncols = p->nf;

    char cols[HEADER_ECHO_MAX], hint[320] = "";
    header_list(p, cols, sizeof cols);
    if (p->idx[COL_GAS_LIMIT] == SIZE_MAX || p->idx[COL_GAS_USED] == SIZE_MAX) {
        char missing[64];
        if (p->idx[COL_GAS_LIMIT] == SIZE_MAX && p->idx[COL_GAS_USED] == SIZE_MAX)
            snprintf(missing, sizeof missing, "columns 'gas_limit' and 'gas_used'");
        else
            snprintf(missing, sizeof missing, "column '%s'",
                     col_name[p->idx[COL_GAS_LIMIT] == SIZE_MAX ? COL_GAS_LIMIT : COL_GAS_USED]);
        /* the likely causes: another spelling, another separator */
        strcpy(hint, "; rename ");
        if (renames(p, hint, sizeof hint) == 0) {
            hint[0] = '\0';
            if (p->nf == 1 && (memchr(p->f[0].s, ';', p->f[0].n) ||
                               memchr(p->f[0].s, '\t', p->f[0].n)))
                strcpy(hint, "; fields must be separated by commas");
            else if (p->nf == 1)   /* no CSV at all (/etc/passwd?): echo none of it */
                return fail(p, "missing %s (the first line has no comma: not a CSV header, "
                            "not shown)", missing);
        }
        return fail(p, "missing %s (the header has: %s)%s", missing, cols, hint);
    }
    /* blob_gas_used is optional, so a misspelt one would silently replay as no blobs */
    if (p->idx[COL_BLOB_GAS_USED] == SIZE_MAX && renames(p, hint, sizeof hint) > 0)
        return fail(p, "no column 'blob_gas_used' (the header has: %s); rename %s, or "
                    "every block would replay with no blobs", cols, hint);
    return 0;
}

/* "-" then decimal digits, not all zero. */
static bool is_negative(const char *s, const char *e)
{
    bool nonzero = false;
    if (e - s < 2 || s[0] != '-')
        return false;
    for (const char *q = s + 1; q < e; q++) {
        if (*q < '0' || *q > '9')
            return false;
        nonzero |= *q != '0';
    }
    return nonzero;
}

/* Parse a used field: decimal or 0x-hex digits, nothing else (blanks were trimmed). */
static int parse_u64(struct parser *p, int c, const struct field *f, uint64_t *out)
{
    char b[ECHO_MAX + 4];
    const char *s = f->s, *e = f->s + f->n;
    if (s == e)
        return fail(p, "%s is empty", col_name[c]);
    bool hex = e - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    bool any = false, big = false;
    uint64_t v = 0;
    for (const char *q = s + (hex ? 2 : 0); q < e; q++) {
        unsigned d;
        if (*q >= '0' && *q <= '9')
            d = (unsigned)(*q - '0');
        else if (hex && *q >= 'a' && *q <= 'f')
            d = (unsigned)(*q - 'a' + 10);
        else if (hex && *q >= 'A' && *q <= 'F')
            d = (unsigned)(*q - 'A' + 10);
        else {
            if (is_negative(s, e))
                return fail(p, "%s '%s' is negative", col_name[c], echo(f, b));
            return fail(p, "%s '%s' is not a non-negative integer (decimal, or hex "
                        "with 0x)", col_name[c], echo(f, b));
        }
        any = true;
        unsigned base = hex ? 16 : 10;
        if (v > (UINT64_MAX - d) / base)
            big = true;
        else
            v = v * base + d;
    }
    if (!any)
        return fail(p, "%s '%s' is not a non-negative integer (decimal, or hex with 0x)",
                    col_name[c], echo(f, b));
    if (big)
        return fail(p, "%s '%s' does not fit in 64 bits", col_name[c], echo(f, b));
    *out = v;
    return 0;
}

static int parse_row(struct parser *p)
{
    if (p->nf != p->ncols)
        return fail(p, "%zu field%s, but the header has %zu", p->nf, p->nf == 1 ? "" : "s",
                    p->ncols);
    struct l1_trace_block b = { 0, 0, 0 };
    uint64_t *dst[NCOL] = { &b.gas_limit, &b.gas_used, &b.blob_gas_used };
    for (int c = 0; c < NCOL; c++)
        if (p->idx[c] != SIZE_MAX && parse_u64(p, c, &p->f[p->idx[c]], dst[c]) != 0)
            return L2_EINPUT;
    if (b.gas_limit == 0)
        return fail(p, "gas_limit is 0: a block needs a positive gas limit");
    if (b.gas_limit > INT64_MAX)
        return fail(p, "gas_limit %llu is above 2^63-1, the largest gas limit "
                    "(EIP-1985)", (unsigned long long)b.gas_limit);
    if (b.gas_used > b.gas_limit)
        return fail(p, "gas_used %llu exceeds gas_limit %llu", (unsigned long long)b.gas_used,
                    (unsigned long long)b.gas_limit);
    if (b.blob_gas_used > INT64_MAX)
        return fail(p, "blob_gas_used %llu is above 2^63-1", (unsigned long long)b.blob_gas_used);
    if (b.blob_gas_used % FM_GAS_PER_BLOB != 0)
        return fail(p, "blob_gas_used %llu is not a multiple of %llu (GAS_PER_BLOB, "
                    "EIP-4844)", (unsigned long long)b.blob_gas_used,
                    (unsigned long long)FM_GAS_PER_BLOB);

    struct l1_trace *t = p->t;
    if (t->n == p->capblocks) {
        p->capblocks = p->capblocks ? 2 * p->capblocks : 256;
        t->blocks = xrealloc(t->blocks, p->capblocks * sizeof *t->blocks);
    }
    t->blocks[t->n++] = b;
    return 0;
}

/* Walk the buffer [buf, buf + len) line by line into p->t. */
static int parse(struct parser *p, const char *buf, size_t len)
{
    const char *c = buf, *end = buf + len;
    if (len >= 3 && memcmp(c, "\xEF\xBB\xBF", 3) == 0)
        c += 3;                                     /* UTF-8 byte order mark */
    p->line = 1;
    if (c == end)
        return fail(p, "empty file: a trace starts with a header line, such as "
                    "'block,gas_limit,gas_used,blob_gas_used'");
    size_t blank = 0;                               /* first blank line since a row */
    for (; c < end; p->line++) {
        const char *nl = memchr(c, '\n', (size_t)(end - c));
        const char *le = nl ? nl : end, *next = nl ? nl + 1 : end;
        if (le > c && le[-1] == '\r')
            le--;
        if (check_text(p, c, le) != 0)
            return L2_EINPUT;
        if (p->line == 1) {
            if (is_blank(c, le))
                return fail(p, "the first line must be the header, such as "
                            "'block,gas_limit,gas_used,blob_gas_used'; it is blank");
            if (split(p, c, le) != 0 || parse_header(p) != 0)
                return L2_EINPUT;
        } else if (is_blank(c, le)) {
            if (!blank)
                blank = p->line;
        } else {
            if (blank) {
                p->line = blank;
                return fail(p, "blank line between rows: row i of a trace is simulated "
                            "block i, so no row may be left out");
            }
            if (split(p, c, le) != 0 || parse_row(p) != 0)
                return L2_EINPUT;
        }
        c = next;
    }
    if (p->t->n == 0) {
        p->line = 1;
        return fail(p, "no blocks: the trace has a header but no rows");
    }
    p->t->has_blob_gas_used = p->idx[COL_BLOB_GAS_USED] != SIZE_MAX;
    return 0;
}

int l1_trace_load(const char *path, struct l1_trace **out, struct err *e)
{
    *out = NULL;
    char *buf;
    size_t len;
    if (read_file(path, &buf, &len, e) != 0)
        return L2_EINPUT;
    struct l1_trace *t = xcalloc(1, sizeof *t);
    t->path = xstrdup(path);
    struct parser p = { .path = path, .e = e, .t = t };
    int rc = parse(&p, buf, len);
    free(p.f);
    free(buf);
    if (rc != 0) {
        l1_trace_free(t);
        return L2_EINPUT;
    }
    if (t->n < p.capblocks)
        t->blocks = xrealloc(t->blocks, t->n * sizeof *t->blocks);
    *out = t;
    return 0;
}

void l1_trace_free(struct l1_trace *t)
{
    if (!t)
        return;
    free(t->blocks);
    free(t->path);
    free(t);
}

size_t l1_trace_line(const struct l1_trace *t, size_t i)
{
    SIM_ASSERT(i < t->n);
    return i + 2;
}

int l1_trace_check(const struct l1_trace *t, uint64_t blocks_needed,
                   uint64_t max_blob_gas_per_block, uint64_t elasticity, struct err *e)
{
    SIM_ASSERT(t && elasticity > 0);
    if (t->n < blocks_needed)
        return err_set(e, L2_EINPUT, "%s: %zu block%s, but the run needs %llu (one per "
                       "slot of the duration): shorten the duration or extend the trace",
                       t->path, t->n, t->n == 1 ? "" : "s", (unsigned long long)blocks_needed);
    for (size_t i = 0; i < t->n; i++) {
        const struct l1_trace_block *b = &t->blocks[i];
        if (b->blob_gas_used > max_blob_gas_per_block)
            return err_set(e, L2_EINPUT, "%s:%zu: blob_gas_used %llu (%llu blob%s) is above "
                           "the block maximum of %llu blob%s under the scenario's blob "
                           "schedule", t->path, l1_trace_line(t, i),
                           (unsigned long long)b->blob_gas_used,
                           (unsigned long long)(b->blob_gas_used / FM_GAS_PER_BLOB),
                           b->blob_gas_used == FM_GAS_PER_BLOB ? "" : "s",
                           (unsigned long long)(max_blob_gas_per_block / FM_GAS_PER_BLOB),
                           max_blob_gas_per_block == FM_GAS_PER_BLOB ? "" : "s");
        if (b->gas_limit / elasticity == 0)
            return err_set(e, L2_EINPUT, "%s:%zu: gas_limit %llu gives a gas target of 0 "
                           "(gas_limit / elasticity %llu): EIP-1559 needs a positive target",
                           t->path, l1_trace_line(t, i), (unsigned long long)b->gas_limit,
                           (unsigned long long)elasticity);
    }
    return 0;
}
