/* test_channel_topology.c — generated channel graphs (models/channel/topology.c)
 * against the facts of the models they follow: Barabasi-Albert preferential
 * attachment (Science 286, 1999) gives exactly m(m+1)/2 + (n-m-1)m links, every node
 * at least m, a connected graph, and a degree distribution with a heavy tail (hubs:
 * P(k) ~ k^-3); Watts-Strogatz (Nature 393, 1998) gives exactly nk/2 links, the ring
 * lattice itself (every degree k) at p = 0, and at small p degrees that stay near k.
 * Both at the same mean degree, so the tails are compared like for like. Same streams,
 * same graph. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "models/channel/topology.h"

static gsl_rng *chan_stream(void *ctx, uint32_t k)
{
    (void)ctx;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 1000003u * k + 17);
    return r;
}

static struct graph *build(enum topology_kind kind, uint32_t n, uint32_t m_or_k, double p,
                           unsigned long seed)
{
    struct topology_params tp = {
        .kind = kind, .nodes = n, .attach = m_or_k, .neighbors = m_or_k, .rewire = p,
        .capacity_median_msat = 1000000000, .capacity_sigma = 1,
        .policy = { .fee_base_msat = 1000, .fee_proportional_millionths = 1,
                    .htlc_minimum_msat = 1, .cltv_expiry_delta = 40 },
        .fee_sigma = 0.5,
    };
    gsl_rng *w = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(w, seed);
    struct graph *g = topology_build(&tp, w, chan_stream, NULL);
    gsl_rng_free(w);
    return g;
}

static uint32_t *degrees(const struct graph *g)
{
    uint32_t *d = calloc(g->nnodes, sizeof *d);
    for (size_t k = 0; k < g->nchannels; k++) {
        d[g->channels[k].node[0]]++;
        d[g->channels[k].node[1]]++;
    }
    return d;
}

/* Every channel well formed: distinct ends, no pair twice, edges pointing at each
 * other, balances summing to the capacity; and the graph connected (BFS). */
static void check_shape(const struct graph *g, bool want_connected)
{
    uint64_t *keys = calloc(g->nchannels, sizeof *keys);
    for (size_t k = 0; k < g->nchannels; k++) {
        const struct graph_channel *c = &g->channels[k];
        assert_true(c->node[0] != c->node[1]);
        assert_true(c->node[0] < g->nnodes && c->node[1] < g->nnodes);
        uint32_t a = c->node[0] < c->node[1] ? c->node[0] : c->node[1];
        uint32_t b = c->node[0] ^ c->node[1] ^ a;
        keys[k] = (uint64_t)a << 32 | b;
        const struct graph_edge *e0 = &g->edges[c->edge[0]], *e1 = &g->edges[c->edge[1]];
        assert_int_equal(e0->from, c->node[0]);
        assert_int_equal(e1->from, c->node[1]);
        assert_int_equal(e0->counter_edge, c->edge[1]);
        assert_int_equal(e0->balance_msat + e1->balance_msat, c->capacity_msat);
    }
    for (size_t i = 0; i < g->nchannels; i++)
        for (size_t j = i + 1; j < g->nchannels && g->nchannels < 20000; j++)
            assert_true(keys[i] != keys[j]);
    free(keys);
    uint8_t *seen = calloc(g->nnodes, 1);
    uint32_t *q = malloc(g->nnodes * sizeof *q);
    size_t h = 0, t = 0, reached = 1;
    seen[0] = 1;
    q[t++] = 0;
    while (h < t) {
        uint32_t v = q[h++];
        for (uint32_t i = g->out_start[v]; i < g->out_end[v]; i++) {
            uint32_t w = g->edges[g->out_edge[i]].to;
            if (!seen[w]) {
                seen[w] = 1;
                reached++;
                q[t++] = w;
            }
        }
    }
    if (want_connected)
        assert_int_equal(reached, g->nnodes);
    free(seen);
    free(q);
}

static void test_scale_free_counts(void **state)
{
    (void)state;
    uint32_t n = 2000, m = 2;
    struct graph *g = build(TOPOLOGY_SCALE_FREE, n, m, 0, 42);
    assert_int_equal(g->nnodes, n);
    assert_int_equal(g->nchannels, m * (m + 1) / 2 + (n - m - 1) * m);
    uint32_t *d = degrees(g);
    for (uint32_t v = 0; v < n; v++)
        assert_true(d[v] >= m);            /* each node opened m when it joined */
    free(d);
    check_shape(g, true);                  /* each joiner links to the graph so far */
    graph_free(g);
}

