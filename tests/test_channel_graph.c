/* test_channel_graph.c — the channel graph loaders (models/channel/graph.c): the
 * shipped example network in CLoTH's format and in l2sim's own, the real Lightning
 * snapshot when it is present (6,006 nodes, 30,457 channels:
 * ../shared/data/ln-snapshot/README), and a message with file:line:col for each kind
 * of malformed input in either format. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "models/channel/graph.h"

static void test_example_network(void **state)
{
    (void)state;
    struct err e;
    err_init(&e);
    struct graph *g = NULL;
    assert_int_equal(graph_load_dir("scenarios/channels", "example-", &g, &e), 0);
    assert_int_equal(g->nnodes, 12);
    assert_int_equal(g->nchannels, 18);
    assert_int_equal(g->nedges, 36);
    /* channel 0 joins 0 and 1: 2,000,000,000 msat = 0.02 BTC, edge 0 holds 30% */
    assert_int_equal(g->channels[0].capacity_msat, 2000000000ull);
    assert_int_equal(g->edges[0].balance_msat, 600000000ull);
    assert_int_equal(g->edges[0].policy.fee_base_msat, 1000);
    assert_int_equal(g->edges[0].policy.fee_proportional_millionths, 1);
    assert_int_equal(g->edges[0].policy.htlc_minimum_msat, 1000);
    assert_int_equal(g->edges[0].policy.cltv_expiry_delta, 40);
    for (size_t k = 0; k < g->nchannels; k++) {
        const struct graph_channel *c = &g->channels[k];
        const struct graph_edge *a = &g->edges[c->edge[0]], *b = &g->edges[c->edge[1]];
        assert_int_equal(a->balance_msat + b->balance_msat, c->capacity_msat);
        assert_int_equal(a->from, c->node[0]);
        assert_int_equal(b->from, c->node[1]);
        assert_int_equal(a->counter_edge, c->edge[1]);
    }
    /* adjacency: every edge listed once leaving its from, once arriving at its to */
    size_t outs = 0, ins = 0;
    for (size_t v = 0; v < g->nnodes; v++) {
        for (uint32_t k = g->out_start[v]; k < g->out_end[v]; k++, outs++)
            assert_int_equal(g->edges[g->out_edge[k]].from, v);
        for (uint32_t k = g->in_start[v]; k < g->in_end[v]; k++, ins++)
            assert_int_equal(g->edges[g->in_edge[k]].to, v);
    }
    assert_int_equal(outs, 36);
    assert_int_equal(ins, 36);
    /* 1 msat = 1e7 wei: 1 BTC (1e11 msat) maps to 1 ETH (1e18 wei) */
    assert_true((u128)100000000000ull * GRAPH_WEI_PER_MSAT == (u128)1000000000000000000ull);
    graph_free(g);
}

/* l2sim's own format, every column read where it belongs: one line whose twelve
 * fields all differ, so a column read into the wrong field, or a direction's policy
 * given to the other, fails. Amounts in satoshi become msat (x1000) and, through
 * GRAPH_WEI_PER_MSAT, 1 sat = 1e10 wei (1 BTC = 1e8 sat maps to 1 ETH = 1e18 wei). */
