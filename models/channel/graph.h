/* graph.h — the channel graph of a payment-channel network: nodes, channels, and each
 * channel's two directed edges with the policy their owner advertises (BOLT-7
 * channel_update) and the balance on that side. Loaded from the CLoTH CSV format the
 * Lightning snapshot ships in (../shared/data/ln-snapshot/README), or from l2sim's own
 * one-file format (graph_load_l2sim); read-only after loading, shared by routing
 * (route.h) and the channels' states (channel.h).
 *
 * Units. Every amount in the graph is in millisatoshi (msat), as in the snapshot and in
 * BOLT-7 (htlc_minimum_msat, fee_base_msat). The modeled L1 counts wei; the conversion
 * is unit for unit, 1 BTC <-> 1 ETH: 1 BTC = 1e11 msat and 1 ETH = 1e18 wei, so
 * 1 msat = GRAPH_WEI_PER_MSAT = 1e7 wei (a mapping of units, not an exchange rate);
 * l2sim's format states capacities and balances in satoshi (1 sat = 1000 msat =
 * 1e10 wei), fees and HTLC minimums in msat as BOLT-7 does. */
#ifndef L2SIM_CHANNEL_GRAPH_H
#define L2SIM_CHANNEL_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/util.h"

#define GRAPH_WEI_PER_MSAT 10000000ull          /* 1e18 wei/ETH over 1e11 msat/BTC */
#define GRAPH_MSAT_PER_SAT 1000ull              /* BOLT-2 funding_satoshis vs push_msat */
#define GRAPH_NAME_MAX     66                   /* a node name: a 33-byte node id in hex fits */
/* Bounds on what a file may hold (a bad or hostile file fails cleanly, never runs the
 * machine out of memory). The snapshot is 3.3 MB and 6,006/30,457/60,914 rows. */
#define GRAPH_FILE_MAX     (256u << 20)         /* bytes per CSV file */
#define GRAPH_NODES_MAX    (1u << 24)
#define GRAPH_CHANNELS_MAX (1u << 24)
#define GRAPH_MSAT_MAX     2100000000000000000ull /* 21e6 BTC in msat: the supply */
#define GRAPH_CLTV_DELTA_MAX 65535u             /* BOLT-7 cltv_expiry_delta: u16 */
#define GRAPH_FEE_MAX      4294967295ull        /* BOLT-7 fee_base_msat, fee_proportional_millionths: u32 */

/* What the owner of an edge advertises for forwarding over it (BOLT-7 channel_update). */
struct graph_policy {
    uint32_t fee_base_msat;
    uint32_t fee_proportional_millionths;
    uint64_t htlc_minimum_msat;
    uint32_t cltv_expiry_delta;     /* blocks */
};

/* One direction of a channel: from -> to. balance_msat is what `from` can send. */
struct graph_edge {
    uint32_t channel;               /* index into graph.channels */
    uint32_t counter_edge;          /* the same channel, to -> from */
    uint32_t from, to;              /* node indices */
    uint64_t balance_msat;
    uint64_t capacity_msat;         /* its channel's, beside the policy routing reads
                                       (graph_index, graph_set_capacity keep it) */
    struct graph_policy policy;
};

/* What routing reads of an edge in a fin list, kept beside it in list order so a
 * node's candidates are read in one sweep (graph_set_capacity keeps capacity). */
struct graph_fin {
    uint64_t capacity_msat, htlc_minimum_msat;
    uint32_t fee_base_msat, fee_proportional_millionths, cltv_expiry_delta;
    uint32_t from;
};

struct graph_channel {
    uint32_t node[2];
    uint32_t edge[2];               /* edge[i] leaves node[i] */
    uint64_t capacity_msat;         /* = the two edges' balances */
};

/* The graph. Ids in the files are dense (row k has id k), so an id is an index.
 * out_start/out_end/out_edge: the edges leaving node v are out_edge[out_start[v] ..
 * out_end[v]), in_start/in_end/in_edge likewise for the edges arriving at v, each in
 * edge-id order (routing walks them backwards from the destination); fin_* the same
 * for the edges arriving at v from nodes with at least two channels, the only ones
 * that can forward (a leaf never lies inside a route: routing reads these, and the
 * source's own edge, instead of a hub's thousands of users). A graph can
 * grow (graph_add_node, graph_add_channel: a network whose members join during the
 * run): each node's list has room for out_room[v] (in_room[v]) edges; a full list
 * moves to the end of its array with twice the room, so an append is amortized O(1)
 * and the arrays hold at most twice the edges. */
