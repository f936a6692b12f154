/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Hugepage and NUMA discovery (see mem_discover.h), DPDK's
 * eal_hugepage_info.c without its state. Three sources, read in this order:
 * - <sysfs>/kernel/mm/hugepages/hugepages-<N>kB: the sizes, kept sorted and
 *   bounded while the directory is read; then each size's free_hugepages,
 *   globally and under <sysfs>/devices/system/node/nodeN/hugepages/;
 * - <meminfo> "Hugepagesize:": the size of a hugetlbfs mount that has no
 *   pagesize= option;
 * - <mounts>: the hugetlbfs mount of each size, --huge-dir first.
 * Files are opened through os_prim so tests can fail the Nth open. Counters
 * must be well-formed (-EINVAL otherwise); lines of the text files that do
 * not parse are someone else's and are skipped.
 *
 * The NUMA half asks libnuma. mem_numa_prefer()/mem_numa_restore() change
 * the calling thread's memory policy only; nothing here affects another
 * thread or process.
 */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <numa.h>
#include <numaif.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_log.h>

#include "common/os_prim.h"
#include "runtime/mem/mem_discover.h"

#define HP_DIR "kernel/mm/hugepages"
#define NODE_DIR "devices/system/node"
#define HP_PREFIX "hugepages-"
#define LONG_BITS (8 * sizeof(unsigned long))

const struct mem_discover_paths mem_discover_default_paths = {
	.sysfs = "/sys",
	.mounts = "/proc/mounts",
	.meminfo = "/proc/meminfo",
};

/* ---- parsing ---- */

/* snprintf into a PATH_MAX buffer: 0, or -ENAMETOOLONG when cut. */
static int __rte_format_printf(2, 3)
path_fmt(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	return n >= 0 && n < PATH_MAX ? 0 : -ENAMETOOLONG;
}

/* Decimal digits at s into *v, *end after them. 0, or -EINVAL. */
static int
parse_u64(const char *s, char **end, uint64_t *v)
{
	unsigned long long x;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	x = strtoull(s, end, 10);
	if (errno != 0)
		return -EINVAL;
	*v = x;
	return 0;
}

/* A sysfs counter: an unsigned int, then at most a '\n'. 0 or -EINVAL. */
static int
parse_count(const char *s, unsigned int *v)
{
	uint64_t x;
	char *end;

	if (parse_u64(s, &end, &x) < 0 || x > UINT_MAX)
		return -EINVAL;
	if (*end == '\n')
		end++;
	if (*end != '\0')
		return -EINVAL;
	*v = (unsigned int)x;
	return 0;
}

/* kB (from "<kb>kB" or "<kb> kB") into bytes; -EINVAL on 0 or overflow. */
static int
kb_to_bytes(uint64_t kb, uint64_t *sz)
{
	if (kb == 0 || kb > UINT64_MAX >> 10)
		return -EINVAL;
	*sz = kb << 10;
	return 0;
}

/* "hugepages-<N>kB" into N KiB in bytes. 0, or -EINVAL for other names. */
static int
parse_size_name(const char *name, uint64_t *sz)
{
	uint64_t kb;
	char *end;

	if (strncmp(name, HP_PREFIX, strlen(HP_PREFIX)) != 0 ||
	    parse_u64(name + strlen(HP_PREFIX), &end, &kb) < 0 ||
	    strcmp(end, "kB") != 0)
		return -EINVAL;
	return kb_to_bytes(kb, sz);
}

/* A pagesize= value as the kernel writes it: digits, then K, M, G or nothing. */
static int
parse_mem_size(const char *s, uint64_t *sz)
{
	static const char units[] = "KMG";
	const char *unit;
	unsigned int shift = 0;
	uint64_t v;
	char *end;

	if (parse_u64(s, &end, &v) < 0 || v == 0)
		return -EINVAL;
	if (*end != '\0') {
		unit = strchr(units, toupper((unsigned char)*end));
		if (unit == NULL || end[1] != '\0')
			return -EINVAL;
		shift = 10 * (unsigned int)(unit - units + 1);
	}
	if (v > UINT64_MAX >> shift)
		return -EINVAL;
	*sz = v << shift;
	return 0;
}

