/* test_rollup_scheme.c — the optimistic rollup scheme in a world: users' deposits
 * reach L2 through the bridge after the L1 inclusion depth; the sequencer refuses a
 * transfer with a bad signature, a reused nonce or an overdraft, leaving the state as
 * it was, and executes a valid one, charging its fee to the fee recipient; the bridge's
 * books hold (escrow = L2 balances + deposits in flight, to the wei); every batch paid
 * exactly gas x (base fee + tip) + blobs x 131072 x the blob base fee of its block
 * (EIP-1559, EIP-4844). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/rollup/rollup_int.h"
#include "models/run/run.h"
#include "models/world.h"
#include "tests/world_fixture.h"

#define SECOND INT64_C(1000000)

static const char yaml[] =
    "name: rollup\nseed: 5\nduration: 20m\ncrypto: fast\n"
    "l1: {fork: prague, slot: 12s, finality_depth: 2, base_fee: {initial: 5gwei},"
    " demand: {rate: 50/block}}\n"
    "workload: {users: 50, transfers: {rate: 0.5/s}, willingness: {median: 0.002eth}}\n"
    "schemes: [{type: optimistic_rollup, max_channel_duration: 2m, claim_every: 30,"
    " challenge_window: 5m}]\n";

static struct world_fixture fx;

static int setup(void **state)
{
    (void)state;
    world_fixture_open(&fx, "rollup.yaml", yaml, "rollup");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    world_fixture_close(&fx);
    return 0;
}

static int64_t q_int(const char *sql) { return world_fixture_int(&fx, sql); }

/* A user with an L2 balance and no transfer of its own pending. */
static uint32_t funded_user(struct rollup *ru)
{
    for (uint32_t u = 0; u < ru->nusers; u++) {
        const struct account *a = state_account(ru->state, ROLLUP_USER_ACCOUNT(u));
        if (a && a->balance > 0 && ru->users[u] && ru->users[u]->pending_n == 0 &&
            !ru->users[u]->wait_head)
            return u;
    }
    fail_msg("no funded user");
    return 0;
}

/* A transfer of `amount` from u to v as u's wallet would sign it, offered to the
 * sequencer directly; tx_id marks its txs row. */
static struct ru_tx *make_tx(struct rollup *ru, uint32_t u, uint32_t v, u128 amount,
                             uint64_t nonce, uint64_t tx_id)
{
    struct ru_tx *t = calloc(1, sizeof *t + 64);
    t->rec = (struct tx_record){ .tx_id = tx_id, .from = u, .to = v, .value = amount,
                                 .submit = sim_now(fx.w->sim), .soft = -1, .include = -1,
                                 .final = -1, .status = "pending" };
    u128 l2, l1;
    seq_quote(ru, ru->tip, &l2, &l1);
    t->rec.l1_fee = l1, t->rec.l2_fee = l2;
    t->tx = (struct l2_transfer){ .chain_id = ru->chain_id, .from = ROLLUP_USER_ACCOUNT(u),
                                  .to = ROLLUP_USER_ACCOUNT(v), .amount = amount,
                                  .fee = l1 + l2, .nonce = nonce };
    transfer_sign(&t->tx, &ru->sig, &ru_user(ru, u)->kp);
    return t;
}

static void run_until(sim_time t) { sim_run(fx.w->sim, t, 0); }

/* The four fates of a transfer at the sequencer, each with the state judged before
 * and after. */
