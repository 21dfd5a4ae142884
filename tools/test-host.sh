#!/usr/bin/env bash
# test-host.sh STEPDIR...: the host lane. Checks formatting and vet, the lessons (diffs and
# transcripts in docs/), the tools' own tests and the test kit's, then every given step's
# tests on this machine. Prints one line per package and a closing count.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
GO=${GO:-go}

passed=0 failed=0
record() { # record NAME STATUS
	if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
	printf '%-28s %s\n' "$1" "$([ "$2" -eq 0 ] && echo PASS || echo FAIL)"
}

# Formatting noise would end up in every lesson diff: refuse it.
unformatted=$(gofmt -l step[0-9][0-9]-* tools)
[ -z "$unformatted" ] || { echo "not gofmt-formatted:"; echo "$unformatted"; }
record gofmt "$([ -z "$unformatted" ] && echo 0 || echo 1)"

# The committed lesson diffs and the transcripts shown in docs/ match the code.
status=0; $GO run ./tools/lessons check || status=$?
record lessons "$status"

status=0; (cd tools && $GO vet ./... && $GO test -count=1 ./...) || status=$?
record tools "$status"

# The test kit is a module of its own (the steps require it): tools/ does not reach it.
status=0; (cd tools/testkit && $GO vet ./... && $GO test -count=1 ./...) || status=$?
record tools/testkit "$status"

for step in "$@"; do
	status=0
	(cd "$step" && $GO vet ./... && $GO test -count=1 ${GOTESTFLAGS:-} ./...) || status=$?
	record "$step" "$status"
done

echo "host lane: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