struct graph {
    size_t nnodes, nchannels, nedges;
    struct graph_channel *channels;
    struct graph_edge    *edges;
    uint32_t *out_start, *out_end, *out_room, *out_edge;
    uint32_t *in_start, *in_end, *in_room, *in_edge;
    uint32_t *fin_start, *fin_end, *fin_room, *fin_edge;
    struct graph_fin *fin_rec;      /* beside fin_edge: what routing reads of it */
    uint32_t *fin_pos;              /* per edge: its index in fin_edge, or UINT32_MAX */
    /* allocated sizes: node arrays, channels, edges, out/in/fin_edge and their use */
    size_t cap_nodes, cap_channels, cap_edges, cap_adj[3], used_adj[3];
};

/* Load nodes_path, channels_path, edges_path (CLoTH format: header lines
 *   id
 *   id,edge1_id,edge2_id,node1_id,node2_id,capacity
 *   id,channel_id,counter_edge_id,from_node_id,to_node_id,balance,fee_base,
 *   fee_proportional,min_htlc,timelock
 * LF or CRLF line ends). Each file is opened with paths_open_read (regular files
 * only) and read up to GRAPH_FILE_MAX. Checked: the header, the column count, every
 * number (decimal, within the bounds above), dense ids, each channel's two edges
 * pointing at each other and at its two (distinct) nodes, balances summing to the
 * capacity. Every fault is "file:line:col: what is wrong" (up to ERR_MSG_MAX) and
 * L2_EINPUT. On success *out (graph_free) is set. O(bytes + E). */
int graph_load(const char *nodes_path, const char *channels_path, const char *edges_path,
               struct graph **out /* OUT */, struct err *e);

/* The same from three texts in memory (names are for messages only); the fuzz target
 * and graph_load both come here. Texts need not be NUL-terminated. */
int graph_parse(const char *nodes_name, const char *nodes, size_t nodes_len,
                const char *channels_name, const char *channels, size_t channels_len,
                const char *edges_name, const char *edges, size_t edges_len,
                struct graph **out /* OUT */, struct err *e);

/* l2sim's own format: one CSV file, '#' lines and empty lines ignored, then this
 * header, then one line per channel (README "Channel graph files" documents each
 * column):
 *   node_a,node_b          names (1 to GRAPH_NAME_MAX of [A-Za-z0-9_.:-]); nodes are
 *                          numbered in the order their names first appear
 *   capacity_sat           the funding, in satoshi
 *   a_balance_sat          node_a's side (node_b's is capacity_sat - a_balance_sat)
 *   a_fee_base_msat, a_fee_proportional_millionths, a_htlc_minimum_msat,
 *   a_cltv_expiry_delta    what node_a advertises for forwarding to node_b (BOLT-7
 *                          channel_update), then the same four b_ columns for node_b
 * Channel k is the k-th line; its edges are 2k (a -> b) and 2k + 1 (b -> a). Checked:
 * the header, 12 columns, names, every number (decimal, within the bounds above), no
 * channel from a node to itself, a_balance_sat <= capacity_sat. Faults are
 * "file:line:col: what is wrong" and L2_EINPUT. O(bytes + E). */
#define GRAPH_L2SIM_HEADER "node_a,node_b,capacity_sat,a_balance_sat,a_fee_base_msat," \
    "a_fee_proportional_millionths,a_htlc_minimum_msat,a_cltv_expiry_delta," \
    "b_fee_base_msat,b_fee_proportional_millionths,b_htlc_minimum_msat,b_cltv_expiry_delta"
int graph_load_l2sim(const char *path, struct graph **out /* OUT */, struct err *e);
int graph_parse_l2sim(const char *name, const char *text, size_t len,
                      struct graph **out /* OUT */, struct err *e);

/* Is path a directory (CLoTH's three files) rather than a file (l2sim's)? */
bool graph_path_is_dir(const char *path);

/* Load dir/nodes_ln.csv, dir/channels_ln.csv, dir/edges_ln.csv (the snapshot's names).
 * With prefix non-NULL the names are dir/PREFIXnodes.csv etc. */
int graph_load_dir(const char *dir, const char *prefix, struct graph **out /* OUT */,
                   struct err *e);

/* A graph the caller built (nnodes, nchannels, nedges, channels[] and edges[] filled
 * with dense ids, both arrays from xmalloc: graph_free frees them): compute the
 * adjacency lists (out_*, in_*), each node's in edge-id order. O(V + E). */
void graph_index(struct graph *g);

/* Grow an indexed graph: a new node with no channel (its id), or a new channel
 * between nodes a and b (its id k; its edges are nedges, nedges + 1 before the call,
 * edge[0] leaving a, each with policy pol and balance 0, capacity 0: the caller sets
 * them). Other ids stay; pointers into channels[] and edges[] may move. Amortized
 * O(1). */
uint32_t graph_add_node(struct graph *g);

/* Channel k's capacity (0: not routable) in the channel and both its edges. */
void graph_set_capacity(struct graph *g, uint32_t k, uint64_t capacity_msat);
uint32_t graph_add_channel(struct graph *g, uint32_t a, uint32_t b,
                           const struct graph_policy *pol);

void graph_free(struct graph *g);

#endif