static void test_refusals(void **state)
{
    (void)state;
    struct rollup *ru = fx.w->schemes[0]->state;
    run_until(5 * 60 * SECOND);            /* deposits credited, blocks sealed */
    uint32_t u = funded_user(ru), v = (u + 1) % ru->nusers;
    const struct account *a = state_account(ru->state, ROLLUP_USER_ACCOUNT(u));
    u128 bal = a->balance;
    uint64_t nonce = a->nonce;
    u128 fees0 = state_account(ru->state, ROLLUP_FEE_ACCOUNT)->balance;

    /* a bad signature: one bit of the signature flipped; admitted (the pool does not
     * verify), refused at execution; nothing changes */
    struct ru_tx *bad = make_tx(ru, u, v, 1000, nonce, 900001);
    bad->tx.sig[5] ^= 0x10;
    seq_offer(ru, bad);
    sim_time next = sim_now(fx.w->sim) + ru->block_time;
    run_until(next);
    assert_int_equal(q_int("SELECT count(*) FROM txs WHERE tx_id = 900001 AND status = 'failed'"
                           " AND reason = 'refused: bad signature'"), 1);
    a = state_account(ru->state, ROLLUP_USER_ACCOUNT(u));
    assert_true(a->balance == bal);
    assert_int_equal(a->nonce, nonce);

    /* an overdraft: a wei more than the balance less the fee */
    struct ru_tx *over = make_tx(ru, u, v, 0, nonce, 900002);
    over->tx.amount = bal - over->tx.fee + 1;
    transfer_sign(&over->tx, &ru->sig, &ru_user(ru, u)->kp);
    seq_offer(ru, over);
    assert_int_equal(q_int("SELECT count(*) FROM txs WHERE tx_id = 900002 AND status = 'failed'"
                           " AND reason LIKE 'refused: overdraft%'"), 1);

    /* a valid one: the exact balance (amount + fee = balance) is not an overdraft */
    struct ru_tx *ok = make_tx(ru, u, v, 0, nonce, 900003);
    ok->tx.amount = bal - ok->tx.fee;
    u128 fee = ok->tx.fee;
    transfer_sign(&ok->tx, &ru->sig, &ru_user(ru, u)->kp);
    seq_offer(ru, ok);
    /* reused nonce: the same nonce again, while the first is pending */
    struct ru_tx *again = make_tx(ru, u, v, 1, nonce, 900004);
    seq_offer(ru, again);
    assert_int_equal(q_int("SELECT count(*) FROM txs WHERE tx_id = 900004 AND status = 'failed'"
                           " AND reason = 'refused: nonce reused'"), 1);
    run_until(sim_now(fx.w->sim) + ru->block_time);
    a = state_account(ru->state, ROLLUP_USER_ACCOUNT(u));
    assert_true(a->balance == 0);
    assert_int_equal(a->nonce, nonce + 1);
    /* the fee recipient got at least this fee (others' transfers too) */
    assert_true(state_account(ru->state, ROLLUP_FEE_ACCOUNT)->balance >= fees0 + fee);
    /* and once executed, that nonce is spent: reused */
    struct ru_tx *replay = make_tx(ru, u, v, 0, nonce, 900005);
    seq_offer(ru, replay);
    assert_int_equal(q_int("SELECT count(*) FROM txs WHERE tx_id = 900005 AND status = 'failed'"
                           " AND reason = 'refused: nonce reused'"), 1);

    struct inv_fail f;
    assert_int_equal(fx.w->schemes[0]->ops->check(fx.w->schemes[0], &f), 0);
}

/* The whole run: the world's end checks (the bridge's books against the state's own
 * sum, the receipts against the L1), batches on L1 with their rows, and what every
 * batch paid, to the wei. */
static void test_run_books(void **state)
{
    (void)state;
    run_until(fx.w->duration);
    if (world_finish(fx.w) != 0)
        fail_msg("%s", fx.w->failure);
    assert_true(q_int("SELECT count(*) FROM batches WHERE status IN ('included', 'final')") > 0);
    assert_int_equal(q_int("SELECT count(*) FROM batches b JOIN l1_txs l ON l.tx_id = b.l1_tx_id"
                           " AND l.run_id = b.run_id WHERE b.included_us IS NOT NULL AND"
                           " l.fee_wei <> b.l1_fee_wei"), 0);
    /* exact: gas x (base fee + tip) + blobs x 131072 x blob base fee, all of the
     * including block (fees here stay far below 2^63 wei, so SQLite's integers hold
     * them; tests/cli/rollup.sh checks the same where the blob base fee is high) */
    assert_int_equal(q_int("SELECT count(*) FROM batches b JOIN l1_blocks k ON"
                           " k.height = b.l1_height AND k.run_id = b.run_id JOIN l1_txs l ON"
                           " l.tx_id = b.l1_tx_id AND l.run_id = b.run_id WHERE"
                           " b.included_us IS NOT NULL AND CAST(b.l1_fee_wei AS INTEGER) <>"
                           " b.gas * (k.base_fee_per_gas + l.priority_fee_per_gas) +"
                           " b.blobs * 131072 * k.blob_base_fee"), 0);
    /* claims stood after their window: some transfers are final */
    assert_true(q_int("SELECT count(*) FROM txs WHERE status = 'final'") > 0);
    assert_true(q_int("SELECT count(*) FROM claims WHERE status = 'final'") > 0);
}

