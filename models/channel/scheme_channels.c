/* scheme_channels.c — the scheme `channels`: a payment-channel network carrying the
 * workload's transfers. Users map to nodes; a user's channel is funded by an L1
 * transaction paid from the user's L1 account (kind channel_open, BOLT-2 funding with
 * the hub's inbound share dual-funded as in BOLT-2 open_channel2) and usable
 * `min_depth` blocks after inclusion (BOLT-2 minimum_depth). Each transfer is a
 * multi-hop HTLC payment (payment.c) over routes found by the sender (route.c), every
 * hop two updates signed by both parties and verified by the receiver (channel.c).
 * A user's withdrawal, or `close_at`, closes its channel cooperatively with one L1
 * transaction (kind channel_close, BOLT-2 closing_signed) that pays both sides out.
 *
 * Topologies: `hub` (each user has one channel to hub user % hubs; the hubs are
 * connected in a full mesh of channels opened before the run, as a Lightning service
 * provider's wallets are), or `csv` (a graph file in l2sim's format, or a CLoTH-format
 * directory such as the Lightning snapshot, every channel opened before the run; user
 * u is node u % nodes), or
 * generated (scale_free, small_world, contacts: scheme_channels_topo.c; the same as
 * csv once built).
 *
 * Money: channel amounts are msat (graph.h: 1 msat = 1e7 wei); a transfer delivers
 * its value rounded down to the msat (the sub-msat rest never leaves the sender's L1
 * account). The invariant (check): what the channel contract holds in escrow equals
 * what was funded minus what was paid out, equals the sum of the live channels'
 * capacities, and every channel touched since the last check holds balances + HTLCs
 * = capacity; the scheme's receipts are what the L1 charged it. */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/channel/offline.h"
#include "models/channel/payment.h"
#include "models/channel/scheme_channels.h"
#include "models/channel/topology.h"
#include "models/crypto/sig_pool.h"
#include "models/l1/l1.h"
#include "models/workload/users.h"
#include "sim/fault.h"
#include "sim/money.h"

#define WEI_PER_MSAT GRAPH_WEI_PER_MSAT

/* hub: users' channels funded in the run; the others: a graph whose channels all
 * exist before the run (loaded, generated, or along the payment graph) */
enum topo { TOPO_HUB, TOPO_CSV, TOPO_SCALE_FREE, TOPO_SMALL_WORLD, TOPO_CONTACTS };
enum chan_state { CH_NONE, CH_OPENING, CH_OPEN, CH_CLOSING, CH_CLOSED };
static const char *const chan_state_name[] = { "none", "opening", "open", "closing", "closed" };

static const struct scn_param params[] = {
    { "schemes[channels].topology", SCN_ENUM, "hub", NULL, NULL,
      "hub|csv|scale_free|small_world|contacts", 0,
      "hub: each user's one channel to hub (user mod hubs), hubs in a full mesh; csv: the "
      "graph in `graph` (l2sim's format or CLoTH's); scale_free: `generate.nodes` nodes wired by "
      "preferential attachment (Barabasi-Albert); small_world: a rewired ring lattice "
      "(Watts-Strogatz); contacts: a channel along each link of the workload's payment "
      "graph (workload.recipients: graph), one node per user. Except hub, every channel "
      "exists before the run and user u is node u mod nodes" },
    { "schemes[channels].generate.nodes", SCN_UINT, "1000", "3", "10000000", NULL, 0,
      "scale_free and small_world: nodes of the generated graph" },
    { "schemes[channels].generate.attach", SCN_UINT, "2", "1", "1000", NULL, 0,
      "scale_free: m, the channels each joining node opens to existing nodes picked by "
      "degree (after a clique of m + 1 nodes)" },
    { "schemes[channels].generate.neighbors", SCN_UINT, "4", "2", "1000", NULL, 0,
      "small_world: k, each node's channels in the ring lattice before rewiring (even, "
      "below nodes)" },
    { "schemes[channels].generate.rewire", SCN_FRACTION, "10%", "0", "100", NULL, 0,
      "small_world: p, the chance each lattice channel's far end moves to a uniform node" },
    { "schemes[channels].generate.capacity.median", SCN_AMOUNT, "0.1eth", "1wei",
      "10000eth", NULL, 0, "scale_free, small_world, contacts: each channel's capacity is "
      "lognormal with this median (rounded down to the msat), split evenly between its "
      "two sides" },
    { "schemes[channels].generate.capacity.sigma", SCN_REAL, "1", "0", "5", NULL, 0,
      "the capacity's lognormal sigma" },
    { "schemes[channels].generate.fee_sigma", SCN_REAL, "0", "0", "5", NULL, 0,
      "scale_free, small_world, contacts: each direction's fee_base_msat and "
      "fee_proportional_millionths are the keys' values times lognormal(0, this), drawn "
      "per channel (0: every edge advertises the same policy)" },
    { "schemes[channels].hubs", SCN_UINT, "4", "1", "1000", NULL, 0,
      "hub topology: number of hubs (a Lightning service provider's nodes)" },
    { "schemes[channels].hub_capacity", SCN_AMOUNT, "1000eth", "0wei", "10000000eth", NULL, 0,
      "hub topology: each side of every hub-to-hub channel (opened before the run)" },
    { "schemes[channels].hub_funds", SCN_AMOUNT, "100000eth", "0wei", "1000000000eth", NULL, 0,
      "hub topology: each hub's L1 capital for inbound liquidity and closes it pays" },
    { "schemes[channels].inbound", SCN_FRACTION, "100%", "0", "100", NULL, 0,
      "hub topology: the hub's side of a user's channel, as a share of the user's funding "
      "(dual-funded, BOLT-2 open_channel2)" },
    { "schemes[channels].graph", SCN_PATH, NULL, NULL, NULL, NULL, SCN_OPTIONAL,
      "csv topology: a file in l2sim's channel graph format (one line per channel, README "
      "\"Channel graph files\"; scenarios/channels/example.csv), or a directory of "
      "nodes_ln.csv, channels_ln.csv, edges_ln.csv (CLoTH format)" },
    { "schemes[channels].graph_prefix", SCN_STR, NULL, NULL, NULL, NULL, SCN_OPTIONAL,
      "csv topology, a CLoTH directory: file names PREFIXnodes.csv, PREFIXchannels.csv, "
      "PREFIXedges.csv instead (\"example-\" for scenarios/channels/; empty: the snapshot's "
      "*_ln.csv)" },
    { "schemes[channels].min_depth", SCN_UINT, "3", "1", "10000", NULL, 0,
      "L1 blocks a funding transaction must be buried before the channel is used (BOLT-2 "
      "minimum_depth, counted in this L1's blocks: 3 = 36 s at 12 s slots, where LND's 3 "
      "Bitcoin blocks are ~30 min)" },
    { "schemes[channels].max_attempts", SCN_UINT, "10", "1", "64", NULL, 0,
      "routes a sender tries for one payment, excluding each failed channel" },
    { "schemes[channels].min_route_probability", SCN_FRACTION, "1%", "0", "100", NULL, 0,
      "routes whose a-priori success probability (0.95 for the sender's own channel, 0.6 "
      "for each other hop, as LND) is below this are not tried: LND's MinRouteProbability "
      "(1%: at most 9 hops); 0 tries any length" },
    { "schemes[channels].mpp", SCN_BOOL, "false", NULL, NULL, NULL, 0,
      "multi-part payments (BOLT-4 basic MPP, as CLoTH's mpp=1): a payment no route can carry "
      "whole is split in two parts under one payment hash, each routed and retried on its "
      "own; the recipient settles only once both arrived (total_msat) and fails the one "
      "that arrived back if the other fails" },
    { "schemes[channels].fee_base_msat", SCN_UINT, "1000", "0", "4294967295", NULL, 0,
      "hub and generated topologies: every channel's advertised base fee (BOLT-7; LND's default 1000 msat)" },
    { "schemes[channels].fee_proportional_millionths", SCN_UINT, "1", "0", "4294967295", NULL, 0,
      "hub and generated topologies: advertised proportional fee in millionths (BOLT-7; LND's default 1)" },
    { "schemes[channels].htlc_minimum_msat", SCN_UINT, "1", "0", "2100000000000000000", NULL, 0,
      "hub and generated topologies: smallest HTLC a channel forwards (BOLT-7 htlc_minimum_msat)" },
    { "schemes[channels].cltv_expiry_delta", SCN_UINT, "80", "0", "65535", NULL, 0,
      "hub and generated topologies: blocks of timelock each forwarding hop adds (BOLT-7; LND's default 80)" },
    { "schemes[channels].max_accepted_htlcs", SCN_UINT, "483", "1", "483", NULL, 0,
      "every node's max_accepted_htlcs (BOLT-2 open_channel/accept_channel): the HTLCs its "
      "peer may have offered to it at once on one channel, so each direction of a channel "
      "holds up to this many (at most 483, BOLT-2's limit and LND's default; Core "
      "Lightning and Eclair announce 30); a full direction refuses the next HTLC (failure "
      "'a hop's HTLC slots were full')" },
    { "schemes[channels].final_cltv_expiry_delta", SCN_UINT, "18", "0", "65535", NULL, 0,
      "the recipient's min_final_cltv_expiry_delta (BOLT-11 default 18)" },
    { "schemes[channels].max_total_cltv", SCN_UINT, "2016", "1", "65535", NULL, 0,
      "routes locking funds for more blocks are refused (LND's default 2016)" },
    { "schemes[channels].hop_latency", SCN_DURATION, "50ms", "0s", "1h", NULL, 0,
      "median time for one HTLC message (add, fulfill or fail on one hop) to be sent and "
      "both parties to sign the new state, drawn per message (lognormal, sigma 0.5): the "
      "network, the only random part; a payment of n hops takes 2n of them" },
    { "schemes[channels].open_gas", SCN_GAS, "93400", "0", "16000000", NULL, 0,
      "execution gas of the channel contract's open: 4 new storage slots (EIP-2929 cold "
      "SSTORE 22100 each) and a log" },
    { "schemes[channels].close_gas", SCN_GAS, "35000", "0", "16000000", NULL, 0,
      "execution gas of a cooperative close: 2 signature checks (3000 each, as ecrecover), "
      "2 value transfers (9000 each), 4 slots cleared net of the EIP-3529 refund" },
    { "schemes[channels].tip", SCN_AMOUNT, "1gwei", "0wei", "10000gwei", NULL, 0,
      "max priority fee per gas of the channel's L1 transactions" },
    { "schemes[channels].max_fee_multiplier", SCN_REAL, "2", "1", "100", NULL, 0,
      "their max fee per gas = base fee at submission x this + tip" },
    { "schemes[channels].to_self_delay", SCN_DURATION, "1d", "1s", "365d", NULL, 0,
      "the dispute period: how long a unilateral close waits after the post's block before "
      "it pays out, in which a revoked state can be answered with the penalty (BOLT-2 "
      "to_self_delay, there in Bitcoin blocks: LND's default 144 blocks is ~1 day); rounded "
      "up to whole L1 slots" },
    { "schemes[channels].watchtower", SCN_BOOL, "false", NULL, NULL, NULL, 0,
      "users have a watchtower: a revoked state is answered at once even while the user "
      "is offline (BOLT-13 draft)" },
    { "schemes[channels].force_close_gas", SCN_GAS, "60000", "0", "16000000", NULL, 0,
      "execution gas of posting a signed state: 2 signature checks and the posted state's "
      "2 slots" },
    { "schemes[channels].penalty", SCN_BOOL, "true", NULL, NULL, NULL, 0,
      "true: a revoked state posted on L1 is answered with the penalty and the cheater "
      "forfeits the whole channel (BOLT-3 revocation, BOLT-5 revoked transaction close); "
      "false: it is answered with the newer state both signed (kind channel_update), which "
      "restarts the dispute period and is then paid as signed: the cheater keeps its own "
      "balance of the newest state and loses only its fees (eltoo's update and settlement "
      "transactions)" },
    { "schemes[channels].penalty_gas", SCN_GAS, "40000", "0", "16000000", NULL, 0,
      "execution gas of the penalty: one hash of the revealed secret, one value transfer, "
      "slots cleared" },
    { "schemes[channels].claim_gas", SCN_GAS, "30000", "0", "16000000", NULL, 0,
      "execution gas of claiming a unilateral close after the dispute period" },
    { "schemes[channels].penalty_tip", SCN_AMOUNT, "2gwei", "0wei", "100000gwei", NULL, 0,
      "max priority fee per gas of the penalty transaction" },
    { "schemes[channels].penalty_fee_share", SCN_FRACTION, "50%", "0.1%", "100%", NULL, 0,
      "the penalty's bid: its max fee per gas rises (25% every block it waits) up to this "
      "share of what the penalty recovers (the channel's capacity less what the posted "
      "state pays the victim) divided by its gas: a rational victim or watchtower pays up "
      "to a share of the money at stake" },
    { "schemes[channels].penalty_max_fee", SCN_AMOUNT, NULL, "1wei", "10000000gwei", NULL,
      SCN_OPTIONAL, "a wallet ceiling on the penalty's max fee per gas below the "
      "value-at-risk rule (default: none)" },
    { "schemes[channels].offline.share", SCN_FRACTION, "0%", "0", "100", NULL, 0,
      "faulty nodes: the share of nodes (hub topology: of users' nodes; hubs stay up) that "
      "go offline from time to time; an offline node neither adds, forwards nor settles "
      "HTLCs, and does not watch the chain" },
    { "schemes[channels].offline.up", SCN_DURATION, "4h", "1s", "3650d", NULL, 0,
      "a faulty node's mean time online (exponential)" },
    { "schemes[channels].offline.down", SCN_DURATION, "20m", "1s", "3650d", NULL, 0,
      "a faulty node's mean time offline (exponential)" },
    { "schemes[channels].htlc_timeout_onchain", SCN_BOOL, "true", NULL, NULL, NULL, 0,
      "hub topology: the offerer of an HTLC held past its cltv_expiry (a user whose HTLC its "
      "hub holds, or a hub whose HTLC another hub holds) fails the channel on L1 (BOLT-2 "
      "deadline for offered HTLCs) and claims the HTLC back with an HTLC-timeout "
      "transaction (BOLT-5), and so does each offerer before it on the route whose own "
      "deadline passes first; false: every one is taken back off-chain" },
    { "schemes[channels].htlc_timeout_gas", SCN_GAS, "35000", "0", "16000000", NULL, 0,
      "execution gas of the HTLC-timeout claim: the HTLC's expiry checked against the "
      "block height, its amount booked to its offerer" },
    { "schemes[channels].close_at", SCN_DURATION, NULL, "0s", NULL, NULL, SCN_OPTIONAL,
      "hub topology: every user channel closes cooperatively at this time and none opens "
      "again (later transfers fail 'the channel network closed (close_at)'; default: only "
      "a user's withdrawal closes its channel)" },
};

struct pay;
struct chan;
struct htlc_claim;
struct htlc_watch;
static void cheat_plans_join(struct scheme *sc, struct chan *c);

/* One channel of the network, beside its two-party state machine net.ch[k]. */
struct chan {
    struct scheme  *sc;
    uint32_t        k;
    enum chan_state state;
    bool            preexisting;    /* opened before the run: no L1 funding here */
    int64_t         user;           /* hub topology: the user's channel; else -1 */
    l1_tx_id        open_tx, close_tx;
    u128            open_fee, close_fee;
    u128            reserved;       /* of the payer's L1 balance while its tx is pending */
    bool            close_by_hub;   /* the user could not pay the close: the hub did */
    u128            fund_wei[2];    /* what each side put in */
    sim_time        funded_at, usable_at, closed_at;
    uint64_t        fee_tx;         /* 1 + the transfer whose l1_fee carries its open
                                       fee (the first that waited for it); 0: none */
    bool            close_wanted;   /* closing was asked while it was opening */
    bool            dirty;          /* touched since the last check */
    u128            counted_msat;   /* its balances + HTLCs in chs.offchain_msat */
    const char     *close_kind;
    u128            paid_out[2];
    u128            penalty;        /* what a cheater forfeited */
    struct dispute *d;              /* a unilateral close or a cheat on it */
    struct pay    **waiter;         /* payments waiting for it to be usable */
    size_t          nwait, capwait;
};

/* A state posted on L1 to close a channel unilaterally, and the dispute around it
 * (BOLT-5): the cheater's plan, the revoked state it kept, what it posted, the
 * transactions and the period. The hub is side 0, the user side 1; the poster is the
 * hub unless a cheating user posts (poster 1), and the other side (the holder)
 * answers. Each side has at most one transaction of the dispute pending at a time
 * (post then claim for the poster, the answer for the holder): reserved[side]. */
struct dispute {
    struct chan           *c;
    struct channels_cheat *cheat;
    bool                   have_kept;
    struct channel_state   kept;     /* the best revoked state for the hub, as signed */
    uint8_t                kept_sig[2][SIG_BYTES];
    struct channel_state   posted;
    uint8_t                posted_sig[2][SIG_BYTES];
    uint64_t               latest_number;
    u128                   latest[2];   /* the latest balances when it was posted */
    sim_time               posted_at;   /* the post's block */
    l1_tx_id               post_tx, penalty_tx, claim_tx;
    int                    poster;       /* the side whose claim ends the period: 0 the
                                            hub (also after a user's own post for HTLC
                                            timeouts, by_offerer), 1 a cheating user; on
                                            the hubs' mesh the hub that posted */
    u128                   reserved[2];  /* of each side's L1 funds, its tx pending */
    sim_time               deadline;
    uint64_t               penalty_cap;  /* the penalty's ceiling per gas, wei */
    uint8_t                penalty_secret[32];   /* the penalty's calldata: the secret */
    bool                   penalized;
    /* penalty off (eltoo): the newer state both signed that answered the post, once
     * the contract took it; it is what the claim pays after its own period */
    bool                   updated;
    bool                   answer_refused;   /* the contract refused the holder's answer */
    struct channel_state   update;
    uint8_t                update_sig[2][SIG_BYTES];
    l1_tx_id               update_tx;
    /* an HTLC's offerer failed the channel for HTLCs held past their expiry (BOLT-2):
     * the side that posted (a user, or a hub on the hubs' mesh), and the HTLCs it
     * claims back on L1 once the post is in */
    bool                   by_offerer;
    int                    offerer;
    struct htlc_claim    **claim;
    size_t                 nclaim;
    u128                   reserved_post;
};

