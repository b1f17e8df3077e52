/* costs.c — what a transfer costs, the same definition for every scheme (costs.h):
 * users' fees and their own L1 transactions, the operator's L1 transactions and
 * modeled off-chain costs, and the all-in sum, per included transfer, against the L1
 * baseline's. Read only: it takes the txs rows, view l1_spend (who paid each L1
 * transaction) and the scheme's declared off-chain costs, and writes through the
 * metrics splitter. */
#include "analysis/costs.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "analysis/metrics.h"
#include "models/model.h"

/* The money of one scheme as samples in time, each set split by window below. */
enum { USERS_FEES, USERS_L1, OPERATOR_L1, CHALLENGERS_L1, OFFCHAIN, NKINDS };
static const char *const total_name[NKINDS] = {
    "users_fees_eth", "users_l1_eth", "operator_l1_eth", "challengers_l1_eth", "offchain_eth",
};

struct money {
    struct metrics_samples s[NKINDS];
    struct metrics_samples included;        /* transfers that reached the L1, by submission */
};

static void query_into(sqlite3 *db, const char *sql, int64_t run_id, const char *scheme,
                       struct metrics_samples *out)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        sim_panic("costs: %s: %s", sqlite3_errmsg(db), sql);
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_text(q, 2, scheme, -1, SQLITE_STATIC);
    while (sqlite3_step(q) == SQLITE_ROW)
        metrics_samples_add(out, sqlite3_column_int64(q, 0), sqlite3_column_double(q, 1));
    sqlite3_finalize(q);
}

/* Read one scheme's money. The fee a transfer paid the scheme is its txs fee, less
 * the part that is an L1 transaction the user sent itself (txs_l1_fee_is_own_tx):
 * that part is in l1_spend already. The txs rows are read in one pass (fees and
 * inclusions both): a full scan of the L1 day's 430,000 rows costs a tenth of a second. */
static void money_read(sqlite3 *db, int64_t run_id, const char *scheme, const char *type,
                       struct money *mo)
{
    memset(mo, 0, sizeof *mo);
    const struct scheme_ops *ops = model_scheme_by_type(type);
    const struct scheme_costs *c = ops ? ops->costs : NULL;
    sqlite3_stmt *q;
    const char *txs_sql = c && c->txs_l1_fee_is_own_tx
        ? "SELECT submit_us, fee_wei IS NOT NULL, coalesce(l2_fee_eth, 0),"
          " include_us IS NOT NULL FROM txs WHERE run_id = ?1 AND scheme = ?2"
        : "SELECT submit_us, fee_wei IS NOT NULL, fee_eth,"
          " include_us IS NOT NULL FROM txs WHERE run_id = ?1 AND scheme = ?2";
    if (sqlite3_prepare_v2(db, txs_sql, -1, &q, NULL) != SQLITE_OK)
        sim_panic("costs: %s: %s", sqlite3_errmsg(db), txs_sql);
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_text(q, 2, scheme, -1, SQLITE_STATIC);
    while (sqlite3_step(q) == SQLITE_ROW) {
        sim_time t = sqlite3_column_int64(q, 0);
        if (sqlite3_column_int(q, 1))
            metrics_samples_add(&mo->s[USERS_FEES], t, sqlite3_column_double(q, 2));
        if (sqlite3_column_int(q, 3))
            metrics_samples_add(&mo->included, t, 1);
    }
    sqlite3_finalize(q);
    static const char sql[] = "SELECT payer, submit_us, fee_eth FROM l1_spend"
                              " WHERE run_id = ?1 AND scheme = ?2 AND include_us IS NOT NULL";
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        sim_panic("costs: %s: %s", sqlite3_errmsg(db), sql);
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_text(q, 2, scheme, -1, SQLITE_STATIC);
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *payer = (const char *)sqlite3_column_text(q, 0);
        int k = strcmp(payer, "user") == 0 ? USERS_L1
              : strcmp(payer, "operator") == 0 ? OPERATOR_L1 : CHALLENGERS_L1;
        metrics_samples_add(&mo->s[k], sqlite3_column_int64(q, 1), sqlite3_column_double(q, 2));
    }
    sqlite3_finalize(q);
    if (c && c->offchain_sql)
        query_into(db, c->offchain_sql, run_id, scheme, &mo->s[OFFCHAIN]);
}

static void money_free(struct money *mo)
{
    for (int k = 0; k < NKINDS; k++)
        metrics_samples_free(&mo->s[k]);
    metrics_samples_free(&mo->included);
}

static double sum_in(const struct metrics_samples *s, sim_time from, sim_time until)
{
    double sum = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->t[i] >= from && s->t[i] < until)
            sum += s->v[i];
    return sum;
}

