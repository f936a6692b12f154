#!/bin/sh
# Check the Debian packages memplane builds and tests with; install the
# missing ones when we are root, otherwise say exactly what to run.
set -eu

PKGS="libnuma-dev libbsd-dev liblz4-dev libcunit1-dev valgrind"

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps: not a Debian system; make sure these (or their equivalents) are installed: $PKGS" >&2
	exit 0
fi

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done

if [ -z "$missing" ]; then
	echo "deps: ok ($PKGS)"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing" >&2
	echo "deps: not root, so not installing them; run this, then retry:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi

echo "deps: installing$missing"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y $missing
