# l2sim — one non-recursive Makefile.
#   make            build ./l2sim
#   make deps       install missing system packages (Debian/Ubuntu, apt-get)
#   make run        run scenarios/default.yaml into results.db (appended), report in out/
#   make test       unit tests (cmocka) + scenario-level tests
#   make check      the same under AddressSanitizer + UndefinedBehaviorSanitizer, as a
#                   debug build (DEBUG=1: invariants checked after every event), then
#                   the default scenario under valgrind (make valgrind)
#   make bench      hold benchmark of the scheduler and model benchmarks
#   make golden     rerun tests/golden/ and rewrite its stored metrics (review the diff)
# With Open MPI installed (`make deps` installs it), `make` also builds ./l2sim-mpi.
# Every target that needs libraries runs `deps` first when pkg-config cannot find them.

DEB_PKGS := libgsl-dev libsqlite3-dev libyaml-dev libcmocka-dev libsodium-dev \
            libzstd-dev libbrotli-dev gnuplot-nox pkg-config sqlite3 \
            libopenmpi-dev openmpi-bin
PC_LIBS  := gsl sqlite3 yaml-0.1 libsodium libzstd libbrotlienc libbrotlidec
# Only the tests need a browser (they open report.html in headless Chromium) and
# valgrind (make check runs the default scenario under it).
DEB_TEST_PKGS := chromium valgrind bc time
PC_TEST  := cmocka

CC       ?= cc
BUILD    ?= build
BIN      ?= l2sim
OPT      ?= -O2
SAN      ?=
# DEBUG=1 (as `make check` sets): every invariant checked after every event, and each
# event remembers its handler and where it was scheduled, for the message.
DEBUG    ?=
WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wold-style-definition -Wpointer-arith \
            -Wcast-align -Wwrite-strings -Wformat=2 -Wundef -Wvla \
            -Wnull-dereference -Wdouble-promotion -Wno-unused-parameter \
            -Werror
have_libs := $(shell pkg-config --exists $(PC_LIBS) $(PC_TEST) 2>/dev/null && echo yes)
PC_CFLAGS := $(if $(have_libs),$(shell pkg-config --cflags $(PC_LIBS) $(PC_TEST)))
PC_LDLIBS := $(if $(have_libs),$(shell pkg-config --libs $(PC_LIBS)))
CM_LDLIBS := $(if $(have_libs),$(shell pkg-config --libs $(PC_TEST)))

CPPFLAGS += -I. -I$(BUILD) -D_POSIX_C_SOURCE=200809L -DL2SIM_GIT_REV='"$(GIT_REV)"' \
            $(if $(DEBUG),-DL2SIM_DEBUG)
CFLAGS   += -std=c11 $(OPT) -g $(WARN) $(SAN) -MMD -MP $(PC_CFLAGS)
# Open MPI is optional: when mpicc exists, $(BIN)-mpi is built too — the same CLI whose
# `sweep` under mpirun hands points to the ranks (models/run/study_mpi.c). ./l2sim itself
# never links MPI.
MPICC    := $(shell command -v mpicc 2>/dev/null)
MPI_BIN  := $(if $(MPICC),$(BIN)-mpi)
LDFLAGS  += $(SAN)
LDLIBS   += $(PC_LDLIBS) -lm
GIT_REV  := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)

