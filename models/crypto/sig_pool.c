/* sig_pool.c — signatures handed ahead to worker threads (see sig_pool.h for why the
 * answers are exactly those made in place). A small ring of slots, each one request:
 * the caller fills a slot and publishes it PENDING; a worker claims it (RUNNING), makes
 * the signature and its check, and publishes DONE; the caller's later sig_sign /
 * sig_verify finds the slot by comparing the whole request, and takes the answer. Slot
 * states are C11 atomics; a mutex and two condition variables are used only to sleep
 * (an idle worker, a caller waiting on a slot a worker is making). */
#include "models/crypto/sig_pool.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "sim/util.h"

/* A channel hands one request ahead per update and takes it within that update, so a
 * few slots are plenty; the ring only has to outlive what is asked soon after. */
enum { POOL_SLOTS = 8 };
enum { SLOT_FREE, SLOT_PENDING, SLOT_RUNNING, SLOT_DONE };

/* How long to spin before sleeping: a worker between two requests (a channel's next
 * update comes within microseconds; the next payment's after its routing, ~100 us),
 * and a caller whose request a worker is making (an Ed25519 sign + verify is ~70 us). */
#define IDLE_SPIN_NS 20000
#define WAIT_SPIN_NS 100000

/* When the workers do not keep up (the caller made more than half of the last
 * POOL_WINDOW answers itself: the machine's cores are busy with other work), the
 * hand-over only adds cost (copies, wake-ups, a spinning worker competing with the
 * caller for the same cores), so the next POOL_PAUSE requests are not handed ahead
 * (about 600 payments of a channel network); then the pool tries again. Counted in
 * requests, not time, so tests see it exactly; only speed depends on it, never a
 * result. */
enum { POOL_WINDOW = 256, POOL_PAUSE = 4096 };

struct slot {
    atomic_int state;
    bool       verify;              /* also check the signature against kp.pk */
    bool       taken;               /* asked for since handed ahead */
    struct sig_keypair kp;
    uint8_t   *msg;                 /* owned, cap bytes */
    size_t     len, cap;
    uint8_t    sig[SIG_BYTES];      /* DONE: kp's signature of msg */
    bool       ok;                  /* DONE and verify: it verifies */
};

struct sig_pool {
    struct slot     slot[POOL_SLOTS];
    unsigned        next;           /* the slot the next sig_ahead takes */
    unsigned        nworkers;
    pthread_t      *thread;
    pthread_mutex_t mu;
    pthread_cond_t  work;           /* a request published, or stop */
    pthread_cond_t  done;           /* a request a caller waits for is DONE */
    atomic_int      sleepers;       /* workers waiting on `work` */
    atomic_int      waiting;        /* the caller waiting on `done` */
    atomic_bool     stop;
    atomic_ullong   by_worker;
    atomic_llong    worker_spin_ns; /* CPU the workers spent spinning for work */
    uint64_t        ahead, by_caller, dropped;   /* the caller's thread only */
    int64_t         caller_spin_ns; /* CPU the caller spent spinning for a worker */
    int64_t         caller_wait_ns; /* wall time the caller waited for a worker */
    unsigned        win_ahead, win_caller;   /* the current window of POOL_WINDOW */
    unsigned        paused;         /* requests still to pass without a hand-over */
    uint64_t        pauses;
};

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static int64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t now_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

/* The calling thread's CPU time: what a spin cost, for sig_pool_stats. */
static int64_t cpu_ns(void)
{
    return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

/* The request itself: libsodium's Ed25519, the same calls sig.c makes in place. */
static void run(struct slot *s)
{
    crypto_sign_detached(s->sig, NULL, s->msg, s->len, s->kp.sk);
    if (s->verify)
        s->ok = crypto_sign_verify_detached(s->sig, s->msg, s->len, s->kp.pk) == 0;
}

/* Publish DONE, and wake the caller if it sleeps on it. The caller raises `waiting`
 * before it checks the state, and this stores the state before it reads `waiting`
 * (both sequentially consistent), so one of the two sees the other. */
static void finish(struct sig_pool *p, struct slot *s)
{
    atomic_store(&s->state, SLOT_DONE);
    if (atomic_load(&p->waiting)) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->done);
        pthread_mutex_unlock(&p->mu);
    }
}