static void test_l2sim_every_field(void **state)
{
    (void)state;
    const char *t = "# a comment, then a blank line\n\n" GRAPH_L2SIM_HEADER "\n"
                    "02aa:node-1,bob_2.x,7000,3000,11,12,13,14,21,22,23,24\n"
                    "# between channels\n"
                    "carol,02aa:node-1,5,5,0,0,0,0,4294967295,4294967295,"
                    "2100000000000000000,65535\r\n";
    struct err e;
    err_init(&e);
    struct graph *g = NULL;
    int rc = graph_parse_l2sim("own.csv", t, strlen(t), &g, &e);
    if (rc)
        print_message("%s\n", e.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(g->nnodes, 3);               /* named in order of first appearance */
    assert_int_equal(g->nchannels, 2);
    assert_int_equal(g->nedges, 4);
    const struct graph_channel *c = &g->channels[0];
    assert_int_equal(c->node[0], 0);
    assert_int_equal(c->node[1], 1);
    assert_int_equal(c->edge[0], 0);
    assert_int_equal(c->edge[1], 1);
    assert_int_equal(c->capacity_msat, 7000000ull);
    const struct graph_edge *a = &g->edges[0], *b = &g->edges[1];
    assert_int_equal(a->from, 0);
    assert_int_equal(a->to, 1);
    assert_int_equal(a->channel, 0);
    assert_int_equal(a->counter_edge, 1);
    assert_int_equal(a->balance_msat, 3000000ull);
    assert_int_equal(a->policy.fee_base_msat, 11);
    assert_int_equal(a->policy.fee_proportional_millionths, 12);
    assert_int_equal(a->policy.htlc_minimum_msat, 13);
    assert_int_equal(a->policy.cltv_expiry_delta, 14);
    assert_int_equal(b->from, 1);
    assert_int_equal(b->to, 0);
    assert_int_equal(b->channel, 0);
    assert_int_equal(b->counter_edge, 0);
    assert_int_equal(b->balance_msat, 4000000ull);     /* capacity - a's side */
    assert_int_equal(b->policy.fee_base_msat, 21);
    assert_int_equal(b->policy.fee_proportional_millionths, 22);
    assert_int_equal(b->policy.htlc_minimum_msat, 23);
    assert_int_equal(b->policy.cltv_expiry_delta, 24);
    /* the second line: a new node first, the first line's node again; the BOLT-7
     * fields' widths (u32 fees, u16 cltv_expiry_delta) and the msat supply bound */
    assert_int_equal(g->channels[1].node[0], 2);
    assert_int_equal(g->channels[1].node[1], 0);
    assert_int_equal(g->edges[2].balance_msat, 5000ull);
    assert_int_equal(g->edges[3].balance_msat, 0);
    assert_int_equal(g->edges[3].policy.fee_base_msat, 4294967295u);
    assert_int_equal(g->edges[3].policy.fee_proportional_millionths, 4294967295u);
    assert_int_equal(g->edges[3].policy.htlc_minimum_msat, 2100000000000000000ull);
    assert_int_equal(g->edges[3].policy.cltv_expiry_delta, 65535);
    /* the indexes routing reads are built */
    assert_int_equal(g->out_end[0] - g->out_start[0], 2);
    assert_int_equal(g->in_end[2] - g->in_start[2], 1);
    assert_true((u128)1 * GRAPH_MSAT_PER_SAT * GRAPH_WEI_PER_MSAT == (u128)10000000000ull);
    graph_free(g);
}

/* The example network shipped in l2sim's format (scenarios/channels/example.csv) is
 * the CLoTH-format example-*.csv: the same graph, field for field, node alice = 0 ...
 * niaj = 11. */
static void test_l2sim_example_is_the_cloth_example(void **state)
{
    (void)state;
    struct err e;
    err_init(&e);
    struct graph *own = NULL, *cloth = NULL;
    int rc = graph_load_l2sim("scenarios/channels/example.csv", &own, &e);
    if (rc)
        print_message("%s\n", e.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(graph_load_dir("scenarios/channels", "example-", &cloth, &e), 0);
    assert_int_equal(own->nnodes, 12);
    assert_int_equal(own->nnodes, cloth->nnodes);
    assert_int_equal(own->nchannels, cloth->nchannels);
    assert_int_equal(own->nedges, cloth->nedges);
    for (size_t k = 0; k < own->nchannels; k++) {
        const struct graph_channel *x = &own->channels[k], *y = &cloth->channels[k];
        assert_int_equal(x->node[0], y->node[0]);
        assert_int_equal(x->node[1], y->node[1]);
        assert_int_equal(x->edge[0], y->edge[0]);
        assert_int_equal(x->edge[1], y->edge[1]);
        assert_int_equal(x->capacity_msat, y->capacity_msat);
    }
    for (size_t k = 0; k < own->nedges; k++) {
        const struct graph_edge *x = &own->edges[k], *y = &cloth->edges[k];
        assert_int_equal(x->channel, y->channel);
        assert_int_equal(x->counter_edge, y->counter_edge);
        assert_int_equal(x->from, y->from);
        assert_int_equal(x->to, y->to);
        assert_int_equal(x->balance_msat, y->balance_msat);
        assert_int_equal(x->capacity_msat, y->capacity_msat);
        assert_int_equal(x->policy.fee_base_msat, y->policy.fee_base_msat);
        assert_int_equal(x->policy.fee_proportional_millionths,
                         y->policy.fee_proportional_millionths);
        assert_int_equal(x->policy.htlc_minimum_msat, y->policy.htlc_minimum_msat);
        assert_int_equal(x->policy.cltv_expiry_delta, y->policy.cltv_expiry_delta);
    }
    /* alice,bob,2000000,600000,...: 0.02 BTC, alice's side 30% (0.006 BTC) */
    assert_int_equal(own->channels[0].capacity_msat, 2000000000ull);
    assert_int_equal(own->edges[0].balance_msat, 600000000ull);
    assert_int_equal(own->edges[1].balance_msat, 1400000000ull);
    assert_true(graph_path_is_dir("scenarios/channels"));
    assert_false(graph_path_is_dir("scenarios/channels/example.csv"));
    graph_free(own);
    graph_free(cloth);
}

/* Each fault of an l2sim-format file: file:line:col and L2_EINPUT. */
static void test_l2sim_bad(void **state)
{
    (void)state;
#define H GRAPH_L2SIM_HEADER "\n"
    static const struct { const char *text, *want; } cases[] = {
        { "", "g.csv:1:1: empty file (expected the header 'node_a,node_b," },
        { "# only a comment\n", "g.csv:1:1: empty file" },
        { "node_a,node_b,capacity\n", "g.csv:1:1: header is not 'node_a,node_b,capacity_sat," },
        { "# c\n\nnode_a\n", "g.csv:3:1: header is not" },
        { H, "g.csv:2:1: no channel after the header" },
        { H "a,b,10,5,1,1,1,40,1,1,1\n", "g.csv:2:1: 11 columns, expected 12" },
        { H "a,b,10,5,1,1,1,40,1,1,1,40,9\n", "g.csv:2:29: more than 12 columns" },
        { H "a b,c,10,5,1,1,1,40,1,1,1,40\n",
          "g.csv:2:2: node_a: ' ' cannot be in a node name" },
        { H "a,,10,5,1,1,1,40,1,1,1,40\n", "g.csv:2:3: node_b is empty" },
        { H "a,x234567890123456789012345678901234567890123456789012345678901234567,10,5,"
            "1,1,1,40,1,1,1,40\n", "g.csv:2:3: node_b: a node name longer than 66 bytes" },
        { H "a,b,10,5,1,1,1,40,1,1,1,40\nb,b,10,5,1,1,1,40,1,1,1,40\n",
          "g.csv:3:3: a channel from node 'b' to itself" },
        { H "a,b,10,11,1,1,1,40,1,1,1,40\n",
          "g.csv:2:8: a_balance_sat 11 exceeds capacity_sat 10" },
        { H "a,b,2100000000000001,0,1,1,1,40,1,1,1,40\n",
          "g.csv:2:5: capacity_sat: '2100000000000001' is above the limit 2100000000000000" },
        { H "a,b,10,5,1,1.5,1,40,1,1,1,40\n",
          "g.csv:2:13: a_fee_proportional_millionths: '1.5' is not a whole number" },
        { H "a,b,10,5,1,1,1,40,4294967296,1,1,40\n",
          "g.csv:2:19: b_fee_base_msat: '4294967296' is above the limit 4294967295" },
        { H "a,b,10,5,1,1,1,40,1,1,1,65536\n",
          "g.csv:2:25: b_cltv_expiry_delta: '65536' is above the limit 65535" },
        { H "a,b,10,5,1,1,-1,40,1,1,1,40\n",
          "g.csv:2:14: a_htlc_minimum_msat: '-1' is not a whole number" },
        { H "a,b,10,5,1,1,1,40,1,1,1,40\n\ta,b,10,5,1,1,1,40,1,1,1,40\n",
          "g.csv:3:1: byte 0x09 is not CSV text" },
    };
#undef H
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct err e;
        err_init(&e);
        struct graph *g = (struct graph *)&e;   /* must be reset to NULL */
        int rc = graph_parse_l2sim("g.csv", cases[i].text, strlen(cases[i].text), &g, &e);
        if (rc != L2_EINPUT || !strstr(e.msg, cases[i].want))
            print_message("case %zu: rc %d, message '%s', wanted '%s'\n", i, rc, e.msg,
                          cases[i].want);
        assert_int_equal(rc, L2_EINPUT);
        assert_null(g);
        assert_non_null(strstr(e.msg, cases[i].want));
    }
    /* through the file: a missing one is refused with its name */
    struct err e;
    err_init(&e);
    struct graph *g = NULL;
    assert_int_equal(graph_load_l2sim("scenarios/channels/missing.csv", &g, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "scenarios/channels/missing.csv"));
    assert_null(g);
}

/* The snapshot lives outside the repository: $L2SIM_LN_SNAPSHOT, else
 * ../shared/data/ln-snapshot (from /work/main), else ../../shared/data/ln-snapshot
 * (from a worktree under /work/wt/). Skipped when none exists. */
static const char *snapshot_dir(void)
{
    static const char *const cand[] = { "../shared/data/ln-snapshot",
                                        "../../shared/data/ln-snapshot" };
    const char *env = getenv("L2SIM_LN_SNAPSHOT");
    struct stat st;
    if (env && *env)
        return stat(env, &st) == 0 ? env : NULL;
    for (size_t i = 0; i < ARRAY_LEN(cand); i++)
        if (stat(cand[i], &st) == 0 && S_ISDIR(st.st_mode))
            return cand[i];
    return NULL;
}

static void test_lightning_snapshot(void **state)
{
    (void)state;
    const char *dir = snapshot_dir();
    if (!dir) {
        print_message("snapshot not found: skipped (set L2SIM_LN_SNAPSHOT)\n");
        skip();
    }
    struct err e;
    err_init(&e);
    struct graph *g = NULL;
    int rc = graph_load_dir(dir, NULL, &g, &e);
    if (rc)
        print_message("%s\n", e.msg);
    assert_int_equal(rc, 0);
    /* the README's counts */
    assert_int_equal(g->nnodes, 6006);
    assert_int_equal(g->nchannels, 30457);
    assert_int_equal(g->nedges, 60914);
    /* first rows of the files: channel 0 = edges 0 and 1 between nodes 0 and 1,
     * 50,000,000 msat; edge 0: 4,300,909 msat, base 1000, 1 ppm, min 1000, 144 blocks */
    assert_int_equal(g->channels[0].capacity_msat, 50000000ull);
    assert_int_equal(g->edges[0].balance_msat, 4300909ull);
    assert_int_equal(g->edges[1].balance_msat, 45699091ull);
    assert_int_equal(g->edges[0].policy.fee_base_msat, 1000);
    assert_int_equal(g->edges[0].policy.cltv_expiry_delta, 144);
    graph_free(g);
}

/* One malformed input: three texts, and the message it must give. */
struct bad {
    const char *nodes, *channels, *edges;
    const char *want;
};

#define NODES3 "id\n0\n1\n2\n"
#define CH_HDR "id,edge1_id,edge2_id,node1_id,node2_id,capacity\n"
#define ED_HDR "id,channel_id,counter_edge_id,from_node_id,to_node_id,balance,fee_base," \
               "fee_proportional,min_htlc,timelock\n"
#define CH1 CH_HDR "0,0,1,0,1,100\n"
#define ED1 ED_HDR "0,0,1,0,1,40,1,1,1,40\n1,0,0,1,0,60,1,1,1,40\n"

/* A graph that grows (members joining during a run): a star around 3 hubs gains
 * 2,000 leaves, one channel each; every node's lists hold exactly its edges, in
 * edge-id order, whatever moved when a list ran out of room. */
static void test_growth(void **state)
{
    (void)state;
    struct graph *g = xcalloc(1, sizeof *g);
    g->nnodes = 3;
    g->nchannels = 1;
    g->nedges = 2;
    g->channels = xcalloc(1, sizeof *g->channels);
    g->edges = xcalloc(2, sizeof *g->edges);
    g->channels[0] = (struct graph_channel){ .node = { 0, 1 }, .edge = { 0, 1 } };
    g->edges[0] = (struct graph_edge){ .channel = 0, .counter_edge = 1, .from = 0, .to = 1 };
    g->edges[1] = (struct graph_edge){ .channel = 0, .counter_edge = 0, .from = 1, .to = 0 };
    graph_index(g);
    struct graph_policy pol = { .fee_base_msat = 1000 };
    for (uint32_t i = 0; i < 2000; i++) {
        uint32_t v = graph_add_node(g);
        assert_int_equal(v, 3 + i);
        uint32_t k = graph_add_channel(g, i % 3, v, &pol);
        assert_int_equal(k, 1 + i);
        assert_int_equal(g->channels[k].edge[0], 2 * k);
        assert_int_equal(g->edges[2 * k].from, i % 3);
        assert_int_equal(g->edges[2 * k + 1].from, v);
        assert_int_equal(g->edges[2 * k + 1].counter_edge, 2 * k);
        assert_int_equal(g->edges[2 * k].policy.fee_base_msat, 1000);
    }
    size_t outs = 0, ins = 0;
    for (uint32_t v = 0; v < g->nnodes; v++) {
        uint32_t last = 0;
        for (uint32_t k = g->out_start[v]; k < g->out_end[v]; k++, outs++) {
            assert_int_equal(g->edges[g->out_edge[k]].from, v);
            assert_true(k == g->out_start[v] || g->out_edge[k] > last);
            last = g->out_edge[k];
        }
        for (uint32_t k = g->in_start[v]; k < g->in_end[v]; k++, ins++)
            assert_int_equal(g->edges[g->in_edge[k]].to, v);
    }
    assert_int_equal(outs, g->nedges);
    assert_int_equal(ins, g->nedges);
    /* fin: exactly the in-edges from nodes with two or more channels (the hubs 0 and
     * 1 have theirs; the leaves never) */
    for (uint32_t v = 0; v < g->nnodes; v++) {
        size_t want = 0;
        for (uint32_t k = g->in_start[v]; k < g->in_end[v]; k++) {
            uint32_t u = g->edges[g->in_edge[k]].from;
            want += g->out_end[u] - g->out_start[u] >= 2;
        }
        assert_int_equal(g->fin_end[v] - g->fin_start[v], want);
        for (uint32_t k = g->fin_start[v]; k < g->fin_end[v]; k++) {
            uint32_t u = g->edges[g->fin_edge[k]].from;
            assert_int_equal(g->edges[g->fin_edge[k]].to, v);
            assert_int_equal(g->fin_rec[k].from, u);
            assert_int_equal(g->fin_pos[g->fin_edge[k]], k);
            assert_int_equal(g->fin_rec[k].capacity_msat, g->edges[g->fin_edge[k]].capacity_msat);
            assert_true(g->out_end[u] - g->out_start[u] >= 2);
        }
    }
    assert_int_equal(g->fin_end[3] - g->fin_start[3], 1);     /* from hub 0 */
    assert_int_equal(g->fin_end[0] - g->fin_start[0], 1);     /* hub 1, not leaves */
    /* a capacity set reaches the records routing reads (hub 0 -> leaf 3 is listed) */
    graph_set_capacity(g, 1, 12345);
    assert_int_equal(g->fin_rec[g->fin_pos[g->channels[1].edge[0]]].capacity_msat, 12345);
    assert_int_equal(g->edges[g->channels[1].edge[1]].capacity_msat, 12345);
    /* hub 0: the first channel and one leaf in three */
    assert_int_equal(g->out_end[0] - g->out_start[0], 1 + 667);
    assert_int_equal(g->in_end[3 + 1999] - g->in_start[3 + 1999], 1);
    graph_free(g);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        { "", CH1, ED1, "n.csv:1:1: empty file" },
        { "ident\n0\n", CH1, ED1, "n.csv:1:1: header is not 'id'" },
        { "id\n0\n2\n", CH1, ED1, "n.csv:3:1: id 2, expected 1" },
        { "id\n0\n\n1\n", CH1, ED1, "n.csv:3:1: empty line" },
        { "id\n0\nx1\n", CH1, ED1, "n.csv:3:1: id: 'x1' is not a whole number" },
        { "id\n0\n1\t\n", CH1, ED1, "n.csv:3:2: byte 0x09" },
        { NODES3, CH_HDR "0,0,1,0,5,100\n", ED1, "c.csv:2:9: node2_id 5 is not a node" },
        { NODES3, CH_HDR "0,0,1,1,1,100\n", ED1, "c.csv:2:9: a channel from node 1 to itself" },
        { NODES3, CH_HDR "0,0,1,0,1\n", ED1, "c.csv:2:1: 5 columns, expected 6" },
        { NODES3, CH_HDR "0,0,1,0,1,99999999999999999999\n", ED1,
          "c.csv:2:11: capacity: '99999999999999999999' is above the limit" },
        { NODES3, CH_HDR "0,0,1,0,1,-5\n", ED1, "c.csv:2:11: capacity: '-5' is not a whole" },
        { NODES3, CH1, ED_HDR "0,0,1,0,1,40,1,1,1,40\n", "e.csv:3:1: 1 edges, but the 1 channels name 2" },
        { NODES3, CH1, ED_HDR "0,0,1,0,1,40,1,1,1,40\n1,0,0,1,0,61,1,1,1,40\n",
          "c.csv:2:1: capacity 100, but its edges' balances sum to 101" },
        { NODES3, CH1, ED_HDR "0,0,1,0,1,40,1,1,1,40\n1,0,0,0,1,60,1,1,1,40\n",
          "e.csv:3:7: edge from 0 to 1, but channel 0 joins node2 1 to node1 0" },
        { NODES3, CH1, ED_HDR "0,0,1,0,1,40,1,1,1,40\n1,0,1,1,0,60,1,1,1,40\n",
          "e.csv:3:5: counter_edge_id 1, but channel 0's other edge is 0" },
        { NODES3, CH1, ED_HDR "0,0,1,0,1,40,1,1,1,70000\n",
          "e.csv:2:20: timelock: '70000' is above the limit 65535" },
        { NODES3, CH1, ED_HDR "0,0,1,0,1,400,1,1,1,40\n",
          "e.csv:2:11: balance 400 exceeds channel 0's capacity 100" },
        { NODES3, CH1, ED_HDR "0,1,1,0,1,40,1,1,1,40\n", "e.csv:2:3: channel_id 1 is not a channel" },
        { NODES3, CH_HDR "0,0,5,0,1,100\n", ED1, "e.csv:2:5: counter_edge_id 1, but channel 0's other edge is 5" },
        { NODES3, CH1, ED_HDR "0,0,1,0,1,40,1,1,1,40,9\n", "e.csv:2:24: more than 10 columns" },
        { NODES3, CH_HDR "0,0,5,0,1,100\n", ED_HDR "0,0,5,0,1,40,1,1,1,40\n1,0,0,1,0,60,1,1,1,40\n",
          "e.csv:3:3: channel 0 does not list edge 1" },
        { NODES3, CH1, ED_HDR "0,0,1,0,1,40,1,1,1,40\n1,0,0,1,0,60,1,1,1\n",
          "e.csv:3:1: 9 columns, expected 10" },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        const struct bad *b = &cases[i];
        struct err e;
        err_init(&e);
        struct graph *g = (struct graph *)&e;   /* must be reset to NULL */
        int rc = graph_parse("n.csv", b->nodes, strlen(b->nodes), "c.csv", b->channels,
                             strlen(b->channels), "e.csv", b->edges, strlen(b->edges), &g, &e);
        if (rc != L2_EINPUT || !strstr(e.msg, b->want))
            print_message("case %zu: rc %d, message '%s', wanted '%s'\n", i, rc, e.msg,
                          b->want);
        assert_int_equal(rc, L2_EINPUT);
        assert_null(g);
        assert_non_null(strstr(e.msg, b->want));
    }
    /* the good three-node text with CRLF line ends loads */
    const char *n = "id\r\n0\r\n1\r\n2\r\n";
    struct err e;
    err_init(&e);
    struct graph *g = NULL;
    assert_int_equal(graph_parse("n", n, strlen(n), "c", CH1, strlen(CH1), "e", ED1,
                                 strlen(ED1), &g, &e), 0);
    assert_int_equal(g->nnodes, 3);
    graph_free(g);
}

/* Files go through paths_open_read: a directory or a missing file is refused with
 * its name, never read. */
static void test_paths_refused(void **state)
{
    (void)state;
    struct err e;
    err_init(&e);
    struct graph *g = NULL;
    assert_int_equal(graph_load("scenarios/channels", "scenarios/channels/example-channels.csv",
                                "scenarios/channels/example-edges.csv", &g, &e), L2_EINPUT);
    assert_null(g);
    assert_non_null(strstr(e.msg, "scenarios/channels"));
    err_init(&e);
    assert_int_equal(graph_load_dir("scenarios/channels", "missing-", &g, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "missing-nodes.csv"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_network),
        cmocka_unit_test(test_l2sim_every_field),
        cmocka_unit_test(test_l2sim_example_is_the_cloth_example),
        cmocka_unit_test(test_l2sim_bad),
        cmocka_unit_test(test_lightning_snapshot),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_paths_refused),
    };
    return cmocka_run_group_tests_name("channel_graph", tests, NULL, NULL);
}
