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

static void bind_fee(sqlite3_stmt *s, int col, u128 v)
{
    if (v > INT64_MAX)
        sim_panic("a fee of more than 2^63 wei for one transfer");
    sqlite3_bind_int64(s, col, (sqlite3_int64)v);
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
    if (r->include >= 0) {
        bind_fee(s, 10, r->l1_fee + r->l2_fee);
        bind_fee(s, 11, r->l1_fee);
        bind_fee(s, 12, r->l2_fee);
    }
    sqlite3_bind_text(s, 13, r->status, -1, SQLITE_STATIC);
    store_step(w->store, s);
}

void txlog_free(struct txlog *t) { free(t); }
