/* adversary.c — the attacks table writer shared by every adversary. */
#include "models/adversary/adversary.h"
#include "sim/money.h"

void adversary_record(struct adversary *a, const struct attack_row *r)
{
    struct world *w = a->world;
    SIM_ASSERT(r->attack_id >= 1);
    sqlite3_stmt *s = store_prepare(w->store,
        "INSERT INTO attacks(run_id, world, adversary, attack_id, type, target, start_us,"
        " end_us, cost_wei, value_at_risk_wei, value_lost_wei, detected, detect_us,"
        " resolved_us, blocks_affected, txs_affected, delay_imposed_us, detail)"
        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    sqlite3_bind_int64(s, 1, w->run_id);
    sqlite3_bind_text(s, 2, w->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, a->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, r->attack_id);
    sqlite3_bind_text(s, 5, r->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, r->target, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, r->start);
    sqlite3_bind_int64(s, 8, r->end);
    money_bind(s, 9, r->cost);
    money_bind(s, 10, r->value_at_risk);
    money_bind(s, 11, r->value_lost);
    sqlite3_bind_int(s, 12, r->detected);
    if (r->detected)
        sqlite3_bind_int64(s, 13, r->detect);
    if (r->detected && r->resolved > 0)
        sqlite3_bind_int64(s, 14, r->resolved);
    sqlite3_bind_int64(s, 15, (sqlite3_int64)r->blocks_affected);
    sqlite3_bind_int64(s, 16, (sqlite3_int64)r->txs_affected);
    sqlite3_bind_int64(s, 17, r->delay_us);
    sqlite3_bind_text(s, 18, r->detail, -1, SQLITE_STATIC);
    store_step(w->store, s);
}
