#!/bin/sh
# summary.sh LOG RC — the one line `make test` ends with: every test it ran, counted
# from LOG (the output of the unit tests, scenario tests, docs check and golden set),
# and RC, the exit status of the run (a part that died without reporting a test still
# fails the whole). Counts: cmocka's `[ RUN ]` lines (a test that started and printed
# no `[ OK ]` failed), and `ok NAME` / `FAIL NAME` lines of the shell tests.
log=$1
rc=${2:-0}
awk -v rc="$rc" '
    /^\[ RUN      \]/ { run++ }
    /^\[       OK \]/ { okc++ }
    /^ok /           { pass++ }
    /^FAIL /         { fail++ }
    END {
        passed = okc + pass; failed = (run - okc) + fail
        if (rc != 0 && failed == 0) {
            printf "%d passed, 1 failed (a test part exited %d without naming a failed test)\n", passed, rc
            exit 1
        }
        printf "%d passed, %d failed\n", passed, failed
        exit failed != 0
    }' "$log"
