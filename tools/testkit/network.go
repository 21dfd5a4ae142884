package testkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// From step 6 on, the engine wires containers up in the sandbox's network namespace: a
// bridge per network (contain0 for the default one, contain-ID for a user network), a veth
// pair per container (the end outside the container is "veth" and 11 characters of its
// ID), and nftables rules with a comment that names their owner ("container ID", "network
// NAME"). Deleting the namespace deletes all of them, so a leak would never show: the
// sandbox looks before it deletes. After rm -f of every container and network rm of every
// user network, what may remain is the default network (its bridge contain0 and its rules
// "network bridge") and the kit's own uplink (outside.go).

// defaultNetwork is the engine's built-in network: it has no file, and its bridge and
// rules stay until the namespace goes.
const defaultNetwork = "bridge"

// vethWait is how long a veth pair may outlive its container: when a container's last
// process ends, the kernel deletes its namespace, and the pair with it, in the background.
const vethWait = 5 * time.Second

// networkLeaks reports the networks, bridges, veth pairs and nft rules that the engine
// left in the sandbox.
func (sb *Sandbox) networkLeaks() []string {
	leaks, left := networksLeft(sb.Data)
	var veths []string
	for deadline := time.Now().Add(vethWait); ; time.Sleep(50 * time.Millisecond) {
		var err error
		veths, err = links(sb.Netns, "veth")
		if err != nil {
			leaks = append(leaks, "leak check: "+err.Error())
		}
		if len(veths) == 0 || err != nil || time.Now().After(deadline) {
			break
		}
	}
	for _, name := range veths {
		leaks = append(leaks, fmt.Sprintf("leak: veth left: %s (still there after %s)",
			name, vethWait))
	}
	bridges, err := links(sb.Netns, "bridge")
	if err != nil {
		leaks = append(leaks, "leak check: "+err.Error())
	}
	leaks = append(leaks, bridgeLeaks(bridges, left)...)
	ruleset, err := nftRuleset(sb.Netns)
	if err != nil {
		leaks = append(leaks, "leak check: "+err.Error())
	}
	return append(leaks, ruleLeaks(ruleset, left)...)
}

// bridgeLeaks reports the bridges of user networks (contain-ID) but those of the networks
// left (by name, their bridges), already reported.
func bridgeLeaks(bridges []string, left map[string]string) []string {
	explained := map[string]bool{}
	for _, br := range left {
		explained[br] = true
	}
	var leaks []string
	for _, name := range bridges {
		if strings.HasPrefix(name, "contain-") && !explained[name] {
			leaks = append(leaks, "leak: bridge left: "+name)
		}
	}
	return leaks
}

// ruleLeaks reports the rules of a ruleset that belong to a container (all of them are
// removed by now) or to a user network that is not left (network rm left its rules).
func ruleLeaks(ruleset string, left map[string]string) []string {
	var leaks []string
	for _, r := range nftRules(ruleset) {
		owner, name, _ := strings.Cut(r.comment, " ")
		_, isLeft := left[name]
		if owner == "container" || owner == "network" && name != defaultNetwork && !isLeft {
			leaks = append(leaks, fmt.Sprintf("leak: nft rule left in %s: %s", r.where, r.rule))
		}
	}
	return leaks
}

// networksLeft reports the user networks recorded in the data root DATA (DATA/networks/
// NAME.json), and returns their bridges by name ("" if unknown): a network that is left
// explains its bridge and its rules.
func networksLeft(data string) ([]string, map[string]string) {
	left := map[string]string{}
	if data == "" {
		return nil, left
	}
	var leaks []string
	files, _ := filepath.Glob(filepath.Join(data, "networks", "*.json"))
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		leaks = append(leaks, fmt.Sprintf("leak: network left: %s "+
			"(a test removes the networks it creates: contain network rm %[1]s)", name))
		var n struct {
			Bridge string `json:"bridge"`
		}
		raw, _ := os.ReadFile(f)
		_ = json.Unmarshal(raw, &n)
		left[name] = n.Bridge
	}
	return leaks, left
}

// links lists the interfaces of a type in a network namespace, but the kit's own uplink
// (shell: ip -n NETNS -o link show type TYPE).
func links(netns, kind string) ([]string, error) {
	out, err := exec.Command("ip", "-n", netns, "-o", "link", "show", "type", kind).
		CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("ip -n %s link show type %s: %v: %s", netns, kind, err, out)
	}
	var names []string
	for _, name := range linkNames(string(out)) {
		if name != uplink {
			names = append(names, name)
		}
	}
	return names, nil
}

// linkNames reads the names of `ip -o link` output, one link a line:
//
//	3: veth00041a063ad@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ...
//
// A veth's name is followed by its peer's ("@if2", "@eth0", "@NONE"): that part goes.
func linkNames(out string) []string {
	var names []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.HasSuffix(f[0], ":") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
		names = append(names, name)
	}
	return names
}

// nftRuleset lists the rules of a network namespace (shell: ip netns exec NETNS nft list
// ruleset). Without nft there is nothing to read them with: "" (tools/deps.sh installs it).
func nftRuleset(netns string) (string, error) {
	if _, err := exec.LookPath("nft"); errors.Is(err, exec.ErrNotFound) {
		return "", nil
	}
	out, err := exec.Command("ip", "netns", "exec", netns, "nft", "list", "ruleset").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%v: %s", err, ee.Stderr)
		}
		return "", fmt.Errorf("ip netns exec %s nft list ruleset: %v", netns, err)
	}
	return string(out), nil
}

// An nftRule is a rule with a comment, as `nft list ruleset` prints it.
type nftRule struct {
	where   string // "table ip contain, chain ports"
	rule    string // the rule's line, `tcp dport 8080 dnat to 10.88.0.2:80 comment "..."`
	comment string // "container 0004..."
}

var (
	commentRE = regexp.MustCompile(`(?:^|\s)comment "([^"]*)"`)
	quotedRE  = regexp.MustCompile(`"[^"]*"`)
)

// nftRules reads the rules that carry a comment from `nft list ruleset` output:
//
//	table ip contain {                                 depth 0
//		chain ports {                                  depth 1
//			tcp dport 8080 dnat to 10.88.0.2:80 comment "container 0004..."
//		}
//		set seen { ... }                               depth 1: no rules in it
//	}
//
// A rule may hold braces of its own (`tcp dport { 80, 443 }`): they open and close on its
// line. Braces in quotes do not count.
func nftRules(ruleset string) []nftRule {
	var rules []nftRule
	var table, chain string
	depth := 0
	for _, line := range strings.Split(ruleset, "\n") {
		line = strings.TrimSpace(line)
		bare := quotedRE.ReplaceAllString(line, `""`)
		opens, closes := strings.Count(bare, "{"), strings.Count(bare, "}")
		switch {
		case depth == 0 && strings.HasPrefix(line, "table "):
			table = strings.TrimSpace(strings.TrimSuffix(line, "{"))
		case depth == 1 && strings.HasPrefix(line, "chain "):
			chain = strings.TrimSpace(strings.TrimSuffix(line, "{"))
		case depth == 1:
			chain = "" // a set, a map, a flowtable
		case depth == 2 && chain != "":
			if m := commentRE.FindStringSubmatch(line); m != nil {
				rules = append(rules, nftRule{where: table + ", " + chain, rule: line,
					comment: m[1]})
			}
		}
		depth += opens - closes
	}
	return rules
}