/* Whether s starts with one octal escape \ooo of /proc/mounts. */
static bool
is_escape(const char *s)
{
	return s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7';
}

/* Undo the kernel's \ooo escapes (space, tab, newline, '\') into out. */
static int
unescape(const char *s, char *out, size_t sz)
{
	size_t n = 0;

	for (; *s != '\0'; n++) {
		if (n + 1 >= sz)
			return -ENAMETOOLONG;
		if (is_escape(s)) {
			out[n] = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 4;
		} else {
			out[n] = *s++;
		}
	}
	out[n] = '\0';
	return 0;
}

/* The pagesize= option of a comma list (which it cuts up): 0, -ENOENT
 * when there is none, -EINVAL when malformed. */
static int
opt_page_size(char *opts, uint64_t *sz)
{
	char *save, *o;

	for (o = strtok_r(opts, ",", &save); o != NULL; o = strtok_r(NULL, ",", &save))
		if (strncmp(o, "pagesize=", 9) == 0)
			return parse_mem_size(o + 9, sz);
	return -ENOENT;
}

struct mount_line {
	char point[PATH_MAX];
	uint64_t page_sz;
};

/*
 * One line of /proc/mounts (cut up in place) into m: 0 when it is a
 * hugetlbfs mount of a known size, -EINVAL otherwise. def_sz is the size
 * of a mount without pagesize=, 0 if unknown.
 */
static int
parse_mount(char *line, uint64_t def_sz, struct mount_line *m)
{
	static const char ws[] = " \t\n";
	char *save, *point, *type, *opts;
	int ret;

	if (strtok_r(line, ws, &save) == NULL)
		return -EINVAL;
	point = strtok_r(NULL, ws, &save);
	type = strtok_r(NULL, ws, &save);
	opts = strtok_r(NULL, ws, &save);
	if (opts == NULL || strcmp(type, "hugetlbfs") != 0)
		return -EINVAL;
	ret = unescape(point, m->point, sizeof(m->point));
	if (ret == 0)
		ret = opt_page_size(opts, &m->page_sz);
	if (ret == -ENOENT) {
		m->page_sz = def_sz;
		ret = def_sz != 0 ? 0 : -EINVAL;
	}
	if (ret < 0)
		RTE_LOG(DEBUG, EAL, "hugepage discovery: skipping hugetlbfs mount %s: size unknown or path too long\n",
			point);
	return ret;
}

/* ---- reading ---- */

/* Read the counter file at path into *v. 0, -EINVAL when malformed
 * (logged), or -errno (-ENOENT: no such file). */
static int
read_count(const char *path, unsigned int *v)
{
	char buf[32];
	ssize_t n;
	int fd, ret;

	fd = os_prim.open(path, O_RDONLY, 0);
	if (fd < 0)
		return -errno;
	do {
		n = read(fd, buf, sizeof(buf) - 1);
	} while (n < 0 && errno == EINTR);
	ret = n < 0 ? -errno : 0;
	os_prim.close(fd);
	if (ret < 0)
		return ret;
	buf[n] = '\0';
	ret = parse_count(buf, v);
	if (ret < 0)
		RTE_LOG(ERR, EAL, "hugepage discovery: %s does not hold a page count\n", path);
	return ret;
}

/* Open path for reading lines. 0 or -errno; *f is NULL on failure. */
static int
open_stream(const char *path, FILE **f)
{
	int fd, ret;

	*f = NULL;
	fd = os_prim.open(path, O_RDONLY, 0);
	if (fd < 0)
		return -errno;
	*f = fdopen(fd, "r");
	if (*f != NULL)
		return 0;
	ret = -errno;
	os_prim.close(fd);
	return ret;
}

/* Free pages of the size kb on node, into *v. 1 when the node has them,
 * 0 when it has no such file (*v = 0), or -errno. */
