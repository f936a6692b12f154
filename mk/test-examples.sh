#!/bin/sh
# Run every example as its header says and check it ends as it promises:
# exit status 0 and a last line saying that every check passed. Nothing
# may be left in the runtime directory or in hugetlbfs afterwards.
# Usage: test-examples.sh build/examples/*
set -u
rundir=/var/run/memplane
[ "$(id -u)" = 0 ] || rundir="${XDG_RUNTIME_DIR:-/tmp}/memplane"
for ex in "$@"; do
	name=$(basename "$ex")
	before=$(ls "$rundir" 2>/dev/null | wc -l)
	out=$(timeout 60 "$ex" 2>&1)
	rc=$?
	last=$(printf '%s\n' "$out" | tail -n 1)
	after=$(ls "$rundir" 2>/dev/null | wc -l)
	if [ $rc -ne 0 ] || ! printf '%s' "$last" | grep -q "checks passed\|check passed"; then
		printf '%s\n' "$out" >&2
		echo "FAILED: example $name (exit $rc, last line: $last)" >&2
		exit 1
	fi
	if [ "$after" -gt "$before" ]; then
		echo "FAILED: example $name left a group behind in $rundir" >&2
		exit 1
	fi
	echo "example $name: ok ($last)"
done
