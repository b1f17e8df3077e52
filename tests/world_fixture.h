/* world_fixture.h — the world a scheme's unit test runs in (test_rollup_scheme,
 * test_sidechain_scheme, test_toy_scheme, test_dispute): its scenario from text, a
 * temporary results database with the run begun, and one world of the scenario's
 * first scheme. Header-only (static inline), so a test program needs no build rule of
 * its own; include it after cmocka.h. Any failure fails the calling test. */
#ifndef L2SIM_TESTS_WORLD_FIXTURE_H
#define L2SIM_TESTS_WORLD_FIXTURE_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "models/model.h"
#include "models/run/run.h"
#include "models/world.h"

struct world_fixture {
    struct scn   *s;
    struct store *st;
    struct world *w;          /* NULL once the test freed it */
    int64_t       run_id;
    char          path[64];
};

/* Load `yaml` (called `file` in messages), open a fresh database in /tmp and begin the
 * run (seed from the scenario), and build world `name` holding the scenario's first
 * scheme alone (fx->w). */
static inline void world_fixture_open(struct world_fixture *fx, const char *file,
                                      const char *yaml, const char *name)
{
    struct err e;
    err_init(&e);
    memset(fx, 0, sizeof *fx);
    if (scn_load_text(model_schema(), file, yaml, strlen(yaml), NULL, 0, &fx->s, &e) != 0)
        fail_msg("scenario rejected: %s", e.msg);
    snprintf(fx->path, sizeof fx->path, "/tmp/l2sim-test-%.20s-XXXXXX", name);
    int fd = mkstemp(fx->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(fx->path, &fx->st, &e), 0);
    uint64_t seed = scn_uint(fx->s, "seed");
    assert_int_equal(run_begin(fx->st, fx->s, seed, seed, 0, &fx->run_id, &e), 0);
    static const size_t first[] = { 0 };
    struct world_spec spec = { .scn = fx->s, .store = fx->st, .run_id = fx->run_id,
                               .seed = seed, .name = name, .schemes = first, .nschemes = 1 };
    if (world_new(&spec, &fx->w, &e) != 0)
        fail_msg("world_new: %s", e.msg);
}

/* Free the world (unless the test did), close and remove the database, free the
 * scenario; fx is zeroed. Safe on a zeroed fixture. */
static inline void world_fixture_close(struct world_fixture *fx)
{
    world_free(fx->w);
    if (fx->st) {
        store_close(fx->st);
        store_remove(fx->path);
    }
    scn_free(fx->s);
    memset(fx, 0, sizeof *fx);
}

/* The first column of the first row of `sql` on the fixture's database. */
static inline int64_t world_fixture_int(const struct world_fixture *fx, const char *sql)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(store_db(fx->st), sql, -1, &q, NULL) != SQLITE_OK)
        fail_msg("bad SQL: %s: %s", sql, sqlite3_errmsg(store_db(fx->st)));
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

#endif