# Sources: the engine (sim/), the models (models/), the analysis layer. main.c alone
# holds main(); everything else goes into a static library the tests link against.
LIB_SRC  := $(filter-out sim/main.c,$(wildcard sim/*.c)) \
            $(filter-out models/run/study_mpi.c,$(wildcard models/*.c models/*/*.c)) \
            $(wildcard analysis/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/schema_sql.o
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_SRC:= $(wildcard tests/bench_*.c)
BENCH_BIN:= $(BENCH_SRC:tests/%.c=$(BUILD)/tests/%)

.PHONY: all deps run test unit scenario-tests docs-check readme check valgrind bench clean ensure-deps \
        ensure-test-deps golden golden-check
all: ensure-deps
	@$(MAKE) --no-print-directory $(BIN) $(MPI_BIN)

ensure-deps:
	@{ pkg-config --exists $(PC_LIBS) $(PC_TEST) && command -v sqlite3 && command -v gnuplot; } \
	  >/dev/null 2>&1 || $(MAKE) --no-print-directory deps

deps:
	@if command -v apt-get >/dev/null 2>&1; then \
	  missing=""; for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	  done; \
	  if [ -z "$$missing" ]; then echo "deps: all packages present"; exit 0; fi; \
	  echo "deps: installing$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	else \
	  echo "deps: not a Debian/Ubuntu system; install these (or your system's equivalents):"; \
	  echo "  $(DEB_PKGS)"; exit 1; \
	fi

$(BIN): $(BUILD)/sim/main.o $(BUILD)/libl2sim.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/mpi/%.o: %.c
	@mkdir -p $(dir $@)
	$(MPICC) $(CPPFLAGS) -DL2SIM_MPI $(CFLAGS) -c -o $@ $<

$(BIN)-mpi: $(BUILD)/mpi/sim/main.o $(BUILD)/mpi/models/run/study_mpi.o $(BUILD)/libl2sim.a
	$(MPICC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libl2sim.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# analysis/schema.sql, then the views over it (analysis/views.sql), are compiled into
# the binary as one byte array (a string literal would exceed C11's portable length
# limit) that the store applies to every database it opens.
$(BUILD)/schema_sql.c: analysis/schema.sql analysis/views.sql analysis/studies.sql
	@mkdir -p $(BUILD)
	@{ echo '/* generated from $^ */'; \
	   echo 'extern const unsigned char store_schema_sql[];'; \
	   echo 'const unsigned char store_schema_sql[] = {'; \
	   cat $^ | od -An -v -tx1 | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	   echo '0x00 };'; } > $@
$(BUILD)/schema_sql.o: $(BUILD)/schema_sql.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(BUILD)/libl2sim.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libl2sim.a $(LDLIBS) $(CM_LDLIBS)

# The fuzz replay test also links the fuzz entry points, shared with `make fuzz`.
$(BUILD)/tests/test_fuzz_regress: tests/test_fuzz_regress.c $(BUILD)/tests/fuzz/targets.o \
                                  $(BUILD)/libl2sim.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/tests/fuzz/targets.o \
	  $(BUILD)/libl2sim.a $(LDLIBS) $(CM_LDLIBS)

# `l2sim run` appends runs to a database; the demo starts from a fresh one so the
# report is of this run alone (run 1).
# results.db is kept: the run is appended, as `l2sim run` does (a user may have added
# runs of their own to it); the report shows the latest.
run: all
	./$(BIN) run scenarios/default.yaml --db results.db
	./$(BIN) report results.db --out out
	@echo "open out/report.html in a browser; query results.db with sqlite3 (see README.md)"

ensure-test-deps:
	@{ command -v chromium && command -v valgrind && command -v bc; } >/dev/null 2>&1 || \
	  $(MAKE) --no-print-directory deps DEB_PKGS="$(DEB_TEST_PKGS)"

# Every part runs (-k) and the output ends with one line, `N passed, N failed`, over
# everything that ran (tests/summary.sh counts it from the log).
test: ensure-deps ensure-test-deps
	@$(MAKE) --no-print-directory $(BIN) $(TEST_BIN) $(MPI_BIN)
	@{ $(MAKE) --no-print-directory -k unit scenario-tests docs-check golden-check 2>&1; \
	   echo $$? > $(BUILD)/test.rc; } | tee $(BUILD)/test.log; \
	 sh tests/summary.sh $(BUILD)/test.log "$$(cat $(BUILD)/test.rc)"

unit: $(TEST_BIN)
	@fail=0; for t in $(TEST_BIN); do $$t 2>&1 || fail=1; done; exit $$fail

scenario-tests: $(BIN)
	@L2SIM=./$(BIN) L2SIM_MPI=$(if $(MPI_BIN),./$(MPI_BIN)) BUILD=$(BUILD) \
	  sh tests/scenario_tests.sh

# The golden regression set (tests/golden/README.md): exact metrics of canonical
# scenarios. After an intended change, `make golden` and commit the .metrics diff.
golden-check: $(BIN)
	@L2SIM=./$(BIN) sh tests/golden.sh check

golden: all
	@L2SIM=./$(BIN) sh tests/golden.sh update

# The README's scenario reference is `l2sim list --markdown`; this keeps them equal.
docs-check: $(BIN)
	@./$(BIN) list --markdown > $(BUILD)/params.md
	@sed -n '/<!-- BEGIN PARAMS -->/,/<!-- END PARAMS -->/p' README.md | sed '1d;$$d' \
	  | diff -u - $(BUILD)/params.md \
	  && echo "ok README scenario reference matches l2sim list" \
	  || { echo "FAIL README scenario reference is stale: run make readme"; exit 1; }

readme: all
	@./$(BIN) list --markdown > $(BUILD)/params.md
	@awk -v f=$(BUILD)/params.md '/<!-- BEGIN PARAMS -->/{print; while((getline l < f)>0) print l; skip=1; next} \
	  /<!-- END PARAMS -->/{skip=0} !skip' README.md > README.md.new && mv README.md.new README.md

check: ensure-deps
	@$(MAKE) --no-print-directory BUILD=build-san BIN=build-san/l2sim OPT=-O1 DEBUG=1 \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  test
	@$(MAKE) --no-print-directory valgrind

# The default scenario under valgrind's memcheck (the release build: valgrind and
# ASan do not mix): no memory error, nothing definitely or indirectly lost.
valgrind: ensure-test-deps all
	@rm -f $(BUILD)/valgrind.db $(BUILD)/valgrind.db-wal $(BUILD)/valgrind.db-shm
	@valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
	  --error-exitcode=3 ./$(BIN) run scenarios/default.yaml --db $(BUILD)/valgrind.db \
	  --quiet && echo "ok valgrind: scenarios/default.yaml, no errors, no leaks" \
	  || { echo "FAIL valgrind: scenarios/default.yaml (see above)"; exit 1; }

bench: ensure-deps
	@$(MAKE) --no-print-directory $(BIN) $(BENCH_BIN)
	@for b in $(BENCH_BIN); do $$b || exit 1; done

# Fuzzing with libFuzzer (clang; its runtime is Debian's libclang-rt-14-dev, installed
# for this target only). The library is built again with clang and coverage
# instrumentation into build-fuzz/, so `make test` and `make check` are unaffected;
# clang's extra warnings do not stop it (-Wno-error: gcc's build is the one that
# gates warnings). Each target (tests/fuzz/targets.c) runs FUZZ_SECONDS on
# tests/fuzz/corpus/T, which it only reads (what it learns goes to build-fuzz/corpus/T;
# `make fuzz-merge` folds that back, minimized). A crash lands in
# tests/fuzz/crashes/T/; committed there, test_fuzz_regress replays it in every
# `make test` and `make check`. Ex.: make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS=units
FUZZ_PKGS    := clang libclang-rt-14-dev
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= db scenario set units trace channel_graph channel_list
FUZZ_FLAGS   ?= -max_len=65536 -timeout=10 -rss_limit_mb=2048
FUZZ_SAN     := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
                -fno-sanitize-recover=all -Wno-error
FUZZ_BIN     := $(FUZZ_TARGETS:%=build-fuzz/fuzz/fuzz_%)

.PHONY: fuzz fuzz-build fuzz-merge fuzz-deps
fuzz: fuzz-build
	@fail=0; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build-fuzz/corpus/$$t tests/fuzz/crashes/$$t; \
	  log=build-fuzz/fuzz_$$t.log; \
	  if build-fuzz/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) $(FUZZ_FLAGS) \
	       -artifact_prefix=tests/fuzz/crashes/$$t/ build-fuzz/corpus/$$t \
	       tests/fuzz/corpus/$$t >$$log 2>&1; then \
	    echo "ok fuzz_$$t: $$(grep -E '^#[0-9]+' $$log | tail -n 1)"; \
	  else \
	    fail=1; echo "FAIL fuzz_$$t: $$(grep -m 1 -E 'SUMMARY|ERROR|fuzz:' $$log)"; \
	    echo "  reproducer in tests/fuzz/crashes/$$t/, log in $$log"; \
	  fi; \
	done; exit $$fail

fuzz-merge: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  rm -rf build-fuzz/merged/$$t; mkdir -p build-fuzz/merged/$$t build-fuzz/corpus/$$t; \
	  build-fuzz/fuzz/fuzz_$$t -merge=1 $(FUZZ_FLAGS) build-fuzz/merged/$$t \
	    tests/fuzz/corpus/$$t build-fuzz/corpus/$$t >build-fuzz/merge_$$t.log 2>&1 \
	    || { echo "FAIL merge $$t: see build-fuzz/merge_$$t.log"; exit 1; }; \
	  rm -rf tests/fuzz/corpus/$$t; mv build-fuzz/merged/$$t tests/fuzz/corpus/$$t; \
	  echo "fuzz-merge $$t: $$(ls tests/fuzz/corpus/$$t | wc -l) files, $$(du -sk tests/fuzz/corpus/$$t | cut -f1) KiB"; \
	done

fuzz-build: ensure-deps fuzz-deps
	@mkdir -p build-fuzz && echo '*' > build-fuzz/.gitignore
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=$(FUZZ_CC) OPT=-O1 SAN="$(FUZZ_SAN)" \
	  $(FUZZ_BIN)

fuzz-deps:
	@{ command -v $(FUZZ_CC) && echo 'int LLVMFuzzerTestOneInput(const char *d, long n); \
	  int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' \
	  | $(FUZZ_CC) -x c -fsanitize=fuzzer -o /dev/null -; } >/dev/null 2>&1 \
	  || $(MAKE) --no-print-directory deps DEB_PKGS="$(FUZZ_PKGS)"

$(FUZZ_BIN): build-fuzz/fuzz/fuzz_%: tests/fuzz/main.c $(BUILD)/tests/fuzz/targets.o $(BUILD)/libl2sim.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DFUZZ_TARGET=fuzz_$* $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< \
	  $(BUILD)/tests/fuzz/targets.o $(BUILD)/libl2sim.a $(LDLIBS)

clean:
	rm -rf build build-san build-fuzz l2sim l2sim-mpi

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
