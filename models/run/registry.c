/* registry.c — every scheme type and every parameter table l2sim knows. Adding a
 * scheme: write its scheme_ops in its own directory under models/ (parameters,
 * tables and views, metrics, report, estimate, invariants, hooks: models/model.h) and
 * list it here; validation, `l2sim list`, the database, the metrics, the report and
 * the README reference follow from the declarations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/adversary/adversary.h"
#include "models/channel/scheme_channels.h"
#include "models/l1/l1.h"
#include "models/plasma/plasma.h"
#include "models/rollup/challenger.h"
#include "models/rollup/rollup.h"
#include "models/sidechain/sidechain.h"
#include "models/workload/workload.h"
#include "sim/dbfile.h"
#include "sim/sweep.h"

static const struct scheme_ops *const schemes[] = {
    &scheme_l1_ops,
    &scheme_channels_ops,
    &scheme_plasma_ops,
    &optimistic_rollup_ops,
    &zk_rollup_ops,
    &validium_ops,
    &hybrid_rollup_ops,
    &volition_ops,
    &scheme_sidechain_ops,
};

static const struct adversary_ops *const adversaries[] = {
    &block_stuffing_ops,
    &censorship_ops,
    &plasma_invalid_tx_ops,
    &plasma_withhold_ops,
    &plasma_spent_exit_ops,
    &dac_withholding_ops,
    &censoring_sequencer_ops,
    &invalid_proof_ops,
    &revoked_state_ops,
    &htlc_griefing_ops,
    &channel_jamming_ops,
    &invalid_state_root_ops,
    &validator_outage_ops,
    &equivocation_ops,
    &bridge_takeover_ops,
};

/* Parameters of the run itself and of the world layout. */
static const struct scn_param run_params[] = {
    { "name", SCN_STR, NULL, NULL, NULL, NULL, SCN_REQUIRED,
      "scenario name: runs and comparisons are matched by it" },
    { "description", SCN_STR, "", NULL, NULL, NULL, SCN_OPTIONAL,
      "what the scenario demonstrates, in a sentence or two" },
    { "seed", SCN_UINT, "1", NULL, "9223372036854775807", NULL, 0,
      "master seed; every random stream derives from it (--seed overrides)" },
    { "duration", SCN_DURATION, "1d", "1s", "106751991d", NULL, 0,
      "simulated time to run (at most int64 microseconds); a run that would not fit in "
      "memory, the scheduler or the disk is rejected with the size it needs" },
    { "replications", SCN_UINT, "1", "1", "10000", NULL, 0,
      "independent replications, with seeds derived from the master seed" },
    { "crypto", SCN_ENUM, "ed25519", NULL, NULL, "ed25519|fast", 0,
      "signatures: real Ed25519 (RFC 8032), or `fast`, a keyed BLAKE2b MAC with the same "
      "sizes and calls (models/crypto/sig.h); recorded in runs.crypto_mode" },
    { "shared_l1", SCN_BOOL, "false", NULL, NULL, NULL, 0,
      "put every scheme on one L1, world 'shared' (interaction) instead of one identical L1 "
      "copy each; for some schemes only, name their world" },
    { "schemes", SCN_LIST, NULL, NULL, NULL, NULL, 0,
      "the schemes to compare, each {type: ..., name: ..., its parameters}" },
    { "schemes[].type", SCN_ENUM, NULL, NULL, NULL, NULL, SCN_REQUIRED,
      "the scheme: see `l2sim list`" },
    { "schemes[].name", SCN_STR, NULL, NULL, NULL, NULL, SCN_OPTIONAL,
      "label in results (default: the type); must be unique" },
    { "schemes[].world", SCN_STR, NULL, NULL, NULL, NULL, SCN_OPTIONAL,
      "the L1 this scheme runs on: schemes naming the same world share one L1 (default: "
      "the scheme's name, an L1 copy of its own)" },
    { "attack_delay", SCN_ENUM, "windows", NULL, NULL, "windows|rerun", 0,
      "how attacks.delay_imposed_us is measured: `rerun` runs each world again without "
      "each attacker that touched a block (the same seed: every draw the same) and sums "
      "each transfer's wait less its wait there (exact, also where attack windows "
      "overlap; the world runs once more per attacker); `windows` compares the attack's "
      "victims with equally long windows before and after it (no extra run; biased where "
      "windows overlap or waits are long: README \"How an attack's delay is measured\")" },
    { "adversaries", SCN_LIST, NULL, NULL, NULL, NULL, 0,
      "attacks to run against the schemes, each {type: ..., its parameters}" },
    { "adversaries[].type", SCN_ENUM, NULL, NULL, NULL, NULL, SCN_REQUIRED,
      "the attack: see `l2sim list`" },
    { "adversaries[].name", SCN_STR, NULL, NULL, NULL, NULL, SCN_OPTIONAL,
      "label in results (default: the type); must be unique" },
    { "adversaries[].world", SCN_STR, NULL, NULL, NULL, NULL, SCN_OPTIONAL,
      "the world it acts in (a scheme's name, or a `schemes[].world`): an L1 adversary "
      "such as block_stuffing stuffs that world's L1 only and records its rows there "
      "(default: every world; one with a `target` acts only where its target runs)" },
    { "output.db", SCN_STR, NULL, NULL, NULL, NULL, SCN_OPTIONAL,
      "results database, a path relative to the scenario that must lie inside the "
      "output directory (the scenario's, or --output-dir); --db overrides it" },
    { "output.report", SCN_STR, NULL, NULL, NULL, NULL, SCN_OPTIONAL,
      "directory `l2sim run` also writes the report to after the run, a path relative "
      "to the scenario inside the output directory; --out overrides it" },
    { "report.eth_usd", SCN_REAL, NULL, "0.000001", "100000000", NULL, SCN_OPTIONAL,
      "price of one ETH in US dollars: the summary and the report show fees in dollars "
      "beside ETH (e.g. 3000); no effect on the simulation" },
};

