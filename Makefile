# DuckDB's Arrow conversion (how results stream) is behind this build tag.
export GOFLAGS := -tags=duckdb_arrow
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: build run test test-go test-clients fuzz bench lint clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/duckstore ./cmd/duckstore

# Serves on the defaults: data in ./data, PostgreSQL on 127.0.0.1:5432,
# admin API on 127.0.0.1:8080. Flags go in ARGS, e.g. make run ARGS="--pg-addr 127.0.0.1:15432".
run: build
	./bin/duckstore serve $(ARGS)

test: lint test-go fuzz

# e2e's TestMain writes how many client checks each suite ran against
# each target to CLIENT_CHECKS; go test shows a passing package's output
# only with -v, so it is printed here.
CLIENT_CHECKS := $(CURDIR)/bin/client-checks.txt
test-go: build
	@rm -f $(CLIENT_CHECKS)
	CLIENT_CHECKS=$(CLIENT_CHECKS) $(GO) test -count=1 -timeout 12m ./...
	@cat $(CLIENT_CHECKS) 2>/dev/null || true

# go test replays each fuzz target's committed corpus (wire/testdata/fuzz);
# this also runs every target briefly in search of new inputs.
FUZZTIME ?= 10s
FUZZ_TARGETS := FuzzStartup FuzzFrontendMessages FuzzBinaryValues
fuzz:
	@for f in $(FUZZ_TARGETS); do \
		echo "fuzz $$f for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) ./wire || exit 1; \
	done

# The Go benchmarks of the hot paths (short: two runs each; DUCKSTORE_BENCH_MB
# sizes engine/load's generated CSV), then cmd/duckbench, which measures
# duckstore side by side with DuckDB in process and PostgreSQL 15 and writes
# bench/results/<time>.json (README "Performance"). BENCH_ARGS goes to the
# driver, e.g. make bench BENCH_ARGS="-rows 2000000 -cases wire,analytics".
bench: build
	DUCKSTORE_BENCH_MB=$${DUCKSTORE_BENCH_MB:-64} $(GO) test -run '^$$' -bench . -benchtime 2x -timeout 20m ./...
	$(GO) build -o bin/duckbench ./cmd/duckbench
	./bin/duckbench -bin bin/duckstore -out bench/results $(BENCH_ARGS)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin
