# ownaudit — build, test, demo.
# `make demo` runs the main job on the simulated example estate;
# `make test` runs everything CI runs.

GO              ?= go
BIN             := bin
STATICCHECK     := $(BIN)/staticcheck
STATICCHECK_VER := v0.8.2
FUZZTIME        ?= 5s
# make bench: the clouds, the size of each simulated estate, more flags.
BENCH_CLOUDS    ?= aws
BENCH_RESOURCES ?= 10000
BENCH_FLAGS     ?=

.PHONY: all build test unit fuzz fuzz-long lint demo bench gobench clean

all: build

build:
	$(GO) build -o $(BIN)/ownaudit ./cmd/ownaudit

# Unit, golden and end-to-end tests, a short fuzz run of each input
# reader (the declaration parser, the inventory decoder, the findings
# reader of diff and merge), then the linters.
test: unit fuzz lint

unit:
	$(GO) test -count=1 ./...

fuzz:
	$(GO) test ./declaration -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./inventory -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./report -run '^$$' -fuzz '^FuzzReadJSON$$' -fuzztime $(FUZZTIME)

# The same fuzz targets for longer: make fuzz-long FUZZTIME_LONG=30m.
FUZZTIME_LONG ?= 10m
fuzz-long:
	$(MAKE) fuzz FUZZTIME=$(FUZZTIME_LONG)

$(STATICCHECK):
	GOBIN=$(CURDIR)/$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VER)

lint: $(STATICCHECK)
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

# The demo estate has an instance Systems Manager has never assessed, so one
# finding cannot be evaluated: its scan is incomplete by design and exits 3.
demo: build
	$(BIN)/ownaudit scan --demo || [ $$? -eq 3 ]

# For each cloud of BENCH_CLOUDS (aws, azure, gcp, comma-separated),
# generate an estate of BENCH_RESOURCES resources in the simulator (an AWS
# organization, an Azure management group, a Google Cloud organization;
# 30 ms a request, token buckets like the provider's published limits),
# scan it with the built binary and print one JSON line of figures
# (docs/cloudsim.md, docs/performance.md). Not part of make test:
# 1,000,000 resources take minutes.
bench: build
	$(GO) run ./internal/bench -bin $(BIN)/ownaudit -clouds $(BENCH_CLOUDS) -resources $(BENCH_RESOURCES) $(BENCH_FLAGS)

# The Go benchmarks: time and allocations per resource of the evaluation,
# the sink and the writers.
gobench:
	$(GO) test -run '^$$' -bench . -benchmem ./rules ./scanners ./report

clean:
	rm -rf $(BIN) ownaudit-demo-findings.*
