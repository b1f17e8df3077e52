/* test_paths.c — paths from untrusted scenarios: a written path stays inside the
 * output directory (no absolute path, no ".." out, no symbolic link out or at the
 * end, no device), a read path is a regular file and a FIFO cannot hang the reader. */
#define _XOPEN_SOURCE 700       /* realpath, nftw */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/paths.h"

static char root[256];       /* a fresh directory: scn/ (the scenario's), outside/ */
static char scn[300], outside[300];

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/l2sim-paths-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    snprintf(scn, sizeof scn, "%s/scn/", root);
    snprintf(outside, sizeof outside, "%s/outside", root);
    if (mkdir(scn, 0777) != 0 || mkdir(outside, 0777) != 0)
        return -1;
    return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    (void)state;
    return nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);     /* links are not followed */
}

/* Check rel against the scenario directory as the output directory. */
static int check(const char *rel, enum paths_kind kind, char why[PATHS_WHY_MAX], char **res)
{
    return paths_output(scn, rel, scn, kind, "--db", res, why);
}

static void expect_refused(const char *rel, enum paths_kind kind, const char *needle)
{
    char why[PATHS_WHY_MAX];
    char *res = (char *)"untouched";
    int rc = check(rel, kind, why, &res);
    if (rc != L2_EINPUT || !strstr(why, needle))
        fail_msg("'%s': rc %d, why '%s', expected '%s'", rel, rc, why, needle);
    assert_null(res);
}

static void expect_inside(const char *rel, enum paths_kind kind, const char *want_tail)
{
    char why[PATHS_WHY_MAX];
    char *res;
    int rc = check(rel, kind, why, &res);
    if (rc != 0)
        fail_msg("'%s' refused: %s", rel, why);
    char *real = realpath(scn, NULL);
    char *want = xasprintf("%s%s%s", real, want_tail[0] ? "/" : "", want_tail);
    assert_string_equal(res, want);
    free(want), free(real), free(res);
}

static void put(const char *dir, const char *name)
{
    char *p = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("x\n", f);
    fclose(f);
    free(p);
}

static void link_at(const char *target, const char *name)
{
    char *p = xasprintf("%s%s", scn, name);
    assert_int_equal(symlink(target, p), 0);
    free(p);
}

/* Relative paths inside the output directory resolve there, ".." that stays inside
 * is fine; the result is canonical. */
static void test_inside(void **state)
{
    (void)state;
    expect_inside("r.db", PATHS_FILE, "r.db");
    expect_inside("./a/../r.db", PATHS_FILE, "r.db");
    expect_inside("new/dir/r.db", PATHS_FILE, "new/dir/r.db");
    expect_inside(".", PATHS_DIR, "");
    expect_inside("report", PATHS_DIR, "report");
}

/* An empty path, a control character, an absolute path and ".." out are refused
 * before the file system is asked anything. */
static void test_lexical(void **state)
{
    (void)state;
    expect_refused("", PATHS_FILE, "empty");
    expect_refused("a\nb.db", PATHS_FILE, "control character (0x0a)");
    expect_refused("/tmp/x.db", PATHS_FILE, "is an absolute path");
    expect_refused("../x.db", PATHS_FILE, "lies outside the output directory");
    expect_refused("a/../../x.db", PATHS_FILE, "lies outside the output directory");
    expect_refused("../scn2/x.db", PATHS_FILE, "lies outside");   /* a prefix is not inside */
    char why[PATHS_WHY_MAX];
    char *res;
    check("../../x.db", PATHS_FILE, why, &res);
    /* the message names the option that may write elsewhere */
    assert_non_null(strstr(why, "give --db on the command line"));
}

/* A symbolic link on the way that leads out, a final component that is a link (even
 * one that stays inside), a dangling link: refused. A link that stays inside is fine. */
static void test_symlinks(void **state)
{
    (void)state;
    link_at(outside, "out");                 /* scn/out -> outside/ */
    expect_refused("out/x.db", PATHS_FILE, "through a symbolic link it is");
    expect_refused("out/../x.db", PATHS_FILE, "lies outside");     /* the kernel's ".." */
    expect_refused("out", PATHS_DIR, "is a symbolic link");
    put(scn, "real.db");
    link_at("real.db", "alias.db");          /* inside, but the final component */
    expect_refused("alias.db", PATHS_FILE, "is a symbolic link");
    char *gone = xasprintf("%s/gone", outside);
    link_at(gone, "dangling");
    free(gone);
    expect_refused("dangling/x.db", PATHS_FILE, "dangling symbolic link");
    expect_refused("dangling", PATHS_FILE, "is a symbolic link");
    char *in = xasprintf("%ssub", scn);
    assert_int_equal(mkdir(in, 0777), 0);
    free(in);
    link_at("sub", "insub");                 /* a directory link that stays inside */
    expect_inside("insub/x.db", PATHS_FILE, "sub/x.db");
}

