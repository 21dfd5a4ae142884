# contain: a container engine built in eight steps.
# `make help` lists the targets. Run them as root on a Linux machine or VM.

# Go 1.22 or newer. GO=/path/to/go picks one; otherwise tools/go.sh looks for one (go on
# PATH, /usr/local/go, Debian's /usr/lib/go-1.NN) when a recipe first needs it, so that
# help and clean work without Go, and make test can install it before it is needed.
GO      ?=
# Static binaries start faster (no dynamic loader): the pure-Go resolver and user lookup
# (netgo, osusergo), and glibc linked in for the cgo of step 3 on. See docs/performance.md.
export GOFLAGS ?= -tags=netgo,osusergo -ldflags=-extldflags=-static
ROOTFS  ?= /var/lib/contain/rootfs
# The engine's state root, cgroup parent and data root (its --root, --cgroup-parent and
# --data-root, from steps 3, 4 and 5): make stepN runs its containers there, make clean
# cleans there.
STATE_ROOT    ?= /run/contain
CGROUP_PARENT ?= contain
DATA_ROOT     ?= /var/lib/contain
BUILD   ?= $(CURDIR)/build
# Package groups of tools/deps.sh: make test installs TEST_DEPS, make deps DEPS. Images
# (skopeo, umoci, docker-registry) only once a step has them (step 7 on).
TEST_DEPS := host vm $(if $(wildcard step0[7-9]-* step[1-9][0-9]-*),images)
DEPS    ?= $(TEST_DEPS)
STEPS   := $(sort $(wildcard step[0-9][0-9]-*))
LAST    := $(lastword $(STEPS))

# step3 -> step03-pid-mount
stepdir = $(firstword $(wildcard step$(shell printf %02d $(1))-*))

# $(go): the go command, looked up once. When there is none, make stops with go.sh's one
# line saying what to install (and exit status 2).
go = $(eval go := $(shell tools/go.sh $(GO) 2>&1))$(if $(filter /%,$(go)),$(go),$(error $(go)))
# $(withgo) CMD: CMD with that go as $GO and first on PATH (for gofmt, and for tests that
# run `go build` themselves).
withgo = GO='$(go)' PATH='$(dir $(go))':"$$PATH"

# CMD exactly as typed: make would expand it when exporting it (`$$` to `$`, `$HOME` to
# $(H)OME). The recipe reads it from the environment, so quotes in it reach the shell too.
override CMD := $(value CMD)
export CMD

.DEFAULT_GOAL := help
.PHONY: help build rootfs deps test test-host test-vm vm diff docs clean distclean bench

help: ## Show this help
	@echo 'Usage: make TARGET [VAR=value]'
	@echo
	@awk -F ':.*## ' '/^[a-zA-Z0-9_%-]+:.*## / { printf "  %-14s %s\n", $$1, $$2; next } \
		/^##  / { printf "  %-14s %s\n", "", substr($$0, 5) }' $(MAKEFILE_LIST)
	@echo
	@echo 'Steps: $(STEPS)'
	@echo 'Variables: ROOTFS=$(ROOTFS) STATE_ROOT=$(STATE_ROOT) CGROUP_PARENT=$(CGROUP_PARENT)'
	@echo '           DATA_ROOT=$(DATA_ROOT)'
	@echo '  BUILD=$(BUILD) GO=$(or $(GO),(found by tools/go.sh)) CMD DEPS N PART CODE FILE STAT'

build: ## Build the contain binary of every step into build/bin/stepNN/
	@for s in $(STEPS); do \
		n=$${s%%-*}; mkdir -p $(BUILD)/bin/$$n; \
		(cd $$s && $(go) build -o $(BUILD)/bin/$$n/contain .) || exit 1; \
	done

rootfs: $(ROOTFS)/bin/probe ## Build the busybox root filesystem (with the probe) in ROOTFS