/* One window's per-transfer costs (NAN without an included transfer). */
struct per_transfer {
    double total[NKINDS];
    double fees, user, operator, all_in;
};

static void per_transfer_in(const struct money *mo, sim_time from, sim_time until,
                            struct per_transfer *p)
{
    for (int k = 0; k < NKINDS; k++)
        p->total[k] = sum_in(&mo->s[k], from, until);
    double n = sum_in(&mo->included, from, until);
    double *t = p->total;
    p->fees = n > 0 ? t[USERS_FEES] / n : (double)NAN;
    p->user = n > 0 ? (t[USERS_FEES] + t[USERS_L1]) / n : (double)NAN;
    p->operator = n > 0 ? (t[OPERATOR_L1] + t[OFFCHAIN]) / n : (double)NAN;
    p->all_in = n > 0 ? (t[USERS_L1] + t[OPERATOR_L1] + t[CHALLENGERS_L1] + t[OFFCHAIN]) / n
                      : (double)NAN;
}

/* The run's L1 baseline (view l1_baseline), if any: its name into out. */
static bool baseline_of(sqlite3 *db, int64_t run_id, char *out, size_t len)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "SELECT b.scheme, s.type FROM l1_baseline b JOIN schemes s"
                               " ON s.run_id = b.run_id AND s.scheme = b.scheme"
                               " WHERE b.run_id = ?", -1, &q, NULL) != SQLITE_OK)
        sim_panic("costs: %s", sqlite3_errmsg(db));
    sqlite3_bind_int64(q, 1, run_id);
    bool found = sqlite3_step(q) == SQLITE_ROW;
    if (found)
        snprintf(out, len, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return found;
}

long costs_owed(sqlite3 *db, int64_t run_id, const char *scheme, const char *type,
                char *what, size_t len)
{
    const struct scheme_ops *ops = model_scheme_by_type(type);
    what[0] = '\0';
    if (!ops || !ops->costs || !ops->costs->owed_sql)
        return 0;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, ops->costs->owed_sql, -1, &q, NULL) != SQLITE_OK) {
        sqlite3_finalize(q);          /* a database of another build: say nothing */
        return 0;
    }
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_text(q, 2, scheme, -1, SQLITE_STATIC);
    long n = 0;
    if (sqlite3_step(q) == SQLITE_ROW) {
        n = (long)sqlite3_column_int64(q, 0);
        snprintf(what, len, "%s", sqlite3_column_text(q, 1) ? (const char *)sqlite3_column_text(q, 1) : "");
    }
    sqlite3_finalize(q);
    return n;
}

void costs_metrics(const struct metrics_scope *m)
{
    struct money own, base;
    money_read(m->db, m->run_id, m->scheme, m->type, &own);
    char bname[256];
    bool has_base = baseline_of(m->db, m->run_id, bname, sizeof bname);
    /* the baseline measured against itself: its money is read once */
    bool base_is_own = has_base && strcmp(bname, m->scheme) == 0;
    if (base_is_own)
        base = own;
    else if (has_base)
        money_read(m->db, m->run_id, bname, "l1", &base);
    for (long w = -1; w < (long)m->nwindows; w++) {
        sim_time from = w < 0 ? 0 : m->windows[w].from;
        /* the whole run takes everything, a root posted at its last instant too */
        sim_time until = w < 0 ? INT64_MAX : m->windows[w].until;
        struct per_transfer p, b;
        per_transfer_in(&own, from, until, &p);
        for (int k = 0; k < NKINDS; k++)
            metrics_put(m, w, total_name[k], p.total[k]);
        if (isnan(p.all_in))
            continue;
        metrics_put(m, w, "user_cost_per_transfer_eth", p.user);
        metrics_put(m, w, "operator_cost_per_transfer_eth", p.operator);
        metrics_put(m, w, "all_in_cost_per_transfer_eth", p.all_in);
        if (!has_base)
            continue;
        per_transfer_in(&base, from, until, &b);
        if (!(b.all_in > 0))
            continue;
        metrics_put(m, w, "user_cost_ratio_to_l1", p.user / b.all_in);
        metrics_put(m, w, "users_fees_ratio_to_l1", p.fees / b.all_in);
        metrics_put(m, w, "operator_cost_ratio_to_l1", p.operator / b.all_in);
        metrics_put(m, w, "all_in_cost_ratio_to_l1", p.all_in / b.all_in);
    }
    char what[128];
    long owed = costs_owed(m->db, m->run_id, m->scheme, m->type, what, sizeof what);
    if (owed > 0)
        metrics_put(m, -1, "owed_l1_txs", (double)owed);
    money_free(&own);
    if (has_base && !base_is_own)
        money_free(&base);
}