static struct slot *claim(struct sig_pool *p)
{
    for (unsigned i = 0; i < POOL_SLOTS; i++) {
        int expect = SLOT_PENDING;
        if (atomic_compare_exchange_strong(&p->slot[i].state, &expect, SLOT_RUNNING))
            return &p->slot[i];
    }
    return NULL;
}

static bool any_pending(struct sig_pool *p)
{
    for (unsigned i = 0; i < POOL_SLOTS; i++)
        if (atomic_load(&p->slot[i].state) == SLOT_PENDING)
            return true;
    return false;
}

static void *worker_main(void *arg)
{
    struct sig_pool *p = arg;
    while (!atomic_load(&p->stop)) {
        struct slot *s = claim(p);
        if (s) {
            run(s);
            finish(p, s);
            atomic_fetch_add(&p->by_worker, 1);
            continue;
        }
        int64_t t0 = now_ns(), c0 = cpu_ns();
        while (!any_pending(p) && !atomic_load(&p->stop) && now_ns() - t0 < IDLE_SPIN_NS)
            relax();
        atomic_fetch_add(&p->worker_spin_ns, cpu_ns() - c0);
        if (any_pending(p))
            continue;
        /* sleep: `sleepers` raised before the last look, as finish() explains */
        pthread_mutex_lock(&p->mu);
        atomic_fetch_add(&p->sleepers, 1);
        while (!atomic_load(&p->stop) && !any_pending(p))
            pthread_cond_wait(&p->work, &p->mu);
        atomic_fetch_sub(&p->sleepers, 1);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

struct sig_pool *sig_pool_new(unsigned nworkers)
{
    if (sodium_init() < 0)
        sim_panic("libsodium failed to initialise");
    struct sig_pool *p = xcalloc(1, sizeof *p);
    for (unsigned i = 0; i < POOL_SLOTS; i++)
        atomic_init(&p->slot[i].state, SLOT_FREE);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->waiting, 0);
    atomic_init(&p->stop, false);
    atomic_init(&p->by_worker, 0);
    atomic_init(&p->worker_spin_ns, 0);
    if (pthread_mutex_init(&p->mu, NULL) != 0 || pthread_cond_init(&p->work, NULL) != 0 ||
        pthread_cond_init(&p->done, NULL) != 0)
        sim_panic("sig_pool: cannot initialise its mutex");
    p->thread = xcalloc(nworkers ? nworkers : 1, sizeof *p->thread);
    for (unsigned i = 0; i < nworkers; i++) {
        if (pthread_create(&p->thread[i], NULL, worker_main, p) != 0)
            sim_panic("sig_pool: cannot start a worker thread");
        p->nworkers++;
    }
    return p;
}

void sig_pool_free(struct sig_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, true);
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->nworkers; i++)
        pthread_join(p->thread[i], NULL);
    for (unsigned i = 0; i < POOL_SLOTS; i++) {
        sodium_memzero(&p->slot[i].kp, sizeof p->slot[i].kp);
        free(p->slot[i].msg);
    }
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    free(p->thread);
    free(p);
}

