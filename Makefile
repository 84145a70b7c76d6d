# licvault - the only commands a newcomer needs. Each target installs the
# Debian packages it needs first (scripts/deps.sh, idempotent).
BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
JOBS    ?= $(shell nproc)
MAKEFLAGS += --no-print-directory
CMAKE_FLAGS ?=

.PHONY: all deps build build-asan test demo check-sanitize check-faults install bench fuzz pot clean

all: build

deps:
	@bash scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD)/licvault

ASAN_ENV = ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp

build-asan: deps
	@cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
	  -DLV_SANITIZE=address,undefined >/dev/null
	@cmake --build $(BUILD)-asan -j $(JOBS)

check-sanitize: build-asan
	@cd $(BUILD)-asan && $(ASAN_ENV) ctest --output-on-failure -j $(JOBS) -LE "install|pg"
	@cmake -S . -B $(BUILD)-tsan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
	  -DLV_SANITIZE=thread >/dev/null
	@cmake --build $(BUILD)-tsan -j $(JOBS)
	@cd $(BUILD)-tsan && TSAN_OPTIONS=suppressions=$(CURDIR)/tests/tsan.supp ctest --output-on-failure -j $(JOBS) -LE 'install|fuzz|pg'

# The full fault proof (issue #7): every failure point of every operation
# (LV_TORTURE=full) under ASan+UBSan, so that each failed run is also checked
# for leaks and undefined behaviour; then 200 SIGKILLs per mutating command.
# make test runs a spread of the points and 20 kills per command.
CRASH_RUNS ?= 200
check-faults: build build-asan
	@cd $(BUILD)-asan && LV_TORTURE=full $(ASAN_ENV) ctest --output-on-failure \
	  -R '^(faults/test_torture|service/test_service_faults|backup/test_backup|core/test_file)$$'
	@bash tests/faults/crash_campaign.sh $(BUILD) $(BUILD)/test-tmp/crash-full \
	  $(BUILD)/tests/faults_invcheck $(CRASH_RUNS)
	@bash tests/backup/crash_kill.sh $(BUILD) $(BUILD)/test-tmp/crash-kill-full $(CRASH_RUNS)

# What is installed is built without the fault seams (LV_FAULTS): those
# are for the tests only.
install: deps
	@cmake -S . -B $(BUILD)-install -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLV_FAULTS=OFF \
	  -DBUILD_TESTING=OFF -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(BUILD)-install -j $(JOBS)
	@DESTDIR="$(DESTDIR)" cmake --install $(BUILD)-install --prefix $(PREFIX)

bench: deps
	@cmake -S . -B $(BUILD)-release -DCMAKE_BUILD_TYPE=Release -DLV_FAULTS=OFF >/dev/null
	@cmake --build $(BUILD)-release -j $(JOBS)
	@bash bench/run.sh $(BUILD)-release

fuzz: deps
	@cmake -S . -B $(BUILD)-fuzz -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
	  -DLV_FUZZ=ON -DLV_SANITIZE=address,undefined -DBUILD_TESTING=OFF >/dev/null
	@cmake --build $(BUILD)-fuzz -j $(JOBS)
	@bash fuzz/run.sh $(BUILD)-fuzz $${FUZZ_SECONDS:-60}

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-tsan $(BUILD)-release $(BUILD)-fuzz $(BUILD)-install

# Translatable strings for translators (GNU gettext).
pot: deps
	@bash po/update-pot.sh
