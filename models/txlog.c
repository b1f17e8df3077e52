/* txlog.c — writes the txs table: one row per user transfer per scheme. */
#include "models/model.h"
#include "sim/money.h"

struct txlog {
    sqlite3_stmt *ins;
};

static sqlite3_stmt *stmt(struct world *w)
{
    if (!w->txlog) {
        w->txlog = xcalloc(1, sizeof *w->txlog);
        w->txlog->ins = store_prepare(w->store,
            "INSERT INTO txs(run_id, scheme, tx_id, user_id, to_user_id, value_wei, submit_us,"
            " soft_us, include_us, final_us, fee_wei, l1_fee_wei, l2_fee_wei, status, reason)"
            " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    }
    return w->txlog->ins;
}

static void bind_time(sqlite3_stmt *s, int col, sim_time t)
{
    if (t >= 0)
        sqlite3_bind_int64(s, col, t);
}

void txlog_write(struct world *w, const struct scheme *sc, const struct tx_record *r)
{
    u128 fee = 0;
    if (r->charged && !money_add(r->l1_fee, r->l2_fee, &fee)) {
        char a[41], b[41];
        world_fail(w, "scheme '%s': the fee of transfer %llu, %s wei on L1 + %s wei on L2, "
                   "exceeds 2^128-1 wei", sc->name, (unsigned long long)r->tx_id,
                   u128_str(r->l1_fee, a), u128_str(r->l2_fee, b));
        return;
    }
    sqlite3_stmt *s = stmt(w);
    sqlite3_bind_int64(s, 1, w->run_id);
    sqlite3_bind_text(s, 2, sc->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)r->tx_id);
    sqlite3_bind_int64(s, 4, r->from);
    sqlite3_bind_int64(s, 5, r->to);
    money_bind(s, 6, r->value);
    sqlite3_bind_int64(s, 7, r->submit);
    bind_time(s, 8, r->soft);
    bind_time(s, 9, r->include);
    bind_time(s, 10, r->final);
    if (r->charged) {
        money_bind(s, 11, fee);
        money_bind(s, 12, r->l1_fee);
        money_bind(s, 13, r->l2_fee);
    }
    sqlite3_bind_text(s, 14, r->status, -1, SQLITE_STATIC);
    if (r->reason)
        sqlite3_bind_text(s, 15, r->reason, -1, SQLITE_TRANSIENT);
    store_step(w->store, s);
}

void txlog_free(struct txlog *t) { free(t); }
