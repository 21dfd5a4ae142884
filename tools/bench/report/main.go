// Command report is the part of `make bench` (tools/bench.sh) that is easier in Go than in
// bash: it edits the OCI bundle that runc and crun run, and it turns hyperfine's results
// into the table that bench.sh prints and writes into docs/performance.md.
//
//	report bundle CONFIG ROOTFS CMD   # make the config.json of `runc spec` run CMD in ROOTFS
//	report table [-base ID] [-floor ID] [-cmd NAME] DIR DOC
//	        # print the table of DIR's results; rewrite DOC's generated section with it
//	        # (DOC "-": print only)
//
// DIR holds what bench.sh measured:
//
//	rows.tsv        one line per row, in table order: ID, name, what it isolates
//	meta.tsv        one line per fact about the run: key, value (machine, versions, ...)
//	rounds/*.json   hyperfine's --export-json of each round; a command's name is its row ID
//	peak/ID.txt     the output of tools/bench/peak.c for one run of the row
//	skipped.tsv     the rows that could not run: name, why
//	diffs.tsv       (from step 6) what a row adds to another: label, from ID, to ID, budget
//	throughput.tsv  (from step 6) label, glob of iperf3 -J outputs (network.go)
package main

import (
	"fmt"
	"os"
)

const usage = `usage: report bundle CONFIG ROOTFS CMD
       report table [-base ID] [-floor ID] [-cmd NAME] DIR DOC`

func main() {
	args := os.Args[1:]
	var err error
	switch {
	case len(args) == 4 && args[0] == "bundle":
		err = editBundle(args[1], args[2], args[3])
	case len(args) > 0 && args[0] == "table":
		err = writeTable(args[1:], os.Stdout)
	default:
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "report: %v\n", err)
		os.Exit(1)
	}
}