/* A transfer in the scheme: waiting for channels, or done. */
struct pay {
    struct scheme   *sc;
    struct tx_record rec;
    struct transfer  t;
    uint64_t         amount_msat;
    int              waiting;       /* channels' waiter lists holding it */
    bool             done;          /* its txs row is written */
    struct pay      *prev, *next;   /* unfinished: written at finish */
    /* the attempt in flight: its HTLCs, the next message, what failures taught */
    struct payment   pm;
    int              step;          /* enum pay_step: what its pending event does */
    uint8_t          preimage[32], hash[32];
    unsigned         attempts, hops;
    uint32_t         taught[64];    /* channels' edges this payment excludes */
    size_t           ntaught;
    bool             held;          /* a forwarding node held its HTLC */
    bool             offline;       /* the last attempt met an offline node */
    bool             offline_dest;  /* ... and it was the recipient */
    struct channels_jammer *jam;    /* a jamming payment (no txs row), or NULL */
    struct channels_griefer *griefer;   /* the node that held its HTLC */
    size_t           held_hop;      /* ... the hop whose HTLC it held */
    bool             onchain;       /* an HTLC of its route was claimed back on L1 */
    /* the attempt's hops (bit i: hop i) whose offerer claims its HTLC on L1, and
     * those it got back there; the upstream deadlines armed meanwhile */
    uint32_t         chain_wait, chain_done;
    struct htlc_watch *watch[ROUTE_MAX_HOPS];
    struct htlc_claim *claim[ROUTE_MAX_HOPS];   /* owned: the claims in progress */
    const char      *reason;        /* why the last attempt failed */
    /* multi-part (BOLT-4 basic MPP): a part's payment, or a payment's parts (each a
     * struct pay of its own with the same hash, routed and retried on its own) */
    struct pay      *parent;
    struct pay      *part[2];
    unsigned         nparts, parts_ended, parts_arrived;
    bool             splitting;     /* its parts are being started */
    bool             parts_ok;      /* no part failed so far */
    uint64_t         parts_fee_msat;
    bool             arrived;       /* a part: every HTLC in place, the recipient holds it */
    bool             aborted;       /* a part the recipient fails back: no retry */
};

struct chs {
    struct sig_ctx sig;
    enum topo topo;
    uint32_t  nhubs;
    size_t    nusers, nmesh;
    struct graph *g;                /* owned; grows as users join (hub topology) */
    struct payment_net net;         /* net.ch owned; opened channel by channel */
    struct chan **chan;             /* per channel, each its own block: callbacks hold
                                       them while the arrays grow */
    size_t   cap_chan;              /* of chan, net.ch, dirty */
    struct route_finder *rf;
    uint8_t  *excluded;             /* scratch, g->nedges zero bytes */
    size_t   cap_excluded;
    struct sig_keypair *key;        /* per node, derived on first use */
    uint8_t  *have_key;
    size_t   cap_key;
    /* hub topology, per-user state made when a user first needs a channel (a
     * transfer, a deposit, a cheat planned on it): node nhubs + j and channel
     * nmesh + j belong to the j-th user to join, joined[j]; slot_of maps a user to
     * j + 1 (open addressing, 0 = empty), so memory follows the users who take part
     * in the run, not the user count */
    uint32_t *joined;
    uint32_t *slot_chan;            /* per joined user: its current channel (a closed
                                       one is replaced when the user pays again) */
    size_t   njoined;
    uint32_t *slot_key, *slot_val;
    size_t   slot_cap;
    u128     *hub_l1, *hub_reserved;   /* hubs' L1 capital */
    /* parameters */
    uint32_t min_depth, max_attempts;
    unsigned max_accepted_htlcs;    /* every node announces it (BOLT-2) */
    sim_time to_self_delay;
    bool     watchtower, mpp;
    bool     penalty;               /* false: a stale state is answered by the newer one */
    uint64_t force_close_gas, penalty_gas, claim_gas, penalty_tip, htlc_timeout_gas;
    bool     htlc_onchain;
    uint64_t penalty_max_fee;       /* a wallet ceiling; UINT64_MAX: none */
    double   penalty_fee_share;
    uint64_t inbound_ppm, open_gas, close_gas, tip;
    uint32_t mult_pct;
    sim_time hop_latency;
    double   deposit_share;
    struct route_opts ropts;
    struct graph_policy policy;     /* hub topology: every channel advertises it */
    /* books */
    u128     l1_paid;               /* receipts of its L1 transactions */
    /* the money invariant's two sides, kept apart: the channel contract's escrow as
     * its L1 calls moved it (funding amounts the open's calldata carried, payouts it
     * made), and the off-chain side, each live channel's balances + HTLCs summed from
     * its signed state as of the last check */
    u128     escrow_in, escrow_out;
    u128     offchain_msat;
    uint32_t *dirty;
    size_t   ndirty;
    struct pay *inflight;
    uint64_t payments, succeeded;
    gsl_rng  *net_rng;              /* the network's latencies (scheme_stream) */
    struct channels_griefer **griefer;   /* nodes holding HTLCs (htlc_griefing) */
    struct offline *offline;        /* faulty nodes' periods (offline.c); NULL: none */
    struct channels_cheat_plan **plan;   /* cheats by probability (revoked_state) */
    struct channels_jammer **jammer;     /* channel_jamming */
    size_t   njammers;
    struct pay *jam_inflight;       /* jamming payments under way */
    bool     closed_all;            /* close_at has passed: no channel opens again */
    size_t   nplans;
    size_t   ngriefers;
};

static struct chs *S(const struct scheme *sc) { return sc->state; }

/* ---- nodes, keys, channels ---- */

