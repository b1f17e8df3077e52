#!/bin/sh
# summary.sh LOG RC — the one line `make test` ends with: every test it ran, counted
# from LOG (the output of the unit tests, scenario tests, docs check and golden set),
# and RC, the exit status of the run (a part that died without reporting a test still
# fails the whole). Counts: cmocka's `[ RUN ]` lines (a test that started and printed
# no `[ OK ]` or `[ SKIPPED ]` failed; skipped ones are named in brackets), and `ok NAME` /
# `FAIL NAME` lines of the shell tests.
log=$1
rc=${2:-0}
awk -v rc="$rc" '
    /^\[ RUN      \]/ { run++; open = 1 }
    /^\[       OK \]/ { okc++; open = 0 }
    /^\[  SKIPPED \]/ { if (open) skip++; open = 0 }
    /^ok /           { pass++ }
    /^FAIL /         { fail++ }
    END {
        passed = okc + pass; failed = (run - okc - skip) + fail
        note = skip ? sprintf(" (%d skipped)", skip) : ""
        if (rc != 0 && failed == 0) {
            printf "%d passed, 1 failed (a test part exited %d without naming a failed test)%s\n", passed, rc, note
            exit 1
        }
        printf "%d passed, %d failed%s\n", passed, failed, note
        exit failed != 0
    }' "$log"
