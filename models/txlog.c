/* txlog.c — writes the txs table: one row per user transfer per scheme. */
#include "models/model.h"

struct txlog {
    sqlite3_stmt *ins;
};

static sqlite3_stmt *stmt(struct world *w)
{
    if (!w->txlog) {
        w->txlog = xcalloc(1, sizeof *w->txlog);
        w->txlog->ins = store_prepare(w->store,
            "INSERT INTO txs(run_id, scheme, tx_id, user_id, to_user_id, value_wei, submit_us,"
            " include_us, final_us, fee_wei, l1_fee_wei, l2_fee_wei, status)"
            " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
    }
    return w->txlog->ins;
}

/* Fees are stored as 64-bit integers: up to 9.2 ETH for one transfer. Beyond that
 * the run fails with a message rather than record a wrong number. */
static bool bind_fee(struct world *w, sqlite3_stmt *s, int col, u128 v)
{
    if (v > INT64_MAX) {
        char buf[41];
        world_fail(w, "a transfer paid %s wei in fees, beyond the 2^63-1 wei a txs row "
                   "holds; is the base fee running away (a chain overfilled by users who "
                   "bid any price)?", u128_str(v, buf));
        return false;
    }
    sqlite3_bind_int64(s, col, (sqlite3_int64)v);
    return true;
}

void txlog_write(struct world *w, const struct scheme *sc, const struct tx_record *r)
{
    sqlite3_stmt *s = stmt(w);
    sqlite3_bind_int64(s, 1, w->run_id);
    sqlite3_bind_text(s, 2, sc->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)r->tx_id);
    sqlite3_bind_int64(s, 4, r->from);
    sqlite3_bind_int64(s, 5, r->to);
    store_bind_u128(s, 6, r->value);
    sqlite3_bind_int64(s, 7, r->submit);
    if (r->include >= 0)
        sqlite3_bind_int64(s, 8, r->include);
    if (r->final >= 0)
        sqlite3_bind_int64(s, 9, r->final);
    if (r->include >= 0 && !(bind_fee(w, s, 10, r->l1_fee + r->l2_fee) &&
                             bind_fee(w, s, 11, r->l1_fee) && bind_fee(w, s, 12, r->l2_fee))) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        return;
    }
    sqlite3_bind_text(s, 13, r->status, -1, SQLITE_STATIC);
    store_step(w->store, s);
}

void txlog_free(struct txlog *t) { free(t); }