/* Schemes a test registered (model_register_scheme), after the table's. */
static const struct scheme_ops **extra;
static size_t nextra;
static bool schema_stale;

const struct scheme_ops *model_scheme_at(size_t i)
{
    if (i < ARRAY_LEN(schemes))
        return schemes[i];
    i -= ARRAY_LEN(schemes);
    return i < nextra ? extra[i] : NULL;
}

/* Every scheme's declared SQL (tables, then views) as one text, for sim/dbfile's
 * idea of l2sim's schema: rebuilt when the number of schemes changes (a test
 * registers its own). Owned here; valid until the next registration. */
static char *schemes_sql;
static size_t schemes_sql_n = (size_t)-1;

static const char *schemes_sql_now(void)
{
    size_t n = 0;
    while (model_scheme_at(n))
        n++;
    if (n != schemes_sql_n) {
        free(schemes_sql);
        schemes_sql = xstrdup("");
        for (int part = 0; part < 2; part++)
            for (size_t i = 0; i < n; i++) {
                const struct scheme_ops *ops = model_scheme_at(i);
                const struct store_sql *q = ops ? ops->sql : NULL;
                const char *text = q ? (part ? q->views : q->tables) : NULL;
                if (!text)
                    continue;
                char *more = xasprintf("%s%s;\n", schemes_sql, text);
                free(schemes_sql);
                schemes_sql = more;
            }
        schemes_sql_n = n;
    }
    return schemes_sql[0] ? schemes_sql : NULL;
}

/* Whether db records some scheme's SQL at a version below this binary's (readers then
 * read an upgraded copy: store_modules_older). */
static bool schemes_sql_older(sqlite3 *db)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'sql_version:scheme ' || ?",
                           -1, &q, NULL) != SQLITE_OK)
        return false;                 /* no meta: not for this check to say */
    bool older = false;
    for (size_t i = 0; !older && model_scheme_at(i); i++) {
        const struct scheme_ops *ops = model_scheme_at(i);
        if (!ops->sql)
            continue;
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, ops->type, -1, SQLITE_STATIC);
        older = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL &&
                sqlite3_column_int64(q, 0) < ops->sql->version;
    }
    sqlite3_finalize(q);
    return older;
}

/* A reader's scratch copy: every scheme whose SQL it records brought to this binary's. */
static int schemes_sql_upgrade(struct store *st, struct err *e)
{
    return model_scheme_sql_refresh(st, false, e);
}

/* Every binary that links the registry tells dbfile where the schemes' SQL is, before
 * main: readers, merge and the tests all judge files against the same schema, and read
 * a file of older schemes' SQL through an upgraded copy. */
__attribute__((constructor)) static void publish_schemes_sql(void)
{
    dbfile_set_scheme_sql_provider(schemes_sql_now);
    store_set_module_upgrade(schemes_sql_older, schemes_sql_upgrade);
}

void model_register_scheme(const struct scheme_ops *ops)
{
    SIM_ASSERT(!model_scheme_by_type(ops->type));
    extra = xrealloc(extra, (nextra + 1) * sizeof *extra);
    extra[nextra++] = ops;
    schema_stale = true;
}

int model_scheme_sql_apply(struct store *st, const char *type, struct err *e)
{
    const struct scheme_ops *ops = model_scheme_by_type(type);
    if (!ops || !ops->sql)
        return 0;
    char owner[96];
    snprintf(owner, sizeof owner, "scheme %s", type);
    return store_apply_sql(st, owner, ops->sql, e);
}

