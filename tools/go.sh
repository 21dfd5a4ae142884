#!/usr/bin/env bash
# go.sh [GO]: print the path of a Go toolchain that can build the steps (go 1.22 or newer,
# the go directive of their go.mod files), or say in one line what to install and exit 2.
#
# Without GO it tries, in order: go on PATH, /usr/local/go/bin/go (the upstream tarball),
# /usr/lib/go-1.NN/bin/go (Debian's and Ubuntu's versioned golang-1.NN-go packages, newest
# first). A distro's default go may be too old (Debian 12's golang-go is 1.19), so an old
# one is passed over, not taken. With GO (a path or a command name) only that one is tried.
# The Makefile calls this once, when a recipe first needs Go; deps.sh calls it to decide
# whether to install Go.
set -euo pipefail

want_major=1 want_minor=22
install='apt-get install -t bookworm-backports golang-1.22-go (Debian 12)'
install+=' or see https://go.dev/doc/install'

# ok GO: true if GO runs and reports go1.22 or newer. GOTOOLCHAIN=local: an older go must
# not go and download a newer toolchain to answer (that needs the internet, and hides what
# is installed). From /: the repository's go.work must not decide the answer either.
ok() {
	local v major minor
	v=$(cd / && GOTOOLCHAIN=local "$1" env GOVERSION 2>/dev/null) || return 1
	# go1.22.5, go1.23rc1, or "devel go1.24-abcdef ..." for a toolchain built from source.
	v=${v#devel }
	[[ $v =~ ^go([0-9]+)\.([0-9]+) ]] || return 1
	major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
	((major > want_major || (major == want_major && minor >= want_minor)))
}

if [[ $# -gt 0 && -n $1 ]]; then
	# An explicit choice is not second-guessed: if it does not do, say so.
	if go=$(command -v -- "$1") && ok "$go"; then
		echo "$go"
		exit 0
	fi
	echo "Go 1.22 or newer is needed (GO=$1 is not): $install" >&2
	exit 2
fi

candidates=()
if go=$(command -v go); then candidates+=("$go"); fi
candidates+=(/usr/local/go/bin/go)
# sort -V: go-1.9 before go-1.22; -r: the newest first.
while IFS= read -r go; do
	candidates+=("$go")
done < <(compgen -G '/usr/lib/go-1.*/bin/go' | sort -rV)

for go in "${candidates[@]}"; do
	if [[ -x $go ]] && ok "$go"; then
		echo "$go"
		exit 0
	fi
done
echo "Go 1.22 or newer is needed: $install" >&2
exit 2
