// Package testkit is the test plumbing that every step's tests import, so that no lesson
// diff carries it: the engine under test, the rules for root and skipping, a sandbox per
// test with leak checks, and the runner of the transcripts in testdata/script.
//
// The kit needs no configuration per step. It reads the engine's usage (`contain help`)
// and uses what the engine has: with --root each sandbox gets a state root of its own and
// state left in it is a leak; with --cgroup-parent each sandbox gets a cgroup of its own
// and any group left below it is a leak; with --data-root each sandbox gets a data root of
// its own (data/ in the sandbox directory) and a layer or volume left in it is a leak; with
// `rm [-f]` the sandbox removes the containers that are left before checking. With
// `network create` (step 6) it also looks in its network namespace before deleting it: a
// user network left (data/networks/NAME.json), a veth (given five seconds: the kernel
// deletes a dead container's pair in the background), a user network's bridge (contain-*),
// and an nft rule of a container ("container ID") or of a user network ("network NAME")
// are leaks. The default network's bridge and rules go with the namespace; without nft,
// the rules are not checked.
//
// For the network tests, Sandbox.Outside gives a sandbox another machine: a network
// namespace NETNS-out, linked to the sandbox by a veth pair (192.0.2.1 on the sandbox's
// "uplink", 192.0.2.2 outside). A transcript has two more commands beside `contain`:
// `host CMD...` runs CMD on the host side, in the sandbox's namespace, and `outside CMD...`
// on the other machine, which every transcript of a network engine gets.
//
// Environment:
//
//	CONTAIN_BIN           the engine to test (default: built from the step's source)
//	CONTAIN_ROOTFS        the busybox rootfs with /bin/probe (default /var/lib/contain/rootfs)
//	CONTAIN_REQUIRE_ROOT  set (CI): a test that needs root fails instead of skipping
//	CONTAIN_NO_SKIP       set (the VM lane): every skip is a failure
//	CONTAIN_LANE          "vm" in the VM lane (set by tools/vm/test-lane.sh; informational)
//
// Names, so that a cleanup can tell a dead test process's leftovers from a live one's
// (PID is the test process's PID, SEQ counts the sandboxes of that process):
//
//	network namespace   contain-test-PID-SEQ      (ip netns)
//	another machine     contain-test-PID-SEQ-out  (ip netns, Sandbox.Outside)
//	cgroup              contain-test-PID-SEQ      (below the cgroup2 mount; the netns's name)
//	sandbox directory   $TMPDIR/contain-sandbox-PID-*   (the state root is its state/)
//	wrapper directory   $TMPDIR/contain-wrapper-PID-*   (the contain, host, outside scripts)
//	build directory     $TMPDIR/contain-test-bin-PID-*  (the engine built by go build)
package testkit
