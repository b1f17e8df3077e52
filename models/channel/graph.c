/* graph.c — the loaders of the channel graph (see graph.h): CLoTH's three CSV files
 * and l2sim's own one-file channel list. One small line reader with column positions
 * for messages, the table parsers, then the checks that tie channels, edges and nodes
 * together, then the adjacency arrays routing uses. */
#include "models/channel/graph.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/paths.h"

enum { CSV_MAX_FIELDS = 12 };

/* A cursor over one CSV text: the current line's fields, with their columns. */
struct csv {
    const char *name;
    const char *p, *end;
    size_t line;                    /* 1-based number of the current line */
    bool comments;                  /* l2sim's format: '#' lines and empty lines skipped */
    size_t max_fields;              /* CLoTH's 10, l2sim's 12 */
    const char *field[CSV_MAX_FIELDS];
    size_t flen[CSV_MAX_FIELDS], fcol[CSV_MAX_FIELDS];
    size_t nfields;
};

/* Read the next line into c's fields. 1 when a line was read, 0 at the end, L2_EINPUT
 * for too many fields or a control byte. Empty lines (a final newline) end the text
 * only at the very end; an empty line elsewhere is an error (c->comments: skipped,
 * with lines whose first byte is '#'). */
static int csv_next(struct csv *c, struct err *e)
{
    const char *s, *eol;
    for (;;) {
        if (c->p >= c->end)
            return 0;
        c->line++;
        s = c->p;
        const char *nl = memchr(s, '\n', (size_t)(c->end - s));
        eol = nl ? nl : c->end;
        c->p = nl ? nl + 1 : c->end;
        if (eol > s && eol[-1] == '\r')
            eol--;
        if (c->comments && (eol == s || *s == '#'))
            continue;
        break;
    }
    if (eol == s) {
        if (c->p >= c->end)
            return 0;
        return err_set(e, L2_EINPUT, "%s:%zu:1: empty line", c->name, c->line);
    }
    c->nfields = 0;
    const char *f = s;
    for (const char *q = s;; q++) {
        if (q == eol || *q == ',') {
            if (c->nfields == c->max_fields)
                return err_set(e, L2_EINPUT, "%s:%zu:%zu: more than %zu columns", c->name,
                               c->line, (size_t)(q - s) + 1, c->max_fields);
            c->field[c->nfields] = f;
            c->flen[c->nfields] = (size_t)(q - f);
            c->fcol[c->nfields] = (size_t)(f - s) + 1;
            c->nfields++;
            if (q == eol)
                break;
            f = q + 1;
        } else if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f) {
            return err_set(e, L2_EINPUT, "%s:%zu:%zu: byte 0x%02x is not CSV text",
                           c->name, c->line, (size_t)(q - s) + 1, (unsigned char)*q);
        }
    }
    return 1;
}

/* The header must be exactly `want` (comma-separated). */
static int csv_header(struct csv *c, const char *want, struct err *e)
{
    int rc = csv_next(c, e);
    if (rc < 0)
        return rc;
    size_t wl = strlen(want);
    if (rc == 0)
        return err_set(e, L2_EINPUT, "%s:%zu:1: empty file (expected the header '%s')",
                       c->name, c->line ? c->line : 1, want);
    size_t len = (size_t)(c->field[c->nfields - 1] + c->flen[c->nfields - 1] - c->field[0]);
    if (len != wl || memcmp(c->field[0], want, wl) != 0)
        return err_set(e, L2_EINPUT, "%s:%zu:1: header is not '%s'", c->name, c->line, want);
    return 0;
}

