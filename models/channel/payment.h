/* payment.h — a multi-hop payment over a network of channels (BOLT-4 forwarding,
 * BOLT-2 HTLC updates): one HTLC per hop, offered hop by hop from the sender with the
 * amounts and decreasing CLTV expiries the route computed, fulfilled back from the
 * recipient with the preimage, or failed back along the whole route (insufficient
 * balance at a hop, or a timeout). The network owns one struct channel per graph
 * channel (side 0 = node1 of the CSV); payment_check proves money is conserved. */
#ifndef L2SIM_CHANNEL_PAYMENT_H
#define L2SIM_CHANNEL_PAYMENT_H

#include "models/channel/channel.h"
#include "models/channel/graph.h"
#include "models/channel/route.h"

#define PAYMENT_NODE_KEY_KIND 0x43484e4eu    /* sig_keypair_derive kind "CHNN" */

struct payment_net {
    const struct graph *g;       /* borrowed */
    const struct sig_ctx *sig;   /* borrowed */
    size_t nchannels;
    struct channel *ch;          /* owned, one per g->channels[k] */
    u128 total_msat;             /* sum of capacities at open: never changes */
};

/* Open every channel of g with the balances of its edges, node keys derived with
 * sig_keypair_derive(sig, PAYMENT_NODE_KEY_KIND, node) and per-channel shachain seeds
 * BLAKE2b-256(key = the node's secret key seed, "l2sim/channel/seed" || LE32 channel).
 * O(V + E) key derivations. */
struct payment_net *payment_net_new(const struct graph *g, const struct sig_ctx *sig);
void payment_net_free(struct payment_net *n);

/* What a sender knows before it routes: its own channels' balances, as their latest
 * signed states say. Sets g->edges[e].balance_msat for every edge leaving node (g is
 * n->g, passed writable). O(node's channels). */
void payment_sender_view(const struct payment_net *n, struct graph *g, uint32_t node);

/* Which side of channel c node v is (0 or 1). */
int payment_side(const struct payment_net *n, uint32_t channel, uint32_t node);

enum payment_status { PAYMENT_IN_FLIGHT, PAYMENT_SUCCEEDED, PAYMENT_FAILED };
enum payment_failure {
    PAYMENT_NO_FAILURE,
    PAYMENT_INSUFFICIENT_BALANCE,   /* a forwarding node could not add the HTLC */
    PAYMENT_TIMEOUT,                /* the last hop's HTLC expired unfulfilled */
    PAYMENT_FINAL_INCORRECT,        /* the recipient refused amount or expiry (BOLT-4) */
    PAYMENT_NO_ROUTE,               /* routing found no (further) route */
};

struct payment {
    struct route route;
    uint8_t  payment_hash[HASH_SHA256_BYTES];
    uint64_t htlc_id[ROUTE_MAX_HOPS];
    size_t   nadded;                /* hops whose HTLC is in place, from the sender */
    enum payment_status status;
    enum payment_failure failure;
    uint32_t failed_edge;           /* the edge that failed (UINT32_MAX: none) */
    enum channel_result refused;    /* why that hop's channel refused the HTLC */
};

/* Offer the HTLCs along r, hop by hop, at block height. A hop whose sender cannot add
 * (balance, HTLC slots) fails the payment: every HTLC already added is failed back by
 * its receiver, from that hop to the sender; failure and failed_edge say which. The
 * recipient then checks the last HTLC (amount >= r->amount_msat, expiry as routed)
 * and refuses it otherwise. On success all hops are in place (IN_FLIGHT). */
void payment_send(struct payment_net *n, const struct route *r,
                  const uint8_t payment_hash[HASH_SHA256_BYTES], uint32_t height,
                  struct payment *p /* OUT */);

/* The recipient reveals preimage: each hop, from the last back to the first, is
 * fulfilled by its receiver (who learned the preimage from the hop after it).
 * 0 (SUCCEEDED) or -1 (a wrong preimage: nothing changes). */
int payment_fulfill(struct payment_net *n, struct payment *p, const uint8_t preimage[32],
                    uint32_t height);

/* At block height, if the last hop's HTLC has expired unfulfilled, its offerer takes
 * it back (timeout) and every earlier hop is failed back by its receiver, so the whole
 * route unwinds (FAILED, PAYMENT_TIMEOUT). 1 when it unwound, 0 when not yet. */
int payment_timeout(struct payment_net *n, struct payment *p, uint32_t height);

/* The same protocol one message at a time, for a payment whose HTLCs stay pending
 * while time passes (each step after the network's latency):
 *   payment_begin     p in flight along r, nothing added yet;
 *   payment_add_next  the node at hop p->nadded adds its HTLC (update_add_htlc): 0,
 *                     or -1 when its channel refuses (failure, failed_edge, refused
 *                     set; the hops before it still hold theirs: fail them back);
 *                     after the last hop, the recipient's BOLT-4 check (-1 with
 *                     PAYMENT_FINAL_INCORRECT, every hop still held);
 *   payment_fulfill_hop  hop i's receiver reveals the preimage (update_fulfill_htlc);
 *   payment_fail_hop  hop i's receiver gives its HTLC back (update_fail_htlc);
 *   payment_expire_hop  hop i's offerer takes its HTLC back once the height reached
 *                     its cltv_expiry (BOLT-2 timeout; the receiver held it).
 * The caller settles or fails hops from the last added back to the first; the last
 * step sets status SUCCEEDED / FAILED. 0 or -1 (refused: a bug for fulfil/fail). */
void payment_begin(struct payment *p /* OUT */, const struct route *r,
                   const uint8_t payment_hash[HASH_SHA256_BYTES]);
int payment_add_next(struct payment_net *n, struct payment *p, uint32_t height);
int payment_fulfill_hop(struct payment_net *n, struct payment *p, size_t i,
                        const uint8_t preimage[32], uint32_t height);
int payment_fail_hop(struct payment_net *n, struct payment *p, size_t i, uint32_t height);
int payment_expire_hop(struct payment_net *n, struct payment *p, size_t i, uint32_t height);

/* Hop i's HTLC resolved to its offerer on L1 (BOLT-5 HTLC-timeout: the contract took
 * it at a height >= its cltv_expiry), in whatever order the claims along the route
 * get in: the channel's state mirrors the contract (its offerer's update_fail_htlc at
 * that height); nadded and status are left to the caller, which unwinds the route.
 * 0, or -1 (refused: not expired, or no such HTLC). */
int payment_claim_hop(struct payment_net *n, struct payment *p, size_t i, uint32_t height);

/* Pay as a sender does (the recipient holds preimage): route, send, and when a hop
 * fails, exclude that edge (what the failure taught) and route again, up to
 * max_attempts; the recipient fulfills once every HTLC is in place. `excluded` is the
 * caller's scratch of g->nedges zero bytes (borrowed; zero again on return). *p is
 * the last attempt (SUCCEEDED, or FAILED with its failure; PAYMENT_NO_ROUTE when no
 * route was left). Returns the number of routes sent (0 when none was found). */
unsigned payment_pay(struct payment_net *n, struct route_finder *f, uint32_t source,
                     uint32_t dest, uint64_t amount_msat, const uint8_t preimage[32],
                     const struct route_opts *o, unsigned max_attempts, uint8_t *excluded,
                     struct payment *p /* OUT */);

/* Money conserved to the msat: every channel's balances + pending HTLCs equal its
 * capacity, and the network's total equals the total at open. 0, or -1 with what is
 * wrong in why (which channel, by how much). O(channels + HTLCs). */
int payment_check(const struct payment_net *n, char *why, size_t whylen);

#endif
