/* util.c — allocation, error collection and panics shared by every module. */
#include "sim/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void err_init(struct err *e)
{
    e->code = 0;
    e->count = 0;
    e->msg[0] = '\0';
}

int err_set(struct err *e, int code, const char *fmt, ...)
{
    size_t used = strlen(e->msg);
    if (e->code == 0)
        e->code = code;
    e->count++;
    if (used + 2 < sizeof e->msg) {
        if (used > 0)
            e->msg[used++] = '\n', e->msg[used] = '\0';
        /* messages quote files (a scenario's name, a key, a database's table): their
         * control characters and bad UTF-8 are escaped here, once for every message,
         * so none reaches a terminal raw */
        char raw[ERR_MSG_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(raw, sizeof raw, fmt, ap);
        va_end(ap);
        char *shown = text_escape(raw, 0);
        snprintf(e->msg + used, sizeof e->msg - used, "%s", shown);
        free(shown);
    }
    return code;
}

static _Noreturn void oom(size_t n)
{
    fprintf(stderr, "l2sim: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

void *xgrow_zeroed(void *p, size_t *cap, size_t i, size_t size)
{
    if (i < *cap)
        return p;
    size_t c = *cap ? *cap : 64;
    while (c <= i) {
        if (c > SIZE_MAX / 2)
            oom(SIZE_MAX);
        c *= 2;
    }
    if (size && c > SIZE_MAX / size)
        oom(SIZE_MAX);
    unsigned char *q = xrealloc(p, c * size);
    memset(q + *cap * size, 0, (c - *cap) * size);
    *cap = c;
    return q;
}

char *xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = xmalloc(len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

int read_bounded(FILE *f, size_t max, char **buf, size_t *len)
{
    *buf = NULL, *len = 0;
    size_t cap = 8192, n = 0;
    char *b = xmalloc(cap + 1);
    for (;;) {
        if (n == cap) {
            if (cap > max)
                break;
            cap *= 2;
            b = xrealloc(b, cap + 1);
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f) || n > max) {
        int bad = ferror(f);
        free(b);
        return bad ? -1 : 1;
    }
    b[n] = '\0';
    *buf = b, *len = n;
    return 0;
}

char *path_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? xstrndup(path, (size_t)(slash - path) + 1) : xstrdup("");
}

char *path_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? xstrndup(path, (size_t)(slash - path) + (slash == path)) : xstrdup(".");
}

void str_printf_cut(char *dst, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, n, fmt, ap);
    va_end(ap);
}

char *xasprintf(const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        sim_panic("vsnprintf failed for format '%s'", fmt);
    if ((size_t)n < sizeof small)
        return xstrdup(small);
    char *s = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static sim_panic_hook panic_hook;
static void *panic_ctx;

void sim_set_panic_hook(sim_panic_hook hook, void *ctx)
{
    panic_hook = hook;
    panic_ctx = ctx;
}

void sim_panic_at(const char *file, int line, const char *fmt, ...)
{
    char msg[1024];
    int n = snprintf(msg, sizeof msg, "%s:%d: internal error: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "l2sim: %s\n", msg);
    sim_panic_hook hook = panic_hook;
    panic_hook = NULL; /* a panic inside the hook must not recurse */
    if (hook)
        hook(panic_ctx, msg);
    exit(1);
}

/* Digits by 64-bit division where the value allows (every fee and value of a
 * realistic run is below 2^64 wei, 18.4 ETH): a 128-bit division per digit is a
 * library call (__udivti3), and the L1 baseline writes two amounts a transaction. */
size_t u128_fmt(u128 v, char *buf)
{
    char tmp[41];
    int i = 40;
    tmp[i] = '\0';
    while (v > UINT64_MAX) {
        tmp[--i] = (char)('0' + (int)(v % 10));
        v /= 10;
    }
    uint64_t w = (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + (int)(w % 10));
        w /= 10;
    } while (w);
    memcpy(buf, tmp + i, (size_t)(41 - i));
    return (size_t)(40 - i);
}

char *u128_str(u128 v, char *buf)
{
    u128_fmt(v, buf);
    return buf;
}

char *i128_str(i128 v, char *buf)
{
    if (v >= 0)
        return u128_str((u128)v, buf);
    buf[0] = '-';
    u128_str((u128)0 - (u128)v, buf + 1);
    return buf;
}

/* The length of the valid UTF-8 sequence at s (at most n bytes there), or 0 when it
 * is not one: overlong forms, surrogates and values past U+10FFFF are not. */
size_t utf8_seq_len(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    unsigned c = s[0];
    size_t k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
             : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (k == 0 || k > n || (k == 2 && c < 0xc2) || (k == 4 && c > 0xf4))
        return 0;
    for (size_t i = 1; i < k; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if (k == 3 && ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0)))
        return 0;
    if (k == 4 && ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90)))
        return 0;
    return k;
}

char *text_escape(const char *s, size_t max)
{
    if (!s)
        return xstrdup("(null)");
    size_t len = strlen(s), shown = max && len > max ? max : len;
    char *out = xmalloc(6 * shown + 4), *o = out;
    const unsigned char *c = (const unsigned char *)s, *end = c + shown;
    while (c < end) {
        size_t n = utf8_seq_len((const char *)c, (size_t)(end - c));
        if (n == 1 && *c >= 0x20 && *c != 0x7f) {
            *o++ = (char)*c++;
        } else if (n == 1) {
            o += *c == '\n' ? sprintf(o, "\\n") : *c == '\t' ? sprintf(o, "\\t")
                 : sprintf(o, "\\x%02x", *c);
            c++;
        } else if (n == 2 && c[0] == 0xc2 && c[1] < 0xa0) {     /* C1: U+0080..U+009F */
            o += sprintf(o, "\\u%04x", c[1]);
            c += 2;
        } else if (n) {
            memcpy(o, c, n);
            o += n, c += n;
        } else {
            o += sprintf(o, "\\x%02x", *c++);
        }
    }
    if (shown < len)
        o += sprintf(o, "...");
    *o = '\0';
    return out;
}
