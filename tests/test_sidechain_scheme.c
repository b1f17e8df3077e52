/* test_sidechain_scheme.c — the `sidechain` scheme in a world (models/sidechain/
 * scheme_sidechain.c): blocks commit by signed votes at the block time, deposits are
 * minted only after their L1 transaction is final, transfers pay the sidechain's
 * EIP-1559 price, checkpoints and withdrawal releases carry more than 2/3 of the stake
 * in verified signatures and pay 3000 gas per signature, money is conserved (the
 * scheme's check at the end), and a rerun gives the same chain. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/run/run.h"
#include "models/world.h"
#include "tests/world_fixture.h"
#include "sim/money.h"

/* 4 validators of stakes 4, 3, 2, 1 (x 1000 ETH): quorum needs more than 6.67 of 10,
 * so {4, 3} (7) is enough and {4, 2} (6) is not. L1 finality after 4 slots. */
static const char yaml[] =
    "name: sc\nseed: 5\nduration: 40m\n"
    "l1: {fork: prague, slot: 12s, finality_depth: 4, base_fee: {initial: 5gwei},"
    " demand: {rate: 100/block}}\n"
    "workload: {users: 60, transfers: {rate: 0.2/s}, willingness: {median: 0.01eth},"
    " withdrawals: {share: 50%, after: 5m}}\n"
    "schemes: [{type: sidechain, validators: 4, stakes: [4000eth, 3000eth, 2000eth, 1000eth],"
    " checkpoint_interval: 4m, block_time: 2s}]\n";

static struct world_fixture fx;

/* The whole run of `text`'s sidechain world, finished (every invariant checked) and
 * freed; its database stays for the test's queries. */
static void run_world(const char *text)
{
    world_fixture_open(&fx, "sc.yaml", text, "sc");
    struct world *w = fx.w;
    sim_run(w->sim, w->duration, 0);
    if (world_finish(w) != 0)                     /* every invariant, the scheme's too */
        fail_msg("%s", w->failure);
    world_free(w);
    fx.w = NULL;
}

static int teardown(void **state)
{
    (void)state;
    world_fixture_close(&fx);
    return 0;
}

static int64_t q_int(const char *sql) { return world_fixture_int(&fx, sql); }

static char *q_text(const char *sql)
{
    static char buf[4096];
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store_db(fx.st), sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("bad SQL: %s: %s", sql, sqlite3_errmsg(store_db(fx.st)));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(buf, sizeof buf, "%s", t ? (const char *)t : "");
    sqlite3_finalize(st);
    return buf;
}