static int
read_node_free(const char *sysfs, unsigned int node, uint64_t kb, unsigned int *v)
{
	char path[PATH_MAX];
	int ret;

	*v = 0;
	ret = path_fmt(path, "%s/" NODE_DIR "/node%u/hugepages/" HP_PREFIX "%" PRIu64 "kB/free_hugepages",
			sysfs, node, kb);
	if (ret == 0)
		ret = read_count(path, v);
	if (ret == -ENOENT)
		return 0;
	return ret < 0 ? ret : 1;
}

/* The free counts of t (whose page_sz is set). 0 or -errno. */
static int
read_free(const char *sysfs, struct mem_page_type *t)
{
	uint64_t kb = t->page_sz >> 10;
	char path[PATH_MAX];
	bool per_node = false;
	unsigned int node;
	int ret;

	ret = path_fmt(path, "%s/" HP_DIR "/" HP_PREFIX "%" PRIu64 "kB/free_hugepages", sysfs, kb);
	if (ret == 0)
		ret = read_count(path, &t->n_free_total);
	for (node = 0; ret >= 0 && node < EAL_MAX_NUMA_NODES; node++) {
		ret = read_node_free(sysfs, node, kb, &t->n_free[node]);
		per_node = per_node || ret == 1;
	}
	if (ret >= 0 && !per_node)
		t->n_free[0] = t->n_free_total;
	return ret < 0 ? ret : 0;
}

/*
 * Put a zeroed type of size sz into types[0..n-1], sorted ascending, and
 * keeping at most max: the largest falls off. Returns the new count.
 */
static int
insert_size(struct mem_page_type *types, int n, int max, uint64_t sz)
{
	int i = n;

	while (i > 0 && types[i - 1].page_sz > sz)
		i--;
	if (i == max)
		return n;
	if (n == max)
		n--;
	memmove(&types[i + 1], &types[i], (size_t)(n - i) * sizeof(types[0]));
	memset(&types[i], 0, sizeof(types[i]));
	types[i].page_sz = sz;
	return n + 1;
}

/* Skip the entry quietly when it is "." or "..", else with a DEBUG line. */
static void
skip_entry(const char *name)
{
	if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
		RTE_LOG(DEBUG, EAL, "hugepage discovery: ignoring %s/%s\n", HP_DIR, name);
}

/* The sizes in <sysfs>/kernel/mm/hugepages into types. Count, 0 when the
 * directory is missing, or -errno. */
static int
scan_sizes(const char *sysfs, struct mem_page_type *types, int max)
{
	char path[PATH_MAX];
	struct dirent *de;
	int n = 0, n_seen = 0, ret;
	uint64_t sz;
	DIR *d;

	ret = path_fmt(path, "%s/" HP_DIR, sysfs);
	if (ret < 0)
		return ret;
	d = opendir(path);
	if (d == NULL)
		return errno == ENOENT ? 0 : -errno;
	for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
		if (parse_size_name(de->d_name, &sz) < 0) {
			skip_entry(de->d_name);
			continue;
		}
		n = insert_size(types, n, max, sz);
		n_seen++;
	}
	ret = -errno;
	closedir(d);
	if (n_seen > n)
		RTE_LOG(WARNING, EAL, "hugepage discovery: using the %d smallest of %d hugepage sizes\n",
			n, n_seen);
	return ret < 0 ? ret : n;
}

/* Parse one meminfo line: its "Hugepagesize:" in bytes, or 0. */
static uint64_t
meminfo_page_size(const char *line)
{
	static const char key[] = "Hugepagesize:";
	uint64_t kb, sz;
	char *end;

	if (strncmp(line, key, strlen(key)) != 0)
		return 0;
	line += strlen(key) + strspn(line + strlen(key), " \t");
	if (parse_u64(line, &end, &kb) < 0 ||
	    (strcmp(end, " kB\n") != 0 && strcmp(end, " kB") != 0) ||
	    kb_to_bytes(kb, &sz) < 0) {
		RTE_LOG(DEBUG, EAL, "hugepage discovery: ignoring malformed meminfo line %s", line);
		return 0;
	}
	return sz;
}

