/* test_fuzz_regress.c — every input the fuzzers found (tests/fuzz/crashes/TARGET/,
 * each once a crash) or kept for coverage (tests/fuzz/corpus/TARGET/) goes through
 * the same entry points as under libFuzzer (tests/fuzz/targets.c), built with the
 * normal toolchain: none may crash, trip a sanitizer, leak, panic or exit. Each file
 * runs in a child process, so one bad file is named and the others still run.
 * Run from the repository root; an argument replaces the directory tests/fuzz. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/util.h"
#include "tests/fuzz/targets.h"

static const char *fuzz_dir = "tests/fuzz";

/* Read the regular file `path` whole; NULL when it is not one. Caller frees. */
static uint8_t *slurp(const char *path, size_t *len)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = xmalloc((size_t)st.st_size + 1);
    *len = fread(buf, 1, (size_t)st.st_size, f);
    fclose(f);
    return buf;
}

/* Run `t` on `path` in a child; true when the child exited 0 (no crash, no
 * sanitizer report, no leak, no panic). */
static bool replay_one(const struct fuzz_target *t, const char *path)
{
    size_t len = 0;
    uint8_t *data = slurp(path, &len);
    if (!data) {
        print_error("%s: cannot read\n", path);
        return false;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        free(data);
        print_error("fork: cannot run %s\n", path);
        return false;
    }
    if (pid == 0) {
        t->run(data, len);
        free(data);
        exit(0);            /* exit, not _exit: LeakSanitizer checks at exit */
    }
    free(data);
    int status;
    if (waitpid(pid, &status, 0) != pid) {
        print_error("waitpid: lost the child replaying %s\n", path);
        return false;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    if (WIFSIGNALED(status))
        print_error("%s: fuzz_%s died of signal %d\n", path, t->name, WTERMSIG(status));
    else
        print_error("%s: fuzz_%s exited %d\n", path, t->name, WEXITSTATUS(status));
    return false;
}

static int skip_dots(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* Replay every file of fuzz_dir/KIND/TARGET in name order; returns how many there
 * were, and adds the ones that failed to *bad. A missing directory holds none. */
static size_t replay_dir(const struct fuzz_target *t, const char *kind, size_t *bad)
{
    char *dir = xasprintf("%s/%s/%s", fuzz_dir, kind, t->name);
    struct dirent **names;
    int n = scandir(dir, &names, skip_dots, alphasort);
    size_t count = 0;
    for (int i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", dir, names[i]->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            count++;
            if (!replay_one(t, path))
                (*bad)++;
        }
        free(path);
        free(names[i]);
    }
    if (n >= 0)
        free(names);
    free(dir);
    return count;
}

/* A target's crashes and corpus all pass, and the corpus is not empty (a missing
 * corpus would make this test pass without testing anything). */
static void replay_target(void **state)
{
    const struct fuzz_target *t = *state;
    size_t bad = 0;
    size_t crashes = replay_dir(t, "crashes", &bad);
    size_t corpus = replay_dir(t, "corpus", &bad);
    if (bad)
        print_message("fuzz_%s: %zu of %zu reproducers and corpus files went wrong\n",
                      t->name, bad, crashes + corpus);
    else
        print_message("fuzz_%s: replayed %zu fixed reproducers and %zu corpus files\n",
                      t->name, crashes, corpus);
    if (corpus == 0)
        fail_msg("%s/corpus/%s: no corpus files", fuzz_dir, t->name);
    if (bad)
        fail_msg("fuzz_%s: %zu of %zu inputs crashed (see above)", t->name, bad,
                 crashes + corpus);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        fuzz_dir = argv[1];
    struct CMUnitTest tests[8];
    SIM_ASSERT(fuzz_ntargets <= ARRAY_LEN(tests));
    for (size_t i = 0; i < fuzz_ntargets; i++) {
        tests[i] = (struct CMUnitTest)cmocka_unit_test(replay_target);
        tests[i].name = fuzz_targets[i].name;
        tests[i].initial_state = (void *)&fuzz_targets[i];
    }
    return _cmocka_run_group_tests("fuzz_regress", tests, fuzz_ntargets, NULL, NULL);
}