static void test_chain_bridge_and_fees(void **state)
{
    (void)state;
    run_world(yaml);
    /* heights 1..n without a gap, a block every block_time (2 s) plus three message
     * delays (median 50 ms): in 40 minutes about 1100 blocks, none slower than 3 s
     * with every validator up, all decided in round 0 */
    int64_t n = q_int("SELECT count(*) FROM sidechain_blocks");
    assert_true(n > 1000 && n < 1200);
    assert_int_equal(q_int("SELECT max(height) FROM sidechain_blocks"), n);
    assert_int_equal(q_int("SELECT count(*) FROM sidechain_blocks WHERE height > 1 AND"
                           " (interval_us < 2000000 OR interval_us > 3000000)"), 0);
    assert_int_equal(q_int("SELECT max(round) FROM sidechain_blocks"), 0);
    /* proposers in proportion to stake: validator 0 (40%) proposes more than 3 (10%) */
    assert_true(q_int("SELECT count(*) FROM sidechain_blocks WHERE proposer = 0") >
                2 * q_int("SELECT count(*) FROM sidechain_blocks WHERE proposer = 3"));

    /* a deposit is minted only once its L1 transaction is final: 4 slots after the
     * including block (l1.finality_depth), by the next sidechain block */
    int64_t deposits = q_int("SELECT count(*) FROM sidechain_bridge WHERE event = 'deposit'");
    assert_true(deposits > 20);
    assert_int_equal(q_int("SELECT count(*) FROM sidechain_bridge d JOIN l1_txs t ON"
                           " t.tx_id = d.l1_tx_id AND t.run_id = d.run_id JOIN sidechain_bridge m"
                           " ON m.event = 'mint' AND m.number = d.number WHERE d.event ="
                           " 'deposit' AND m.at_us >= t.include_us + 4 * 12000000 AND"
                           " m.at_us < t.include_us + 4 * 12000000 + 5000000"),
                     q_int("SELECT count(*) FROM sidechain_bridge WHERE event = 'mint'"));
    assert_true(q_int("SELECT count(*) FROM sidechain_bridge WHERE event = 'mint'") > 15);

    /* a transfer pays 21000 x (its block's base fee + the 1.5 Mwei tip), soft at the
     * block's commit, included and final with the checkpoint covering it */
    assert_true(q_int("SELECT count(*) FROM txs WHERE status = 'final'") > 100);
    assert_int_equal(q_int("SELECT count(*) FROM txs t JOIN sidechain_blocks b ON"
                           " b.commit_us = t.soft_us WHERE t.status = 'final' AND"
                           " CAST(t.l2_fee_wei AS INTEGER) <> 21000 * (b.base_fee_per_gas + 1500000)"),
                     0);
    assert_int_equal(q_int("SELECT count(*) FROM txs t LEFT JOIN sidechain_blocks b ON"
                           " b.commit_us = t.soft_us WHERE t.status = 'final' AND b.height IS NULL"), 0);
    assert_int_equal(q_int("SELECT count(*) FROM txs WHERE status = 'final' AND NOT"
                           " (submit_us <= soft_us AND soft_us < include_us AND include_us <"
                           " final_us AND CAST(l1_fee_wei AS INTEGER) = 0)"), 0);

    /* checkpoints: consecutive ranges, each signed by every validator (all online),
     * gas 21000 + calldata + 4 x 3000 (ecrecover, Yellow Paper App. E) + 20000 */
    assert_true(q_int("SELECT count(*) FROM sidechain_checkpoints WHERE status = 'final'") >= 5);
    assert_int_equal(q_int("SELECT count(*) FROM sidechain_checkpoints c JOIN"
                           " sidechain_checkpoints p ON p.checkpoint = c.checkpoint - 1 WHERE"
                           " c.start_height <> p.end_height + 1"), 0);
    assert_int_equal(q_int("SELECT count(*) FROM sidechain_checkpoints c JOIN l1_txs t ON"
                           " t.tx_id = c.l1_tx_id WHERE t.kind = 'checkpoint' AND c.signers = 4"
                           " AND t.gas = c.gas_used AND t.gas > 21000 + 4 * 3000 + 20000"),
                     q_int("SELECT count(*) FROM sidechain_checkpoints"));

    /* releases: the first validators by index until more than 2/3 of the stake, here
     * 4000 + 3000 = 70%: two signatures, 2 x 3000 + 20000 execution gas */
    int64_t released = q_int("SELECT count(*) FROM sidechain_bridge WHERE event = 'release'");
    assert_true(released >= 3);
    assert_int_equal(q_int("SELECT count(*) FROM sidechain_bridge WHERE event = 'release' AND"
                           " signers = 2 AND abs(signed_stake - 0.7) < 1e-9"), released);
    assert_int_equal(q_int("SELECT count(*) FROM sidechain_bridge r JOIN l1_txs t ON t.tx_id ="
                           " r.l1_tx_id WHERE r.event = 'release' AND t.kind = 'withdrawal' AND"
                           " t.gas >= 21000 + 2 * 3000 + 20000"), released);
    /* a release follows its burn and the checkpoint that covers the burn's block */
    assert_int_equal(q_int("SELECT count(*) FROM sidechain_bridge r JOIN sidechain_bridge b ON"
                           " b.event = 'burn' AND b.number = r.number WHERE r.event = 'release'"
                           " AND NOT EXISTS (SELECT 1 FROM sidechain_checkpoints c WHERE"
                           " c.end_height >= b.height AND c.included_us <= r.at_us)"), 0);
    /* the escrow after the last event = deposits locked - released */
    assert_string_equal(q_text("SELECT escrow_wei FROM sidechain_bridge ORDER BY rowid DESC LIMIT 1"),
                        q_text("SELECT CAST((SELECT coalesce(sum(CAST(amount_wei AS REAL)), 0) FROM"
                               " sidechain_bridge WHERE event = 'deposit') - (SELECT"
                               " coalesce(sum(CAST(amount_wei AS REAL)), 0) FROM sidechain_bridge"
                               " WHERE event = 'release') AS INTEGER)"));
}

/* FNV-1a over every row's text of a query: a digest of a table's content. */
static uint64_t q_digest(const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store_db(fx.st), sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("bad SQL: %s", sql);
    uint64_t h = 1469598103934665603ull;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        for (; t && *t; t++)
            h = (h ^ *t) * 1099511628211ull;
        h = (h ^ '\n') * 1099511628211ull;
    }
    sqlite3_finalize(st);
    return h;
}

/* The same scenario twice: the same chain, hash for hash, the same txs rows and
 * bridge events. */