void sig_pool_stats(const struct sig_pool *p, struct sig_pool_stats *s)
{
    memset(s, 0, sizeof *s);
    if (!p)
        return;
    s->ahead = p->ahead;
    s->by_worker = atomic_load(&((struct sig_pool *)p)->by_worker);
    s->by_caller = p->by_caller;
    s->dropped = p->dropped;
    s->worker_spin_s = (double)atomic_load(&((struct sig_pool *)p)->worker_spin_ns) * 1e-9;
    s->caller_spin_s = (double)p->caller_spin_ns * 1e-9;
    s->pauses = p->pauses;
    s->caller_wait_s = (double)p->caller_wait_ns * 1e-9;
    for (unsigned i = 0; i < p->nworkers; i++) {
        clockid_t cid;
        struct timespec ts;
        if (pthread_getcpuclockid(p->thread[i], &cid) == 0 && clock_gettime(cid, &ts) == 0)
            s->worker_cpu_s += (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
    }
}

bool sig_ahead_wanted(const struct sig_ctx *c)
{
    return c->pool && c->mode == SIG_ED25519;
}

/* The slot's request ready to be read: DONE already, made here when no worker claimed
 * it, or waited for (spinning first, then asleep) while a worker makes it. */
static void ensure_done(struct sig_pool *p, struct slot *s)
{
    int expect = SLOT_PENDING;
    if (atomic_compare_exchange_strong(&s->state, &expect, SLOT_RUNNING)) {
        run(s);
        atomic_store(&s->state, SLOT_DONE);
        p->by_caller++;
        p->win_caller++;
        return;
    }
    if (expect == SLOT_DONE)
        return;
    int64_t t0 = now_ns(), t = t0, c0 = cpu_ns();
    while (atomic_load(&s->state) != SLOT_DONE && (t = now_ns()) - t0 < WAIT_SPIN_NS)
        relax();
    p->caller_spin_ns += cpu_ns() - c0;
    if (atomic_load(&s->state) != SLOT_DONE) {
        pthread_mutex_lock(&p->mu);
        atomic_fetch_add(&p->waiting, 1);
        while (atomic_load(&s->state) != SLOT_DONE)
            pthread_cond_wait(&p->done, &p->mu);
        atomic_fetch_sub(&p->waiting, 1);
        pthread_mutex_unlock(&p->mu);
        t = now_ns();
    }
    p->caller_wait_ns += t - t0;
}

void sig_ahead(const struct sig_ctx *c, const struct sig_keypair *kp, const void *msg,
               size_t len, bool verify)
{
    if (!sig_ahead_wanted(c))
        return;
    struct sig_pool *p = c->pool;
    if (p->paused) {
        p->paused--;
        return;
    }
    struct slot *s = &p->slot[p->next];
    p->next = (p->next + 1) % POOL_SLOTS;
    /* the slot's old request: withdrawn if no worker took it, else let it finish */
    int expect = SLOT_PENDING;
    if (atomic_compare_exchange_strong(&s->state, &expect, SLOT_FREE))
        p->dropped++;
    else if (expect != SLOT_FREE) {
        ensure_done(p, s);
        if (!s->taken)
            p->dropped++;
    }
    if (s->cap < len) {
        s->cap = len;
        s->msg = xrealloc(s->msg, len);
    }
    memcpy(s->msg, msg, len);
    s->len = len;
    s->kp = *kp;
    s->verify = verify;
    s->taken = false;
    p->ahead++;
    if (++p->win_ahead == POOL_WINDOW) {
        if (p->win_caller * 2 > POOL_WINDOW) {
            p->paused = POOL_PAUSE;
            p->pauses++;
        }
        p->win_ahead = p->win_caller = 0;
    }
    /* publish, then wake a sleeping worker (see finish() for the order) */
    atomic_store(&s->state, SLOT_PENDING);
    if (atomic_load(&p->sleepers)) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_signal(&p->work);
        pthread_mutex_unlock(&p->mu);
    }
}

/* The slot that holds this very message for this public key, or NULL. Reads only
 * what the caller's own thread wrote (kp, msg: a worker never writes them). */
static struct slot *find(struct sig_pool *p, const uint8_t pk[SIG_PUBLICKEY_BYTES],
                         const void *msg, size_t len)
{
    for (unsigned i = 0; i < POOL_SLOTS; i++) {
        struct slot *s = &p->slot[i];
        if (atomic_load(&s->state) != SLOT_FREE && s->len == len &&
            memcmp(s->kp.pk, pk, SIG_PUBLICKEY_BYTES) == 0 && memcmp(s->msg, msg, len) == 0)
            return s;
    }
    return NULL;
}

bool sig_pool_take_sign(struct sig_pool *p, const struct sig_keypair *kp, const void *msg,
                        size_t len, uint8_t sig[SIG_BYTES])
{
    struct slot *s = find(p, kp->pk, msg, len);
    /* the whole keypair: a signature is kp->sk's, whatever pk says */
    if (!s || memcmp(s->kp.sk, kp->sk, SIG_SECRETKEY_BYTES) != 0)
        return false;
    ensure_done(p, s);
    s->taken = true;
    memcpy(sig, s->sig, SIG_BYTES);
    return true;
}

bool sig_pool_take_verify(struct sig_pool *p, const uint8_t pk[SIG_PUBLICKEY_BYTES],
                          const void *msg, size_t len, const uint8_t sig[SIG_BYTES], bool *ok)
{
    struct slot *s = find(p, pk, msg, len);
    if (!s || !s->verify)
        return false;
    ensure_done(p, s);
    s->taken = true;
    /* the check made ahead was of the signature made ahead: another signature of
     * the same bytes (a tampered one) is checked in place */
    if (memcmp(s->sig, sig, SIG_BYTES) != 0)
        return false;
    *ok = s->ok;
    return true;
}