$(ROOTFS)/bin/probe: tools/mkrootfs.sh $(wildcard tools/probe/*.go)
	$(withgo) tools/mkrootfs.sh $(ROOTFS)

# The engine's global flags exist from step 3 (--root), step 4 (--cgroup-parent) and step 5
# (--data-root), and run --rm from step 3: pass each to the steps that have it.
step%: rootfs ## make stepN: a shell in a step-N container; CMD='...' runs that instead
##  (CMD goes to the container's sh -c untouched: CMD='echo $$ $HOME')
	@d=$(call stepdir,$*); test -n "$$d" || { echo "make: no step $*" >&2; exit 2; }; \
	bin=$(BUILD)/bin/$${d%%-*}/contain; mkdir -p $(BUILD)/bin/$${d%%-*}; \
	(cd $$d && $(go) build -o $$bin .) || exit; \
	usage=$$($$bin --help 2>&1) || true; global=; rm=; \
	case $$usage in *--root*) global="--root $(STATE_ROOT)";; esac; \
	case $$usage in *--cgroup-parent*) global="$$global --cgroup-parent $(CGROUP_PARENT)";; esac; \
	case $$usage in *--data-root*) global="$$global --data-root $(DATA_ROOT)";; esac; \
	case $$($$bin run --help 2>&1) in *--rm*) rm=--rm;; esac; \
	if [ -n "$$CMD" ]; then exec $$bin $$global run $$rm --rootfs $(ROOTFS) /bin/sh -c "$$CMD"; \
	else exec $$bin $$global run $$rm --rootfs $(ROOTFS) /bin/sh; fi

deps: ## Install the Debian/Ubuntu packages the tests need (tools/deps.sh host vm)
##  DEPS='host bench': other groups (host vm bench images; images from step 7)
	tools/deps.sh $(DEPS)

# Packages first: the static build needs libc6-dev, the VM lane qemu and a kernel.
test: ## make deps, then every test in both lanes: this machine, then a cgroup v2 VM
	tools/deps.sh $(TEST_DEPS)
	$(MAKE) test-host
	$(MAKE) test-vm

test-host: rootfs ## Run every test on this machine (no VM)
	$(withgo) tools/test-host.sh $(STEPS)

test-step%: rootfs ## make test-stepN: the tests of step N only, on this machine
	$(withgo) tools/test-host.sh $(call stepdir,$*)

test-vm: rootfs ## Run the tests of every step in a throwaway VM with cgroup v2
	$(withgo) tools/vm/test-lane.sh $(STEPS)

vm: rootfs ## A shell in a throwaway VM (distro kernel, cgroup v2, this machine's files)
	tools/vm/run.sh

diff: ## make diff N=K: the lesson of step K, the diff from step K-1 (no go.mod/go.sum)
##  make diff N=K PART=P CODE=1 FILE=name.go STAT=1: PART=P one part of the
##  lesson, CODE=1 without the tests, FILE=name.go one file, STAT=1 a table
	@test -n "$(N)" || \
		{ echo 'usage: make diff N=K [PART=P] [CODE=1] [FILE=name.go] [STAT=1]'; exit 2; }
	@$(go) run ./tools/lessons show $(if $(PART),--part $(PART)) $(if $(CODE),--code) \
		$(if $(FILE),--file $(FILE)) $(if $(STAT),--stat) $(N)

docs: ## Regenerate docs/diffs and the transcripts embedded in docs/
	$(go) run ./tools/lessons write

bench: ## Time `run /bin/true` for every step, runc and crun; write docs/performance.md
##  (step 6 on: also the bridge, -p and iperf3, in a network namespace of its own)
	tools/deps.sh host bench
	$(MAKE) rootfs build
	$(withgo) tools/bench.sh $(STEPS)

clean: ## Remove build/ and what crashed runs left, only what is recorded as theirs:
##  every container recorded in STATE_ROOT, running or not (its PID killed only
##  if /proc/PID/stat has the recorded start time, its recorded cgroup removed
##  only if below <cgroup2 mount>/CGROUP_PARENT/, its layer DATA_ROOT/containers/ID
##  removed), mounts below ROOTFS, and a
##  test run's leftovers, named after its PID (netns and cgroup
##  contain-test-PID-N, /tmp/contain-sandbox-PID-*, /tmp/contain-wrapper-PID-*,
##  /tmp/contain-test-bin-PID-*, /tmp/contain-bench-PID-*), only once process PID is gone
	tools/clean.sh --root $(STATE_ROOT) --cgroup-parent $(CGROUP_PARENT) --rootfs $(ROOTFS) \
		--data-root $(DATA_ROOT)
	rm -rf $(BUILD)

distclean: clean ## clean, and remove the root filesystem too
	rm -rf $(ROOTFS)