/* The default hugepage size from meminfo into *sz, 0 when unknown or the
 * file is missing. 0 or -errno. */
static int
read_default_size(const char *meminfo, uint64_t *sz)
{
	size_t cap = 0;
	char *line = NULL;
	FILE *f;
	int ret;

	*sz = 0;
	ret = open_stream(meminfo, &f);
	if (ret < 0)
		return ret == -ENOENT ? 0 : ret;
	while (*sz == 0 && getline(&line, &cap, f) >= 0)
		*sz = meminfo_page_size(line);
	ret = ferror(f) ? -EIO : 0;
	free(line);
	fclose(f);
	return ret;
}

/* The type of size sz in types[0..n-1], or NULL. */
static struct mem_page_type *
find_type(struct mem_page_type *types, int n, uint64_t sz)
{
	int i;

	for (i = 0; i < n; i++)
		if (types[i].page_sz == sz)
			return &types[i];
	return NULL;
}

/* Give the mount m to its type unless that one has a mount already; the
 * huge_dir mount always wins. Returns whether m is huge_dir. */
static bool
assign_mount(struct mem_page_type *types, int n, const struct mount_line *m,
		const char *huge_dir)
{
	struct mem_page_type *t = find_type(types, n, m->page_sz);
	bool is_dir = huge_dir[0] != '\0' && strcmp(m->point, huge_dir) == 0;

	if (t == NULL)
		return false;
	if (is_dir || t->mount[0] == '\0')
		strcpy(t->mount, m->point);
	return is_dir;
}

/* Mount points of <mounts> into types; *dir_found says whether huge_dir
 * ("" = none) was among them. 0 or -errno. */
static int
read_mounts(const char *mounts, uint64_t def_sz, const char *huge_dir,
		struct mem_page_type *types, int n, bool *dir_found)
{
	struct mount_line m;
	size_t cap = 0;
	char *line = NULL;
	FILE *f;
	int ret;

	ret = open_stream(mounts, &f);
	if (ret < 0)
		return ret;
	while (getline(&line, &cap, f) >= 0)
		if (parse_mount(line, def_sz, &m) == 0 &&
		    assign_mount(types, n, &m, huge_dir))
			*dir_found = true;
	ret = ferror(f) ? -EIO : 0;
	free(line);
	fclose(f);
	return ret;
}

/* huge_dir as realpath() gives it into dir ("" when not given). 0 or -errno. */
static int
resolve_huge_dir(const char *huge_dir, char *dir)
{
	dir[0] = '\0';
	if (huge_dir == NULL || huge_dir[0] == '\0')
		return 0;
	if (realpath(huge_dir, dir) != NULL)
		return 0;
	RTE_LOG(ERR, EAL, "--huge-dir %s: %s\n", huge_dir, strerror(errno));
	return -errno;
}

/* Free counts and mounts of types[0..n-1]. 0 or -errno. */
static int
fill_types(const struct mem_discover_paths *p, const char *dir,
		struct mem_page_type *types, int n, bool *dir_found)
{
	uint64_t def_sz;
	int i, ret = 0;

	for (i = 0; ret == 0 && i < n; i++)
		ret = read_free(p->sysfs, &types[i]);
	if (ret == 0)
		ret = read_default_size(p->meminfo, &def_sz);
	if (ret == 0)
		ret = read_mounts(p->mounts, def_sz, dir, types, n, dir_found);
	return ret;
}

int
mem_discover_page_types(const struct mem_discover_paths *p,
		const char *huge_dir, struct mem_page_type *types, int max)
{
	char dir[PATH_MAX];
	bool dir_found = false;
	int n, ret;

	if (p == NULL || types == NULL || max < 1)
		return -EINVAL;
	ret = resolve_huge_dir(huge_dir, dir);
	if (ret < 0)
		return ret;
	n = scan_sizes(p->sysfs, types, max);
	if (n <= 0)
		ret = n;
	else
		ret = fill_types(p, dir, types, n, &dir_found);
	if (ret < 0)
		return ret;
	if (dir[0] != '\0' && !dir_found) {
		RTE_LOG(ERR, EAL, "--huge-dir %s: not a hugetlbfs mount of a hugepage size this machine has\n",
			huge_dir);
		return -EINVAL;
	}
	return n;
}

