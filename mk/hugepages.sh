#!/bin/sh
# Reserve 2 MiB hugepages and mount hugetlbfs, like DPDK's
# dpdk-hugepages.py --setup. Usage: hugepages.sh PAGES (0 gives pages back;
# the mount stays). Where the kernel or a container will not cooperate we
# warn and exit 0, so CI carries on in 4 KiB mode.
set -eu

pages=${1:-512}
nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages

case $pages in
''|*[!0-9]*) echo "hugepages: PAGES must be a number, got '$pages'" >&2; exit 1 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
	echo "hugepages: must be root; run: sudo make hugepages PAGES=$pages" >&2
	exit 1
fi

show() { grep -E '^HugePages_(Total|Free):' /proc/meminfo | tr -s ' ' | paste -sd ' ' -; }

if [ ! -e "$nr" ]; then
	echo "hugepages: $nr does not exist (no 2 MiB hugepage support); continuing in 4 KiB mode"
	exit 0
fi
if ! err=$( (echo "$pages" >"$nr") 2>&1 ); then
	echo "hugepages: cannot write $nr: ${err##*: } (read-only sysfs, e.g. in a container); continuing in 4 KiB mode"
	exit 0
fi
got=$(cat "$nr")
echo "hugepages: set $nr to $pages, kernel now holds $got"
if [ "$got" -lt "$pages" ]; then
	echo "hugepages: warning: only $got of $pages pages (memory fragmented or too small)"
elif [ "$got" -gt "$pages" ]; then
	echo "hugepages: warning: $got pages kept, some are still in use"
fi

if [ "$pages" -gt 0 ] && ! awk '$3 == "hugetlbfs" { f = 1 } END { exit !f }' /proc/mounts; then
	mkdir -p /dev/hugepages
	if mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null; then
		echo "hugepages: mounted hugetlbfs on /dev/hugepages"
	else
		echo "hugepages: cannot mount hugetlbfs on /dev/hugepages; continuing in 4 KiB mode"
	fi
fi
echo "hugepages: $(show)"
