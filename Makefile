# contain: a container engine built in eight steps.
# `make help` lists the targets. Run them as root on a Linux machine or VM.

GO      ?= go
# Static binaries start faster (no dynamic loader): the pure-Go resolver and user lookup
# (netgo, osusergo), and glibc linked in for the cgo of step 3 on. See docs/performance.md.
export GOFLAGS ?= -tags=netgo,osusergo -ldflags=-extldflags=-static
ROOTFS  ?= /var/lib/contain/rootfs
BUILD   ?= $(CURDIR)/build
STEPS   := $(sort $(wildcard step[0-9][0-9]-*))
LAST    := $(lastword $(STEPS))

# step3 -> step03-pid-mount
stepdir = $(firstword $(wildcard step$(shell printf %02d $(1))-*))

export CMD

.DEFAULT_GOAL := help
.PHONY: help build rootfs deps test test-host test-vm vm diff docs clean distclean bench

help: ## Show this help
	@echo 'Usage: make TARGET [VAR=value]'
	@echo
	@grep -hE '^[a-zA-Z0-9_%-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  %-14s %s\n", $$1, $$2}'
	@echo
	@echo 'Steps: $(STEPS)'

build: ## Build the contain binary of every step into build/bin/stepNN/
	@for s in $(STEPS); do \
		n=$${s%%-*}; mkdir -p $(BUILD)/bin/$$n; \
		(cd $$s && $(GO) build -o $(BUILD)/bin/$$n/contain .) || exit 1; \
	done

rootfs: $(ROOTFS)/bin/probe ## Build the busybox root filesystem (with the probe) in $(ROOTFS)

$(ROOTFS)/bin/probe: tools/mkrootfs.sh $(wildcard tools/probe/*.go)
	tools/mkrootfs.sh $(ROOTFS)

step%: rootfs ## make stepN: a shell in a step-N container; CMD='...' runs that instead
	@d=$(call stepdir,$*); test -n "$$d" || { echo "no step $*"; exit 2; }; \
	mkdir -p $(BUILD)/bin/$${d%%-*} && (cd $$d && $(GO) build -o $(BUILD)/bin/$${d%%-*}/contain .) && \
	bin=$(BUILD)/bin/$${d%%-*}/contain; rm=; \
	if $$bin run --help | grep -q -- --rm; then rm=--rm; fi; \
	if [ -n "$$CMD" ]; then exec $$bin run $$rm /bin/sh -c "$$CMD"; \
	else exec $$bin run $$rm /bin/sh; fi

deps: ## Install what the tests need (Debian/Ubuntu packages)
	tools/deps.sh

test: deps rootfs ## Run every test: both lanes (this machine, then a cgroup v2 VM)
	$(MAKE) test-host
	$(MAKE) test-vm

test-host: rootfs ## Run every test on this machine (no VM)
	tools/test-host.sh $(STEPS)

test-step%: rootfs ## make test-stepN: the tests of step N only, on this machine
	tools/test-host.sh $(call stepdir,$*)

test-vm: rootfs ## Run the tests of every step in a throwaway VM with cgroup v2
	tools/vm/test-lane.sh $(STEPS)

vm: rootfs ## A shell in a throwaway VM (distro kernel, cgroup v2, this machine's files)
	tools/vm/run.sh

diff: ## make diff N=K: the lesson of step K (the diff from step K-1), without go.mod/go.sum
	@test -n "$(N)" || { echo 'usage: make diff N=K'; exit 2; }
	@$(GO) run ./tools/lessons show $(N)

docs: ## Regenerate docs/diffs and the transcripts embedded in docs/
	$(GO) run ./tools/lessons write

bench: deps rootfs build ## Time `run /bin/true` for every step, runc and crun; write docs/performance.md
	tools/bench.sh $(STEPS)

clean: ## Remove what a crashed run left behind (mounts, processes, state) and build/
	tools/clean.sh
	rm -rf $(BUILD)

distclean: clean ## clean, and remove the root filesystem too
	rm -rf $(ROOTFS)