int model_scheme_sql_refresh(struct store *st, bool all, struct err *e)
{
    sqlite3_stmt *q = NULL;
    sqlite3_prepare_v2(store_db(st), "SELECT count(*) FROM schemes WHERE type = ?", -1, &q,
                       NULL);
    int rc = 0;
    for (size_t i = 0; rc == 0 && model_scheme_at(i); i++) {
        const struct scheme_ops *ops = model_scheme_at(i);
        if (!ops->sql)
            continue;
        char owner[96];
        snprintf(owner, sizeof owner, "scheme %s", ops->type);
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, ops->type, -1, SQLITE_STATIC);
        bool used = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int64(q, 0) > 0;
        sqlite3_reset(q);
        if (all || used || store_sql_version(st, owner) > 0)
            rc = store_apply_sql(st, owner, ops->sql, e);
    }
    sqlite3_finalize(q);
    return rc;
}

/* Adversaries a test registered (model_register_adversary), after the table's. */
static const struct adversary_ops **extra_adv;
static size_t nextra_adv;

const struct adversary_ops *model_adversary_at(size_t i)
{
    if (i < ARRAY_LEN(adversaries))
        return adversaries[i];
    i -= ARRAY_LEN(adversaries);
    return i < nextra_adv ? extra_adv[i] : NULL;
}

const struct adversary_ops *model_adversary_by_type(const char *type)
{
    for (size_t i = 0; model_adversary_at(i); i++)
        if (strcmp(model_adversary_at(i)->type, type) == 0)
            return model_adversary_at(i);
    return NULL;
}

void model_register_adversary(const struct adversary_ops *ops)
{
    SIM_ASSERT(!model_adversary_by_type(ops->type));
    extra_adv = xrealloc(extra_adv, (nextra_adv + 1) * sizeof *extra_adv);
    extra_adv[nextra_adv++] = ops;
    schema_stale = true;
}

/* "a|b|c" from the types of a registry list. */
static void join_types(char *buf, size_t len, const char *type)
{
    size_t used = strlen(buf);
    SIM_ASSERT(used + strlen(type) + 2 < len);
    if (used)
        buf[used++] = '|';
    strcpy(buf + used, type);
}

const struct scheme_ops *model_scheme_by_type(const char *type)
{
    for (size_t i = 0; model_scheme_at(i); i++)
        if (strcmp(model_scheme_at(i)->type, type) == 0)
            return model_scheme_at(i);
    return NULL;
}

/* Built on first use (again after model_register_scheme): the concatenation of all
 * tables, with the scheme type's choices filled in from the registry. Lives as long
 * as the process. */
const struct scn_schema *model_schema(void)
{
    static struct scn_schema schema;
    static struct scn_param *all;
    static char choices[512], adv_choices[512];
    if (all && !schema_stale)
        return &schema;
    free(all);
    choices[0] = adv_choices[0] = '\0';
    schema_stale = false;
    size_t n = ARRAY_LEN(run_params) + sweep_params_count + l1_params_count +
               workload_params_count;
    size_t nsch = 0;
    for (const struct scheme_ops *ops; (ops = model_scheme_at(nsch)) != NULL; nsch++)
        n += ops->nparams;
    nsch = 0;
    size_t nadv = 0;
    for (const struct adversary_ops *ops; (ops = model_adversary_at(nadv)) != NULL; nadv++)
        n += ops->nparams;
    all = xcalloc(n, sizeof *all);
    schema.complete = l1_put_preset;
    size_t k = 0;
    for (size_t i = 0; i < ARRAY_LEN(run_params); i++)
        all[k++] = run_params[i];
    for (size_t i = 0; i < sweep_params_count; i++)
        all[k++] = sweep_params[i];
    for (size_t i = 0; i < l1_params_count; i++)
        all[k++] = l1_params[i];
    for (size_t i = 0; i < workload_params_count; i++)
        all[k++] = workload_params[i];
    for (const struct scheme_ops *ops; (ops = model_scheme_at(nsch)) != NULL; nsch++) {
        for (size_t j = 0; j < ops->nparams; j++)
            all[k++] = ops->params[j];
        join_types(choices, sizeof choices, ops->type);
    }
    nadv = 0;
    for (const struct adversary_ops *ops; (ops = model_adversary_at(nadv)) != NULL; nadv++) {
        for (size_t j = 0; j < ops->nparams; j++)
            all[k++] = ops->params[j];
        join_types(adv_choices, sizeof adv_choices, ops->type);
    }
    for (size_t i = 0; i < k; i++) {
        if (strcmp(all[i].path, "schemes[].type") == 0)
            all[i].choices = choices;
        if (strcmp(all[i].path, "adversaries[].type") == 0)
            all[i].choices = adv_choices;
    }
    schema.params = all;
    schema.n = k;
    return &schema;
}