/* A validium's committee (3 members, threshold 2): with one withholder every
 * attestation also carries an honest member's signature and nothing is frozen; with
 * two, the operator attests with theirs alone and every L2 balance is frozen at that
 * batch, the value at risk being the L2 balances then (the books still hold). */
/* The contract's check of an attestation, from its calldata alone (committee.c):
 * threshold distinct members' valid signatures over this chain, this batch and this
 * data hash. A flipped signature bit, a signer counted twice, a non-member, another
 * batch's index, a cut entry: refused. */
static void check_attestation(struct rollup *ru)
{
    static const uint8_t data[] = "the compressed bytes of some batch";
    struct ru_batch b = { .sc = ru->sc, .index = 77 };
    uint8_t att[COMMITTEE_ATTESTATION_BYTES(2)], bad[sizeof att];
    size_t len = committee_attest(ru, &b, data, sizeof data, att, sizeof att);
    assert_int_equal(len, sizeof att);
    assert_true(committee_verify(ru, 77, att, len));
    assert_false(committee_verify(ru, 78, att, len));           /* another batch */
    memcpy(bad, att, len);
    bad[32 + COMMITTEE_ENTRY_BYTES + 2 + 5] ^= 0x10;             /* a signature bit */
    assert_false(committee_verify(ru, 77, bad, len));
    memcpy(bad, att, len);
    memcpy(bad + 32 + COMMITTEE_ENTRY_BYTES, att + 32, COMMITTEE_ENTRY_BYTES);  /* twice */
    assert_false(committee_verify(ru, 77, bad, len));
    memcpy(bad, att, len);
    bad[32 + COMMITTEE_ENTRY_BYTES] = 9;                         /* not a member (of 3) */
    assert_false(committee_verify(ru, 77, bad, len));
    memcpy(bad, att, len);
    bad[0] ^= 1;                                                 /* another data hash */
    assert_false(committee_verify(ru, 77, bad, len));
    assert_false(committee_verify(ru, 77, att, len - 1));        /* cut short */
}

static void run_validium(uint32_t withholders, bool *frozen, u128 *value, u128 *supply)
{
    static const char vy[] =
        "name: validium\nseed: 8\nduration: 30m\ncrypto: fast\n"
        "l1: {fork: prague, slot: 12s, finality_depth: 2, base_fee: {initial: 5gwei},"
        " demand: {rate: 50/block}}\n"
        "workload: {users: 60, transfers: {rate: 0.5/s}, willingness: {median: 0.002eth}}\n"
        "schemes: [{type: validium, committee: 3, threshold: 2, max_channel_duration: 3m,"
        " compression: zstd}]\n";
    world_fixture_open(&fx, "validium.yaml", vy, "validium");
    struct scheme *sc = fx.w->schemes[0];
    run_until(10 * 60 * SECOND);
    committee_withhold(sc, withholders);
    run_until(fx.w->duration);
    if (world_finish(fx.w) != 0)
        fail_msg("%s", fx.w->failure);
    sim_time since;
    *frozen = committee_frozen(sc, &since, value);
    *supply = state_supply(((struct rollup *)sc->state)->state);
    if (*frozen)
        assert_true(since >= 10 * 60 * SECOND);
    assert_true(q_int("SELECT count(*) FROM batches WHERE da = 'committee' AND"
                      " included_us IS NOT NULL") > 0);
    /* every attestation on L1: the hash and two (member index, signature) entries, each
     * accepted by the contract */
    assert_int_equal(q_int("SELECT count(*) FROM l1_txs WHERE kind = 'dac_attestation' AND"
                           " calldata_bytes <> 32 + 2 * (2 + 64)"), 0);
    assert_int_equal(q_int("SELECT count(*) FROM batches WHERE status = 'refused'"), 0);
    if (withholders == 1)
        check_attestation(sc->state);
    teardown(NULL);
}

