/* util.h — what every module of l2sim needs: allocation that never returns NULL,
 * error values that travel up to main, panics for broken invariants, and the
 * 128-bit integers money sums need (a day of mainnet fees overflows int64 wei). */
#ifndef L2SIM_UTIL_H
#define L2SIM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

/* Exact integer money. Single fees fit int64 wei (9.2 ETH); totals over a run and
 * scenario amounts such as bonds ("100eth" = 1e20 wei) do not. */
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

/* Return codes: 0 is success. Bad input from the user (scenario, options, traces)
 * exits 2; anything that makes a run fail (I/O, disk full, a broken invariant) exits 1. */
enum { L2_OK = 0, L2_EIO = -1, L2_EINPUT = -2 };

/* An error message the user can act on ("file:line:col: what is wrong"). Several
 * messages may be collected (a scenario with three mistakes reports all three). */
#define ERR_MSG_MAX 4096
struct err {
    int  code;              /* the first code set; 0 while no error */
    int  count;             /* how many messages were added */
    char msg[ERR_MSG_MAX];  /* messages, one per line */
};
void err_init(struct err *e);
/* Append one message; returns `code` so callers can `return err_set(e, L2_EINPUT, ...)`. */
int  err_set(struct err *e, int code, const char *fmt, ...)
     __attribute__((format(printf, 3, 4)));

/* Allocation that aborts with a message on exhaustion, so callers never test NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Array p of *cap elements of `size` bytes, grown if needed so that index i exists:
 * the capacity doubles from 64 until it exceeds i, the new elements zero-filled, *cap
 * updated. Returns the (possibly moved) array. Amortized O(1) per element. */
void *xgrow_zeroed(void *p, size_t *cap, size_t i, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Format into dst (n bytes), cut at n - 1 bytes when longer: for text that is only
 * read (labels, titles), where a cut is the intent and not an error. */
void str_printf_cut(char *dst, size_t n, const char *fmt, ...)
     __attribute__((format(printf, 3, 4)));

/* Read f to its end into a NUL-terminated buffer (*buf, caller frees) of at most max
 * bytes, reading at most one byte past that (the file may be endless or growing).
 * 0; 1 when there is more than max; -1 on a read error (errno says which). Only on 0
 * are *buf and *len set. */
int read_bounded(FILE *f, size_t max, char **buf /* OUT */, size_t *len /* OUT */);

/* The directory holding `path`, as a prefix to put before a name: "a/b/" for "a/b/c",
 * "" for "c", "/" for "/c". Caller frees. */
char *path_dir(const char *path);
/* The same as dirname(3) names it, to open or stat: "a/b", "." or "/". Caller frees. */
char *path_dirname(const char *path);

/* A broken invariant is a bug: report file, line and message, call the panic hook
 * (main marks the run `failed` in the database), then exit 1. Never returns. */
#define sim_panic(...) sim_panic_at(__FILE__, __LINE__, __VA_ARGS__)
#define SIM_ASSERT(c) \
    ((c) ? (void)0 : sim_panic_at(__FILE__, __LINE__, "assertion failed: %s", #c))
_Noreturn void sim_panic_at(const char *file, int line, const char *fmt, ...)
     __attribute__((format(printf, 3, 4)));
typedef void (*sim_panic_hook)(void *ctx, const char *message);
void sim_set_panic_hook(sim_panic_hook hook, void *ctx);

/* The length (1..4) of the valid UTF-8 sequence at p, at most n bytes there; 0 when
 * it is not one (overlong forms, surrogates, values past U+10FFFF are not). */
size_t utf8_seq_len(const char *p, size_t n);

/* Text that came from a file (a scenario, a database), fit to print on a terminal: C0
 * and C1 control characters and DEL escaped (\n, \t, \x1b, \u009b), bytes that are
 * not UTF-8 as \xHH, valid UTF-8 kept. At most `max` input bytes are shown (0: all),
 * then "...". NULL gives "(null)". Caller frees. O(length). */
char *text_escape(const char *s, size_t max);

/* Decimal text of a 128-bit integer; buf needs 41 bytes. Returns buf. */
char *u128_str(u128 v, char *buf);
size_t u128_fmt(u128 v, char *buf);     /* the same; returns the number of digits */
char *i128_str(i128 v, char *buf);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