static size_t slot_hash(uint32_t user, size_t cap)
{
    return (size_t)(((uint64_t)user * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

/* The join order + 1 of a user (hub topology), 0: not joined. */
static uint32_t slot_find(const struct chs *st, uint32_t user)
{
    if (!st->slot_cap)
        return 0;
    for (size_t i = slot_hash(user, st->slot_cap);; i = (i + 1) & (st->slot_cap - 1)) {
        if (st->slot_val[i] == 0)
            return 0;
        if (st->slot_key[i] == user)
            return st->slot_val[i];
    }
}

static void slot_put(struct chs *st, uint32_t user, uint32_t val)
{
    if (2 * (st->njoined + 1) > st->slot_cap) {      /* load <= 1/2 */
        size_t oc = st->slot_cap, nc = oc ? 2 * oc : 64;
        uint32_t *ok = st->slot_key, *ov = st->slot_val;
        st->slot_key = xcalloc(nc, sizeof *st->slot_key);
        st->slot_val = xcalloc(nc, sizeof *st->slot_val);
        st->slot_cap = nc;
        for (size_t i = 0; i < oc; i++)
            if (ov[i]) {
                size_t j = slot_hash(ok[i], nc);
                while (st->slot_val[j])
                    j = (j + 1) & (nc - 1);
                st->slot_key[j] = ok[i];
                st->slot_val[j] = ov[i];
            }
        free(ok);
        free(ov);
    }
    size_t j = slot_hash(user, st->slot_cap);
    while (st->slot_val[j])
        j = (j + 1) & (st->slot_cap - 1);
    st->slot_key[j] = user;
    st->slot_val[j] = val;
}

/* The node of a user: hub topology, its own node (it has joined); csv, u mod nodes. */
static uint32_t user_node(const struct chs *st, uint32_t user)
{
    if (st->topo == TOPO_HUB) {
        uint32_t j = slot_find(st, user);
        SIM_ASSERT(j > 0);
        return st->nhubs + j - 1;
    }
    return (uint32_t)(user % st->g->nnodes);
}

/* The user's channel (hub topology), NULL if it has not joined. */
static struct chan *user_chan(struct chs *st, uint32_t user)
{
    SIM_ASSERT(st->topo == TOPO_HUB);     /* a user has a channel of its own only there */
    uint32_t j = slot_find(st, user);
    return j ? st->chan[st->slot_chan[j - 1]] : NULL;
}

/* Keys by a stable identity (hub v, or nhubs + user id), not by join order. */
static const struct sig_keypair *node_key(struct chs *st, uint32_t v)
{
    if (!st->have_key[v]) {
        uint64_t id = st->topo == TOPO_HUB && v >= st->nhubs
                    ? (uint64_t)st->nhubs + st->joined[v - st->nhubs] : v;
        sig_keypair_derive(&st->sig, PAYMENT_NODE_KEY_KIND, id, &st->key[v]);
        st->have_key[v] = 1;
    }
    return &st->key[v];
}

/* Room in the per-channel and per-node arrays for the graph as it is now. */
static void chs_grow(struct chs *st)
{
    const struct graph *g = st->g;
    if (g->nchannels > st->cap_chan) {
        size_t c = st->cap_chan ? st->cap_chan : 1;
        while (c < g->nchannels)
            c *= 2;
        st->chan = xrealloc(st->chan, c * sizeof *st->chan);
        memset(st->chan + st->cap_chan, 0, (c - st->cap_chan) * sizeof *st->chan);
        st->net.ch = xrealloc(st->net.ch, c * sizeof *st->net.ch);
        memset(st->net.ch + st->cap_chan, 0, (c - st->cap_chan) * sizeof *st->net.ch);
        st->dirty = xrealloc(st->dirty, c * sizeof *st->dirty);
        st->cap_chan = c;
    }
    st->net.nchannels = g->nchannels;
    if (g->nedges > st->cap_excluded) {
        size_t c = st->cap_excluded ? st->cap_excluded : 1;
        while (c < g->nedges)
            c *= 2;
        st->excluded = xrealloc(st->excluded, c);
        memset(st->excluded + st->cap_excluded, 0, c - st->cap_excluded);
        st->cap_excluded = c;
    }
    if (g->nnodes > st->cap_key) {
        size_t c = st->cap_key ? st->cap_key : 1;
        while (c < g->nnodes)
            c *= 2;
        st->key = xrealloc(st->key, c * sizeof *st->key);
        st->have_key = xrealloc(st->have_key, c);
        memset(st->have_key + st->cap_key, 0, c - st->cap_key);
        st->cap_key = c;
    }
}

static struct chan *chan_new(struct scheme *sc, uint32_t k)
{
    struct chan *c = xcalloc(1, sizeof *c);
    *c = (struct chan){ .sc = sc, .k = k, .user = -1, .funded_at = -1, .usable_at = -1,
                        .closed_at = -1 };
    return c;
}

/* Hub topology: the user's node and its channel to hub user % hubs (no money yet:
 * chan_open_user funds it), made the first time the user needs one. */
static struct chan *user_join(struct scheme *sc, uint32_t user)
{
    struct chs *st = S(sc);
    struct chan *c = user_chan(st, user);
    if (c)
        return c;
    if (st->njoined % 1024 == 0) {
        st->joined = xrealloc(st->joined, (st->njoined + 1024) * sizeof *st->joined);
        st->slot_chan = xrealloc(st->slot_chan, (st->njoined + 1024) * sizeof *st->slot_chan);
    }
    st->joined[st->njoined] = user;
    slot_put(st, user, (uint32_t)st->njoined + 1);
    st->njoined++;
    uint32_t v = graph_add_node(st->g);
    uint32_t k = graph_add_channel(st->g, user % st->nhubs, v, &st->policy);
    chs_grow(st);
    c = st->chan[k] = chan_new(sc, k);
    c->user = user;
    st->slot_chan[st->njoined - 1] = k;
    cheat_plans_join(sc, c);
    return c;
}

/* The user's channel closed (a withdrawal) and it pays again: a new channel from its
 * node to its hub, to be funded like the first (the closed one keeps its row). */
static struct chan *user_reopen(struct scheme *sc, uint32_t user)
{
    struct chs *st = S(sc);
    uint32_t j = slot_find(st, user);
    SIM_ASSERT(j > 0);
    uint32_t k = graph_add_channel(st->g, user % st->nhubs, st->nhubs + j - 1, &st->policy);
    chs_grow(st);
    struct chan *c = st->chan[k] = chan_new(sc, k);
    c->user = user;
    st->slot_chan[j - 1] = k;
    return c;
}

/* Both parties sign commitment 0 (BOLT-2 funding_created / funding_signed) before the
 * funding is broadcast. Channel id = SHA-256(tag, scheme, channel): where BOLT-2
 * derives it from the funding outpoint. Seeds as payment_net_new makes them. */
static void chan_sign_first(struct chs *st, struct chan *c, uint64_t msat0, uint64_t msat1)
{
    const struct graph_channel *gc = &st->g->channels[c->k];
    uint8_t msg[18 + 4] = "l2sim/channel/seed";
    for (int i = 0; i < 4; i++)
        msg[18 + i] = (uint8_t)(c->k >> (8 * i));
    const struct sig_keypair *kp[2] = { node_key(st, gc->node[0]), node_key(st, gc->node[1]) };
    uint8_t seed[2][32], id[32];
    for (int s = 0; s < 2; s++)
        hash_blake2b(seed[s], 32, msg, sizeof msg, kp[s]->sk, SIG_SEED_BYTES);
    uint8_t idmsg[sizeof msg + 8];
    memcpy(idmsg, msg, sizeof msg);
    for (int i = 0; i < 8; i++)
        idmsg[sizeof msg + i] = (uint8_t)((uint64_t)c->sc->index >> (8 * i));
    hash_sha256(id, idmsg, sizeof idmsg);
    channel_open(&st->net.ch[c->k], &st->sig, id, kp[0], kp[1], seed[0], seed[1], msat0, msat1);
    for (int s = 0; s < 2; s++)
        if (channel_announce_max_accepted(&st->net.ch[c->k], s, st->max_accepted_htlcs))
            sim_panic("channels: max_accepted_htlcs %u refused", st->max_accepted_htlcs);
}

static void mark_dirty(struct chs *st, uint32_t k)
{
    if (!st->chan[k]->dirty) {
        st->chan[k]->dirty = true;
        st->dirty[st->ndirty++] = k;
    }
}

/* The channel is usable: routing sees its capacity. */
static void chan_set_routable(struct chs *st, struct chan *c, bool on)
{
    graph_set_capacity(st->g, c->k, on ? st->net.ch[c->k].capacity_msat : 0);
}

/* ---- L1 transactions ---- */

static struct l1_fee_policy fee_now(const struct chs *st, const struct l1 *l1)
{
    u128 mf = (u128)l1_base_fee(l1) * st->mult_pct / 100 + st->tip;
    return (struct l1_fee_policy){ .kind = L1_FEE_FIXED, .tip = st->tip,
                                   .max_fee = mf > UINT64_MAX ? UINT64_MAX : (uint64_t)mf };
}

static uint64_t user_account(const struct scheme *sc, uint32_t user)
{
    return l1_account(L1_ACCT_USER, (uint64_t)sc->index << 32 | user);
}

static uint64_t hub_account(const struct scheme *sc, uint32_t hub)
{
    return l1_account(L1_ACCT_SCHEME, (uint64_t)sc->index << 32 | hub);
}

/* Who acts for side `side` of channel c on L1 (hub topology): the user, side 1 of its
 * own channel, from its L1 account; else a hub (side 0 of a user's channel, or either
 * side of the hubs' mesh) from its capital. */
static bool side_user(const struct chan *c, int side)
{
    return c->user >= 0 && side == 1;
}

static uint32_t side_hub(const struct chs *st, const struct chan *c, int side)
{
    return c->user >= 0 ? (uint32_t)c->user % st->nhubs : st->g->channels[c->k].node[side];
}

static uint64_t side_account(const struct scheme *sc, const struct chan *c, int side)
{
    return side_user(c, side) ? user_account(sc, (uint32_t)c->user)
                              : hub_account(sc, side_hub(S(sc), c, side));
}

/* Reserve `amount` of side's L1 funds for a transaction it sends: false when it
 * cannot. */
static bool side_reserve(struct scheme *sc, const struct chan *c, int side, u128 amount)
{
    struct chs *st = S(sc);
    if (side_user(c, side))
        return user_reserve(sc, (uint32_t)c->user, amount);
    uint32_t h = side_hub(st, c, side);
    if (st->hub_l1[h] - st->hub_reserved[h] < amount)
        return false;
    st->hub_reserved[h] += amount;
    return true;
}

/* Its reservation released and `fee` (the receipt's total; 0: dropped) paid. */
static void side_settle(struct scheme *sc, const struct chan *c, int side, u128 reserved,
                        u128 fee)
{
    struct chs *st = S(sc);
    if (side_user(c, side)) {
        user_settle(sc, (uint32_t)c->user, reserved, fee);
        return;
    }
    uint32_t h = side_hub(st, c, side);
    st->hub_reserved[h] -= reserved;
    st->hub_l1[h] -= fee;
}

/* What the channel contract is sent: the channel id, both keys, both amounts (open);
 * the id, both final balances, both signatures (cooperative close). Real bytes, so
 * the L1 prices their zero and non-zero bytes (EIP-2028). */
static size_t put_u128(uint8_t *b, u128 v)
{
    for (int i = 15; i >= 0; i--)
        *b++ = (uint8_t)(v >> (8 * i));
    return 16;
}

static void pay_waits(struct chan *c, struct pay *p);
static void channels_close(struct chan *c);
static void pay_fail(struct pay *p, const char *status, const char *reason);
static void pay_execute(struct pay *p);

/* ---- opening ---- */

static void chan_usable(void *ctx)
{
    struct chan *c = ctx;
    struct chs *st = S(c->sc);
    if (c->state != CH_OPENING)
        return;
    c->state = CH_OPEN;
    c->usable_at = sim_now(c->sc->world->sim);
    chan_set_routable(st, c, true);
    struct pay **w = c->waiter;
    size_t n = c->nwait;
    c->waiter = NULL;
    c->nwait = c->capwait = 0;
    for (size_t i = 0; i < n; i++)
        if (--w[i]->waiting == 0) {
            if (w[i]->done)
                free(w[i]);
            else
                pay_execute(w[i]);
        }
    free(w);
    if (c->close_wanted)
        channels_close(c);
}

static void open_included(void *ctx, const struct l1_receipt *r)
{
    struct chan *c = ctx;
    struct scheme *sc = c->sc;
    struct chs *st = S(sc);
    uint32_t user = (uint32_t)c->user, hub = user % st->nhubs;
    /* the funding transaction executed: the user pays gas and its side, the hub its
     * side, the contract holds both */
    user_settle(sc, user, c->reserved, r->total + c->fund_wei[1]);
    c->reserved = 0;
    st->hub_reserved[hub] -= c->fund_wei[0];
    st->hub_l1[hub] -= c->fund_wei[0];
    st->escrow_in += c->fund_wei[0] + c->fund_wei[1];
    mark_dirty(st, c->k);                 /* now live: counted off-chain */
    st->l1_paid += r->total;
    c->open_fee = r->total;
    c->funded_at = r->time;
    /* usable once buried min_depth blocks deep (heights are slot numbers here) */
    l1_at(sc->world->l1, r->time + (sim_time)st->min_depth * l1_slot(sc->world->l1),
          chan_usable, c);
}

static void open_dropped(void *ctx, const char *why)
{
    (void)why;
    struct chan *c = ctx;
    struct scheme *sc = c->sc;
    struct chs *st = S(sc);
    uint32_t user = (uint32_t)c->user;
    user_settle(sc, user, c->reserved, 0);
    c->reserved = 0;
    st->hub_reserved[user % st->nhubs] -= c->fund_wei[0];
    channel_free(&st->net.ch[c->k]);
    memset(&st->net.ch[c->k], 0, sizeof st->net.ch[c->k]);
    c->state = CH_NONE;
    c->fund_wei[0] = c->fund_wei[1] = 0;
    struct pay **w = c->waiter;
    size_t n = c->nwait;
    c->waiter = NULL;
    c->nwait = c->capwait = 0;
    for (size_t i = 0; i < n; i++) {
        struct pay *p = w[i];
        p->waiting--;
        if (!p->done)
            pay_fail(p, "failed", "channel open dropped: the funding transaction left the "
                                  "L1 pool unincluded");
        if (p->waiting == 0)
            free(p);
    }
    free(w);
}

/* The user funds its channel to its hub with `funding` wei (rounded down to the msat)
 * and pays the funding transaction's gas from its L1 account; its hub adds the
 * inbound share from its capital. NULL, or why the channel cannot be opened. */
static const char *chan_open_user(struct scheme *sc, uint32_t user, u128 funding)
{
    struct chs *st = S(sc);
    struct chan *c = user_join(sc, user);
    struct l1 *l1 = sc->world->l1;
    uint32_t hub = user % st->nhubs;
    u128 msat = funding / WEI_PER_MSAT;
    if (msat > GRAPH_MSAT_MAX / 2)
        msat = GRAPH_MSAT_MAX / 2;
    if (msat == 0)
        return "no channel: the user has no funds to put in one";
    u128 hub_msat = msat * st->inbound_ppm / 1000000u;
    u128 hub_free = st->hub_l1[hub] - st->hub_reserved[hub];
    if (hub_msat * WEI_PER_MSAT > hub_free)
        hub_msat = hub_free / WEI_PER_MSAT;
    uint8_t data[32 + 2 * SIG_PUBLICKEY_BYTES + 32];
    size_t n = 0;
    c->state = CH_OPENING;
    chan_sign_first(st, c, (uint64_t)hub_msat, (uint64_t)msat);
    const struct channel *ch = &st->net.ch[c->k];
    memcpy(data, ch->current.channel_id, 32);
    n += 32;
    memcpy(data + n, ch->pk[0], SIG_PUBLICKEY_BYTES);
    n += SIG_PUBLICKEY_BYTES;
    memcpy(data + n, ch->pk[1], SIG_PUBLICKEY_BYTES);
    n += SIG_PUBLICKEY_BYTES;
    n += put_u128(data + n, hub_msat * WEI_PER_MSAT);
    n += put_u128(data + n, msat * WEI_PER_MSAT);
    struct l1_tx tx = { .sender = user_account(sc, user), .origin = L1_ORIGIN_SCHEME(sc->index),
                        .kind = "channel_open", .calldata = data, .calldata_len = n,
                        .exec_gas = st->open_gas };
    struct l1_fee_policy fee = fee_now(st, l1);
    u128 gas = l1_gas_of(l1, &tx);
    u128 reserve = gas * fee.max_fee + msat * WEI_PER_MSAT;
    if (!user_reserve(sc, user, reserve)) {
        channel_free(&st->net.ch[c->k]);
        memset(&st->net.ch[c->k], 0, sizeof st->net.ch[c->k]);
        c->state = CH_NONE;
        return "no channel: the L1 balance does not cover the channel's funding and gas";
    }
    c->reserved = reserve;
    c->fund_wei[0] = hub_msat * WEI_PER_MSAT;
    c->fund_wei[1] = msat * WEI_PER_MSAT;
    st->hub_reserved[hub] += c->fund_wei[0];
    /* the fault: a hub's reservation booked without the money behind it */
    if (fault_fire("channel.hub_reserve"))
        st->hub_reserved[hub] = st->hub_l1[hub] + 1;
    struct l1_callbacks cb = { open_included, NULL, open_dropped, c };
    c->open_tx = l1_submit(l1, &tx, &fee, &cb);
    return NULL;
}

/* ---- cooperative close (BOLT-2 closing_signed) ---- */

static void close_included(void *ctx, const struct l1_receipt *r)
{
    struct chan *c = ctx;
    struct scheme *sc = c->sc;
    struct chs *st = S(sc);
    uint32_t user = (uint32_t)c->user, hub = user % st->nhubs;
    if (c->close_by_hub) {
        st->hub_reserved[hub] -= c->reserved;
        st->hub_l1[hub] -= r->total;
    } else {
        user_settle(sc, user, c->reserved, r->total);
    }
    c->reserved = 0;
    const struct channel *ch = &st->net.ch[c->k];
    c->paid_out[0] = (u128)ch->current.to_side_msat[0] * WEI_PER_MSAT;
    c->paid_out[1] = (u128)ch->current.to_side_msat[1] * WEI_PER_MSAT;
    /* the fault: the contract pays the user one wei more than the signed state says */
    c->paid_out[1] += fault_fire("channel.payout");
    user_credit(sc, user, c->paid_out[1]);
    st->hub_l1[hub] += c->paid_out[0];
    st->escrow_out += c->paid_out[0] + c->paid_out[1];
    mark_dirty(st, c->k);                 /* closed: no longer counted off-chain */
    st->l1_paid += r->total;
    c->close_fee = r->total;
    c->closed_at = r->time;
    c->state = CH_CLOSED;
    c->close_kind = "cooperative";
}

static void close_dropped(void *ctx, const char *why)
{
    (void)why;
    struct chan *c = ctx;
    struct scheme *sc = c->sc;
    struct chs *st = S(sc);
    uint32_t user = (uint32_t)c->user;
    if (c->close_by_hub)
        st->hub_reserved[user % st->nhubs] -= c->reserved;
    else
        user_settle(sc, user, c->reserved, 0);
    c->reserved = 0;
    c->state = CH_OPEN;              /* still open: usable again */
    chan_set_routable(st, c, true);
}

/* Both parties sign the final balances; the contract checks both signatures and pays
 * each side. Sent from the user's account; a user who cannot pay the gas leaves it to
 * the hub. A channel with HTLCs pending closes once they are settled (BOLT-2: no new
 * HTLC after shutdown; the routing no longer offers it meanwhile). */
static void channels_close(struct chan *c)
{
    struct scheme *sc = c->sc;
    struct chs *st = S(sc);
    struct l1 *l1 = sc->world->l1;
    const struct channel *ch = &st->net.ch[c->k];
    if (c->state == CH_OPENING || (c->state == CH_OPEN && ch->current.nhtlcs > 0)) {
        c->close_wanted = true;
        if (c->state == CH_OPEN)
            chan_set_routable(st, c, false);
        return;
    }
    if (c->state != CH_OPEN)
        return;
    c->close_wanted = false;
    uint8_t msg[22 + 32 + 32], sig[2][SIG_BYTES];
    memcpy(msg, "l2sim/channel/close/v1", 22);
    memcpy(msg + 22, ch->current.channel_id, 32);
    put_u128(msg + 54, (u128)ch->current.to_side_msat[0] * WEI_PER_MSAT);
    put_u128(msg + 70, (u128)ch->current.to_side_msat[1] * WEI_PER_MSAT);
    for (int s = 0; s < 2; s++)
        sig_sign(&st->sig, &ch->side[s].kp, msg, sizeof msg, sig[s]);
    for (int s = 0; s < 2; s++)           /* the contract's check */
        if (!sig_verify(&st->sig, ch->pk[s], msg, sizeof msg, sig[s]))
            sim_panic("channels: a closing signature does not verify");
    uint8_t data[sizeof msg - 22 + 2 * SIG_BYTES];
    memcpy(data, msg + 22, sizeof msg - 22);
    memcpy(data + sizeof msg - 22, sig, sizeof sig);
    uint32_t user = (uint32_t)c->user, hub = user % st->nhubs;
    struct l1_tx tx = { .sender = user_account(sc, user), .origin = L1_ORIGIN_SCHEME(sc->index),
                        .kind = "channel_close", .calldata = data, .calldata_len = sizeof data,
                        .exec_gas = st->close_gas };
    struct l1_fee_policy fee = fee_now(st, l1);
    u128 reserve = (u128)l1_gas_of(l1, &tx) * fee.max_fee;
    c->close_by_hub = !user_reserve(sc, user, reserve);
    if (c->close_by_hub) {
        if (st->hub_l1[hub] - st->hub_reserved[hub] < reserve)
            return;                       /* nobody can pay: it stays open */
        st->hub_reserved[hub] += reserve;
        tx.sender = hub_account(sc, hub);
    }
    c->reserved = reserve;
    c->state = CH_CLOSING;
    chan_set_routable(st, c, false);
    struct l1_callbacks cb = { close_included, NULL, close_dropped, c };
    c->close_tx = l1_submit(l1, &tx, &fee, &cb);
}

static void close_all(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim, (void)payload;
    struct scheme *sc = ctx;
    struct chs *st = S(sc);
    st->closed_all = true;
    for (size_t j = 0; j < st->njoined; j++)
        channels_close(st->chan[st->slot_chan[j]]);
}

/* ---- unilateral close and disputes on L1 (BOLT-5) ----
 * The poster (the hub, side 0) posts a signed state; the contract checks both
 * signatures and starts the dispute period: to_self_delay of L1 time. The
 * counterparty (the user, or its watchtower) reads the posted state; if it holds the
 * poster's per-commitment secret of that number (channel_judge: the state was
 * revoked), it sends the penalty, which the contract accepts if it is included by the
 * period's end and SHA-256(secret) is the posted state's revocation hash: the
 * counterparty takes the whole capacity. Otherwise, after the period, the poster
 * claims and the posted balances are paid. Simplified from BOLT-3/5: one contract
 * instead of commitment, HTLC and sweep transactions; both sides wait the period
 * (in BOLT-3 only the poster's to_local does).
 * With `penalty: false` the contract has no revocation branch: a state with a higher
 * commitment number, signed by both, replaces the posted one within the period and
 * starts a period of its own, after which it is paid as signed (eltoo, Decker,
 * Russell and Osuntokun 2018: any later update transaction spends an earlier one at
 * once, a settlement only after its relative timelock). The cheater keeps its
 * balance of the newest state and loses its fees; the victim loses nothing if its
 * answer gets in, the difference if it does not. The per-commitment secrets are
 * still exchanged off-chain (channel.c); this contract ignores them. */

static void dispute_end(void *ctx);

/* A force close's calldata: the state as both signed it, then the two signatures.
 * Returns a heap buffer of *len bytes (the caller frees it). O(HTLCs). */
static uint8_t *post_calldata(const struct channel_state *state, const uint8_t sig[2][SIG_BYTES],
                              size_t *len)
{
    size_t n = channel_state_encoded_size(state);
    uint8_t *data = xmalloc(n + 2 * SIG_BYTES);
    n = channel_state_encode(state, data, n);
    memcpy(data + n, sig, 2 * SIG_BYTES);
    *len = n + 2 * SIG_BYTES;
    return data;
}

/* Before a payment moves a watched channel, its current state (about to be revoked)
 * is kept if it is the best yet for the cheater (side d->poster): what a cheater
 * would hold back. */
static void dispute_keep(struct chs *st, struct chan *c)
{
    struct dispute *d = c->d;
    if (!d || !d->cheat || d->cheat->stage != CHEAT_PLANNED)
        return;
    const struct channel *ch = &st->net.ch[c->k];
    if (ch->current.nhtlcs > 0)
        return;                           /* kept states pay out balances only */
    if (!d->have_kept || ch->current.to_side_msat[d->poster] > d->kept.to_side_msat[d->poster]) {
        channel_state_copy(&d->kept, &ch->current);
        memcpy(d->kept_sig, ch->current_sig, sizeof d->kept_sig);
        d->have_kept = true;
    }
}

/* The dispute is over: pay out to[0] (the hub) and to[1] (the user). */
static void dispute_payout(struct chan *c, const u128 to[2], const char *kind, sim_time t)
{
    struct scheme *sc = c->sc;
    struct chs *st = S(sc);
    c->paid_out[0] = to[0];
    c->paid_out[1] = to[1];
    if (c->user >= 0) {
        user_credit(sc, (uint32_t)c->user, to[1]);
        st->hub_l1[(uint32_t)c->user % st->nhubs] += to[0];
    } else {                              /* the hubs' mesh: each hub its side */
        for (int s = 0; s < 2; s++)
            st->hub_l1[side_hub(st, c, s)] += to[s];
    }
    st->escrow_out += to[0] + to[1];
    mark_dirty(st, c->k);
    c->state = CH_CLOSED;
    c->close_kind = kind;
    c->closed_at = t;
}

/* Side `side` of d's channel (a user's channel: 0 its hub, 1 its user; the mesh: each
 * a hub) pays a dispute transaction: what it had reserved is released and the fee
 * (0: the tx left the pool) charged. */
static void party_settle(struct dispute *d, int side, u128 fee)
{
    side_settle(d->c->sc, d->c, side, d->reserved[side], fee);
    d->reserved[side] = 0;
}

/* What side `side` could still reserve: the user's available L1 balance, or the hub's
 * capital less what it has reserved. */
static u128 party_available(const struct dispute *d, int side)
{
    const struct chan *c = d->c;
    const struct chs *st = S(c->sc);
    if (side_user(c, side))
        return user_available(c->sc, (uint32_t)c->user);
    uint32_t hub = side_hub(st, c, side);
    return st->hub_l1[hub] - st->hub_reserved[hub];
}

/* Side `side` reserves `amount` of its L1 funds for a dispute transaction: false
 * when it cannot. */
static bool party_reserve(struct dispute *d, int side, u128 amount)
{
    if (!side_reserve(d->c->sc, d->c, side, amount))
        return false;
    d->reserved[side] = amount;
    return true;
}

static uint64_t party_account(const struct dispute *d, int side)
{
    return side_account(d->c->sc, d->c, side);
}

static void penalty_included(void *ctx, const struct l1_receipt *r)
{
    struct dispute *d = ctx;
    struct chan *c = d->c;
    struct scheme *sc = c->sc;
    struct chs *st = S(sc);
    int holder = 1 - d->poster;
    party_settle(d, holder, r->total);
    st->l1_paid += r->total;
    c->close_fee += r->total;
    if (r->cancelled)
        return;
    /* the contract: the revealed secret hashes to the posted state's revocation hash
     * of the poster (BOLT-3 revocation), within the period (the tx's deadline) */
    const struct channel *ch = &st->net.ch[c->k];
    uint8_t h[32];
    hash_sha256(h, d->penalty_secret, 32);
    if (memcmp(h, d->posted.revocation_hash[d->poster], 32) != 0 || r->time > d->deadline) {
        /* the contract refuses it (the victim paid the gas for nothing): a wrong secret
         * is the victim's bug, never sent by dispute_answer */
        d->answer_refused = true;
        if (d->cheat)
            snprintf(d->cheat->detail, sizeof d->cheat->detail, "the contract refused the "
                     "penalty: its secret does not hash to the posted revocation hash");
        return;
    }
    d->penalized = true;
    u128 to[2] = { 0, 0 };
    to[holder] = (u128)ch->capacity_msat * WEI_PER_MSAT;    /* BOLT-3: all to the holder */
    c->penalty = d->latest[d->poster];
    dispute_payout(c, to, "penalty", r->time);
    if (d->cheat) {
        d->cheat->stage = CHEAT_PENALIZED;
        d->cheat->resolved_at = r->time;
        d->cheat->forfeited = d->latest[d->poster];
        snprintf(d->cheat->detail, sizeof d->cheat->detail, "revoked state %llu of channel "
                 "%u (latest %llu) posted; the penalty (bidding up to %.0f gwei per gas) was "
                 "included %.0f s before the dispute period ended: the cheater forfeited its "
                 "balance", (unsigned long long)d->posted.commitment_number, c->k,
                 (unsigned long long)d->latest_number, (double)d->penalty_cap / 1e9,
                 (double)(d->deadline - r->time) / SIM_SEC);
    }
}

static void penalty_dropped(void *ctx, const char *why)
{
    (void)why;
    struct dispute *d = ctx;
    party_settle(d, 1 - d->poster, 0);
}

/* The holder (the user or its watchtower; the hub when a user posted) answers a
 * posted state: if it was revoked, the penalty, paid from the holder's L1 funds, bid
 * to get in before the period ends (bumped every block it waits, up to
 * penalty_fee_share of what it recovers per gas; dropped at the deadline). */
static void update_answer(struct dispute *d);

/* The bid of an answer to a stale post (the penalty, or with the penalty off the newer
 * state), by value at risk: at most penalty_fee_share of what the answer recovers for
 * `holder`, spread over its gas, at most penalty_max_fee, and at most what the holder's
 * balance can reserve (a wallet bids no more); then the gas reserved. False, with the
 * cheat's detail saying so, when the holder cannot pay `what` gas. */
static bool answer_bid(struct dispute *d, int holder, u128 gas, u128 recovers, sim_time now,
                       const char *what, struct l1_fee_policy *fee)
{
    struct chs *st = S(d->c->sc);
    u128 cap = (u128)((double)recovers * st->penalty_fee_share) / (gas ? gas : 1);
    if (cap > st->penalty_max_fee)
        cap = st->penalty_max_fee;
    u128 can = party_available(d, holder) / (gas ? gas : 1);
    if (cap > can)
        cap = can;
    if (cap < 1)
        cap = 1;
    *fee = (struct l1_fee_policy){ .kind = L1_FEE_BASEFEE_MULT, .tip = st->penalty_tip,
                                   .mult_pct = st->mult_pct, .cap = (uint64_t)cap,
                                   .bump_after = 1, .bump_pct = 25 };
    d->penalty_cap = (uint64_t)cap;
    if (d->cheat)
        d->cheat->answered_at = now;
    if (!party_reserve(d, holder, gas * cap)) {
        if (d->cheat)
            snprintf(d->cheat->detail, sizeof d->cheat->detail, "the victim could not pay "
                     "the %s gas", what);
        return false;
    }
    return true;
}

static void dispute_answer(struct dispute *d)
{
    struct chan *c = d->c;
    struct scheme *sc = c->sc;
    struct chs *st = S(sc);
    struct l1 *l1 = sc->world->l1;
    sim_time now = sim_now(sc->world->sim);
    if (c->state != CH_CLOSING || d->penalty_tx || d->update_tx || now > d->deadline)
        return;
    if (!st->penalty) {
        update_answer(d);
        return;
    }
    const struct channel *ch = &st->net.ch[c->k];
    int holder = 1 - d->poster;
    struct channel_close judged;
    channel_judge(ch, &d->posted, (const uint8_t (*)[SIG_BYTES])d->posted_sig, d->poster,
                  &judged);
    if (judged.kind != CHANNEL_CLOSE_PENALTY)
        return;                           /* the latest state: nothing to answer */
    uint8_t data[64];
    memcpy(data, ch->current.channel_id, 32);
    memcpy(data + 32, ch->side[holder].their_secret[d->posted.commitment_number], 32);
    memcpy(d->penalty_secret, data + 32, 32);     /* what the contract will read */
    struct l1_tx tx = { .sender = party_account(d, holder),
                        .origin = L1_ORIGIN_SCHEME(sc->index), .kind = "channel_penalty",
                        .calldata = data, .calldata_len = sizeof data,
                        .exec_gas = st->penalty_gas, .deadline = d->deadline };
    /* the bid by value at risk: at most penalty_fee_share of what the penalty
     * recovers (the whole capacity, less what the posted state pays the victim anyway)
     * spread over its gas */
    u128 recovers = ((u128)ch->capacity_msat - d->posted.to_side_msat[holder]) * WEI_PER_MSAT;
    struct l1_fee_policy fee;
    if (!answer_bid(d, holder, l1_gas_of(l1, &tx), recovers, now, "penalty's", &fee))
        return;
    struct l1_callbacks cb = { penalty_included, NULL, penalty_dropped, d };
    d->penalty_tx = l1_submit(l1, &tx, &fee, &cb);
}

static void update_included(void *ctx, const struct l1_receipt *r)
{
    struct dispute *d = ctx;
    struct chan *c = d->c;
    struct scheme *sc = c->sc;
    struct chs *st = S(sc);
    struct l1 *l1 = sc->world->l1;
    party_settle(d, 1 - d->poster, r->total);
    st->l1_paid += r->total;
    c->close_fee += r->total;
    if (r->cancelled)
        return;
    /* the contract (eltoo's update rule): the same channel, a higher number than the
     * state it replaces, the whole capacity, both signatures against the funding's
     * keys, within the period; else it reverts and the victim paid the gas */
    const struct channel *ch = &st->net.ch[c->k];
    bool ok = memcmp(d->update.channel_id, d->posted.channel_id, 32) == 0 &&
              d->update.commitment_number > d->posted.commitment_number &&
              channel_state_total(&d->update) == ch->capacity_msat && r->time <= d->deadline;
    for (int side = 0; ok && side < 2; side++)
        ok = channel_state_verify(ch, &d->update, side, d->update_sig[side]);
    if (!ok) {
        d->answer_refused = true;
        if (d->cheat)
            snprintf(d->cheat->detail, sizeof d->cheat->detail, "the contract refused the "
                     "newer state: not a later state signed by both");
        return;
    }
    d->updated = true;
    sim_time slot = l1_slot(l1), answered_by = d->deadline - r->time;
    d->deadline = r->time + (st->to_self_delay + slot - 1) / slot * slot;
    l1_at(l1, d->deadline, dispute_end, d);
    if (d->cheat) {
        d->cheat->deadline = d->deadline;
        snprintf(d->cheat->detail, sizeof d->cheat->detail, "revoked state %llu of channel "
                 "%u posted; the newer state %llu (bidding up to %.0f gwei per gas) replaced "
                 "it %.0f s before the period ended", (unsigned long long)d->posted.commitment_number,
                 c->k, (unsigned long long)d->update.commitment_number,
                 (double)d->penalty_cap / 1e9, (double)answered_by / SIM_SEC);
    }
}

static void update_dropped(void *ctx, const char *why)
{
    (void)why;
    struct dispute *d = ctx;
    party_settle(d, 1 - d->poster, 0);
}

/* Penalty off: the holder (the user or its watchtower; the hub when a user posted) answers a posted state older than the
 * latest with the latest, as both signed it (kind channel_update, gas as a post: two
 * signature checks and the state's slots), paid from its L1 account and bid by what
 * the newer state pays it more than the posted one (penalty_fee_share of it per gas,
 * bumped as the penalty is). */
static void update_answer(struct dispute *d)
{
    struct chan *c = d->c;
    struct scheme *sc = c->sc;
    struct chs *st = S(sc);
    struct l1 *l1 = sc->world->l1;
    sim_time now = sim_now(sc->world->sim);
    const struct channel *ch = &st->net.ch[c->k];
    if (ch->current.commitment_number <= d->posted.commitment_number)
        return;                           /* the latest state: nothing to answer */
    channel_state_copy(&d->update, &ch->current);
    memcpy(d->update_sig, ch->current_sig, sizeof d->update_sig);
    /* the fault: the answer carries a cheater's signature that does not verify (the
     * contract must refuse it, and the stale state then stands) */
    if (fault_fire("channel.update_sig"))
        d->update_sig[d->poster][0] ^= 1;
    /* the fault: the answer is the posted state again, both signatures good but its
     * number not higher (eltoo's update rule takes only a later state: the contract
     * must refuse it; the bid stays the newer state's, so the answer gets in) */
    if (fault_fire("channel.update_stale")) {
        channel_state_copy(&d->update, &d->posted);
        memcpy(d->update_sig, d->posted_sig, sizeof d->update_sig);
    }
    size_t len;
    uint8_t *data = post_calldata(&d->update, (const uint8_t (*)[SIG_BYTES])d->update_sig,
                                  &len);
    int holder = 1 - d->poster;
    struct l1_tx tx = { .sender = party_account(d, holder),
                        .origin = L1_ORIGIN_SCHEME(sc->index), .kind = "channel_update",
                        .calldata = data, .calldata_len = len,
                        .exec_gas = st->force_close_gas, .deadline = d->deadline };
    u128 mine = (u128)ch->current.to_side_msat[holder];
    u128 posted = d->posted.to_side_msat[holder];
    u128 recovers = (mine > posted ? mine - posted : 0) * WEI_PER_MSAT;
    struct l1_fee_policy fee;
    if (!answer_bid(d, holder, l1_gas_of(l1, &tx), recovers, now, "newer state's", &fee)) {
        free(data);
        return;
    }
    struct l1_callbacks cb = { update_included, NULL, update_dropped, d };
    d->update_tx = l1_submit(l1, &tx, &fee, &cb);
    free(data);
}

static void dispute_back_online(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim, (void)payload;
    dispute_answer(ctx);
}

static void post_included(void *ctx, const struct l1_receipt *r)
{
    struct dispute *d = ctx;
    struct chan *c = d->c;
    struct scheme *sc = c->sc;
    struct chs *st = S(sc);
    struct l1 *l1 = sc->world->l1;
    party_settle(d, d->poster, r->total);
    st->l1_paid += r->total;
    c->close_fee += r->total;
    /* the contract checks the posted state's two signatures against the keys the
     * funding recorded (channel_open's calldata): an unsigned state reverts */
    const struct channel *ch = &st->net.ch[c->k];
    for (int side = 0; side < 2; side++)
        if (!channel_state_verify(ch, &d->posted, side, d->posted_sig[side])) {
            c->state = CH_OPEN;
            chan_set_routable(st, c, true);
            if (d->cheat) {
                d->cheat->cost += r->total;
                d->cheat->stage = CHEAT_NOTHING;
                snprintf(d->cheat->detail, sizeof d->cheat->detail, "the contract refused "
                         "the posted state: side %d's signature does not verify", side);
            }
            return;
        }
    d->posted_at = r->time;
    /* to_self_delay of L1 time, rounded up to whole slots: the period's last block */
    sim_time slot = l1_slot(l1);
    d->deadline = r->time + (st->to_self_delay + slot - 1) / slot * slot;
    if (d->cheat) {
        d->cheat->cost += r->total;
        d->cheat->stage = CHEAT_POSTED;
        d->cheat->posted_at = r->time;
        d->cheat->deadline = d->deadline;
    }
    l1_at(l1, d->deadline, dispute_end, d);
    /* the user sees the post in this block, unless offline without a watchtower; a
     * hub (the holder when its user posted) is always online */
    sim_time back = d->cheat ? d->cheat->at + d->cheat->victim_offline : r->time;
    if (back < r->time || d->poster == 1)
        back = r->time;
    if (st->offline && d->poster == 0)    /* a faulty victim's own absence (offline.c) */
        back = offline_next_up(st->offline, (uint64_t)c->user, back);
    if (d->cheat)
        d->cheat->victim_back = back;
    if (st->watchtower || back <= r->time)
        dispute_answer(d);
    else if (back <= d->deadline)
        sim_at(sc->world->sim, back, dispute_back_online, d, NULL, 0);
}

static void claim_included(void *ctx, const struct l1_receipt *r)
{
    struct dispute *d = ctx;
    struct chan *c = d->c;
    struct chs *st = S(c->sc);
    party_settle(d, d->poster, r->total);
    st->l1_paid += r->total;
    c->close_fee += r->total;
    /* as posted (or as the newer state that replaced it: penalty off), and each HTLC
     * in it to whom it resolved (the mirror of the contract's HTLC outputs: its
     * current state once they are settled) */
    const struct channel_state *paid = d->by_offerer ? &st->net.ch[c->k].current
                                     : d->updated ? &d->update : &d->posted;
    u128 to[2] = { (u128)paid->to_side_msat[0] * WEI_PER_MSAT,
                   (u128)paid->to_side_msat[1] * WEI_PER_MSAT };
    dispute_payout(c, to, d->by_offerer ? "htlc_timeout" : d->updated ? "update" : "unilateral",
                   r->time);
    int victim = 1 - d->poster;
    if (d->cheat && d->updated) {
        struct channels_cheat *x = d->cheat;
        x->cost += r->total;
        x->resolved_at = r->time;
        x->stage = CHEAT_UPDATED;
        x->lost = d->latest[victim] > to[victim] ? d->latest[victim] - to[victim] : 0;
        size_t n = strlen(x->detail);
        snprintf(x->detail + n, sizeof x->detail - n, "; paid as signed after its own "
                 "period: the cheater lost only its fees");
    } else if (d->cheat) {
        struct channels_cheat *x = d->cheat;
        x->cost += r->total;
        x->resolved_at = r->time;
        x->stage = d->posted.commitment_number < d->latest_number ? CHEAT_SUCCEEDED
                                                                   : CHEAT_CLOSED;
        x->lost = d->latest[victim] > to[victim] ? d->latest[victim] - to[victim] : 0;
        char why[128];
        if (x->stage == CHEAT_CLOSED)
            snprintf(why, sizeof why, "nothing to answer");
        else if (d->answer_refused)
            snprintf(why, sizeof why, "the contract refused the %s: not %s",
                     d->update_tx ? "newer state" : "penalty",
                     d->update_tx ? "a later state signed by both"
                                  : "the posted state's revocation secret");
        else if (d->penalty_tx || d->update_tx)
            snprintf(why, sizeof why, "the %s (bidding up to %.0f gwei per gas) did not "
                     "get in before the period ended", d->update_tx ? "newer state"
                     : "penalty", (double)d->penalty_cap / 1e9);
        else
            snprintf(why, sizeof why, "the victim did not answer in time");
        snprintf(x->detail, sizeof x->detail, "%s state %llu of channel %u (latest %llu) "
                 "posted; %s; paid out after the dispute period",
                 x->stage == CHEAT_SUCCEEDED ? "revoked" : "latest",
                 (unsigned long long)d->posted.commitment_number, c->k,
                 (unsigned long long)d->latest_number, why);
    }
}

static void claim_dropped(void *ctx, const char *why)
{
    (void)why;
    struct dispute *d = ctx;
    party_settle(d, d->poster, 0);
    dispute_end(d);                       /* try again */
}

/* The poster's transactions of a dispute (post, claim) at the channel's usual bid,
 * reserved from its L1 funds (the hub's capital, or the user's account); 0 when it
 * cannot pay. */
static l1_tx_id poster_submit(struct dispute *d, struct l1_tx *tx, const struct l1_callbacks *cb)
{
    struct chan *c = d->c;
    struct scheme *sc = c->sc;
    struct chs *st = S(sc);
    struct l1 *l1 = sc->world->l1;
    tx->sender = party_account(d, d->poster);
    tx->origin = L1_ORIGIN_SCHEME(sc->index);
    struct l1_fee_policy fee = fee_now(st, l1);
    u128 reserve = (u128)l1_gas_of(l1, tx) * fee.max_fee;
    if (!party_reserve(d, d->poster, reserve))
        return 0;
    return l1_submit(l1, tx, &fee, cb);
}

/* The period's end, by block time: if the penalty did not get in, the poster claims. */
static void dispute_end(void *ctx)
{
    struct dispute *d = ctx;
    if (d->penalized || d->c->state != CH_CLOSING)
        return;
    if (d->updated && l1_head_time(d->c->sc->world->l1) < d->deadline)
        return;                           /* the newer state's own period runs on */
    struct chs *st = S(d->c->sc);
    if (st->net.ch[d->c->k].current.nhtlcs > 0) {
        /* the posted state's HTLCs are resolved first (timeout or preimage): the
         * claim waits a slot at a time */
        struct l1 *l1 = d->c->sc->world->l1;
        l1_at(l1, l1_head_time(l1) + l1_slot(l1), dispute_end, d);
        return;
    }
    uint8_t data[32];
    memcpy(data, d->posted.channel_id, 32);
    struct l1_tx tx = { .kind = "channel_claim", .calldata = data, .calldata_len = 32,
                        .exec_gas = S(d->c->sc)->claim_gas };
    struct l1_callbacks cb = { claim_included, NULL, claim_dropped, d };
    d->claim_tx = poster_submit(d, &tx, &cb);
}

static void post_dropped(void *ctx, const char *why)
{
    (void)why;
    struct dispute *d = ctx;
    struct chan *c = d->c;
    struct chs *st = S(c->sc);
    party_settle(d, d->poster, 0);
    c->state = CH_OPEN;
    chan_set_routable(st, c, true);
    if (d->cheat) {
        d->cheat->stage = CHEAT_NOTHING;
        snprintf(d->cheat->detail, sizeof d->cheat->detail, "the post left the L1 pool "
                 "unincluded");
    }
}

/* The poster (c->d->poster: the hub, or a cheating user) posts `state` (signed by
 * both) to close channel c unilaterally. */
static void dispute_post(struct chan *c, const struct channel_state *state,
                         const uint8_t sig[2][SIG_BYTES])
{
    struct chs *st = S(c->sc);
    struct dispute *d = c->d;
    const struct channel *ch = &st->net.ch[c->k];
    channel_state_copy(&d->posted, state);
    memcpy(d->posted_sig, sig, sizeof d->posted_sig);
    /* the fault: the poster sends a state whose signature does not verify (the
     * contract must revert it) */
    if (fault_fire("channel.post_sig"))
        d->posted_sig[1][0] ^= 1;
    d->latest_number = ch->current.commitment_number;
    d->latest[0] = (u128)ch->current.to_side_msat[0] * WEI_PER_MSAT;
    d->latest[1] = (u128)ch->current.to_side_msat[1] * WEI_PER_MSAT;
    size_t len;
    uint8_t *data = post_calldata(state, sig, &len);
    struct l1_tx tx = { .kind = "channel_force_close", .calldata = data,
                        .calldata_len = len, .exec_gas = st->force_close_gas };
    struct l1_callbacks cb = { post_included, NULL, post_dropped, d };
    c->state = CH_CLOSING;
    chan_set_routable(st, c, false);
    d->post_tx = poster_submit(d, &tx, &cb);
    free(data);
    c->close_tx = d->post_tx;
    if (!d->post_tx) {
        c->state = CH_OPEN;
        chan_set_routable(st, c, true);
    }
    if (d->cheat) {
        d->cheat->posted_number = state->commitment_number;
        d->cheat->latest_number = d->latest_number;
        int victim = 1 - d->poster;
        u128 mine = (u128)state->to_side_msat[victim] * WEI_PER_MSAT;
        d->cheat->at_risk = d->latest[victim] > mine ? d->latest[victim] - mine : 0;
        if (!d->post_tx) {
            d->cheat->stage = CHEAT_NOTHING;
            snprintf(d->cheat->detail, sizeof d->cheat->detail, "the %s could not pay the "
                     "post's gas", d->poster ? "user" : "hub");
        }
    }
}

/* The cheater acts at cheat->at: posts its best revoked state if it beats the latest
 * for it, or the latest (cheat->latest: an honest unilateral close). */
static void cheat_act(struct sim *sim, void *ctx, const void *payload)
{
    (void)payload;
    struct dispute *d = ctx;
    struct chan *c = d->c;
    struct chs *st = S(c->sc);
    struct channels_cheat *x = d->cheat;
    const struct channel *ch = &st->net.ch[c->k];
    if (c->state != CH_OPEN) {
        x->stage = CHEAT_NOTHING;
        snprintf(x->detail, sizeof x->detail, "the victim's channel is not open (%s)",
                 chan_state_name[c->state]);
        return;
    }
    if (x->when_offline) {                /* the cheater waits for the victim to go */
        sim_time now = sim_now(sim);
        sim_time off = st->offline && !x->by_user          /* a hub never goes offline */
                     ? offline_next_down(st->offline, x->victim, now) : INT64_MAX;
        if (off == INT64_MAX) {
            x->stage = CHEAT_NOTHING;
            snprintf(x->detail, sizeof x->detail, "the victim's node never goes offline");
            return;
        }
        if (off > now) {
            sim_at(sim, off, cheat_act, d, NULL, 0);
            return;
        }
    }
    if (ch->current.nhtlcs > 0) {         /* posts once the HTLCs in flight settle */
        sim_after(sim, SIM_SEC, cheat_act, d, NULL, 0);
        return;
    }
    if (x->latest) {
        dispute_post(c, &ch->current, ch->current_sig);
        return;
    }
    if (!d->have_kept || d->kept.to_side_msat[d->poster] <= ch->current.to_side_msat[d->poster]) {
        x->stage = CHEAT_NOTHING;
        snprintf(x->detail, sizeof x->detail, "no revoked state pays the %s more than the "
                 "latest (commitment %llu)", x->by_user ? "user" : "hub",
                 (unsigned long long)ch->current.commitment_number);
        return;
    }
    dispute_post(c, &d->kept, (const uint8_t (*)[SIG_BYTES])d->kept_sig);
}

/* Channel c's hub will cheat as x says: from now on it keeps the revoked state best
 * for it (dispute_keep), and acts at x->at. */
static void cheat_on(struct scheme *sc, struct chan *c, struct channels_cheat *x)
{
    if (!c->d) {
        c->d = xcalloc(1, sizeof *c->d);
        c->d->c = c;
    }
    c->d->cheat = x;
    c->d->poster = x->by_user ? 1 : 0;
    sim_at(sc->world->sim, x->at, cheat_act, c->d, NULL, 0);
}

/* Hook "channel.revoked_state" (channels_cheat_fn): plan x on the victim's channel. */
static void hook_revoked_state(struct scheme *sc, struct channels_cheat *x)
{
    struct chs *st = S(sc);
    x->stage = CHEAT_PLANNED;
    x->posted_at = x->deadline = x->answered_at = x->resolved_at = x->victim_back = -1;
    if (st->topo != TOPO_HUB || x->victim >= st->nusers) {
        x->stage = CHEAT_NOTHING;
        snprintf(x->detail, sizeof x->detail, "no such user channel (hub topology only)");
        return;
    }
    cheat_on(sc, user_join(sc, x->victim), x);
}

/* Hook "channel.revoked_states" (channels_cheat_plan_fn): victims drawn as users
 * join (cheat_plans_join). */
static void hook_revoked_states(struct scheme *sc, struct channels_cheat_plan *plan)
{
    struct chs *st = S(sc);
    if (st->topo != TOPO_HUB)
        return;                           /* only hubs cheat (hub topology) */
    st->plan = xrealloc(st->plan, (st->nplans + 1) * sizeof *st->plan);
    st->plan[st->nplans++] = plan;
}

/* A user's channel was made: each plan draws whether its hub will cheat it (the
 * user's own stream for the plan, so one user's draw never shifts another's), if the
 * cheat's time is still ahead and nobody cheats this channel already. */
static void cheat_plans_join(struct scheme *sc, struct chan *c)
{
    struct chs *st = S(sc);
    sim_time now = sim_now(sc->world->sim);
    for (size_t i = 0; i < st->nplans; i++) {
        struct channels_cheat_plan *plan = st->plan[i];
        if (now >= plan->at || (c->d && c->d->cheat))
            continue;
        gsl_rng *r = scheme_stream(sc, SCHEME_ENTITY(0x4348u /* "CH" */, c->user),
                                   plan->stream);
        bool pick = gsl_rng_uniform(r) < plan->probability;
        gsl_rng_free(r);
        if (!pick)
            continue;
        struct channels_cheat *x = xcalloc(1, sizeof *x);
        *x = (struct channels_cheat){ .victim = (uint32_t)c->user, .at = plan->at,
                                      .when_offline = plan->when_offline,
                                      .by_user = plan->by_user,
                                      .stage = CHEAT_PLANNED, .posted_at = -1, .deadline = -1,
                                      .answered_at = -1, .resolved_at = -1,
                                      .victim_back = -1 };
        plan->cheat = xrealloc(plan->cheat, (plan->ncheat + 1) * sizeof *plan->cheat);
        plan->cheat[plan->ncheat++] = x;
        cheat_on(sc, c, x);
    }
}

/* Hook "channel.hold_htlcs" (channels_griefer_fn): node g->node holds HTLCs. */
static void hook_hold_htlcs(struct scheme *sc, struct channels_griefer *g)
{
    struct chs *st = S(sc);
    g->node_id = st->topo == TOPO_HUB ? g->node % st->nhubs
                                      : (uint32_t)(g->node % st->g->nnodes);
    st->griefer = xrealloc(st->griefer, (st->ngriefers + 1) * sizeof *st->griefer);
    st->griefer[st->ngriefers++] = g;
}

static void hook_jam(struct scheme *sc, struct channels_jammer *j);

static const struct scheme_hook hooks[] = {
    SCHEME_HOOK("channel.hold_htlcs", channels_griefer_fn, hook_hold_htlcs,
                "node `node` holds every HTLC it should forward from `from` to `until` "
                "for `hold` (or until it expires); the counts fill the struct"),
    SCHEME_HOOK("channel.revoked_state", channels_cheat_fn, hook_revoked_state,
                "the victim's hub posts its best revoked state of their channel at `at` "
                "(or the latest: a unilateral close); the outcome fills the struct"),
    SCHEME_HOOK("channel.jam", channels_jammer_fn, hook_jam,
                "user `sender` keeps `payments` payments to `receiver` in flight from `from` "
                "to `until`, each crossing the hub-to-hub channel `crossings` times, never "
                "settled; the counts fill the struct"),
    SCHEME_HOOK("channel.revoked_states", channels_cheat_plan_fn, hook_revoked_states,
                "each user whose channel is made before `at` is a victim with "
                "`probability`, cheated at `at` as channel.revoked_state does"),
};

/* ---- faulty nodes (offline.c) ---- */

static gsl_rng *node_stream(void *ctx, uint64_t id)
{
    return scheme_stream(ctx, SCHEME_ENTITY(0x4f46u /* "OF" */, id), 1);
}

/* A node's identity in the schedule: hub topology, the user (hubs never fail: -1);
 * otherwise the graph node. */
static int64_t node_identity(const struct chs *st, uint32_t v)
{
    if (st->topo != TOPO_HUB)
        return v;
    return v < st->nhubs ? -1 : (int64_t)st->joined[v - st->nhubs];
}

static bool node_down(const struct chs *st, uint32_t v, sim_time t)
{
    int64_t id = st->offline ? node_identity(st, v) : -1;
    return id >= 0 && offline_down(st->offline, (uint64_t)id, t);
}

/* When node v is next online at or after t. */
static sim_time node_up_at(const struct chs *st, uint32_t v, sim_time t)
{
    int64_t id = st->offline ? node_identity(st, v) : -1;
    return id >= 0 ? offline_next_up(st->offline, (uint64_t)id, t) : t;
}

/* ---- payments ---- */

static void pay_unlink(struct chs *st, struct pay *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        st->inflight = p->next;
    if (p->next)
        p->next->prev = p->prev;
}

static void pay_row(struct scheme *sc, const struct pay *p, unsigned hops, unsigned attempts,
                    uint64_t fee_msat, const char *status, const char *failure)
{
    struct world *w = sc->world;
    sqlite3_stmt *s = store_prepare(w->store,
        "INSERT INTO channel_payments(run_id, scheme, tx_id, from_node, to_node, amount_wei,"
        " hops, attempts, routing_fee_wei, status, failure, submit_us, settled_us, parts)"
        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    struct chs *st = S(sc);
    sqlite3_bind_int64(s, 1, w->run_id);
    sqlite3_bind_text(s, 2, sc->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)p->t.id);
    sqlite3_bind_int64(s, 4, user_node(st, p->t.from));
    sqlite3_bind_int64(s, 5, user_node(st, p->t.to));
    money_bind(s, 6, (u128)p->amount_msat * WEI_PER_MSAT);
    sqlite3_bind_int(s, 7, (int)hops);
    sqlite3_bind_int(s, 8, (int)attempts);
    money_bind(s, 9, (u128)fee_msat * WEI_PER_MSAT);
    sqlite3_bind_text(s, 10, status, -1, SQLITE_STATIC);
    if (failure)
        sqlite3_bind_text(s, 11, failure, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 12, p->t.at);
    if (p->rec.soft >= 0)
        sqlite3_bind_int64(s, 13, p->rec.soft);
    sqlite3_bind_int(s, 14, p->nparts ? (int)p->nparts : 1);
    store_step(w->store, s);
}

/* The L1 fees of the channel opens this transfer carries (see need_channel). */
static void pay_open_fees(struct pay *p)
{
    struct chs *st = S(p->sc);
    if (st->topo != TOPO_HUB)
        return;
    for (int i = 0; i < 2; i++) {
        const struct chan *c = user_chan(st, i ? p->t.to : p->t.from);
        if (c && c->fee_tx == p->t.id + 1 && c->open_fee) {
            p->rec.charged = true;
            p->rec.l1_fee += c->open_fee;
        }
        if (p->t.to == p->t.from)
            break;
    }
}

/* The transfer ends without a payment (or its payment failed): its txs row. The
 * caller frees p unless a channel's waiter list still holds it (p->waiting). */
static void pay_fail(struct pay *p, const char *status, const char *reason)
{
    struct scheme *sc = p->sc;
    pay_open_fees(p);
    p->rec.status = status;
    p->rec.reason = reason;
    txlog_write(sc->world, sc, &p->rec);
    pay_unlink(S(sc), p);
    p->done = true;
}

static void pay_waits(struct chan *c, struct pay *p)
{
    if (c->nwait == c->capwait) {
        c->capwait = c->capwait ? 2 * c->capwait : 4;
        c->waiter = xrealloc(c->waiter, c->capwait * sizeof *c->waiter);
    }
    c->waiter[c->nwait++] = p;
    p->waiting++;
}

/* A channel's money as it must be: balances + pending HTLCs = capacity. */
static int chan_conserved(const struct chs *st, uint32_t k, struct inv_fail *f)
{
    const struct channel *ch = &st->net.ch[k];
    u128 t = channel_state_total(&ch->current);
    char a[41], b[41];
    if (t != ch->capacity_msat)
        return INV_FAIL(f, "money conserved in every channel", "channel %u: balances + HTLCs "
                        "= %s msat, capacity %s msat (commitment %llu)", k, u128_str(t, a),
                        u128_str(ch->capacity_msat, b),
                        (unsigned long long)ch->current.commitment_number);
    return 0;
}

static const char *failure_reason(enum payment_failure f)
{
    switch (f) {
    case PAYMENT_INSUFFICIENT_BALANCE: return "insufficient balance at a hop on every route tried";
    case PAYMENT_TIMEOUT:              return "an HTLC timed out";
    case PAYMENT_FINAL_INCORRECT:      return "the recipient refused the HTLC's amount or expiry";
    case PAYMENT_NO_ROUTE:             return "no route";
    case PAYMENT_NO_FAILURE:           break;
    }
    return "no route";
}

/* ---- a payment's HTLCs across time ----
 * The sender pays as a node does (payment_pay's loop, with the sender's fee limit):
 * route with what it knows (capacities, policies, its own balances), then the HTLCs
 * move one message at a time, each after a network latency drawn for it (lognormal,
 * median hop_latency: the only random part): added hop by hop; at the recipient the
 * preimage settles them back hop by hop; a hop that cannot add (balance, the
 * channel's max_accepted_htlcs) fails the HTLCs before it back, and the sender routes
 * again without that channel. Meanwhile the HTLCs hold their amounts and slots in
 * their channels, so other payments see less liquidity. A forwarding node that holds
 * an HTLC (adversary htlc_griefing) fails it back when it lets go, or its offerer
 * takes it back at its cltv_expiry (BOLT-2 timeout) and the route unwinds from there.
 * The recipient's preimage: SHA-256 of the run and the transfer, so reruns match. */

enum pay_step { STEP_ADD, STEP_FULFILL, STEP_FAIL, STEP_EXPIRE };

static void pay_attempt(struct pay *p);

static sim_time hop_delay(struct chs *st)
{
    if (st->hop_latency <= 0)
        return 0;
    double z = gsl_ran_gaussian_ziggurat(st->net_rng, 0.5);
    double d = (double)st->hop_latency * exp(z);
    return d > 1e12 ? (sim_time)1e12 : (sim_time)d;
}

static void pay_event(struct sim *sim, void *ctx, const void *payload);

static void pay_next(struct pay *p, enum pay_step step, sim_time at)
{
    p->step = step;
    sim_at(p->sc->world->sim, at, pay_event, p, NULL, 0);
}

static uint32_t pay_height(const struct pay *p)
{
    uint64_t h = l1_height(p->sc->world->l1);
    return h > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)h;
}

static uint32_t hop_channel(const struct chs *st, const struct pay *p, size_t i)
{
    return st->g->edges[p->pm.route.hop[i].edge].channel;
}

static void part_end(struct pay *c, bool ok, const char *reason);

/* The payment is over: its rows, and its channels may close now. A part of a
 * multi-part payment reports to its payment instead. */
static void pay_end(struct pay *p, bool ok, const char *reason)
{
    if (p->parent) {
        part_end(p, ok, reason);
        return;
    }
    struct scheme *sc = p->sc;
    struct chs *st = S(sc);
    struct world *w = sc->world;
    sim_time now = sim_now(w->sim);
    st->payments++;
    for (size_t j = 0; j < st->njammers; j++) {       /* what the jamming did */
        struct channels_jammer *jm = st->jammer[j];
        sim_time len = jm->until - jm->from;
        if (p->t.at >= jm->from && p->t.at < jm->until) {
            jm->tried_during++;
            jm->failed_during += !ok;
            jm->slots_during += !ok && reason && strstr(reason, "max_accepted_htlcs");
        } else if (p->t.at >= jm->from - len && p->t.at < jm->from) {
            jm->tried_before++;
            jm->failed_before += !ok;
        }
    }
    for (size_t j = 0; j < st->ngriefers; j++) {      /* what the griefing did */
        struct channels_griefer *gr = st->griefer[j];
        sim_time len = gr->until - gr->from;
        if (p->t.at >= gr->from && p->t.at < gr->until) {
            gr->tried_during++;
            gr->failed_during += !ok;
        } else if (p->t.at >= gr->from - len && p->t.at < gr->from) {
            gr->tried_before++;
            gr->failed_before += !ok;
        }
    }
    if (ok) {
        st->succeeded++;
        p->rec.soft = p->rec.include = p->rec.final = now;
        pay_open_fees(p);
        p->rec.charged = true;
        uint64_t fee = p->nparts ? p->parts_fee_msat : p->pm.route.fee_msat;
        p->rec.l2_fee = (u128)fee * WEI_PER_MSAT;
        pay_row(sc, p, p->hops, p->attempts, fee, "succeeded", NULL);
        p->rec.status = "final";
        txlog_write(w, sc, &p->rec);
        pay_unlink(st, p);
    } else {
        pay_row(sc, p, p->hops, p->attempts, 0, "failed", reason);
        pay_fail(p, "failed", reason);
    }
    free(p);
}

/* A part of a multi-part payment ended (settled, or failed after its retries). A
 * failure makes the recipient fail back the part it holds (BOLT-4: it fails every
 * part of a payment it cannot complete); the payment ends with its last part:
 * succeeded when every part did, its attempts and fees the parts' sums. Frees c. */
static void part_end(struct pay *c, bool ok, const char *reason)
{
    struct pay *p = c->parent;
    struct chs *st = S(p->sc);
    sim_time now = sim_now(p->sc->world->sim);
    p->attempts += c->attempts;
    if (c->hops > p->hops)
        p->hops = c->hops;
    if (ok) {
        p->parts_fee_msat += c->pm.route.fee_msat;
    } else if (p->parts_ok) {
        p->parts_ok = false;
        p->reason = reason;
    }
    for (unsigned j = 0; j < p->nparts; j++)
        if (p->part[j] == c)
            p->part[j] = NULL;
    free(c);
    p->parts_ended++;
    if (!p->parts_ok)
        for (unsigned j = 0; j < p->nparts; j++) {
            struct pay *o = p->part[j];
            if (o && o->arrived) {
                o->arrived = false;
                o->aborted = true;
                p->parts_arrived--;
                pay_next(o, STEP_FAIL, now + hop_delay(st));
            }
        }
    if (p->parts_ended == p->nparts && !p->splitting)
        pay_end(p, p->parts_ok, p->reason);
}

/* Every HTLC of p's route is in place: the recipient settles, or, for a part of a
 * multi-part payment, holds it until the parts add up to the total (BOLT-4
 * total_msat), then settles them all; a part that arrives after another failed is
 * failed back. */
static void pay_arrived(struct pay *p, sim_time now)
{
    struct chs *st = S(p->sc);
    struct pay *m = p->parent;
    if (!m) {
        pay_next(p, STEP_FULFILL, now + hop_delay(st));
        return;
    }
    if (!m->parts_ok) {
        p->aborted = true;
        pay_next(p, STEP_FAIL, now + hop_delay(st));
        return;
    }
    p->arrived = true;
    if (++m->parts_arrived < m->nparts)
        return;
    for (unsigned j = 0; j < m->nparts; j++) {
        m->part[j]->arrived = false;
        pay_next(m->part[j], STEP_FULFILL, now + hop_delay(st));
    }
}

/* No route carries p whole: two parts under its payment hash (CLoTH's split: halves,
 * on the first attempt only), each routed on its own. A part that finds no route
 * fails the payment; the other is then not sent. */
static void pay_split(struct pay *p)
{
    p->nparts = 2;
    p->parts_ok = true;
    p->splitting = true;
    uint64_t half = p->amount_msat / 2;
    for (unsigned j = 0; j < 2; j++) {
        struct pay *c = xcalloc(1, sizeof *c);
        c->sc = p->sc;
        c->t = p->t;
        c->rec = p->rec;
        c->parent = p;
        c->amount_msat = j ? p->amount_msat - half : half;
        c->t.max_fee = j ? p->t.max_fee - p->t.max_fee / 2 : p->t.max_fee / 2;
        memcpy(c->preimage, p->preimage, 32);
        memcpy(c->hash, p->hash, 32);
        p->part[j] = c;
    }
    for (unsigned j = 0; j < 2; j++) {
        if (!p->part[j])
            continue;
        if (p->parts_ok)
            pay_attempt(p->part[j]);
        else
            part_end(p->part[j], false, p->reason);
    }
    p->splitting = false;
    if (p->parts_ended == p->nparts)
        pay_end(p, p->parts_ok, p->reason);
}

/* The attempt unwound to the sender: what it taught, then route again. */
static void jam_done(struct pay *p);
static void pay_unwatch(struct pay *p);

static void attempt_failed(struct pay *p)
{
    pay_unwatch(p);
    if (p->jam) {
        jam_done(p);
        return;
    }
    if (p->aborted) {
        pay_end(p, false, "another part of the multi-part payment failed");
        return;
    }
    p->reason = p->offline ? (p->offline_dest ? "offline node (the recipient)" : "offline node")
              : p->onchain ? "an HTLC timed out and its offerer claimed it back on L1"
              : p->pm.failure == PAYMENT_TIMEOUT ? "an HTLC timed out"
              : p->pm.failure == PAYMENT_FINAL_INCORRECT ? failure_reason(PAYMENT_FINAL_INCORRECT)
              : p->held ? "a forwarding node held the HTLC and failed it back"
              : p->pm.refused == CHANNEL_TOO_MANY_HTLCS
              ? "a hop's HTLC slots were full (max_accepted_htlcs)"
              : failure_reason(p->pm.failure);
    if (p->pm.failed_edge == UINT32_MAX || p->ntaught == ARRAY_LEN(p->taught) ||
        p->pm.failure == PAYMENT_TIMEOUT || p->held || p->offline_dest) {
        pay_end(p, false, p->reason);
        return;
    }
    p->taught[p->ntaught++] = p->pm.failed_edge;
    pay_attempt(p);
}

/* Hop i's channel after it moved: checked, and a close it was waiting for. */
static bool hop_moved(struct pay *p, size_t i)
{
    struct chs *st = S(p->sc);
    uint32_t k = hop_channel(st, p, i);
    struct inv_fail f;
    mark_dirty(st, k);
    if (chan_conserved(st, k, &f)) {
        world_violated(p->sc->world, &f);
        return false;
    }
    struct chan *c = st->chan[k];
    if (c->close_wanted && c->state == CH_OPEN && st->net.ch[k].current.nhtlcs == 0)
        channels_close(c);
    return true;
}

static void pay_expire_timer(void *ctx)
{
    struct pay *p = ctx;
    pay_event(p->sc->world->sim, p, NULL);
}

/* ---- HTLCs held past their expiry, settled on L1 (BOLT-2 "deadline for offered
 * HTLCs", BOLT-5 HTLC-timeout) ----
 * The offerer of an HTLC its peer neither fulfils nor fails must fail the channel
 * once the HTLC is G blocks past its cltv_expiry (BOLT-2; G = 1 here, "1 or 2 blocks
 * is reasonable"): it posts its latest signed state on L1 (kind channel_force_close,
 * from its own account) and, the HTLC having expired, claims it back with an
 * HTLC-timeout transaction (kind channel_htlc_timeout, `htlc_timeout_gas`) that the
 * contract accepts at a block height >= cltv_expiry; the balances, that HTLC back to
 * its offerer, are paid out after to_self_delay (the poster's claim: close_kind
 * htlc_timeout). This holds on every channel of a route (hub topology): a user whose
 * HTLC its hub holds posts from its L1 account; a hub whose HTLC another hub holds
 * posts their channel from its capital, and the mesh loses that channel. Once the
 * held HTLC is back, the hops before it are failed back off-chain (their expiries are
 * cltv_expiry_delta later); but each of their offerers watches its own deadline
 * meanwhile, and when the held HTLC's claim is still not in by then (a congested or
 * stuffed L1), that offerer goes to L1 too: the route unwinds in the order the claims
 * get in. Simplified: other HTLCs of the posted state settle as their payments go on
 * (each would be its own HTLC-success or HTLC-timeout transaction in BOLT-5), and the
 * claim waits for them. A congested L1 delays the posts and the claims, and with them
 * the payment's failure back to its sender: the griefer's row counts the delay. */

#define HTLC_DEADLINE_BLOCKS 1
#define HOP_BIT(i) ((uint32_t)1 << (i))

/* An HTLC of p's route (hop `hop`) that its offerer claims back on L1: the context
 * of the HTLC-timeout's L1 callbacks, freed once the contract resolved it. */
struct htlc_claim {
    struct pay *p;
    size_t      hop;
    u128        reserved;       /* of the offerer's L1 funds, while its tx is pending */
};

/* The deadline of hop `hop` of p's attempt, which its offerer watches while an HTLC
 * further on waits for L1: owned by the L1 (l1_at_owned); p = NULL once the attempt
 * ended first. */
struct htlc_watch {
    struct pay *p;
    size_t      hop;
};

static bool htlc_onchain_applies(const struct pay *p, size_t i)
{
    const struct chs *st = S(p->sc);
    if (!st->htlc_onchain || st->topo != TOPO_HUB || p->jam)
        return false;
    const struct chan *c = st->chan[hop_channel(st, p, i)];
    return !(c->d && c->d->cheat);
}

/* The side of hop i's channel that offered its HTLC. */
static int hop_offerer(const struct chs *st, const struct pay *p, size_t i)
{
    const struct graph_edge *e = &st->g->edges[p->pm.route.hop[i].edge];
    return payment_side(&st->net, e->channel, e->from);
}

/* The attempt is over: the deadlines it armed forget it. */
static void pay_unwatch(struct pay *p)
{
    for (size_t h = 0; h < ROUTE_MAX_HOPS; h++)
        if (p->watch[h]) {
            p->watch[h]->p = NULL;
            p->watch[h] = NULL;
        }
    p->chain_wait = p->chain_done = 0;
}

/* Hop nadded - 1 settled: the next hop down is skipped when its offerer already got
 * its HTLC back on L1, left to its L1 claim when one is pending (that claim goes on
 * from here), or failed back by its receiver after a message's latency; after the
 * first hop the attempt is over. */
static void pay_unwind(struct pay *p)
{
    while (p->pm.nadded > 0 && (p->chain_done & HOP_BIT(p->pm.nadded - 1)))
        p->pm.nadded--;
    if (p->pm.nadded == 0) {
        p->pm.status = PAYMENT_FAILED;
        attempt_failed(p);
    } else if (!(p->chain_wait & HOP_BIT(p->pm.nadded - 1))) {
        pay_next(p, STEP_FAIL, sim_now(p->sc->world->sim) + hop_delay(S(p->sc)));
    }
}

static void htlc_timeout_submit(struct htlc_claim *k);
static void offerer_post(struct dispute *d);

/* The contract resolved hop k->hop's HTLC to its offerer (the block's height is past
 * its cltv_expiry): mirrored on the channel's state; the route unwinds from there
 * when it was the last hop still in place (an upstream claim that got in first waits
 * for the hops after it). Frees k. */
static void htlc_timeout_resolve(struct htlc_claim *k, sim_time at)
{
    struct pay *p = k->p;
    size_t i = k->hop;
    p->claim[i] = NULL;
    free(k);
    struct chs *st = S(p->sc);
    uint32_t height = pay_height(p);
    p->chain_wait &= ~HOP_BIT(i);
    p->chain_done |= HOP_BIT(i);
    p->onchain = true;
    if (payment_claim_hop(&st->net, &p->pm, i, height) != 0)
        sim_panic("channels: the contract's HTLC-timeout of hop %zu refused at height %u", i,
                  height);
    if (i == p->held_hop) {
        p->pm.failure = PAYMENT_TIMEOUT;
        p->pm.failed_edge = p->pm.route.hop[i].edge;
    }
    if (p->griefer && i == p->held_hop) {
        sim_time slot = l1_slot(p->sc->world->l1);
        p->griefer->onchain++;
        sim_time late = at - (sim_time)p->pm.route.hop[i].cltv_expiry * slot;
        p->griefer->onchain_delay_us += late;
        if (late > p->griefer->onchain_delay_max_us)
            p->griefer->onchain_delay_max_us = late;
    } else if (p->griefer) {
        p->griefer->onchain_upstream++;
    }
    if (!hop_moved(p, i))
        return;
    if (i + 1 == p->pm.nadded)
        pay_unwind(p);
}

static void htlc_timeout_included(void *ctx, const struct l1_receipt *r)
{
    struct htlc_claim *k = ctx;
    struct pay *p = k->p;
    struct scheme *sc = p->sc;
    struct chs *st = S(sc);
    struct chan *c = st->chan[hop_channel(st, p, k->hop)];
    side_settle(sc, c, hop_offerer(st, p, k->hop), k->reserved, r->total);
    k->reserved = 0;
    st->l1_paid += r->total;
    c->close_fee += r->total;
    htlc_timeout_resolve(k, r->time);
}

static void htlc_timeout_retry(void *ctx)
{
    htlc_timeout_submit(ctx);
}

static void htlc_timeout_dropped(void *ctx, const char *why)
{
    (void)why;
    struct htlc_claim *k = ctx;
    struct pay *p = k->p;
    struct chs *st = S(p->sc);
    struct chan *c = st->chan[hop_channel(st, p, k->hop)];
    side_settle(p->sc, c, hop_offerer(st, p, k->hop), k->reserved, 0);
    k->reserved = 0;
    /* again after the next block, at its fees (a full pool that evicts it at once
     * must not see it again in the same instant) */
    struct l1 *l1 = p->sc->world->l1;
    l1_at(l1, l1_head_time(l1) + l1_slot(l1), htlc_timeout_retry, k);
}

/* The offerer's HTLC-timeout claim for hop k->hop's HTLC: the channel id, the HTLC's
 * id and the posted state's number, from the offerer's account (a user's, or its
 * hub's capital). An offerer who cannot pay its gas leaves it to the poster's claim,
 * which settles the state's HTLCs as the contract would (resolved at once here). */
static void htlc_timeout_submit(struct htlc_claim *k)
{
    struct pay *p = k->p;
    struct scheme *sc = p->sc;
    struct chs *st = S(sc);
    struct l1 *l1 = sc->world->l1;
    struct chan *c = st->chan[hop_channel(st, p, k->hop)];
    const struct dispute *d = c->d;
    int side = hop_offerer(st, p, k->hop);
    uint8_t data[48];
    memcpy(data, d->posted.channel_id, 32);
    for (int b = 0; b < 8; b++) {
        data[32 + b] = (uint8_t)(p->pm.htlc_id[k->hop] >> (8 * b));
        data[40 + b] = (uint8_t)(d->posted.commitment_number >> (8 * b));
    }
    struct l1_tx tx = { .sender = side_account(sc, c, side),
                        .origin = L1_ORIGIN_SCHEME(sc->index), .kind = "channel_htlc_timeout",
                        .calldata = data, .calldata_len = sizeof data,
                        .exec_gas = st->htlc_timeout_gas };
    struct l1_fee_policy fee = fee_now(st, l1);
    u128 reserve = (u128)l1_gas_of(l1, &tx) * fee.max_fee;
    if (!side_reserve(sc, c, side, reserve)) {
        htlc_timeout_resolve(k, sim_now(sc->world->sim));
        return;
    }
    k->reserved = reserve;
    struct l1_callbacks cb = { htlc_timeout_included, NULL, htlc_timeout_dropped, k };
    l1_submit(l1, &tx, &fee, &cb);
}

static void offerer_post_included(void *ctx, const struct l1_receipt *r)
{
    struct dispute *d = ctx;
    struct chan *c = d->c;
    struct scheme *sc = c->sc;
    struct chs *st = S(sc);
    struct l1 *l1 = sc->world->l1;
    side_settle(sc, c, d->offerer, d->reserved_post, r->total);
    d->reserved_post = 0;
    st->l1_paid += r->total;
    c->close_fee += r->total;
    const struct channel *ch = &st->net.ch[c->k];
    for (int side = 0; side < 2; side++)
        if (!channel_state_verify(ch, &d->posted, side, d->posted_sig[side]))
            sim_panic("channels: the offerer's own latest state does not verify");
    d->posted_at = r->time;
    sim_time slot = l1_slot(l1);
    d->deadline = r->time + (st->to_self_delay + slot - 1) / slot * slot;
    l1_at(l1, d->deadline, dispute_end, d);
    for (size_t k = 0; k < d->nclaim; k++)
        htlc_timeout_submit(d->claim[k]);
    d->nclaim = 0;
}

static void offerer_post_retry(void *ctx)
{
    offerer_post(ctx);
}

static void offerer_post_dropped(void *ctx, const char *why)
{
    (void)why;
    struct dispute *d = ctx;
    struct chan *c = d->c;
    side_settle(c->sc, c, d->offerer, d->reserved_post, 0);
    d->reserved_post = 0;
    struct l1 *l1 = c->sc->world->l1;     /* again after the next block */
    l1_at(l1, l1_head_time(l1) + l1_slot(l1), offerer_post_retry, d);
}

/* The offerer (side d->offerer) posts the channel's latest state (it holds both
 * signatures), or, when its funds cannot reserve the gas, tries again a slot later. */
static void offerer_post(struct dispute *d)
{
    struct chan *c = d->c;
    struct scheme *sc = c->sc;
    struct chs *st = S(sc);
    struct l1 *l1 = sc->world->l1;
    const struct channel *ch = &st->net.ch[c->k];
    channel_state_copy(&d->posted, &ch->current);
    memcpy(d->posted_sig, ch->current_sig, sizeof d->posted_sig);
    d->latest_number = ch->current.commitment_number;
    size_t len;
    uint8_t *data = post_calldata(&d->posted, (const uint8_t (*)[SIG_BYTES])d->posted_sig,
                                  &len);
    struct l1_tx tx = { .sender = side_account(sc, c, d->offerer),
                        .origin = L1_ORIGIN_SCHEME(sc->index), .kind = "channel_force_close",
                        .calldata = data, .calldata_len = len,
                        .exec_gas = st->force_close_gas };
    struct l1_fee_policy fee = fee_now(st, l1);
    u128 reserve = (u128)l1_gas_of(l1, &tx) * fee.max_fee;
    if (!side_reserve(sc, c, d->offerer, reserve)) {
        /* it cannot pay the post: it waits a slot and tries again (its HTLC pending) */
        free(data);
        l1_at(l1, l1_head_time(l1) + l1_slot(l1), offerer_post_retry, d);
        return;
    }
    d->reserved_post = reserve;
    struct l1_callbacks cb = { offerer_post_included, NULL, offerer_post_dropped, d };
    d->post_tx = l1_submit(l1, &tx, &fee, &cb);
    c->close_tx = d->post_tx;
    free(data);
}

static void htlc_watch_fire(void *obj);

/* Hop i's deadline passed with its HTLC still in place: its offerer fails the channel
 * (posts it, unless it is posted already) and claims the HTLC back on L1; every
 * offerer before it on the route now watches its own deadline. */
static void htlc_onchain(struct pay *p, size_t i)
{
    struct scheme *sc = p->sc;
    struct chs *st = S(sc);
    struct l1 *l1 = sc->world->l1;
    sim_time now = sim_now(sc->world->sim), slot = l1_slot(l1);
    p->chain_wait |= HOP_BIT(i);
    for (size_t h = 0; h < i; h++) {
        if (p->watch[h] || ((p->chain_wait | p->chain_done) & HOP_BIT(h)) ||
            !htlc_onchain_applies(p, h))
            continue;
        struct htlc_watch *w = xmalloc(sizeof *w);
        *w = (struct htlc_watch){ .p = p, .hop = h };
        p->watch[h] = w;
        sim_time at = ((sim_time)p->pm.route.hop[h].cltv_expiry + HTLC_DEADLINE_BLOCKS) * slot;
        l1_at_owned(l1, at > now ? at : now, htlc_watch_fire, w, NULL);
    }
    struct chan *c = st->chan[hop_channel(st, p, i)];
    if (!c->d) {
        c->d = xcalloc(1, sizeof *c->d);
        c->d->c = c;
    }
    struct dispute *d = c->d;
    if (c->state == CH_OPEN) {
        d->by_offerer = true;
        d->offerer = hop_offerer(st, p, i);
        /* after the period the claim: a user's hub (as for every post here), or on
         * the mesh the hub that posted */
        d->poster = c->user >= 0 ? 0 : d->offerer;
        c->state = CH_CLOSING;
        chan_set_routable(st, c, false);
        offerer_post(d);
    }
    struct htlc_claim *k = xcalloc(1, sizeof *k);
    k->p = p;
    k->hop = i;
    p->claim[i] = k;
    if (d->posted_at > 0) {
        htlc_timeout_submit(k);
        return;
    }
    d->claim = xrealloc(d->claim, (d->nclaim + 1) * sizeof *d->claim);
    d->claim[d->nclaim++] = k;
}

/* An upstream offerer's deadline: it acts while an HTLC after it still waits for L1
 * and its own is still in place (else the route is unwinding off-chain and its
 * receiver's update_fail_htlc is on its way); an offline user acts when back. */
static void htlc_watch_fire(void *obj)
{
    struct htlc_watch *w = obj;
    struct pay *p = w->p;
    if (!p)
        return;                           /* the attempt ended first */
    size_t h = w->hop;
    p->watch[h] = NULL;
    struct chs *st = S(p->sc);
    if (h >= p->pm.nadded || ((p->chain_wait | p->chain_done) & HOP_BIT(h)) ||
        !(p->chain_wait & ~(HOP_BIT(h + 1) - 1)))
        return;
    sim_time now = sim_now(p->sc->world->sim);
    uint32_t v = st->g->edges[p->pm.route.hop[h].edge].from;
    if (node_down(st, v, now)) {
        struct htlc_watch *again = xmalloc(sizeof *again);
        *again = (struct htlc_watch){ .p = p, .hop = h };
        p->watch[h] = again;
        l1_at_owned(p->sc->world->l1, node_up_at(st, v, now), htlc_watch_fire, again, NULL);
        return;
    }
    htlc_onchain(p, h);
}

/* The deadline for the HTLC a griefer holds (hop p->held_hop) passed: its offerer
 * goes to L1 (once online). */
static void htlc_deadline(void *ctx)
{
    struct pay *p = ctx;
    struct scheme *sc = p->sc;
    struct chs *st = S(sc);
    sim_time now = sim_now(sc->world->sim);
    uint32_t v = st->g->edges[p->pm.route.hop[p->held_hop].edge].from;
    if (node_down(st, v, now)) {          /* an offline user acts when back */
        l1_at(sc->world->l1, node_up_at(st, v, now), htlc_deadline, p);
        return;
    }
    htlc_onchain(p, p->held_hop);
}

/* Is the node that must act on hop i's HTLC (its receiver, forwarding it on) holding
 * HTLCs now? Then it keeps it until `hold` has passed, or its expiry. */
static bool pay_held(struct pay *p, size_t i, sim_time now)
{
    struct chs *st = S(p->sc);
    uint32_t v = st->g->edges[p->pm.route.hop[i].edge].to;
    for (size_t j = 0; j < st->ngriefers; j++) {
        struct channels_griefer *gr = st->griefer[j];
        if (gr->node_id != v || now < gr->from || now >= gr->until)
            continue;
        gr->held++;
        p->held = true;
        /* the incoming HTLC expires at block cltv_expiry: its offerer takes it back
         * then (heights are slot numbers) */
        sim_time slot = l1_slot(p->sc->world->l1);
        sim_time expiry = (sim_time)p->pm.route.hop[i].cltv_expiry * slot;
        sim_time release = now + gr->hold;
        u128 locked = 0;
        for (size_t h = 0; h <= i; h++)
            locked += p->pm.route.hop[h].amount_msat;
        if (release >= expiry) {
            gr->timed_out++;
            release = expiry > now ? expiry : now;
        }
        gr->locked_msat_us += locked * (u128)(release - now);
        gr->held_us += release - now;
        p->griefer = gr;
        p->held_hop = i;
        if ((release == expiry || expiry <= now) && htlc_onchain_applies(p, i)) {
            /* BOLT-2: the offerer fails the channel at the deadline for offered
             * HTLCs, HTLC_DEADLINE_BLOCKS after cltv_expiry */
            l1_at(p->sc->world->l1, expiry + HTLC_DEADLINE_BLOCKS * slot, htlc_deadline, p);
        } else if (release == expiry || expiry <= now) {
            /* after the block of height cltv_expiry: the offerer may take it back */
            p->step = STEP_EXPIRE;
            l1_at(p->sc->world->l1, release, pay_expire_timer, p);
        } else {
            pay_next(p, STEP_FAIL, release);
        }
        return true;
    }
    return false;
}

/* A step waits while a node it needs is offline (BOLT-2: updates flow between
 * connected peers, retransmitted on reconnection): adding hop i needs its offerer
 * online (the next peer's absence fails the hop instead, in pay_event); settling or
 * failing hop i - 1 needs both its peers. True when the step was put off. */
static bool pay_wait_online(struct pay *p, size_t i, sim_time now)
{
    struct chs *st = S(p->sc);
    if (!st->offline || p->step == STEP_EXPIRE)
        return false;
    const struct graph_edge *e = p->step == STEP_ADD ? &st->g->edges[p->pm.route.hop[i].edge]
                                                     : &st->g->edges[p->pm.route.hop[i - 1].edge];
    sim_time up = node_up_at(st, e->from, now);
    if (p->step != STEP_ADD) {
        sim_time up2 = node_up_at(st, e->to, now);
        up = up2 > up ? up2 : up;
    }
    if (up <= now)
        return false;
    pay_next(p, (enum pay_step)p->step, up);
    return true;
}

static void pay_event(struct sim *sim, void *ctx, const void *payload)
{
    (void)payload;
    struct pay *p = ctx;
    struct chs *st = S(p->sc);
    sim_time now = sim_now(sim);
    uint32_t height = pay_height(p);
    size_t i = p->pm.nadded;
    if (pay_wait_online(p, i, now))
        return;
    switch (p->step) {
    case STEP_ADD: {
        struct chan *c = st->chan[hop_channel(st, p, i)];
        uint32_t next = st->g->edges[p->pm.route.hop[i].edge].to;
        dispute_keep(st, c);
        if (c->state != CH_OPEN) {        /* closing since the route was found */
            p->pm.failure = PAYMENT_INSUFFICIENT_BALANCE;
            p->pm.failed_edge = p->pm.route.hop[i].edge;
        } else if (node_down(st, next, now)) {
            /* the next peer is disconnected: the HTLC cannot be offered to it (BOLT-4
             * unknown_next_peer / temporary_channel_failure back to the sender) */
            p->pm.failure = PAYMENT_INSUFFICIENT_BALANCE;
            p->pm.failed_edge = p->pm.route.hop[i].edge;
            p->offline = true;
            p->offline_dest = i + 1 == p->pm.route.nhops;
        } else if (payment_add_next(&st->net, &p->pm, height) == 0) {
            if (!hop_moved(p, i))
                return;
            if (p->pm.nadded == p->pm.route.nhops && p->jam) {
                /* the accomplice keeps the preimage and fails the HTLCs back one slot
                 * before the last hop expires (heights are slot numbers) */
                sim_time slot = l1_slot(p->sc->world->l1);
                sim_time at = ((sim_time)p->pm.route.hop[i].cltv_expiry - 1) * slot;
                if (at > p->jam->until)       /* the attack ends: it lets go */
                    at = p->jam->until;
                pay_next(p, STEP_FAIL, at > now ? at : now);
            } else if (p->pm.nadded == p->pm.route.nhops)
                pay_arrived(p, now);
            else if (!pay_held(p, i, now))
                pay_next(p, STEP_ADD, now + hop_delay(st));
            return;
        } else if (p->pm.nadded == p->pm.route.nhops) {
            hop_moved(p, i);              /* added, then refused by the recipient */
        }
        if (p->pm.nadded == 0) {
            attempt_failed(p);
            return;
        }
        pay_next(p, STEP_FAIL, now + hop_delay(st));
        return;
    }
    case STEP_FULFILL:
        dispute_keep(st, st->chan[hop_channel(st, p, i - 1)]);
        if (payment_fulfill_hop(&st->net, &p->pm, i - 1, p->preimage, height) != 0)
            sim_panic("channels: fulfilling hop %zu refused", i - 1);
        if (!hop_moved(p, i - 1))
            return;
        if (p->pm.nadded == 0)
            pay_end(p, true, NULL);
        else
            pay_next(p, STEP_FULFILL, now + hop_delay(st));
        return;
    case STEP_FAIL:
    case STEP_EXPIRE:
        /* an off-chain step never meets a hop whose HTLC went to L1: its deadline
         * acts only while a claim after it is pending, when nothing is sent back */
        SIM_ASSERT(!((p->chain_wait | p->chain_done) & HOP_BIT(i - 1)));
        dispute_keep(st, st->chan[hop_channel(st, p, i - 1)]);
        if (p->step == STEP_EXPIRE) {
            p->pm.failure = PAYMENT_TIMEOUT;
            p->pm.failed_edge = p->pm.route.hop[i - 1].edge;
            if (payment_expire_hop(&st->net, &p->pm, i - 1, height) != 0)
                sim_panic("channels: the timeout of hop %zu refused at height %u", i - 1,
                          height);
        } else if (payment_fail_hop(&st->net, &p->pm, i - 1, height) != 0) {
            sim_panic("channels: failing back hop %zu refused", i - 1);
        }
        if (!hop_moved(p, i - 1))
            return;
        pay_unwind(p);
        return;
    }
}

/* Route (again) and send the first HTLC; or the payment fails. */
static void pay_attempt(struct pay *p)
{
    struct scheme *sc = p->sc;
    struct chs *st = S(sc);
    sim_time now = sim_now(sc->world->sim);
    uint32_t src = user_node(st, p->t.from), dst = user_node(st, p->t.to);
    if (p->attempts >= st->max_attempts) {
        pay_end(p, false, p->reason ? p->reason : "no route");
        return;
    }
    if (node_down(st, src, now)) {
        pay_end(p, false, "offline node (the sender)");
        return;
    }
    /* the sender knows its own balances */
    const struct graph *g = st->g;
    uint64_t own_balance = 0;
    for (uint32_t k = g->out_start[src]; k < g->out_end[src]; k++) {
        struct graph_edge *e = &st->g->edges[g->out_edge[k]];
        const struct channel *ch = &st->net.ch[e->channel];
        e->balance_msat = g->channels[e->channel].capacity_msat
                        ? ch->current.to_side_msat[payment_side(&st->net, e->channel, src)] : 0;
        if (e->balance_msat > own_balance)
            own_balance = e->balance_msat;
    }
    struct route_opts o = st->ropts;
    o.height = pay_height(p);
    o.excluded_edge = st->excluded;
    for (size_t i = 0; i < p->ntaught; i++)
        st->excluded[p->taught[i]] = 1;
    struct route r;
    int found = src == dst ? -1 : route_find(st->rf, src, dst, p->amount_msat, &o, &r);
    for (size_t i = 0; i < p->ntaught; i++)
        st->excluded[p->taught[i]] = 0;
    if (found != 0 && st->mpp && !p->parent && !p->jam && p->attempts == 0 &&
        p->amount_msat >= 2 && src != dst) {
        pay_split(p);
        return;
    }
    if (found != 0) {
        /* one route tried and none left (the hub topology's usual case: the
         * recipient's channel is its only way in) is not "every route tried" */
        bool slots = p->pm.refused == CHANNEL_TOO_MANY_HTLCS;
        pay_end(p, false, p->offline ? "offline node"
                        : slots ? "a hop's HTLC slots were full (max_accepted_htlcs)"
                        : p->attempts == 1 ? "insufficient balance at a hop of the only route"
                        : p->attempts ? failure_reason(PAYMENT_INSUFFICIENT_BALANCE)
                        : own_balance < p->amount_msat ? "the sender's channel balance is too low"
                        : "no route");
        return;
    }
    if (r.fee_msat > p->t.max_fee / WEI_PER_MSAT) {
        pay_end(p, false, "no route within the sender's willingness to pay");
        return;
    }
    p->attempts++;
    p->offline = p->offline_dest = false;
    p->hops = (unsigned)r.nhops;
    payment_begin(&p->pm, &r, p->hash);
    pay_next(p, STEP_ADD, now + hop_delay(st));
}

static void pay_execute(struct pay *p)
{
    struct scheme *sc = p->sc;
    struct world *w = sc->world;
    sim_time now = sim_now(w->sim);
    p->rec.l1_fee = 0;
    p->rec.charged = false;
    if (p->t.deadline != INT64_MAX && now > p->t.deadline) {
        pay_row(sc, p, 0, 0, 0, "failed", "gave up waiting for a channel to open");
        pay_fail(p, "dropped", "gave up waiting for a channel to open");
        free(p);
        return;
    }
    uint8_t pre_in[16];
    for (int i = 0; i < 8; i++) {
        pre_in[i] = (uint8_t)(w->seed >> (8 * i));
        pre_in[8 + i] = (uint8_t)(p->t.id >> (8 * i));
    }
    hash_sha256(p->preimage, pre_in, sizeof pre_in);
    hash_sha256(p->hash, p->preimage, 32);
    pay_attempt(p);
}

/* ---- jamming with the attacker's own payments (channel_jamming, jamming.c) ---- */

static void jam_send(struct sim *sim, void *ctx, const void *payload);
static void jam_send_graph(struct sim *sim, void *ctx, const void *payload);
static void jam_pay(struct scheme *sc, struct channels_jammer *j, const uint32_t *edges,
                    size_t n);

/* The edge of channel k that leaves node v. */
static uint32_t edge_from(const struct chs *st, uint32_t k, uint32_t v)
{
    const struct graph_channel *gc = &st->g->channels[k];
    return gc->edge[gc->node[0] == v ? 0 : 1];
}

/* One more jamming payment (payload: the jammer): the sender's channel to its hub
 * h1, `crossings` hops between h1 and the receiver's hub h2 over their channel (the
 * target), the receiver's channel; while a channel is not usable, a slot later. */
static void jam_send(struct sim *sim, void *ctx, const void *payload)
{
    struct scheme *sc = ctx;
    struct chs *st = S(sc);
    struct channels_jammer *j = *(struct channels_jammer *const *)payload;
    sim_time now = sim_now(sim), slot = l1_slot(sc->world->l1);
    if (now >= j->until)
        return;
    struct chan *cs = user_chan(st, j->sender), *cr = user_chan(st, j->receiver);
    if (!cs || !cr || cs->state != CH_OPEN || cr->state != CH_OPEN) {
        sim_at(sim, now + slot, jam_send, sc, &j, sizeof j);
        return;
    }
    j->l1_cost = cs->open_fee + cr->open_fee;
    uint32_t s_node = user_node(st, j->sender);
    uint32_t h[2] = { j->sender % st->nhubs, j->receiver % st->nhubs };
    uint32_t edges[ROUTE_MAX_HOPS];
    size_t n = 0;
    edges[n++] = edge_from(st, cs->k, s_node);
    for (uint32_t x = 0; x < j->crossings; x++)
        edges[n++] = edge_from(st, j->target, h[x % 2]);
    edges[n++] = edge_from(st, cr->k, h[1]);
    jam_pay(sc, j, edges, n);
}

/* Csv and generated topologies: the same over the route hook_jam found (j->path). */
static void jam_send_graph(struct sim *sim, void *ctx, const void *payload)
{
    struct scheme *sc = ctx;
    struct channels_jammer *j = *(struct channels_jammer *const *)payload;
    if (sim_now(sim) >= j->until)
        return;
    jam_pay(sc, j, j->path, j->npath);
}

/* One jamming payment over edges[0..n). */
static void jam_pay(struct scheme *sc, struct channels_jammer *j, const uint32_t *edges,
                    size_t n)
{
    struct chs *st = S(sc);
    sim_time now = sim_now(sc->world->sim), slot = l1_slot(sc->world->l1);
    struct pay *p = xcalloc(1, sizeof *p);
    p->sc = sc;
    p->jam = j;
    p->t = (struct transfer){ .id = j->sent, .from = j->sender, .to = j->receiver, .at = now };
    uint32_t hold_blocks = (uint32_t)((j->hold + slot - 1) / slot);
    struct route r;
    if (!channels_route_along(st->g, edges, n, (uint64_t)(j->amount / WEI_PER_MSAT),
                              pay_height(p), hold_blocks, &r)) {
        free(p);
        return;
    }
    uint8_t tag[24] = "l2sim/jam/";
    for (int b = 0; b < 8; b++)
        tag[16 + b] = (uint8_t)(j->sent >> (8 * b));
    hash_sha256(p->preimage, tag, sizeof tag);
    hash_sha256(p->hash, p->preimage, 32);
    j->sent++;
    p->attempts = 1;
    p->hops = (unsigned)r.nhops;
    p->next = st->jam_inflight;
    if (p->next)
        p->next->prev = p;
    st->jam_inflight = p;
    payment_begin(&p->pm, &r, p->hash);
    pay_next(p, STEP_ADD, now + hop_delay(st));
}

/* A jamming payment unwound (failed back by the accomplice, refused at a hop, or
 * timed out): what it locked, and the next one (after a slot when it was refused,
 * so a full channel is not hammered). */
static void jam_done(struct pay *p)
{
    struct scheme *sc = p->sc;
    struct chs *st = S(sc);
    struct channels_jammer *j = p->jam;
    sim_time now = sim_now(sc->world->sim);
    u128 locked = 0;
    for (size_t h = 0; h < p->pm.route.nhops; h++)
        locked += p->pm.route.hop[h].amount_msat;
    j->locked_msat_us += locked * (u128)(now - p->t.at);
    j->held_us += now - p->t.at;
    bool refused = p->pm.failure != PAYMENT_NO_FAILURE && p->pm.failed_edge != UINT32_MAX &&
                   p->pm.refused != CHANNEL_OK;
    j->refused += refused;
    if (p->prev)
        p->prev->next = p->next;
    else
        st->jam_inflight = p->next;
    if (p->next)
        p->next->prev = p->prev;
    free(p);
    sim_at(sc->world->sim, refused ? now + l1_slot(sc->world->l1) : now,
           st->topo == TOPO_HUB ? jam_send : jam_send_graph, sc, &j, sizeof j);
}

/* At t = 0 the attacker and its accomplice fund their channels. */
static void jam_fund(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim;
    struct scheme *sc = ctx;
    struct channels_jammer *j = *(struct channels_jammer *const *)payload;
    uint32_t u[2] = { j->sender, j->receiver };
    for (int k = 0; k < 2; k++) {
        struct chan *c = user_join(sc, u[k]);
        if (c->state == CH_NONE)
            (void)chan_open_user(sc, u[k], j->funding);
    }
}

/* At `from`, `payments` jamming payments leave. */
static void jam_start(struct sim *sim, void *ctx, const void *payload)
{
    struct channels_jammer *j = *(struct channels_jammer *const *)payload;
    bool hub = S((struct scheme *)ctx)->topo == TOPO_HUB;
    for (uint32_t k = 0; k < j->payments; k++)
        (hub ? jam_send : jam_send_graph)(sim, ctx, payload);
}

/* The fewest hops from node a to node b not over channel `avoid` (breadth first, each
 * node's edges in id order: deterministic), appended to path[*n..]; false when there is
 * none or it does not fit in `cap`. O(V + E). */
static bool jam_leg(const struct graph *g, uint32_t a, uint32_t b, uint32_t avoid,
                    uint32_t *path, uint32_t *n, uint32_t cap)
{
    if (a == b)
        return true;
    uint32_t *via = xmalloc(g->nnodes * sizeof *via), *queue = xmalloc(g->nnodes * sizeof *queue);
    for (size_t v = 0; v < g->nnodes; v++)
        via[v] = UINT32_MAX;
    size_t head = 0, tail = 0;
    queue[tail++] = a;
    via[a] = UINT32_MAX - 1;            /* the start: reached, by no edge */
    while (head < tail && via[b] == UINT32_MAX) {
        uint32_t v = queue[head++];
        for (uint32_t k = g->out_start[v]; k < g->out_end[v]; k++) {
            uint32_t e = g->out_edge[k], w = g->edges[e].to;
            if (g->edges[e].channel == avoid || via[w] != UINT32_MAX)
                continue;
            via[w] = e;
            queue[tail++] = w;
        }
    }
    bool ok = via[b] != UINT32_MAX;
    uint32_t len = 0;
    for (uint32_t v = b; ok && v != a; v = g->edges[via[v]].from)
        len++;
    ok = ok && *n + len <= cap;
    for (uint32_t v = b, i = 0; ok && v != a; v = g->edges[via[v]].from, i++)
        path[*n + len - 1 - i] = via[v];
    if (ok)
        *n += len;
    free(via);
    free(queue);
    return ok;
}

/* Hook "channel.jam" (channels_jammer_fn). Hub topology, two users on two hubs. */
static void hook_jam(struct scheme *sc, struct channels_jammer *j)
{
    struct chs *st = S(sc);
    j->target = UINT32_MAX;
    if (st->topo != TOPO_HUB) {
        /* over the graph: sender -> the target's node[0], the crossings, -> receiver */
        const struct graph *g = st->g;
        if (j->channel >= g->nchannels)
            return;                       /* nothing to jam: the row says 0 sent */
        const struct graph_channel *gc = &g->channels[j->channel];
        uint32_t s_node = (uint32_t)(j->sender % g->nnodes);
        uint32_t r_node = (uint32_t)(j->receiver % g->nnodes);
        uint32_t end = gc->node[j->crossings % 2];
        j->npath = 0;
        if (!jam_leg(g, s_node, gc->node[0], j->channel, j->path, &j->npath, ROUTE_MAX_HOPS))
            return;
        for (uint32_t x = 0; x < j->crossings && j->npath < ROUTE_MAX_HOPS; x++)
            j->path[j->npath++] = gc->edge[x % 2];
        if (j->npath < j->crossings ||
            !jam_leg(g, end, r_node, j->channel, j->path, &j->npath, ROUTE_MAX_HOPS) ||
            j->npath == 0) {
            j->npath = 0;
            return;
        }
        j->target = j->channel;
        st->jammer = xrealloc(st->jammer, (st->njammers + 1) * sizeof *st->jammer);
        st->jammer[st->njammers++] = j;
        sim_at(sc->world->sim, j->from, jam_start, sc, &j, sizeof j);
        return;
    }
    if (j->sender >= st->nusers || j->receiver >= st->nusers ||
        j->sender % st->nhubs == j->receiver % st->nhubs)
        return;                           /* nothing to jam: the row says 0 sent */
    uint32_t a = j->sender % st->nhubs, b = j->receiver % st->nhubs;
    for (uint32_t k = 0; k < st->nmesh; k++) {
        const struct graph_channel *gc = &st->g->channels[k];
        if ((gc->node[0] == a && gc->node[1] == b) || (gc->node[0] == b && gc->node[1] == a))
            j->target = k;
    }
    st->jammer = xrealloc(st->jammer, (st->njammers + 1) * sizeof *st->jammer);
    st->jammer[st->njammers++] = j;
    sim_at(sc->world->sim, 0, jam_fund, sc, &j, sizeof j);
    sim_at(sc->world->sim, j->from, jam_start, sc, &j, sizeof j);
}

/* The transfer's two channels (hub topology): usable, opening (wait), or to be opened
 * with the user's deposit share of its L1 balance. The fee of an open a transfer
 * waited for is that transfer's l1_fee (the first such transfer carries it): so the
 * txs rows hold every channel's opening cost, amortized over the transfers. */
static const char *need_channel(struct scheme *sc, struct pay *p, uint32_t user)
{
    struct chs *st = S(sc);
    struct chan *c = user_join(sc, user);
    switch (c->state) {
    case CH_OPEN:
        return NULL;
    case CH_CLOSING:
        return "the user's channel is closing";
    case CH_CLOSED:
        if (st->closed_all)
            return "the channel network closed (close_at)";
        c = user_reopen(sc, user);
        /* fall through */
    case CH_NONE: {
        if (st->closed_all)
            return "the channel network closed (close_at)";
        u128 funding = (u128)((double)user_available(sc, user) * st->deposit_share);
        const char *why = chan_open_user(sc, user, funding);
        if (why)
            return why;
    }
        /* fall through */
    case CH_OPENING:
        pay_waits(c, p);
        if (!c->fee_tx)
            c->fee_tx = p->t.id + 1;
        return NULL;
    }
    return NULL;
}

static void on_transfer(struct scheme *sc, const struct transfer *t)
{
    struct chs *st = S(sc);
    struct pay *p = xcalloc(1, sizeof *p);
    p->sc = sc;
    p->t = *t;
    p->rec = (struct tx_record){ .tx_id = t->id, .from = t->from, .to = t->to, .value = t->value,
                                 .submit = t->at, .soft = -1, .include = -1, .final = -1,
                                 .status = "pending" };
    p->next = st->inflight;
    if (p->next)
        p->next->prev = p;
    st->inflight = p;
    u128 msat = t->value / WEI_PER_MSAT;
    if (msat == 0 || msat > GRAPH_MSAT_MAX) {
        pay_fail(p, "failed", msat ? "value above the channel supply bound"
                                   : "value below one msat, the smallest channel amount");
        free(p);
        return;
    }
    p->amount_msat = (uint64_t)msat;
    if (st->topo == TOPO_HUB) {
        const char *why = need_channel(sc, p, t->from);
        if (!why)
            why = need_channel(sc, p, t->to);
        if (why) {
            /* it can never be paid: its row now; a channel it waits for frees it */
            pay_fail(p, "failed", why);
            if (p->waiting == 0)
                free(p);
            return;
        }
    }
    if (p->waiting == 0)
        pay_execute(p);
}

static void on_deposit(struct scheme *sc, const struct deposit *d)
{
    struct chs *st = S(sc);
    if (st->topo != TOPO_HUB)
        return;                   /* channels of a loaded graph are funded already */
    struct chan *c = user_join(sc, d->user);
    if (c->state == CH_NONE)
        (void)chan_open_user(sc, d->user, d->amount);   /* refused: it waits for a transfer */
}

/* A withdrawal closes the user's channel: a channel pays out its whole balance (a
 * partial withdrawal would need splicing, not modeled). */
static void on_withdrawal(struct scheme *sc, const struct withdrawal *wd)
{
    struct chs *st = S(sc);
    struct chan *c = st->topo == TOPO_HUB ? user_chan(st, wd->user) : NULL;
    if (c)
        channels_close(c);
}

/* ---- the run's end ---- */

static void chan_row(struct scheme *sc, const struct chan *c)
{
    struct world *w = sc->world;
    struct chs *st = S(sc);
    const struct graph_channel *gc = &st->g->channels[c->k];
    const struct channel *ch = &st->net.ch[c->k];
    sqlite3_stmt *s = store_prepare(w->store,
        "INSERT INTO channels(run_id, scheme, channel, node_a, node_b, user_id, open_kind,"
        " state, open_l1_tx, funded_us, usable_us, capacity_wei, fund_a_wei, fund_b_wei,"
        " open_fee_wei, updates, close_kind, close_l1_tx, closed_us, close_fee_wei, paid_a_wei,"
        " paid_b_wei, penalty_wei, posted_us, deadline_us)"
        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    sqlite3_bind_int64(s, 1, w->run_id);
    sqlite3_bind_text(s, 2, sc->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, c->k);
    sqlite3_bind_int64(s, 4, gc->node[0]);
    sqlite3_bind_int64(s, 5, gc->node[1]);
    if (c->user >= 0)
        sqlite3_bind_int64(s, 6, c->user);
    sqlite3_bind_text(s, 7, c->preexisting ? "preexisting" : "funded", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, chan_state_name[c->state], -1, SQLITE_STATIC);
    if (c->open_tx)
        sqlite3_bind_int64(s, 9, (sqlite3_int64)c->open_tx);
    if (c->funded_at >= 0)
        sqlite3_bind_int64(s, 10, c->funded_at);
    if (c->usable_at >= 0)
        sqlite3_bind_int64(s, 11, c->usable_at);
    money_bind(s, 12, (u128)ch->capacity_msat * WEI_PER_MSAT);
    money_bind(s, 13, c->fund_wei[0]);
    money_bind(s, 14, c->fund_wei[1]);
    money_bind(s, 15, c->open_fee);
    sqlite3_bind_int64(s, 16, (sqlite3_int64)ch->current.commitment_number);
    if (c->close_kind)
        sqlite3_bind_text(s, 17, c->close_kind, -1, SQLITE_STATIC);
    if (c->close_tx)
        sqlite3_bind_int64(s, 18, (sqlite3_int64)c->close_tx);
    if (c->closed_at >= 0)
        sqlite3_bind_int64(s, 19, c->closed_at);
    money_bind(s, 20, c->close_fee);
    money_bind(s, 21, c->paid_out[0]);
    money_bind(s, 22, c->paid_out[1]);
    money_bind(s, 23, c->penalty);
    if (c->d && c->d->deadline > 0) {
        sqlite3_bind_int64(s, 24, c->d->posted_at);
        sqlite3_bind_int64(s, 25, c->d->deadline);
    }
    store_step(w->store, s);
}

static int cmp_pay(const void *a, const void *b)
{
    const struct pay *x = *(const struct pay *const *)a, *y = *(const struct pay *const *)b;
    return (x->t.id > y->t.id) - (x->t.id < y->t.id);
}

static void finish(struct scheme *sc)
{
    struct chs *st = S(sc);
    for (size_t k = 0; k < st->g->nchannels; k++)
        if (st->chan[k]->state != CH_NONE)
            chan_row(sc, st->chan[k]);
    size_t n = 0;
    for (struct pay *p = st->inflight; p; p = p->next)
        n++;
    struct pay **v = xmalloc((n ? n : 1) * sizeof *v);
    n = 0;
    for (struct pay *p = st->inflight; p; p = p->next)
        v[n++] = p;
    qsort(v, n, sizeof *v, cmp_pay);
    for (size_t i = 0; i < n; i++) {
        pay_open_fees(v[i]);
        txlog_write(sc->world, sc, &v[i]->rec);
    }
    free(v);
}

/* Money in a channel as the L1 sees it: funded and not yet paid out. */
static bool chan_live(const struct chan *c)
{
    return c->state == CH_OPEN || c->state == CH_CLOSING ||
           (c->state == CH_OPENING && c->funded_at >= 0);
}

/* The scheme's invariants: its receipts are what the L1 charged it; every channel
 * touched since the last check (every channel at the end) holds balances + HTLCs =
 * capacity; the channel contract's escrow (funded - paid out, as its L1 calls moved
 * it) equals the off-chain side (the sum over live channels of their signed
 * balances + pending HTLCs, recounted for each channel touched); no hub has reserved
 * more than it holds. O(channels touched), O(channels) at the end. */
static int check(struct scheme *sc, struct inv_fail *f)
{
    struct chs *st = S(sc);
    struct world *w = sc->world;
    char a[41], b[41];
    u128 charged = l1_paid_by(w->l1, L1_ORIGIN_SCHEME(sc->index));
    if (charged != st->l1_paid)
        return INV_FAIL(f, "money conserved between the L1 and a scheme", "scheme '%s': "
                        "receipts total %s wei, the L1 charged %s wei", sc->name,
                        u128_str(st->l1_paid, a), u128_str(charged, b));
    for (size_t i = 0; i < st->ndirty; i++) {
        uint32_t k = st->dirty[i];
        struct chan *c = st->chan[k];
        c->dirty = false;
        u128 now = chan_live(c) ? channel_state_total(&st->net.ch[k].current) : 0;
        st->offchain_msat = st->offchain_msat - c->counted_msat + now;
        c->counted_msat = now;
        if (chan_live(c) && chan_conserved(st, k, f)) {
            for (size_t j = i + 1; j < st->ndirty; j++)
                st->chan[st->dirty[j]]->dirty = false;
            st->ndirty = 0;
            return 1;
        }
    }
    st->ndirty = 0;
    u128 escrow = st->escrow_in - st->escrow_out;
    if (st->escrow_out > st->escrow_in || escrow != st->offchain_msat * WEI_PER_MSAT)
        return INV_FAIL(f, "money conserved across the channels and the L1", "scheme '%s': "
                        "the channel contract holds %s wei (funded - paid out), the live "
                        "channels' balances + HTLCs are %s msat", sc->name, u128_str(escrow, a),
                        u128_str(st->offchain_msat, b));
    if (st->topo == TOPO_HUB)
        for (uint32_t h = 0; h < st->nhubs; h++)
            if (st->hub_reserved[h] > st->hub_l1[h])
                return INV_FAIL(f, "a hub reserves no more than it holds", "hub %u: reserved "
                                "%s wei of %s wei", h, u128_str(st->hub_reserved[h], a),
                                u128_str(st->hub_l1[h], b));
    if (w->at_end) {
        u128 live = 0;
        for (uint32_t k = 0; k < st->g->nchannels; k++) {
            const struct chan *c = st->chan[k];
            if (!chan_live(c))
                continue;
            if (chan_conserved(st, k, f))
                return 1;
            live += channel_state_total(&st->net.ch[k].current);
        }
        if (live != st->offchain_msat)
            return INV_FAIL(f, "money conserved across the channels and the L1", "scheme '%s':"
                            " the live channels hold %s msat, the running count says %s msat",
                            sc->name, u128_str(live, a), u128_str(st->offchain_msat, b));
    }
    return 0;
}

static void destroy(struct scheme *sc)
{
    struct chs *st = S(sc);
    if (!st)
        return;
    if (st->chan)
        for (size_t k = 0; k < st->g->nchannels; k++) {
            struct chan *c = st->chan[k];
            for (size_t i = 0; i < c->nwait; i++)
                if (--c->waiter[i]->waiting == 0 && c->waiter[i]->done)
                    free(c->waiter[i]);
            free(c->waiter);
            if (c->d) {
                free(c->d->claim);        /* the claims are their payments' */
                channel_state_free(&c->d->kept);
                channel_state_free(&c->d->posted);
                channel_state_free(&c->d->update);
            }
            free(c->d);
            free(c);
            channel_free(&st->net.ch[k]);
        }
    while (st->inflight) {
        struct pay *p = st->inflight;
        st->inflight = p->next;
        for (unsigned j = 0; j < p->nparts; j++) {
            if (p->part[j])
                for (size_t h = 0; h < ROUTE_MAX_HOPS; h++)
                    free(p->part[j]->claim[h]);
            free(p->part[j]);
        }
        for (size_t h = 0; h < ROUTE_MAX_HOPS; h++)
            free(p->claim[h]);              /* still pending on L1 when the run ended */
        free(p);
    }
    free(st->net.ch);
    free(st->chan);
    sig_pool_free(st->sig.pool);
    route_finder_free(st->rf);
    free(st->excluded);
    free(st->key);
    free(st->have_key);
    free(st->hub_l1);
    free(st->hub_reserved);
    free(st->dirty);
    free(st->griefer);
    offline_free(st->offline);
    free(st->plan);
    free(st->jammer);
    while (st->jam_inflight) {
        struct pay *p = st->jam_inflight;
        st->jam_inflight = p->next;
        free(p);
    }
    if (st->net_rng)
        gsl_rng_free(st->net_rng);
    free(st->joined);
    free(st->slot_chan);
    free(st->slot_key);
    free(st->slot_val);
    graph_free(st->g);
    free(st);
}

/* ---- set-up ---- */

/* The hub topology's graph before anyone joins: hubs 0..H-1 and their full mesh
 * (channels 0..mesh-1); user_join adds each user's node and channel. Every edge
 * advertises the scenario's policy (BOLT-7 channel_update). */
static struct graph *hub_graph(uint32_t nhubs, const struct graph_policy *pol, size_t *nmesh)
{
    struct graph *g = xcalloc(1, sizeof *g);
    *nmesh = (size_t)nhubs * (nhubs - 1) / 2;
    g->nnodes = nhubs;
    g->nchannels = *nmesh;
    g->nedges = 2 * g->nchannels;
    g->channels = xcalloc(g->nchannels ? g->nchannels : 1, sizeof *g->channels);
    g->edges = xcalloc(g->nedges ? g->nedges : 1, sizeof *g->edges);
    size_t k = 0;
    for (uint32_t a = 0; a < nhubs; a++)
        for (uint32_t b = a + 1; b < nhubs; b++, k++) {
            g->channels[k].node[0] = a;
            g->channels[k].node[1] = b;
        }
    for (k = 0; k < g->nchannels; k++)
        for (int s = 0; s < 2; s++) {
            uint32_t ei = (uint32_t)(2 * k + (size_t)s);
            g->channels[k].edge[s] = ei;
            g->edges[ei] = (struct graph_edge){ .channel = (uint32_t)k, .counter_edge = ei ^ 1u,
                                                .from = g->channels[k].node[s],
                                                .to = g->channels[k].node[1 - s],
                                                .policy = *pol };
        }
    graph_index(g);
    return g;
}

static int init(struct scheme *sc, struct err *e)
{
    const struct scn *s = sc->world->scn;
    struct world *w = sc->world;
    size_t i = sc->index;
    struct chs *st = xcalloc(1, sizeof *st);
    sc->state = st;
    enum sig_mode mode;
    if (sig_mode_parse(scn_str(s, "crypto"), &mode) != 0)
        mode = SIG_ED25519;
    sig_ctx_init(&st->sig, mode, w->seed);
    /* Ed25519: each update's countersignature and its check on a second core
     * (sig_pool.h; the same signatures and verdicts as made in place) */
    if (mode == SIG_ED25519)
        st->sig.pool = sig_pool_new(1);
    static const char *const topo_name[] = { "hub", "csv", "scale_free", "small_world",
                                             "contacts" };
    const char *topo = scn_str(s, "schemes[%zu].topology", i);
    st->topo = TOPO_HUB;
    for (int t = 0; t < (int)ARRAY_LEN(topo_name); t++)
        if (strcmp(topo, topo_name[t]) == 0)
            st->topo = (enum topo)t;
    st->min_depth = (uint32_t)scn_uint(s, "schemes[%zu].min_depth", i);
    st->max_attempts = (uint32_t)scn_uint(s, "schemes[%zu].max_attempts", i);
    st->max_accepted_htlcs = (unsigned)scn_uint(s, "schemes[%zu].max_accepted_htlcs", i);
    st->inbound_ppm = (uint64_t)(scn_real(s, "schemes[%zu].inbound", i) * 1e6 + 0.5);
    st->open_gas = (uint64_t)scn_int(s, "schemes[%zu].open_gas", i);
    st->close_gas = (uint64_t)scn_int(s, "schemes[%zu].close_gas", i);
    st->tip = (uint64_t)scn_amount(s, "schemes[%zu].tip", i);
    st->mult_pct = (uint32_t)(scn_real(s, "schemes[%zu].max_fee_multiplier", i) * 100 + 0.5);
    st->hop_latency = scn_int(s, "schemes[%zu].hop_latency", i);
    st->net_rng = scheme_stream(sc, SCHEME_ENTITY(1, 0), 1);
    st->to_self_delay = scn_int(s, "schemes[%zu].to_self_delay", i);
    st->watchtower = scn_bool(s, "schemes[%zu].watchtower", i);
    st->mpp = scn_bool(s, "schemes[%zu].mpp", i);
    st->force_close_gas = (uint64_t)scn_int(s, "schemes[%zu].force_close_gas", i);
    st->penalty = scn_bool(s, "schemes[%zu].penalty", i);
    st->penalty_gas = (uint64_t)scn_int(s, "schemes[%zu].penalty_gas", i);
    st->claim_gas = (uint64_t)scn_int(s, "schemes[%zu].claim_gas", i);
    st->htlc_timeout_gas = (uint64_t)scn_int(s, "schemes[%zu].htlc_timeout_gas", i);
    st->htlc_onchain = scn_bool(s, "schemes[%zu].htlc_timeout_onchain", i);
    st->penalty_tip = (uint64_t)scn_amount(s, "schemes[%zu].penalty_tip", i);
    st->penalty_max_fee = scn_has(s, "schemes[%zu].penalty_max_fee", i)
                        ? (uint64_t)scn_amount(s, "schemes[%zu].penalty_max_fee", i) : UINT64_MAX;
    st->penalty_fee_share = scn_real(s, "schemes[%zu].penalty_fee_share", i);
    st->deposit_share = scn_real(s, "workload.deposits.share");
    struct offline_params op = {
        .share = scn_real(s, "schemes[%zu].offline.share", i),
        .up = scn_int(s, "schemes[%zu].offline.up", i),
        .down = scn_int(s, "schemes[%zu].offline.down", i),
    };
    if (op.share > 0)
        st->offline = offline_new(&op, node_stream, sc);
    st->ropts = (struct route_opts){
        .final_cltv_expiry_delta = (uint32_t)scn_uint(s, "schemes[%zu].final_cltv_expiry_delta", i),
        .max_total_cltv = (uint32_t)scn_uint(s, "schemes[%zu].max_total_cltv", i),
        .risk_factor_ppb = 15,              /* LND's RiskFactorBillionths default */
        /* LND's probability-weighted distance at its defaults (route.h) */
        .attempt_penalty_msat = ROUTE_LND_ATTEMPT_PENALTY_MSAT,
        .apriori_hop_probability_ppm = ROUTE_LND_APRIORI_PPM,
        .own_hop_probability_ppm = ROUTE_LND_OWN_PPM,
        .min_probability_ppm = (uint32_t)llround(
            scn_real(s, "schemes[%zu].min_route_probability", i) * 1e6),
    };
    st->nusers = users_count(w->users);
    if (st->topo == TOPO_HUB) {
        st->nhubs = (uint32_t)scn_uint(s, "schemes[%zu].hubs", i);
        struct graph_policy pol = {
            .fee_base_msat = (uint32_t)scn_uint(s, "schemes[%zu].fee_base_msat", i),
            .fee_proportional_millionths = (uint32_t)scn_uint(s, "schemes[%zu].fee_proportional_millionths", i),
            .htlc_minimum_msat = scn_uint(s, "schemes[%zu].htlc_minimum_msat", i),
            .cltv_expiry_delta = (uint32_t)scn_uint(s, "schemes[%zu].cltv_expiry_delta", i),
        };
        st->policy = pol;
        st->g = hub_graph(st->nhubs, &pol, &st->nmesh);
    } else if (st->topo != TOPO_CSV) {
        int rc = channels_topology_generate(sc, topo, &st->g, e);
        if (rc)
            return rc;
    } else {
        char at[64];                      /* where a scenario fault is reported */
        snprintf(at, sizeof at, "schemes[%zu].topology", i);
        if (!scn_has(s, "schemes[%zu].graph", i))
            return scn_error_at(s, e, at, "topology csv needs "
                                "schemes[].graph, a file in l2sim's channel graph format "
                                "or the directory of the CLoTH CSV files");
        const char *path = scn_str(s, "schemes[%zu].graph", i);
        bool cloth = graph_path_is_dir(path);
        const char *prefix = scn_has(s, "schemes[%zu].graph_prefix", i)
                           ? scn_str(s, "schemes[%zu].graph_prefix", i) : NULL;
        snprintf(at, sizeof at, "schemes[%zu].graph_prefix", i);
        if (prefix && !cloth)
            return scn_error_at(s, e, at, "graph_prefix names "
                                "CLoTH files in a directory, but graph is a file (l2sim's "
                                "channel graph format)");
        if (prefix && !*prefix)
            prefix = NULL;                /* "": the snapshot's names */
        int rc = cloth ? graph_load_dir(path, prefix, &st->g, e)
                       : graph_load_l2sim(path, &st->g, e);
        if (rc)
            return rc;
        snprintf(at, sizeof at, "schemes[%zu].graph", i);
        if (st->g->nnodes < 2)
            return scn_error_at(s, e, at, "the graph has fewer than 2 nodes");
    }
    struct graph *g = st->g;
    st->net = (struct payment_net){ .g = g, .sig = &st->sig };
    chs_grow(st);
    st->rf = route_finder_new(g);
    for (uint32_t k = 0; k < g->nchannels; k++)
        st->chan[k] = chan_new(sc, k);
    /* channels that exist before the run: the hubs' mesh, or the whole loaded graph */
    size_t npre = st->topo == TOPO_HUB ? st->nmesh : g->nchannels;
    u128 hub_cap = st->topo == TOPO_HUB ? scn_amount(s, "schemes[%zu].hub_capacity", i) : 0;
    for (uint32_t k = 0; k < npre; k++) {
        struct chan *c = st->chan[k];
        const struct graph_channel *gc = &g->channels[k];
        uint64_t b0, b1;
        if (st->topo == TOPO_HUB) {
            b0 = b1 = (uint64_t)(hub_cap / WEI_PER_MSAT);
            g->edges[gc->edge[0]].balance_msat = b0;
            g->edges[gc->edge[1]].balance_msat = b1;
        } else {
            b0 = g->edges[gc->edge[0]].balance_msat;
            b1 = g->edges[gc->edge[1]].balance_msat;
        }
        c->preexisting = true;
        c->state = CH_OPEN;
        c->funded_at = c->usable_at = 0;
        c->fund_wei[0] = (u128)b0 * WEI_PER_MSAT;
        c->fund_wei[1] = (u128)b1 * WEI_PER_MSAT;
        chan_sign_first(st, c, b0, b1);
        chan_set_routable(st, c, true);
        st->escrow_in += c->fund_wei[0] + c->fund_wei[1];
        mark_dirty(st, k);
    }
    if (st->topo == TOPO_HUB) {
        st->hub_l1 = xcalloc(st->nhubs, sizeof *st->hub_l1);
        st->hub_reserved = xcalloc(st->nhubs, sizeof *st->hub_reserved);
        u128 funds = scn_amount(s, "schemes[%zu].hub_funds", i);
        for (uint32_t h = 0; h < st->nhubs; h++)
            st->hub_l1[h] = funds;
        if (scn_has(s, "schemes[%zu].close_at", i))
            sim_at(w->sim, scn_int(s, "schemes[%zu].close_at", i), close_all, sc, NULL, 0);
    }
    return 0;
}

const struct scheme_ops scheme_channels_ops = {
    .type = "channels",
    .doc = "a payment-channel network: signed off-chain updates, multi-hop HTLC payments, "
           "channels funded and closed on L1",
    .params = params, .nparams = ARRAY_LEN(params),
    .init = init, .on_transfer = on_transfer, .on_deposit = on_deposit,
    .on_withdrawal = on_withdrawal, .finish = finish, .destroy = destroy, .check = check,
    .sql = &scheme_channels_sql, .metrics = scheme_channels_metrics,
    .report = &scheme_channels_report, .costs = &scheme_channels_costs,
    .estimate = scheme_channels_estimate,
    .hooks = hooks, .nhooks = ARRAY_LEN(hooks),
};