static void test_rerun_identical(void **state)
{
    (void)state;
    static const char *const sql[] = {
        "SELECT hash || ':' || proposer || ':' || round || ':' || commit_us FROM"
        " sidechain_blocks ORDER BY height",
        "SELECT tx_id || ':' || status || ':' || coalesce(soft_us, -1) || ':' ||"
        " coalesce(final_us, -1) || ':' || coalesce(l2_fee_wei, '') FROM txs ORDER BY tx_id",
        "SELECT event || ':' || number || ':' || at_us || ':' || amount_wei || ':' || escrow_wei"
        " FROM sidechain_bridge ORDER BY rowid",
    };
    static const char short_yaml[] =
        "name: sc\nseed: 9\nduration: 10m\n"
        "l1: {fork: prague, finality_depth: 2, demand: {rate: 50/block}}\n"
        "workload: {users: 30, transfers: {rate: 0.5/s}, willingness: {median: 0.01eth}}\n"
        "schemes: [{type: sidechain, validators: 5, checkpoint_interval: 2m}]\n";
    uint64_t first[3];
    run_world(short_yaml);
    assert_true(q_int("SELECT count(*) FROM sidechain_blocks") > 200);
    assert_true(q_int("SELECT count(*) FROM txs WHERE soft_us IS NOT NULL") > 100);
    for (int i = 0; i < 3; i++)
        first[i] = q_digest(sql[i]);
    teardown(NULL);
    run_world(short_yaml);
    for (int i = 0; i < 3; i++)
        assert_true(first[i] == q_digest(sql[i]));
}

/* Liveness needs more than 2/3 of the stake: 6 equal validators, 2 offline (exactly
 * 1/3) from 5 to 10 minutes: nothing commits after the last block in flight until they
 * return, then the chain resumes; 1 offline (1/6): blocks go on, the rounds whose
 * proposer is the offline one time out (timeout_propose) and take a second round. */
static const char outage_yaml[] =
    "name: sc\nseed: 3\nduration: 15m\n"
    "l1: {fork: prague, finality_depth: 2, demand: {rate: 50/block}}\n"
    "workload: {users: 30, transfers: {rate: 0.2/s}, willingness: {median: 0.01eth}}\n"
    "schemes: [{type: sidechain, validators: 6}]\n"
    "adversaries: [{type: validator_outage, target: sidechain, validators: %d, at: 5m, for: 5m}]\n";

static void test_outage_halts_at_one_third(void **state)
{
    (void)state;
    char text[sizeof outage_yaml + 8];
    snprintf(text, sizeof text, outage_yaml, 2);
    run_world(text);
    /* the last block before the outage commits at most a few seconds after 5m */
    assert_int_equal(q_int("SELECT count(*) FROM sidechain_blocks WHERE commit_us >= 305000000"
                           " AND commit_us < 600000000"), 0);
    assert_true(q_int("SELECT count(*) FROM sidechain_blocks WHERE commit_us >= 600000000") > 100);
    assert_true(q_int("SELECT max(interval_us) FROM sidechain_blocks") > 290000000);
    assert_int_equal(q_int("SELECT count(*) FROM attacks WHERE type = 'validator_outage' AND"
                           " blocks_affected <= 1 AND resolved_us >= 600000000 AND"
                           " resolved_us < 620000000 AND detail LIKE '%chain halts%'"), 1);
}

static void test_outage_below_one_third_goes_on(void **state)
{
    (void)state;
    char text[sizeof outage_yaml + 8];
    snprintf(text, sizeof text, outage_yaml, 1);
    run_world(text);
    int64_t during = q_int("SELECT count(*) FROM sidechain_blocks WHERE commit_us >= 300000000"
                           " AND commit_us < 600000000");
    assert_true(during > 80);
    /* validator 0 holds 1/6 of the stake: about one round in six is its to propose */
    assert_true(q_int("SELECT count(*) FROM sidechain_blocks WHERE commit_us >= 300000000"
                      " AND commit_us < 600000000 AND round >= 1") > during / 20);
    assert_int_equal(q_int("SELECT count(*) FROM sidechain_blocks WHERE commit_us < 300000000"
                           " AND round >= 1"), 0);
    assert_true(q_int("SELECT max(interval_us) FROM sidechain_blocks") < 15000000);
}

/* Safety below 1/3: validator 0 of stakes {3, 3, 2, 2, 2} (25%) equivocates from the
 * first minute: it signs two proposals for its rounds and votes for both. The run
 * ends with the scheme's check passing (no decision of any validator differs from the
 * committed block) and the attacks row counts the conflicting messages. */