/* Not a regular file (database) or not a directory (report); a database companion
 * that is a link; a report directory that holds a link. */
static void test_kinds(void **state)
{
    (void)state;
    char *d = xasprintf("%sadir", scn);
    assert_int_equal(mkdir(d, 0777), 0);
    expect_refused("adir", PATHS_FILE, "is a directory, not a regular file");
    char *fifo = xasprintf("%spipe.db", scn);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    expect_refused("pipe.db", PATHS_FILE, "is a FIFO (named pipe), not a regular file");
    put(scn, "plain");
    expect_refused("plain", PATHS_DIR, "is a regular file, not a directory");
    char *target = xasprintf("%s/wal", outside);
    link_at(target, "w.db-wal");
    expect_refused("w.db", PATHS_FILE, "'w.db-wal' is a symbolic link");
    char *lnk = xasprintf("%s/report.html.tmp", d);
    assert_int_equal(symlink(target, lnk), 0);
    expect_refused("adir", PATHS_DIR, "holds a symbolic link 'report.html.tmp'");
    free(d), free(fifo), free(target), free(lnk);
}

/* --output-dir: a wider directory admits what lies under it; paths still resolve
 * from the scenario's directory. */
static void test_output_dir(void **state)
{
    (void)state;
    char why[PATHS_WHY_MAX];
    char *res;
    assert_int_equal(paths_output(scn, "../outside/x.db", root, PATHS_FILE, "--db", &res,
                                  why), 0);
    char *real = realpath(outside, NULL);
    char *want = xasprintf("%s/x.db", real);
    assert_string_equal(res, want);
    free(res), free(want), free(real);
    /* a narrower one refuses what the scenario's directory would admit */
    assert_int_equal(paths_output(scn, "x.db", outside, PATHS_FILE, "--db", &res, why),
                     L2_EINPUT);
    assert_non_null(strstr(why, "lies outside the output directory"));
}

static void test_dir_of(void **state)
{
    (void)state;
    char *d = path_dir("scenarios/teach/a.yaml");
    assert_string_equal(d, "scenarios/teach/");
    free(d);
    d = path_dir("a.yaml");
    assert_string_equal(d, "");
    free(d);
    d = path_dir("/a.yaml");
    assert_string_equal(d, "/");
    free(d);
    d = path_dirname("scenarios/teach/a.yaml");     /* as dirname(3): to stat or open */
    assert_string_equal(d, "scenarios/teach");
    free(d);
    d = path_dirname("a.yaml");
    assert_string_equal(d, ".");
    free(d);
    d = path_dirname("/a.yaml");
    assert_string_equal(d, "/");
    free(d);
}

static void expect_read_refused(const char *path, const char *needle)
{
    struct err e;
    err_init(&e);
    FILE *f = (FILE *)1;
    int rc = paths_open_read(path, "trace", &f, &e);
    if (rc != L2_EINPUT || !strstr(e.msg, needle))
        fail_msg("'%s': rc %d, '%s', expected '%s'", path, rc, e.msg, needle);
    assert_null(f);
}

/* Reads: a regular file (through a link too) opens; a directory, a FIFO (no writer:
 * opening it would block), a device are refused before being opened. */
static void test_read(void **state)
{
    (void)state;
    put(outside, "t.csv");
    char *p = xasprintf("%s/t.csv", outside);
    struct err e;
    err_init(&e);
    FILE *f;
    assert_int_equal(paths_open_read(p, "trace", &f, &e), 0);
    char line[8];
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "x\n");
    fclose(f);
    link_at(p, "t-link.csv");
    char *l = xasprintf("%st-link.csv", scn);
    assert_int_equal(paths_open_read(l, "trace", &f, &e), 0);
    fclose(f);
    char *fifo = xasprintf("%s/fifo", outside);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    expect_read_refused(fifo, "is a FIFO (named pipe), not a regular file: a trace must be");
    expect_read_refused(outside, "is a directory, not a trace file");
    expect_read_refused("/dev/zero", "is a character device, not a regular file");
    char *none = xasprintf("%s/none.csv", outside);
    expect_read_refused(none, "cannot open the trace: No such file or directory");
    free(p), free(l), free(fifo), free(none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_inside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lexical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlinks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_dir, setup, teardown),
        cmocka_unit_test(test_dir_of),
        cmocka_unit_test_setup_teardown(test_read, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
