/* scheme_channels_decl.c — what the scheme `channels` (scheme_channels.c) declares
 * beside its protocol code: its tables, its statistics for `metrics`, its rows in the
 * report, its share of a run's size. */
#include "models/channel/scheme_channels.h"

#include <math.h>
#include <string.h>

#include "analysis/costs.h"
#include "analysis/figure.h"
#include "analysis/metrics.h"
#include "models/run/estimate.h"

#define MONEY(x) " " #x "_wei TEXT, " #x "_eth REAL GENERATED ALWAYS AS (CAST(" #x "_wei AS REAL) / 1e18) VIRTUAL,"
#define MONEY_NN(x) " " #x "_wei TEXT NOT NULL, " #x "_eth REAL GENERATED ALWAYS AS (CAST(" #x "_wei AS REAL) / 1e18) VIRTUAL,"

/* channels: one row per channel that existed in the run (written at the end);
 * channel_payments: one row per transfer that reached routing (or gave up waiting). */
/* Version 2 adds the dispute times of a unilateral close, version 3 a payment's
 * parts (multi-part payments). */
static const char *const upgrades[] = {
    "ALTER TABLE channels ADD COLUMN posted_us INTEGER;"
    "ALTER TABLE channels ADD COLUMN deadline_us INTEGER;",
    "ALTER TABLE channel_payments ADD COLUMN parts INTEGER NOT NULL DEFAULT 1;",
};

const struct store_sql scheme_channels_sql = {
    .version = 3,
    .upgrades = upgrades,
    .tables =
        "CREATE TABLE IF NOT EXISTS channels ("
        " run_id INTEGER NOT NULL, scheme TEXT NOT NULL,"
        " channel INTEGER NOT NULL,"            /* its index in the network */
        " node_a INTEGER NOT NULL, node_b INTEGER NOT NULL,"   /* side 0 (a hub), side 1 */
        " user_id INTEGER,"                     /* the user whose channel it is (hub topology) */
        " open_kind TEXT NOT NULL,"             /* funded (on L1 in the run) | preexisting */
        " state TEXT NOT NULL,"                 /* at the end: opening|open|closing|closed */
        " open_l1_tx INTEGER, funded_us INTEGER, usable_us INTEGER,"
        MONEY_NN(capacity) MONEY_NN(fund_a) MONEY_NN(fund_b) MONEY_NN(open_fee)
        " updates INTEGER NOT NULL,"            /* commitment number: states signed by both */
        " close_kind TEXT,"                     /* cooperative | unilateral | penalty */
        " close_l1_tx INTEGER, closed_us INTEGER,"
        MONEY_NN(close_fee) MONEY_NN(paid_a) MONEY_NN(paid_b) MONEY_NN(penalty)
        " posted_us INTEGER, deadline_us INTEGER,"   /* a unilateral close's post, period end */
        " PRIMARY KEY (run_id, scheme, channel));"
        "CREATE TABLE IF NOT EXISTS channel_payments ("
        " run_id INTEGER NOT NULL, scheme TEXT NOT NULL,"
        " tx_id INTEGER NOT NULL, from_node INTEGER NOT NULL, to_node INTEGER NOT NULL,"
        MONEY_NN(amount)
        " hops INTEGER NOT NULL, attempts INTEGER NOT NULL,"
        MONEY_NN(routing_fee)
        " status TEXT NOT NULL CHECK (status = 'succeeded' OR status = 'failed'),"
        " failure TEXT, submit_us INTEGER NOT NULL, settled_us INTEGER,"
        " parts INTEGER NOT NULL DEFAULT 1,"   /* 2: split (multi-part payment) */
        " PRIMARY KEY (run_id, scheme, tx_id));",
    /* the report's read interface (scheme_channels_fig.c) */
    .views =
        "DROP VIEW IF EXISTS channel_costs;"
        "CREATE VIEW channel_costs AS SELECT s.run_id, s.scheme,"
        " (SELECT count(*) FROM txs t WHERE t.run_id = s.run_id AND t.scheme = s.scheme)"
        "  AS transfers,"
        " (SELECT coalesce(sum(routing_fee_eth), 0) FROM channel_payments p"
        "  WHERE p.run_id = s.run_id AND p.scheme = s.scheme) AS routing_fees_eth,"
        " (SELECT coalesce(sum(open_fee_eth), 0) FROM channels c"
        "  WHERE c.run_id = s.run_id AND c.scheme = s.scheme) AS open_fees_eth,"
        " (SELECT coalesce(sum(close_fee_eth), 0) FROM channels c"
        "  WHERE c.run_id = s.run_id AND c.scheme = s.scheme) AS close_fees_eth"
        " FROM schemes s WHERE s.type = 'channels';"
        "DROP VIEW IF EXISTS channel_payment_outcomes;"
        "CREATE VIEW channel_payment_outcomes AS SELECT run_id, scheme, tx_id,"
        " submit_us / 3.6e9 AS submit_h, hops, attempts, routing_fee_eth,"
        " status = 'succeeded' AS succeeded, failure FROM channel_payments;"
        "DROP VIEW IF EXISTS channel_disputes;"
        "CREATE VIEW channel_disputes AS SELECT run_id, scheme, channel, user_id,"
        " posted_us / 3.6e9 AS posted_h, deadline_us / 3.6e9 AS deadline_h,"
        " closed_us / 3.6e9 AS closed_h, close_kind, penalty_eth, paid_a_eth, paid_b_eth"
        " FROM channels WHERE deadline_us IS NOT NULL;"
        /* the attacks on a channels scheme and what came of them: a cheat's outcome is
         * its detail's first words (revoked_state.c writes "STAGE: ..."); for jamming
         * and griefing, the payments that failed in the attack's window beside the
         * window just as long before it */
        "DROP VIEW IF EXISTS channel_attacks;"
        "CREATE VIEW channel_attacks AS SELECT a.run_id, a.target AS scheme, a.adversary,"
        " a.attack_id, a.type, a.start_us / 3.6e9 AS start_h, a.end_us / 3.6e9 AS end_h,"
        " CASE WHEN a.type = 'revoked_state' AND instr(a.detail, ':') > 0"
        "      THEN substr(a.detail, 1, instr(a.detail, ':') - 1) END AS outcome,"
        " a.cost_eth, a.value_at_risk_eth, a.value_lost_eth,"
        " (SELECT avg(p.status = 'failed') FROM channel_payments p WHERE p.run_id = a.run_id"
        "   AND p.scheme = a.target AND p.submit_us >= a.start_us AND p.submit_us < a.end_us)"
        "   AS failed_during,"
        " (SELECT avg(p.status = 'failed') FROM channel_payments p WHERE p.run_id = a.run_id"
        "   AND p.scheme = a.target AND p.submit_us >= 2 * a.start_us - a.end_us"
        "   AND p.submit_us < a.start_us) AS failed_before"
        " FROM attacks a JOIN schemes s ON s.run_id = a.run_id AND s.scheme = a.target"
        " WHERE s.type = 'channels';",
};