static void test_equivocation_below_one_third(void **state)
{
    (void)state;
    static const char text[] =
        "name: sc\nseed: 4\nduration: 10m\n"
        "l1: {fork: prague, finality_depth: 2, demand: {rate: 50/block}}\n"
        "workload: {users: 30, transfers: {rate: 0.5/s}, willingness: {median: 0.01eth}}\n"
        "schemes: [{type: sidechain, validators: 5, stakes: [3000eth, 3000eth, 2000eth,"
        " 2000eth, 2000eth]}]\n"
        "adversaries: [{type: equivocation, target: sidechain, validators: 1, at: 1m}]\n";
    run_world(text);
    assert_int_equal(q_int("SELECT count(*) FROM attacks WHERE type = 'equivocation' AND"
                           " detected = 1 AND blocks_affected = 0 AND detail LIKE"
                           " '%; 0 decisions conflicted%'"), 1);
    int64_t sent;
    assert_int_equal(sscanf(q_text("SELECT detail FROM attacks"),
                            "1 validators holding 25.0%% of the stake sent %" SCNd64, &sent), 1);
    assert_true(sent > 50);
    /* its rounds cost a round change (the split proposal gathers no quorum) */
    assert_true(q_int("SELECT count(*) FROM sidechain_blocks WHERE commit_us > 60000000 AND"
                      " round >= 1") > 5);
    assert_true(q_int("SELECT count(*) FROM sidechain_blocks") > 150);
}

/* The bridge counts signatures, nothing else: a withdrawal never burned, signed by 5 of
 * 7 equal validators (71.4% > 2/3), empties the escrow; by 4 of 7 (57.1%) it is
 * refused. Either way the attacker paid the L1 gas: 21000 + calldata + 3000 per
 * signature + 20000. */
static const char takeover_yaml[] =
    "name: sc\nseed: 6\nduration: 20m\n"
    "l1: {fork: prague, finality_depth: 2, demand: {rate: 50/block}}\n"
    "workload: {users: 40, transfers: {rate: 0.2/s}, willingness: {median: 0.01eth}}\n"
    "schemes: [{type: sidechain, validators: 7}]\n"
    "adversaries: [{type: bridge_takeover, target: sidechain, validators: %d, at: 10m}]\n";

static void test_bridge_takeover_above_two_thirds(void **state)
{
    (void)state;
    char text[sizeof takeover_yaml + 8];
    snprintf(text, sizeof text, takeover_yaml, 5);
    run_world(text);
    assert_int_equal(q_int("SELECT count(*) FROM attacks WHERE type = 'bridge_takeover' AND"
                           " value_lost_wei = value_at_risk_wei AND CAST(value_lost_wei AS REAL)"
                           " > 1e18 AND CAST(cost_wei AS REAL) > 0 AND resolved_us IS NULL"), 1);
    assert_int_equal(q_int("SELECT count(*) FROM sidechain_bridge WHERE event = 'forged_release'"
                           " AND signers = 5"), 1);
    assert_int_equal(q_int("SELECT count(*) FROM l1_txs t JOIN sidechain_bridge b ON"
                           " b.l1_tx_id = t.tx_id AND b.event = 'forged_release' WHERE"
                           " t.kind = 'withdrawal' AND t.exec_gas = 5 * 3000 + 20000"), 1);
    /* drained: the escrow is empty after it */
    assert_string_equal(q_text("SELECT escrow_wei FROM sidechain_bridge WHERE event ="
                               " 'forged_release'"), "0");
}

static void test_bridge_takeover_below_two_thirds(void **state)
{
    (void)state;
    char text[sizeof takeover_yaml + 8];
    snprintf(text, sizeof text, takeover_yaml, 4);
    run_world(text);
    assert_int_equal(q_int("SELECT count(*) FROM attacks WHERE type = 'bridge_takeover' AND"
                           " value_lost_wei = '0' AND CAST(value_at_risk_wei AS REAL) > 1e18"
                           " AND detail LIKE '%refused it (below_quorum)%'"), 1);
    assert_int_equal(q_int("SELECT count(*) FROM sidechain_bridge WHERE event = 'forged_refused'"
                           " AND signers = 4 AND abs(signed_stake - 4.0 / 7) < 1e-9"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_chain_bridge_and_fees, teardown),
        cmocka_unit_test_teardown(test_rerun_identical, teardown),
        cmocka_unit_test_teardown(test_outage_halts_at_one_third, teardown),
        cmocka_unit_test_teardown(test_outage_below_one_third_goes_on, teardown),
        cmocka_unit_test_teardown(test_equivocation_below_one_third, teardown),
        cmocka_unit_test_teardown(test_bridge_takeover_above_two_thirds, teardown),
        cmocka_unit_test_teardown(test_bridge_takeover_below_two_thirds, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
