/* txlog.c — writes the txs table: one row per user transfer per scheme. */
#include "models/model.h"
#include "sim/money.h"

struct txlog {
    struct store_rows *rows;
};

static struct store_rows *rows(struct world *w)
{
    if (!w->txlog) {
        w->txlog = xcalloc(1, sizeof *w->txlog);
        w->txlog->rows = store_rows(w->store, "txs",
            "run_id, scheme, tx_id, user_id, to_user_id, value_wei, submit_us,"
            " soft_us, include_us, final_us, fee_wei, l1_fee_wei, l2_fee_wei, status, reason",
            15);
    }
    return w->txlog->rows;
}

static void put_time(struct store_rows *s, int col, sim_time t)
{
    if (t >= 0)
        store_rows_int(s, col, t);
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
    struct store_rows *s = rows(w);
    store_rows_int(s, 1, w->run_id);
    store_rows_text(s, 2, sc->name);
    store_rows_int(s, 3, (int64_t)r->tx_id);
    store_rows_int(s, 4, r->from);
    store_rows_int(s, 5, r->to);
    store_rows_u128(s, 6, r->value);         /* amounts: decimal text, as money_bind */
    store_rows_int(s, 7, r->submit);
    put_time(s, 8, r->soft);
    put_time(s, 9, r->include);
    put_time(s, 10, r->final);
    if (r->charged) {
        store_rows_u128(s, 11, fee);
        store_rows_u128(s, 12, r->l1_fee);
        store_rows_u128(s, 13, r->l2_fee);
    }
    store_rows_text(s, 14, r->status);
    if (r->reason)
        store_rows_text(s, 15, r->reason);
    store_rows_end(s);
}

void txlog_free(struct txlog *t) { free(t); }