/* ---- NUMA ---- */

static bool
node_has_cpus(int node)
{
	struct bitmask *cpus = numa_allocate_cpumask();
	bool has;

	if (cpus == NULL)
		return false;
	has = numa_node_to_cpus(node, cpus) == 0 && numa_bitmask_weight(cpus) > 0;
	numa_free_cpumask(cpus);
	return has;
}

/* Whether node exists for us: allowed, with memory or CPUs. */
static bool
node_is_usable(int node)
{
	return numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned int)node) &&
		(numa_node_size64(node, NULL) > 0 || node_has_cpus(node));
}

int
mem_discover_sockets(int *ids, int max)
{
	int node, n = 0;
	int last = numa_available() >= 0 ? numa_max_node() : -1;

	if (ids == NULL || max < 1)
		return -EINVAL;
	for (node = 0; node <= last && n < max; node++) {
		if (!node_is_usable(node))
			continue;
		if (node < EAL_MAX_NUMA_NODES)
			ids[n++] = node;
		else
			RTE_LOG(WARNING, EAL, "NUMA node %d ignored: memplane handles nodes 0-%d\n",
				node, EAL_MAX_NUMA_NODES - 1);
	}
	if (n == 0)
		ids[n++] = 0;
	return n;
}

int
mem_discover_socket_of_addr(const void *addr)
{
	int node = -1;

	if (get_mempolicy(&node, NULL, 0, (void *)(uintptr_t)addr,
			MPOL_F_NODE | MPOL_F_ADDR) != 0)
		return -errno;
	return node;
}

/* Whether socket is a node this process may allocate on. 0 or -EINVAL. */
static int
check_socket(int socket)
{
	if (socket < 0 || socket >= EAL_MAX_NUMA_NODES)
		return -EINVAL;
	if (numa_available() < 0)
		return socket == 0 ? 0 : -EINVAL;
	if (socket > numa_max_node() ||
	    !numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned int)socket))
		return -EINVAL;
	return 0;
}

int
mem_numa_prefer_always(int socket, struct mem_numa_saved *saved)
{
	unsigned long mask[MEM_NUMA_MASK_BITS / LONG_BITS] = { 0 };
	int ret = saved != NULL ? check_socket(socket) : -EINVAL;

	if (ret < 0)
		return ret;
	memset(saved, 0, sizeof(*saved));
	if (numa_available() < 0)
		return 0;
	if (get_mempolicy(&saved->mode, saved->mask, MEM_NUMA_MASK_BITS, NULL, 0) != 0)
		return -errno;
	mask[socket / LONG_BITS] = 1UL << (socket % LONG_BITS);
	/* The kernel reads maxnode - 1 bits (a historic off-by-one). */
	if (set_mempolicy(MPOL_PREFERRED, mask, MEM_NUMA_MASK_BITS + 1) != 0)
		return -errno;
	saved->active = true;
	return 0;
}

int
mem_numa_prefer(int socket, struct mem_numa_saved *saved)
{
	int ret = saved != NULL ? check_socket(socket) : -EINVAL;

	if (ret < 0)
		return ret;
	saved->active = false;
	if (numa_available() < 0 || numa_num_configured_nodes() <= 1)
		return 0;
	return mem_numa_prefer_always(socket, saved);
}

void
mem_numa_restore(const struct mem_numa_saved *saved)
{
	int err = errno;

	if (saved != NULL && saved->active &&
	    set_mempolicy(saved->mode, saved->mask, MEM_NUMA_MASK_BITS + 1) != 0)
		RTE_LOG(WARNING, EAL, "cannot restore the NUMA policy %d: %s\n",
			saved->mode, strerror(errno));
	errno = err;
}