static void samples_of(const struct metrics_scope *m, const char *sql,
                       struct metrics_samples *s)
{
    sqlite3_stmt *q;
    metrics_samples_clear(s);
    if (sqlite3_prepare_v2(m->db, sql, -1, &q, NULL) != SQLITE_OK)
        sim_panic("channels metrics: %s: %s", sqlite3_errmsg(m->db), sql);
    sqlite3_bind_int64(q, 1, m->run_id);
    sqlite3_bind_text(q, 2, m->scheme, -1, SQLITE_STATIC);
    while (sqlite3_step(q) == SQLITE_ROW)
        metrics_samples_add(s, sqlite3_column_int64(q, 0), sqlite3_column_double(q, 1));
    sqlite3_finalize(q);
}

static double one_value(const struct metrics_scope *m, const char *sql)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(m->db, sql, -1, &q, NULL) != SQLITE_OK)
        sim_panic("channels metrics: %s: %s", sqlite3_errmsg(m->db), sql);
    sqlite3_bind_int64(q, 1, m->run_id);
    sqlite3_bind_text(q, 2, m->scheme, -1, SQLITE_STATIC);
    double v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_double(q, 0) : 0;
    sqlite3_finalize(q);
    return v;
}

/* Payments by submission time: success (mean = success rate), hops and attempts of
 * the successful, routing fees; channel opens and closes by their L1 time with their
 * fees; and the fee per transfer with every opening and closing cost amortized:
 * (routing fees + L1 fees of all opens and closes) / transfers delivered. */