static void test_validium_threshold(void **state)
{
    (void)state;
    bool frozen;
    u128 value, supply;
    run_validium(1, &frozen, &value, &supply);
    assert_false(frozen);
    run_validium(2, &frozen, &value, &supply);
    assert_true(frozen);
    assert_true(value > 0);   /* users had funds on L2 when it froze */
}

/* A sequencer censoring every user from 5 to 25 min: transfers get no soft
 * confirmation; after force_after (2 min) the wallets send them to the L1 inbox
 * (forced_tx), and the sequencing window (3 min after their L1 inclusion) forces them
 * into a block, or the honest sequencer takes them once the censoring is over: every
 * censored transfer executes by the end, none forced while censoring sooner than 5 min
 * after its submission, and each sender paid the L1 gas of forcing it. */
static void test_forced_inclusion(void **state)
{
    (void)state;
    static const char cy[] =
        "name: censor\nseed: 4\nduration: 40m\ncrypto: fast\n"
        "l1: {fork: prague, slot: 12s, finality_depth: 2, base_fee: {initial: 5gwei},"
        " demand: {rate: 50/block}}\n"
        "workload: {users: 40, transfers: {rate: 0.2/s}, willingness: {median: 0.002eth},"
        " withdrawals: {share: 0}}\n"
        "schemes: [{type: optimistic_rollup, force_after: 2m, forced_window: 3m,"
        " compression: zstd}]\n";
    world_fixture_open(&fx, "censor.yaml", cy, "censor");
    struct scheme *sc = fx.w->schemes[0];
    run_until(5 * 60 * SECOND);
    inbox_censor(sc, 25 * 60 * SECOND, 1.0);
    run_until(fx.w->duration);
    if (world_finish(fx.w) != 0)
        fail_msg("%s", fx.w->failure);
    struct sequencer_censorship st;
    inbox_stats(sc, &st);
    uint64_t censored = st.censored, forced = st.forced;
    sim_time wait = st.wait_sum;
    assert_true(censored > 0);
    assert_true(st.blocks > 0 && st.blocks <= censored);   /* L2 blocks it dropped from */
    /* censored until 25 min: each forced 2 min + L1 + 3 min later, all by 40 min */
    assert_int_equal(forced, censored);
    assert_true(wait >= (sim_time)forced * 2 * 60 * SECOND);     /* force_after each */
    assert_int_equal(q_int("SELECT count(*) FROM l1_txs WHERE kind = 'forced_tx' AND"
                           " status IN ('included', 'final')"), (int64_t)censored);
    /* forced by 22 min, while still censored: soft only after force_after (2 min) + the
     * L1 inclusion + the 3 min window */
    assert_int_equal(q_int("SELECT count(*) FROM txs WHERE submit_us >= 300000000 AND"
                           " submit_us < 1200000000 AND soft_us - submit_us < 300000000"), 0);
    assert_true(q_int("SELECT count(*) FROM txs WHERE submit_us >= 300000000 AND"
                      " submit_us < 1200000000 AND soft_us IS NOT NULL") > 0);
    teardown(NULL);
}

/* A block holding one transfer (gas_limit 21000): offered a low-tip transfer, then a
 * high-tip one, a sequencer ordering by priority fee executes the high tip first; in
 * arrival order (fifo) the low one. */
static sim_time soft_of(uint64_t tx_id)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT soft_us FROM txs WHERE tx_id = %llu",
             (unsigned long long)tx_id);
    return q_int(sql);
}