/* Field i as a decimal in [0, max] (no sign, no spaces, no leading '+'). */
static int csv_u64(const struct csv *c, size_t i, const char *col, uint64_t max,
                   uint64_t *out, struct err *e)
{
    const char *f = c->field[i];
    size_t n = c->flen[i];
    if (n == 0)
        return err_set(e, L2_EINPUT, "%s:%zu:%zu: %s is empty", c->name, c->line,
                       c->fcol[i], col);
    uint64_t v = 0;
    for (size_t k = 0; k < n; k++) {
        if (f[k] < '0' || f[k] > '9')
            return err_set(e, L2_EINPUT, "%s:%zu:%zu: %s: '%.*s' is not a whole number",
                           c->name, c->line, c->fcol[i] + k, col, (int)(n > 40 ? 40 : n), f);
        unsigned d = (unsigned)(f[k] - '0');
        if (v > (max - d) / 10)
            return err_set(e, L2_EINPUT, "%s:%zu:%zu: %s: '%.*s' is above the limit %llu",
                           c->name, c->line, c->fcol[i], col, (int)(n > 40 ? 40 : n), f,
                           (unsigned long long)max);
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int csv_columns(const struct csv *c, size_t want, struct err *e)
{
    if (c->nfields != want)
        return err_set(e, L2_EINPUT, "%s:%zu:1: %zu columns, expected %zu", c->name,
                       c->line, c->nfields, want);
    return 0;
}

static void csv_open(struct csv *c, const char *name, const char *text, size_t len)
{
    memset(c, 0, sizeof *c);
    c->name = name;
    c->p = text;
    c->end = text + len;
    c->max_fields = 10;
}

static int parse_nodes(struct csv *c, struct graph *g, struct err *e)
{
    int rc = csv_header(c, "id", e);
    if (rc)
        return rc;
    while ((rc = csv_next(c, e)) == 1) {
        uint64_t id;
        if ((rc = csv_columns(c, 1, e)) || (rc = csv_u64(c, 0, "id", UINT64_MAX, &id, e)))
            return rc;
        if (id != g->nnodes)
            return err_set(e, L2_EINPUT, "%s:%zu:1: id %llu, expected %zu (ids are dense, "
                           "in order from 0)", c->name, c->line, (unsigned long long)id,
                           g->nnodes);
        if (g->nnodes == GRAPH_NODES_MAX)
            return err_set(e, L2_EINPUT, "%s:%zu:1: more than %u nodes", c->name, c->line,
                           GRAPH_NODES_MAX);
        g->nnodes++;
    }
    return rc;
}

static int parse_channels(struct csv *c, struct graph *g, size_t **line, struct err *e)
{
    int rc = csv_header(c, "id,edge1_id,edge2_id,node1_id,node2_id,capacity", e);
    if (rc)
        return rc;
    size_t cap = 0;
    while ((rc = csv_next(c, e)) == 1) {
        uint64_t v[6];
        static const char *const col[6] = { "id", "edge1_id", "edge2_id", "node1_id",
                                            "node2_id", "capacity" };
        if ((rc = csv_columns(c, 6, e)))
            return rc;
        for (size_t i = 0; i < 6; i++)
            if ((rc = csv_u64(c, i, col[i], i == 5 ? GRAPH_MSAT_MAX : UINT32_MAX - 1,
                              &v[i], e)))
                return rc;
        size_t k = g->nchannels;
        if (v[0] != k)
            return err_set(e, L2_EINPUT, "%s:%zu:1: id %llu, expected %zu (ids are dense, "
                           "in order from 0)", c->name, c->line, (unsigned long long)v[0], k);
        if (k == GRAPH_CHANNELS_MAX)
            return err_set(e, L2_EINPUT, "%s:%zu:1: more than %u channels", c->name,
                           c->line, GRAPH_CHANNELS_MAX);
        for (size_t i = 3; i <= 4; i++)
            if (v[i] >= g->nnodes)
                return err_set(e, L2_EINPUT, "%s:%zu:%zu: %s %llu is not a node (%zu nodes)",
                               c->name, c->line, c->fcol[i], col[i],
                               (unsigned long long)v[i], g->nnodes);
        if (v[3] == v[4])
            return err_set(e, L2_EINPUT, "%s:%zu:%zu: a channel from node %llu to itself",
                           c->name, c->line, c->fcol[4], (unsigned long long)v[4]);
        if (v[1] == v[2])
            return err_set(e, L2_EINPUT, "%s:%zu:%zu: both directions are edge %llu",
                           c->name, c->line, c->fcol[2], (unsigned long long)v[2]);
        if (k == cap) {
            cap = cap ? 2 * cap : 256;
            g->channels = xrealloc(g->channels, cap * sizeof *g->channels);
            *line = xrealloc(*line, cap * sizeof **line);
        }
        g->channels[k] = (struct graph_channel){
            .node = { (uint32_t)v[3], (uint32_t)v[4] },
            .edge = { (uint32_t)v[1], (uint32_t)v[2] },
            .capacity_msat = v[5],
        };
        (*line)[k] = c->line;
        g->nchannels++;
    }
    return rc;
}

static int parse_edges(struct csv *c, struct graph *g, struct err *e)
{
    int rc = csv_header(c, "id,channel_id,counter_edge_id,from_node_id,to_node_id,balance,"
                           "fee_base,fee_proportional,min_htlc,timelock", e);
    if (rc)
        return rc;
    static const char *const col[10] = {
        "id", "channel_id", "counter_edge_id", "from_node_id", "to_node_id", "balance",
        "fee_base", "fee_proportional", "min_htlc", "timelock" };
    const uint64_t max[10] = {
        UINT32_MAX - 1, UINT32_MAX - 1, UINT32_MAX - 1, UINT32_MAX - 1, UINT32_MAX - 1,
        GRAPH_MSAT_MAX, GRAPH_FEE_MAX, GRAPH_FEE_MAX, GRAPH_MSAT_MAX, GRAPH_CLTV_DELTA_MAX };
    size_t want = 2 * g->nchannels;
    g->edges = xcalloc(want ? want : 1, sizeof *g->edges);
    while ((rc = csv_next(c, e)) == 1) {
        uint64_t v[10];
        if ((rc = csv_columns(c, 10, e)))
            return rc;
        for (size_t i = 0; i < 10; i++)
            if ((rc = csv_u64(c, i, col[i], max[i], &v[i], e)))
                return rc;
        size_t k = g->nedges;
        if (v[0] != k)
            return err_set(e, L2_EINPUT, "%s:%zu:1: id %llu, expected %zu (ids are dense, "
                           "in order from 0)", c->name, c->line, (unsigned long long)v[0], k);
        if (k == want)
            return err_set(e, L2_EINPUT, "%s:%zu:1: more edges than the %zu the channels "
                           "name (two each)", c->name, c->line, want);
        if (v[1] >= g->nchannels)
            return err_set(e, L2_EINPUT, "%s:%zu:%zu: channel_id %llu is not a channel",
                           c->name, c->line, c->fcol[1], (unsigned long long)v[1]);
        const struct graph_channel *ch = &g->channels[v[1]];
        int side = ch->edge[0] == k ? 0 : ch->edge[1] == k ? 1 : -1;
        if (side < 0)
            return err_set(e, L2_EINPUT, "%s:%zu:%zu: channel %llu does not list edge %zu",
                           c->name, c->line, c->fcol[1], (unsigned long long)v[1], k);
        if (v[2] != ch->edge[1 - side])
            return err_set(e, L2_EINPUT, "%s:%zu:%zu: counter_edge_id %llu, but channel "
                           "%llu's other edge is %u", c->name, c->line, c->fcol[2],
                           (unsigned long long)v[2], (unsigned long long)v[1],
                           ch->edge[1 - side]);
        if (v[3] != ch->node[side] || v[4] != ch->node[1 - side])
            return err_set(e, L2_EINPUT, "%s:%zu:%zu: edge from %llu to %llu, but channel "
                           "%llu joins node%d %u to node%d %u", c->name, c->line, c->fcol[3],
                           (unsigned long long)v[3], (unsigned long long)v[4],
                           (unsigned long long)v[1], side + 1, ch->node[side], 2 - side,
                           ch->node[1 - side]);
        if (v[5] > ch->capacity_msat)
            return err_set(e, L2_EINPUT, "%s:%zu:%zu: balance %llu exceeds channel %llu's "
                           "capacity %llu", c->name, c->line, c->fcol[5],
                           (unsigned long long)v[5], (unsigned long long)v[1],
                           (unsigned long long)ch->capacity_msat);
        g->edges[k] = (struct graph_edge){
            .channel = (uint32_t)v[1], .counter_edge = (uint32_t)v[2],
            .from = (uint32_t)v[3], .to = (uint32_t)v[4], .balance_msat = v[5],
            .policy = { .fee_base_msat = (uint32_t)v[6],
                        .fee_proportional_millionths = (uint32_t)v[7],
                        .htlc_minimum_msat = v[8], .cltv_expiry_delta = (uint32_t)v[9] },
        };
        g->nedges++;
    }
    return rc;
}

/* Counting sort of the edges by from (out_*) and by to (in_*): stable, so each node's
 * list is in edge-id order. O(V + E). */
/* Fin list slot j holds edge e: its record and its position. */
static void fin_put(struct graph *g, uint32_t j, uint32_t e)
{
    const struct graph_edge *x = &g->edges[e];
    g->fin_edge[j] = e;
    g->fin_rec[j] = (struct graph_fin){
        .capacity_msat = x->capacity_msat, .htlc_minimum_msat = x->policy.htlc_minimum_msat,
        .fee_base_msat = x->policy.fee_base_msat,
        .fee_proportional_millionths = x->policy.fee_proportional_millionths,
        .cltv_expiry_delta = x->policy.cltv_expiry_delta, .from = x->from };
    g->fin_pos[e] = j;
}

/* The three adjacency lists: 0 out, 1 in, 2 fin (in, from forwarders). */
struct adj {
    uint32_t **edge, **start, **end, **room;
};

static struct adj adj_of(struct graph *g, int dir)
{
    if (dir == 0)
        return (struct adj){ &g->out_edge, &g->out_start, &g->out_end, &g->out_room };
    if (dir == 1)
        return (struct adj){ &g->in_edge, &g->in_start, &g->in_end, &g->in_room };
    return (struct adj){ &g->fin_edge, &g->fin_start, &g->fin_end, &g->fin_room };
}

static uint32_t out_degree(const struct graph *g, uint32_t v)
{
    return g->out_end[v] - g->out_start[v];
}

void graph_index(struct graph *g)
{
    size_t n = g->nnodes, m = g->nedges;
    size_t nc = n ? n : 1, mc = m ? m : 1;
    for (int d = 0; d < 3; d++) {
        struct adj a = adj_of(g, d);
        *a.start = xcalloc(nc, sizeof **a.start);
        *a.end = xcalloc(nc, sizeof **a.end);
        *a.room = xcalloc(nc, sizeof **a.room);
        *a.edge = xmalloc(mc * sizeof **a.edge);
    }
    g->fin_rec = xmalloc(mc * sizeof *g->fin_rec);
    g->fin_pos = xmalloc(mc * sizeof *g->fin_pos);
    for (size_t k = 0; k < mc; k++)
        g->fin_pos[k] = UINT32_MAX;
    for (size_t k = 0; k < m; k++)
        g->edges[k].capacity_msat = g->channels[g->edges[k].channel].capacity_msat;
    for (size_t k = 0; k < m; k++) {
        g->out_room[g->edges[k].from]++;
        g->in_room[g->edges[k].to]++;
    }
    for (size_t k = 0; k < m; k++)      /* out_room is the out-degree by now */
        if (g->out_room[g->edges[k].from] >= 2)
            g->fin_room[g->edges[k].to]++;
    for (int d = 0; d < 3; d++) {
        struct adj a = adj_of(g, d);
        uint32_t at = 0;
        for (size_t v = 0; v < n; v++) {
            (*a.start)[v] = (*a.end)[v] = at;
            at += (*a.room)[v];
        }
        g->used_adj[d] = at;
        g->cap_adj[d] = mc;
    }
    for (size_t k = 0; k < m; k++) {
        const struct graph_edge *e = &g->edges[k];
        g->out_edge[g->out_end[e->from]++] = (uint32_t)k;
        g->in_edge[g->in_end[e->to]++] = (uint32_t)k;
        if (g->out_room[e->from] >= 2) {
            fin_put(g, g->fin_end[e->to]++, (uint32_t)k);
        }
    }
    g->cap_nodes = nc;
    g->cap_channels = g->nchannels ? g->nchannels : 1;
    g->cap_edges = mc;
}

void graph_set_capacity(struct graph *g, uint32_t k, uint64_t capacity_msat)
{
    struct graph_channel *c = &g->channels[k];
    c->capacity_msat = capacity_msat;
    for (int i = 0; i < 2; i++) {
        g->edges[c->edge[i]].capacity_msat = capacity_msat;
        if (g->fin_pos[c->edge[i]] != UINT32_MAX)
            g->fin_rec[g->fin_pos[c->edge[i]]].capacity_msat = capacity_msat;
    }
}

uint32_t graph_add_node(struct graph *g)
{
    if (g->nnodes == g->cap_nodes) {
        size_t c = 2 * g->cap_nodes;
        for (int d = 0; d < 3; d++) {
            struct adj a = adj_of(g, d);
            *a.start = xrealloc(*a.start, c * sizeof **a.start);
            *a.end = xrealloc(*a.end, c * sizeof **a.end);
            *a.room = xrealloc(*a.room, c * sizeof **a.room);
        }
        g->cap_nodes = c;
    }
    uint32_t v = (uint32_t)g->nnodes++;
    for (int d = 0; d < 3; d++) {
        struct adj a = adj_of(g, d);
        (*a.start)[v] = (*a.end)[v] = (*a.room)[v] = 0;
    }
    return v;
}

/* Append edge e to node v's list dir. */
static void adj_append(struct graph *g, int dir, uint32_t v, uint32_t e)
{
    struct adj a = adj_of(g, dir);
    uint32_t *start = *a.start, *end = *a.end, *room = *a.room;
    uint32_t len = end[v] - start[v];
    if (len == room[v]) {
        uint32_t want = room[v] ? 2 * room[v] : 2;
        bool tail = start[v] + room[v] == g->used_adj[dir];   /* grows in place */
        size_t need = (tail ? start[v] : g->used_adj[dir]) + want;
        if (need > g->cap_adj[dir]) {
            size_t c = g->cap_adj[dir];
            while (c < need)
                c *= 2;
            *a.edge = xrealloc(*a.edge, c * sizeof **a.edge);
            if (dir == 2)
                g->fin_rec = xrealloc(g->fin_rec, c * sizeof *g->fin_rec);
            g->cap_adj[dir] = c;
        }
        if (!tail) {
            memmove(*a.edge + g->used_adj[dir], *a.edge + start[v], len * sizeof **a.edge);
            if (dir == 2) {
                memmove(g->fin_rec + g->used_adj[dir], g->fin_rec + start[v],
                        len * sizeof *g->fin_rec);
                for (uint32_t j = 0; j < len; j++)
                    g->fin_pos[(*a.edge)[g->used_adj[dir] + j]] = (uint32_t)g->used_adj[dir] + j;
            }
            start[v] = (uint32_t)g->used_adj[dir];
            end[v] = start[v] + len;
        }
        g->used_adj[dir] = start[v] + want;
        room[v] = want;
    }
    if (dir == 2)
        fin_put(g, end[v], e);
    else
        (*a.edge)[end[v]] = e;
    end[v]++;
}

/* Node x has a new out-edge: a node with two or more channels forwards, so its
 * out-edges are listed in their far ends' fin lists (all of them when it just got
 * its second). */
static void fin_note(struct graph *g, uint32_t x)
{
    uint32_t d = out_degree(g, x);
    if (d < 2)
        return;
    for (uint32_t k = d == 2 ? g->out_start[x] : g->out_end[x] - 1; k < g->out_end[x]; k++)
        adj_append(g, 2, g->edges[g->out_edge[k]].to, g->out_edge[k]);
}

uint32_t graph_add_channel(struct graph *g, uint32_t a, uint32_t b,
                           const struct graph_policy *pol)
{
    if (g->nchannels == g->cap_channels) {
        g->cap_channels *= 2;
        g->channels = xrealloc(g->channels, g->cap_channels * sizeof *g->channels);
    }
    while (g->nedges + 2 > g->cap_edges) {
        size_t old = g->cap_edges;
        g->cap_edges *= 2;
        g->edges = xrealloc(g->edges, g->cap_edges * sizeof *g->edges);
        g->fin_pos = xrealloc(g->fin_pos, g->cap_edges * sizeof *g->fin_pos);
        for (size_t j = old; j < g->cap_edges; j++)
            g->fin_pos[j] = UINT32_MAX;
    }
    uint32_t k = (uint32_t)g->nchannels++, e0 = (uint32_t)g->nedges;
    g->nedges += 2;
    g->channels[k] = (struct graph_channel){ .node = { a, b }, .edge = { e0, e0 + 1 } };
    g->edges[e0] = (struct graph_edge){ .channel = k, .counter_edge = e0 + 1, .from = a,
                                        .to = b, .policy = *pol };
    g->edges[e0 + 1] = (struct graph_edge){ .channel = k, .counter_edge = e0, .from = b,
                                            .to = a, .policy = *pol };
    adj_append(g, 0, a, e0);
    adj_append(g, 1, b, e0);
    adj_append(g, 0, b, e0 + 1);
    adj_append(g, 1, a, e0 + 1);
    fin_note(g, a);
    fin_note(g, b);
    return k;
}

int graph_parse(const char *nodes_name, const char *nodes, size_t nodes_len,
                const char *channels_name, const char *channels, size_t channels_len,
                const char *edges_name, const char *edges, size_t edges_len,
                struct graph **out, struct err *e)
{
    *out = NULL;
    struct graph *g = xcalloc(1, sizeof *g);
    size_t *line = NULL;
    struct csv c;
    int rc;
    csv_open(&c, nodes_name, nodes, nodes_len);
    if ((rc = parse_nodes(&c, g, e)))
        goto err;
    csv_open(&c, channels_name, channels, channels_len);
    if ((rc = parse_channels(&c, g, &line, e)))
        goto err;
    csv_open(&c, edges_name, edges, edges_len);
    if ((rc = parse_edges(&c, g, e)))
        goto err;
    if (g->nedges != 2 * g->nchannels) {
        rc = err_set(e, L2_EINPUT, "%s:%zu:1: %zu edges, but the %zu channels name %zu",
                     edges_name, c.line + 1, g->nedges, g->nchannels, 2 * g->nchannels);
        goto err;
    }
    for (size_t k = 0; k < g->nchannels; k++) {
        const struct graph_channel *ch = &g->channels[k];
        /* each edge the channel names exists and names this channel back */
        for (int s = 0; s < 2; s++)
            if (ch->edge[s] >= g->nedges || g->edges[ch->edge[s]].channel != k) {
                rc = err_set(e, L2_EINPUT, "%s:%zu:1: edge%d_id %u is not an edge of "
                             "this channel in %s", channels_name, line[k], s + 1, ch->edge[s], edges_name);
                goto err;
            }
        uint64_t sum = g->edges[ch->edge[0]].balance_msat + g->edges[ch->edge[1]].balance_msat;
        if (sum != ch->capacity_msat) {
            rc = err_set(e, L2_EINPUT, "%s:%zu:1: capacity %llu, but its edges' balances "
                         "sum to %llu", channels_name, line[k],
                         (unsigned long long)ch->capacity_msat, (unsigned long long)sum);
            goto err;
        }
    }
    graph_index(g);
    free(line);
    *out = g;
    return 0;
err:
    free(line);
    graph_free(g);
    return rc;
}

/* ---- l2sim's own format: one CSV line per channel (graph.h, README) ---- */

/* Node names seen so far, by first appearance: an open-addressing table of (text,
 * length) into the file's text, which outlives the parse. Lookups in O(1) expected;
 * the order of ids never depends on the hash. */
struct names {
    const char **name;
    size_t *len;
    uint32_t *slot;                 /* node id + 1, 0 = empty */
    size_t cap, n;
};

static uint64_t name_hash(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ull;      /* FNV-1a, 64 bits */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* The id of name s[0..n): the existing one, or the next (*added set). */
static uint32_t names_id(struct names *t, const char *s, size_t n, bool *added)
{
    if (2 * (t->n + 1) > t->cap) {      /* keep the load at most 1/2 */
        size_t cap = t->cap ? 2 * t->cap : 64;
        uint32_t *slot = xcalloc(cap, sizeof *slot);
        for (size_t i = 0; i < t->cap; i++)
            if (t->slot[i]) {
                uint32_t id = t->slot[i] - 1;
                size_t j = name_hash(t->name[id], t->len[id]) & (cap - 1);
                while (slot[j])
                    j = (j + 1) & (cap - 1);
                slot[j] = t->slot[i];
            }
        free(t->slot);
        t->slot = slot;
        t->cap = cap;
        t->name = xrealloc(t->name, cap * sizeof *t->name);
        t->len = xrealloc(t->len, cap * sizeof *t->len);
    }
    size_t j = name_hash(s, n) & (t->cap - 1);
    for (; t->slot[j]; j = (j + 1) & (t->cap - 1)) {
        uint32_t id = t->slot[j] - 1;
        if (t->len[id] == n && memcmp(t->name[id], s, n) == 0) {
            *added = false;
            return id;
        }
    }
    uint32_t id = (uint32_t)t->n++;
    t->name[id] = s;
    t->len[id] = n;
    t->slot[j] = id + 1;
    *added = true;
    return id;
}

static void names_free(struct names *t)
{
    free(t->name);
    free(t->len);
    free(t->slot);
}

/* Field i as a node name: 1 to GRAPH_NAME_MAX of [A-Za-z0-9_.:-]. */
static int csv_name(const struct csv *c, size_t i, const char *col, struct err *e)
{
    const char *f = c->field[i];
    size_t n = c->flen[i];
    if (n == 0)
        return err_set(e, L2_EINPUT, "%s:%zu:%zu: %s is empty", c->name, c->line,
                       c->fcol[i], col);
    if (n > GRAPH_NAME_MAX)
        return err_set(e, L2_EINPUT, "%s:%zu:%zu: %s: a node name longer than %d bytes",
                       c->name, c->line, c->fcol[i], col, GRAPH_NAME_MAX);
    for (size_t k = 0; k < n; k++) {
        char ch = f[k];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.' || ch == ':';
        if (!ok)
            return err_set(e, L2_EINPUT, "%s:%zu:%zu: %s: '%c' cannot be in a node name "
                           "(letters, digits, '_', '-', '.', ':')", c->name, c->line,
                           c->fcol[i] + k, col, ch);
    }
    return 0;
}

int graph_parse_l2sim(const char *name, const char *text, size_t len, struct graph **out,
                      struct err *e)
{
    *out = NULL;
    static const char *const col[12] = {
        "node_a", "node_b", "capacity_sat", "a_balance_sat",
        "a_fee_base_msat", "a_fee_proportional_millionths", "a_htlc_minimum_msat",
        "a_cltv_expiry_delta",
        "b_fee_base_msat", "b_fee_proportional_millionths", "b_htlc_minimum_msat",
        "b_cltv_expiry_delta" };
    const uint64_t max[12] = {
        0, 0, GRAPH_MSAT_MAX / GRAPH_MSAT_PER_SAT, GRAPH_MSAT_MAX / GRAPH_MSAT_PER_SAT,
        GRAPH_FEE_MAX, GRAPH_FEE_MAX, GRAPH_MSAT_MAX, GRAPH_CLTV_DELTA_MAX,
        GRAPH_FEE_MAX, GRAPH_FEE_MAX, GRAPH_MSAT_MAX, GRAPH_CLTV_DELTA_MAX };
    struct graph *g = xcalloc(1, sizeof *g);
    struct names nm = { 0 };
    struct csv c;
    csv_open(&c, name, text, len);
    c.comments = true;
    c.max_fields = CSV_MAX_FIELDS;
    size_t cap = 0;
    int rc = csv_header(&c, GRAPH_L2SIM_HEADER, e);
    if (rc)
        goto err;
    while ((rc = csv_next(&c, e)) == 1) {
        uint64_t v[12] = { 0 };
        uint32_t node[2];
        if ((rc = csv_columns(&c, 12, e)))
            goto err;
        for (size_t i = 0; i < 2; i++) {
            bool added;
            if ((rc = csv_name(&c, i, col[i], e)))
                goto err;
            if (nm.n == GRAPH_NODES_MAX) {
                rc = err_set(e, L2_EINPUT, "%s:%zu:%zu: more than %u nodes", name, c.line,
                             c.fcol[i], GRAPH_NODES_MAX);
                goto err;
            }
            node[i] = names_id(&nm, c.field[i], c.flen[i], &added);
        }
        for (size_t i = 2; i < 12; i++)
            if ((rc = csv_u64(&c, i, col[i], max[i], &v[i], e)))
                goto err;
        if (node[0] == node[1]) {
            rc = err_set(e, L2_EINPUT, "%s:%zu:%zu: a channel from node '%.*s' to itself",
                         name, c.line, c.fcol[1], (int)c.flen[1], c.field[1]);
            goto err;
        }
        if (v[3] > v[2]) {
            rc = err_set(e, L2_EINPUT, "%s:%zu:%zu: a_balance_sat %llu exceeds capacity_sat "
                         "%llu", name, c.line, c.fcol[3], (unsigned long long)v[3],
                         (unsigned long long)v[2]);
            goto err;
        }
        size_t k = g->nchannels;
        if (k == GRAPH_CHANNELS_MAX) {
            rc = err_set(e, L2_EINPUT, "%s:%zu:1: more than %u channels", name, c.line,
                         GRAPH_CHANNELS_MAX);
            goto err;
        }
        if (k == cap) {
            cap = cap ? 2 * cap : 256;
            g->channels = xrealloc(g->channels, cap * sizeof *g->channels);
            g->edges = xrealloc(g->edges, 2 * cap * sizeof *g->edges);
        }
        uint32_t e0 = (uint32_t)(2 * k);
        uint64_t capacity = v[2] * GRAPH_MSAT_PER_SAT, a_bal = v[3] * GRAPH_MSAT_PER_SAT;
        g->channels[k] = (struct graph_channel){ .node = { node[0], node[1] },
                                                 .edge = { e0, e0 + 1 },
                                                 .capacity_msat = capacity };
        for (int side = 0; side < 2; side++) {
            const uint64_t *pol = v + 4 + 4 * side;
            g->edges[e0 + side] = (struct graph_edge){
                .channel = (uint32_t)k, .counter_edge = e0 + 1 - side,
                .from = node[side], .to = node[1 - side],
                .balance_msat = side ? capacity - a_bal : a_bal,
                .policy = { .fee_base_msat = (uint32_t)pol[0],
                            .fee_proportional_millionths = (uint32_t)pol[1],
                            .htlc_minimum_msat = pol[2],
                            .cltv_expiry_delta = (uint32_t)pol[3] } };
        }
        g->nchannels++;
        g->nedges += 2;
    }
    if (rc < 0)
        goto err;
    if (g->nchannels == 0) {
        rc = err_set(e, L2_EINPUT, "%s:%zu:1: no channel after the header", name,
                     c.line + 1);
        goto err;
    }
    g->nnodes = nm.n;
    graph_index(g);
    names_free(&nm);
    *out = g;
    return 0;
err:
    names_free(&nm);
    graph_free(g);
    return rc;
}

/* Read one whole file through the read-path checks, bounded. */
static int slurp(const char *path, char **buf, size_t *len, struct err *e)
{
    FILE *f;
    int rc = paths_open_read(path, "channel graph file", &f, e);
    if (rc)
        return rc;
    rc = read_bounded(f, GRAPH_FILE_MAX, buf, len);
    fclose(f);
    if (rc == 1)
        return err_set(e, L2_EINPUT, "%s: larger than %u bytes", path, GRAPH_FILE_MAX);
    if (rc < 0)
        return err_set(e, L2_EINPUT, "%s: cannot read it", path);
    return 0;
}

int graph_load(const char *nodes_path, const char *channels_path, const char *edges_path,
               struct graph **out, struct err *e)
{
    *out = NULL;
    char *t[3] = { NULL, NULL, NULL };
    size_t n[3] = { 0, 0, 0 };
    const char *p[3] = { nodes_path, channels_path, edges_path };
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++)
        rc = slurp(p[i], &t[i], &n[i], e);
    if (rc == 0)
        rc = graph_parse(p[0], t[0], n[0], p[1], t[1], n[1], p[2], t[2], n[2], out, e);
    for (int i = 0; i < 3; i++)
        free(t[i]);
    return rc;
}

int graph_load_dir(const char *dir, const char *prefix, struct graph **out, struct err *e)
{
    char *p[3];
    static const char *const base[3] = { "nodes", "channels", "edges" };
    for (int i = 0; i < 3; i++)
        p[i] = prefix ? xasprintf("%s/%s%s.csv", dir, prefix, base[i])
                      : xasprintf("%s/%s_ln.csv", dir, base[i]);
    int rc = graph_load(p[0], p[1], p[2], out, e);
    for (int i = 0; i < 3; i++)
        free(p[i]);
    return rc;
}

int graph_load_l2sim(const char *path, struct graph **out, struct err *e)
{
    *out = NULL;
    char *t = NULL;
    size_t n = 0;
    int rc = slurp(path, &t, &n, e);
    if (rc == 0)
        rc = graph_parse_l2sim(path, t, n, out, e);
    free(t);
    return rc;
}

bool graph_path_is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

void graph_free(struct graph *g)
{
    if (!g)
        return;
    free(g->channels);
    free(g->edges);
    free(g->out_start);
    free(g->out_end);
    free(g->out_room);
    free(g->out_edge);
    free(g->in_start);
    free(g->in_end);
    free(g->in_room);
    free(g->in_edge);
    free(g->fin_start);
    free(g->fin_end);
    free(g->fin_room);
    free(g->fin_edge);
    free(g->fin_rec);
    free(g->fin_pos);
    free(g);
}
