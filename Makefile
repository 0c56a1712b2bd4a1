# The two commands a newcomer needs: `make run` and `make test`.
# Everything else is for developers and CI.

GO          ?= go
BIN         := bin/delphi
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZEXECS   ?= 100000x
# The API target goes through HTTP and the database: ~700 inputs/s.
FUZZAPIEXECS ?= 20000x

# make run keeps its data in ./data unless DELPHI_DATABASE_URL says otherwise.
export DELPHI_DATABASE_URL ?= sqlite:./data/delphi.db

.PHONY: run test check build bench fuzz clean

## run: build, migrate the database, load the demo study once, and serve.
run: build
	./$(BIN) migrate
	./$(BIN) demo
	./$(BIN) serve

## test: all tests; PostgreSQL too when DELPHI_TEST_POSTGRES_URL is set.
test:
	$(GO) test -count=1 -timeout 20m ./...

## check: formatting, vet, staticcheck, race-enabled tests, short fuzzing.
check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	$(GO) test -race -count=1 -timeout 30m ./...
	$(MAKE) fuzz

## fuzz: run every fuzz target briefly. Counts of executions rather than
## durations: go1.26 can fail spuriously when -fuzztime runs out
## (golang/go#75804).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZEXECS) -fuzzminimizetime 2s ./internal/panelcsv/
	$(GO) test -run '^$$' -fuzz '^FuzzReadRatings$$' -fuzztime $(FUZZEXECS) -fuzzminimizetime 2s ./internal/report/
	$(GO) test -run '^$$' -fuzz '^FuzzStudyInput$$' -fuzztime $(FUZZEXECS) -fuzzminimizetime 2s ./internal/web/
	$(GO) test -run '^$$' -fuzz '^FuzzAnswer$$' -fuzztime $(FUZZEXECS) -fuzzminimizetime 2s ./internal/web/
	$(GO) test -run '^$$' -fuzz '^FuzzAPIBodies$$' -fuzztime $(FUZZAPIEXECS) -fuzzminimizetime 2s ./internal/web/

## build: one static binary, no cgo.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o $(BIN) ./server

## bench: Go benchmarks, the analysis comparison with pandas/scipy, the
## load test, and 10,000 invitations through an SMTP outage (PostgreSQL).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
	sh testdata/bench/compare.sh
	$(GO) run ./testdata/loadtest -panelists 100 -duration 5s
	DELPHI_TEST_OUTAGE_EXPERTS=10000 $(GO) test -count=1 -run '^TestSMTPOutageTwoInstances$$' -v -timeout 20m ./internal/web/

clean:
	rm -rf bin
