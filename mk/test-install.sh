#!/bin/sh
# Install into a temp prefix and build a program against it as a user would:
# through pkg-config, once with the shared library and once statically.
# Also check that the .so exports nothing but the public API.
# Env: MAKE (the calling make), SAN (sanitizer flags the library was built with).
set -eu

MAKE=${MAKE:-make}
SAN=${SAN:-}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "install check: FAILED: $*" >&2; exit 1; }

$MAKE --no-print-directory install PREFIX="$tmp" DESTDIR= >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log" >&2; fail "make install"; }

cat >"$tmp/prog.c" <<'C'
#include <stdio.h>
#include <rte_errno.h>
#include <rte_fbarray.h>

int
main(void)
{
	struct rte_fbarray a;

	if (rte_fbarray_init(&a, "pc", 100, 8) != 0) {
		fprintf(stderr, "init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (rte_fbarray_set_used(&a, 3) != 0)
		return 2;
	if (rte_fbarray_find_next_used(&a, 0) != 3)
		return 3;
	if (rte_fbarray_destroy(&a) != 0)
		return 4;
	return 0;
}
C

export PKG_CONFIG_PATH="$tmp/lib/pkgconfig"
cflags=$(pkg-config --cflags memplane) || fail "pkg-config memplane"
libs=$(pkg-config --libs memplane)
# Force the archive for -lmemplane only; libc and friends stay shared.
slibs=$(pkg-config --static --libs memplane |
	sed 's/-lmemplane/-Wl,-Bstatic -lmemplane -Wl,-Bdynamic/')

cc $SAN -o "$tmp/prog_shared" "$tmp/prog.c" $cflags $libs || fail "build (shared)"
cc $SAN -o "$tmp/prog_static" "$tmp/prog.c" $cflags $slibs || fail "build (static)"

readelf -d "$tmp/prog_shared" | grep -q 'NEEDED.*libmemplane.so.0' ||
	fail "prog_shared does not link libmemplane.so.0"
! readelf -d "$tmp/prog_static" | grep -q 'NEEDED.*libmemplane' ||
	fail "prog_static still needs libmemplane.so"

(cd "$tmp" && LD_LIBRARY_PATH="$tmp/lib" ./prog_shared) || fail "prog_shared exited $?"
(cd "$tmp" && ./prog_static) || fail "prog_static exited $?"

bad=$(nm -D --defined-only "$tmp/lib/libmemplane.so" | awk '{ print $NF }' |
	sed 's/@.*//' | grep -Ev '^(rte_|per_lcore_)' |
	grep -Evx '_init|_fini|_edata|_end|__bss_start' || true)
[ -z "$bad" ] || fail "libmemplane.so exports non-API symbols:" $bad

echo "install check: ok"