static void priority_case(const char *order, bool high_first)
{
    char y[1024];
    snprintf(y, sizeof y,
             "name: order\nseed: 6\nduration: 8m\ncrypto: fast\n"
             "l1: {fork: prague, slot: 12s, finality_depth: 2, base_fee: {initial: 5gwei},"
             " demand: {rate: 50/block}}\n"
             "workload: {users: 30, transfers: {rate: 0.05/s}, willingness: {median: 0.01eth}}\n"
             "schemes: [{type: optimistic_rollup, gas_limit: 21000, order: %s}]\n", order);
    world_fixture_open(&fx, "order.yaml", y, "order");
    struct rollup *ru = fx.w->schemes[0]->state;
    run_until(4 * 60 * SECOND);
    uint32_t a = funded_user(ru);
    ru_user(ru, a)->pending_n = 1;            /* keep funded_user from picking a again */
    uint32_t b = funded_user(ru);
    ru_user(ru, a)->pending_n = 0;
    const struct account *aa = state_account(ru->state, ROLLUP_USER_ACCOUNT(a));
    const struct account *ab = state_account(ru->state, ROLLUP_USER_ACCOUNT(b));
    struct ru_tx *low = make_tx(ru, a, b, 1000, aa->nonce, 910001);
    struct ru_tx *high = make_tx(ru, b, a, 1000, ab->nonce, 910002);
    low->tip = ru->tip;
    high->tip = 10 * ru->urgent_tip;
    seq_offer(ru, low);
    seq_offer(ru, high);
    run_until(fx.w->duration);
    if (world_finish(fx.w) != 0)
        fail_msg("%s", fx.w->failure);
    sim_time sl = soft_of(910001), sh = soft_of(910002);
    assert_true(sl > 0 && sh > 0);
    if (high_first)
        assert_true(sh < sl);
    else
        assert_true(sl < sh);
    teardown(NULL);
}

/* A user's deposit or payout resent after the L1 pool let it go bids more each time,
 * but never more per gas than resend_max_fee, nor than the value it moves over its
 * gas: at its cap the whole fee is at most the value (paying more than the value to
 * move it buys nothing). Its first send is a wallet's usual bid, uncapped. A value
 * below its gas in wei still caps at 1 wei (a cap of 0 is "no cap"). */
static void test_user_resend_caps(void **state)
{
    (void)state;
    const uint64_t gwei = 1000000000u, gas = 81000;   /* a deposit: 21000 + 60000 */
    struct rollup ru;
    memset(&ru, 0, sizeof ru);
    ru.resend_max_fee = 10000 * gwei;
    struct l1_fee_policy f = ru_user_bid(&ru, 0, (u128)gwei * gwei, gas);
    assert_int_equal(f.cap, 0);
    assert_int_equal(f.mult_pct, 200);
    assert_int_equal(f.tip, gwei);
    /* 1 ETH over 81000 gas: 12,345,679 gwei a gas, above the configured cap */
    f = ru_user_bid(&ru, 1, (u128)gwei * gwei, gas);
    assert_int_equal(f.cap, 10000 * gwei);
    assert_true(f.mult_pct == 300 && f.tip == gwei * 3 / 2);
    /* 0.0001 ETH: 1,234,567,901 wei a gas, below it; gas x cap <= the value */
    u128 small = (u128)100000 * gwei;
    for (uint32_t n = 1; n <= 5; n++) {
        f = ru_user_bid(&ru, n, small, gas);
        assert_int_equal(f.cap, (uint64_t)(small / gas));
        assert_true((u128)gas * f.cap <= small && (u128)gas * (f.cap + 1) > small);
        assert_int_equal(f.mult_pct, 200 + 100 * n);
    }
    f = ru_user_bid(&ru, 2, 80000, gas);
    assert_int_equal(f.cap, 1);
}

static void test_priority_order(void **state)
{
    (void)state;
    priority_case("priority", true);
    priority_case("fifo", false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_books, setup, teardown),
        cmocka_unit_test(test_validium_threshold),
        cmocka_unit_test(test_forced_inclusion),
        cmocka_unit_test(test_priority_order),
        cmocka_unit_test(test_user_resend_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