void scheme_channels_metrics(const struct metrics_scope *m)
{
    struct metrics_samples s = { 0 };
    samples_of(m, "SELECT submit_us, status = 'succeeded' FROM channel_payments"
                  " WHERE run_id=? AND scheme=?", &s);
    metrics_summary(m, &s, "payment_success", "", false);
    for (size_t i = 0; i < s.n; i++)
        s.v[i] = 1 - s.v[i];
    metrics_total(m, &s, "payments_failed");
    samples_of(m, "SELECT submit_us, hops FROM channel_payments WHERE run_id=? AND scheme=?"
                  " AND status = 'succeeded'", &s);
    metrics_count(m, &s, "payments_succeeded");
    metrics_summary(m, &s, "route_hops", "", true);
    samples_of(m, "SELECT submit_us, attempts FROM channel_payments WHERE run_id=? AND"
                  " scheme=? AND attempts > 0", &s);
    metrics_summary(m, &s, "payment_attempts", "", true);
    samples_of(m, "SELECT submit_us, routing_fee_eth FROM channel_payments WHERE run_id=?"
                  " AND scheme=? AND status = 'succeeded'", &s);
    metrics_summary(m, &s, "routing_fee", "_eth", false);
    metrics_total(m, &s, "routing_fees_eth");
    samples_of(m, "SELECT funded_us, open_fee_eth FROM channels WHERE run_id=? AND scheme=?"
                  " AND open_kind = 'funded' AND funded_us IS NOT NULL", &s);
    metrics_count(m, &s, "channel_opens");
    metrics_total(m, &s, "channel_open_fees_eth");
    samples_of(m, "SELECT closed_us, close_fee_eth FROM channels WHERE run_id=? AND scheme=?"
                  " AND closed_us IS NOT NULL", &s);
    metrics_count(m, &s, "channel_closes");
    metrics_total(m, &s, "channel_close_fees_eth");
    metrics_samples_free(&s);
    /* the whole run: everything the users' channels cost them, per transfer */
    /* per transfer delivered: the failed and dropped ones paid nothing off-chain, so
     * they would make the channels look cheaper than they are */
    double n = one_value(m, "SELECT count(*) FROM txs WHERE run_id=? AND scheme=? AND"
                            " status = 'final'");
    double fees = one_value(m, "SELECT (SELECT coalesce(sum(routing_fee_eth), 0) FROM"
                               " channel_payments WHERE run_id=?1 AND scheme=?2) + (SELECT"
                               " coalesce(sum(open_fee_eth + close_fee_eth), 0) FROM channels"
                               " WHERE run_id=?1 AND scheme=?2)");
    if (n > 0)
        metrics_put(m, -1, "fee_per_transfer_amortized_eth", fees / n);
}


/* A transfer's l1_fee is the fee of the channel open it waited for, which the user
 * sent and paid on L1 itself (pay_open_fees): in the cost per transfer it counts once,
 * as the user's L1 transaction; the routing fee (l2_fee) is what the hubs were paid. */
const struct scheme_costs scheme_channels_costs = {
    .txs_l1_fee_is_own_tx = true,
    /* every channel funded and still open will need a closing transaction */
    .owed_sql = "SELECT count(*), 'channel closes (channels still open)' FROM channels"
                " WHERE run_id = ?1 AND scheme = ?2 AND funded_us IS NOT NULL"
                " AND closed_us IS NULL",
};

/* Sizes measured with valgrind's massif at the peak of default.yaml's channels world
 * alone (12 h; session 6): a user's node, channel, keys and routing records, made when
 * it first takes part (hub topology), came to ~4.7 KB each, the two-party state with
 * its inline array of 30 HTLCs most of it (grown by doubling); with the HTLCs on the
 * heap (session 7: struct channel 2,864 -> 968 B) the same world's peak RSS fell from
 * 146.7 to 121.5 MB, ~2.2 KB less per user: ~2.5 KB each now; the revealed per-commitment secrets
 * kept for the penalty come to ~480 B per transfer (a payment of ~3 hops makes 6
 * updates, each keeping a 32-byte secret per side, in arrays grown by doubling). Each
 * update is 2 signatures and 2 verifications: ~1 ms per payment with Ed25519, ~0.1 ms
 * with fast.
 * The users who take part: those who send or receive a transfer (2 per transfer,
 * drawn among all users). */
void scheme_channels_estimate(const struct scn *s, size_t index, const struct run_estimate *run,
                              struct scheme_estimate *out)
{
    bool fast = strcmp(scn_str(s, "crypto"), "fast") == 0;
    double users = (double)scn_uint(s, "workload.users");
    double joined = users > 0 ? users * -expm1(-2 * run->transfers / users) : 0;
    out->l1_txs = joined * 1.2;
    out->l1_gas = 140000;
    out->mem_per_l1_tx = 600;
    out->mem_state = joined * 2500 + run->transfers * 480;
    /* generated topologies: every channel exists from the start, ~4.6 KB each (its
     * two-party state with its HTLC array, both edges, routing records; measured on
     * channel_topologies.yaml) */
    const char *topo = scn_str(s, "schemes[%zu].topology", index);
    double nodes = (double)scn_uint(s, "schemes[%zu].generate.nodes", index), pre = 0;
    if (strcmp(topo, "scale_free") == 0)
        pre = nodes * (double)scn_uint(s, "schemes[%zu].generate.attach", index);
    else if (strcmp(topo, "small_world") == 0)
        pre = nodes * (double)scn_uint(s, "schemes[%zu].generate.neighbors", index) / 2;
    else if (strcmp(topo, "contacts") == 0)
        pre = users * (double)scn_uint(s, "workload.graph.degree");
    out->mem_state += pre * 4600;
    out->events = joined + run->transfers * 8;     /* an HTLC message per event: 2 x ~4 */
    out->db_bytes = run->transfers * 120 + joined * 200;
    out->wall_s = run->transfers * (fast ? 1e-4 : 1e-3);
    out->wall_note = fast ? "0.1 ms per payment (fast signatures)"
                          : "1 ms per payment (Ed25519: 6 signed updates)";
}