static void test_small_world_counts(void **state)
{
    (void)state;
    uint32_t n = 2000, k = 4;
    /* p = 0: the ring lattice, every node exactly k */
    struct graph *g = build(TOPOLOGY_SMALL_WORLD, n, k, 0, 42);
    assert_int_equal(g->nchannels, n * k / 2);
    uint32_t *d = degrees(g);
    for (uint32_t v = 0; v < n; v++)
        assert_int_equal(d[v], k);
    free(d);
    check_shape(g, true);
    graph_free(g);
    /* p = 0.1: links moved, none added or dropped; each node keeps its k/2 own */
    g = build(TOPOLOGY_SMALL_WORLD, n, k, 0.1, 42);
    assert_int_equal(g->nchannels, n * k / 2);
    d = degrees(g);
    size_t moved = 0;
    for (size_t c = 0; c < g->nchannels; c++) {
        uint32_t a = g->channels[c].node[0], b = g->channels[c].node[1];
        moved += b != (a + 1) % n && b != (a + 2) % n;
    }
    for (uint32_t v = 0; v < n; v++)
        assert_true(d[v] >= k / 2);
    /* about p of the nk/2 links (400 expected; 5 sigma is ~95) */
    assert_in_range(moved, 300, 500);
    free(d);
    check_shape(g, true);
    graph_free(g);
}

/* At the same mean degree (4), preferential attachment grows hubs and the rewired
 * lattice does not: the scale-free maximum is far above the mean, its degrees'
 * second moment several times the small world's, and some of its nodes have at least
 * 4x the mean degree where the small world has none. */
static void test_tails(void **state)
{
    (void)state;
    uint32_t n = 2000;
    struct graph *sf = build(TOPOLOGY_SCALE_FREE, n, 2, 0, 7);
    struct graph *sw = build(TOPOLOGY_SMALL_WORLD, n, 4, 0.1, 7);
    uint32_t *a = degrees(sf), *b = degrees(sw);
    uint32_t maxa = 0, maxb = 0;
    double m2a = 0, m2b = 0;
    size_t biga = 0, bigb = 0;
    for (uint32_t v = 0; v < n; v++) {
        maxa = a[v] > maxa ? a[v] : maxa;
        maxb = b[v] > maxb ? b[v] : maxb;
        m2a += (double)a[v] * a[v] / n;
        m2b += (double)b[v] * b[v] / n;
        biga += a[v] >= 16;
        bigb += b[v] >= 16;
    }
    print_message("max degree %u vs %u, <k^2> %.1f vs %.1f, >=16: %zu vs %zu\n", maxa, maxb,
                  m2a, m2b, biga, bigb);
    assert_true(maxa >= 40);               /* ~ m sqrt(n) = 89 expected */
    assert_true(maxb <= 12);
    assert_true(m2a > 2.5 * m2b);
    assert_true(biga >= 20);               /* P(k >= 16) ~ (m/16)^2 = 1.6% of 2000 */
    assert_int_equal(bigb, 0);
    free(a);
    free(b);
    graph_free(sf);
    graph_free(sw);
}

/* Same streams, same graph to the byte; another wiring seed, another graph. Amounts:
 * lognormal around the median (half the capacities below it, within sampling), the
 * fees spread around the policy's. */
static void test_determinism(void **state)
{
    (void)state;
    for (int kind = 0; kind < 2; kind++) {
        struct graph *x = build((enum topology_kind)kind, 500, kind ? 6 : 3, 0.2, 9);
        struct graph *y = build((enum topology_kind)kind, 500, kind ? 6 : 3, 0.2, 9);
        struct graph *z = build((enum topology_kind)kind, 500, kind ? 6 : 3, 0.2, 10);
        assert_int_equal(x->nchannels, y->nchannels);
        assert_memory_equal(x->channels, y->channels, x->nchannels * sizeof *x->channels);
        assert_memory_equal(x->edges, y->edges, x->nedges * sizeof *x->edges);
        assert_true(memcmp(x->channels, z->channels, x->nchannels * sizeof *x->channels) != 0);
        size_t below = 0, cheap = 0;
        for (size_t k = 0; k < x->nchannels; k++) {
            below += x->channels[k].capacity_msat < 1000000000;
            cheap += x->edges[2 * k].policy.fee_base_msat < 1000;
        }
        assert_in_range(below, x->nchannels * 4 / 10, x->nchannels * 6 / 10);
        assert_in_range(cheap, x->nchannels * 4 / 10, x->nchannels * 6 / 10);
        graph_free(x);
        graph_free(y);
        graph_free(z);
    }
}

/* Given links (the workload's payment graph): exactly those channels, in order. */
static void test_links(void **state)
{
    (void)state;
    static const uint32_t links[][2] = { { 0, 1 }, { 1, 2 }, { 3, 0 } };
    struct topology_params tp = { .kind = TOPOLOGY_LINKS, .nodes = 5, .links = links,
                                  .nlinks = 3, .capacity_median_msat = 100 };
    struct graph *g = topology_build(&tp, NULL, chan_stream, NULL);
    assert_int_equal(g->nchannels, 3);
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(g->channels[k].node[0], links[k][0]);
        assert_int_equal(g->channels[k].node[1], links[k][1]);
        assert_int_equal(g->channels[k].capacity_msat, 100);
    }
    assert_int_equal(g->out_end[4] - g->out_start[4], 0);    /* node 4: no contact */
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scale_free_counts),
        cmocka_unit_test(test_small_world_counts),
        cmocka_unit_test(test_tails),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_links),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
