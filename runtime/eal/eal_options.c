/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The command-line parser of rte_eal_init(). A table names every option
 * DPDK users type (long name, short letter, whether it takes a value and
 * the handler that checks and stores it); one small loop walks argv and
 * never writes to it, so it is reentrant and needs no getopt state.
 * Parsing runs in two phases: each handler checks its own value, then
 * check_combinations() refuses what DPDK's eal_check_common_options()
 * refuses. Every refusal is one ERR line "option X: why" and -EINVAL.
 * Nothing here touches a file, a socket or a global other than the log
 * stream, so everything affects only the calling process.
 * docs/OPTIONS.md explains each option and each difference from DPDK.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_log.h>

#include "eal_options.h"

#define MB_SHIFT 20
#define LABEL_LEN 40     /* "--" + the longest option name + NUL */
#define SHOW 64          /* at most this much of a bad value is logged */
#define DIGITS "0123456789"
#define HEX_DIGITS DIGITS "abcdefABCDEF"
#define BLANKS " \t"

/* What the handlers learn that struct eal_options does not record. */
struct parse_state {
	struct eal_options *o;
	bool mem_given;          /* -m seen, even "-m 0" */
	bool lcores_given;       /* one of -l, -c, --lcores seen */
	bool allow_given;
	bool block_given;
	bool unlink_never;       /* --huge-unlink=never */
};

enum arg_kind {
	ARG_NONE,      /* a flag: "--opt=x" is refused */
	ARG_REQUIRED,  /* "--opt=x", "--opt x", "-ox" or "-o x" */
	ARG_OPTIONAL,  /* only "--opt=x" carries a value (getopt's rule) */
	ARG_LOOSE,     /* as optional, or the next word if it is no option */
};

struct opt_def;
/* Check val (NULL when none) and store it. pre: val is present for ARG_REQUIRED. */
typedef int (*opt_handler)(struct parse_state *s, const struct opt_def *d,
		const char *label, const char *val);

struct opt_def {
	const char *long_name;   /* without "--"; NULL: short only */
	char short_name;         /* 0: long only */
	enum arg_kind arg;
	opt_handler fn;
	size_t flag_off;         /* opt_flag: offset of the bool to set */
};

/* Log "option <opt>: <why>" at ERR level; always returns -EINVAL. */
static int __rte_format_printf(2, 3)
refuse(const char *opt, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	RTE_LOG(ERR, EAL, "option %.*s: %s\n", SHOW, opt, why);
	return -EINVAL;
}

/*
 * A whole string as an unsigned number in base 10 or 16 ("0x" allowed).
 * Signs, blanks, empty strings and trailing junk are -EINVAL; values that
 * do not fit in 64 bits are -ERANGE.
 */
static int
parse_u64(const char *text, int base, uint64_t *out)
{
	const char *first_ok = base == 16 ? HEX_DIGITS : DIGITS;
	unsigned long long val;
	char *end;

	if (text[0] == '\0' || strchr(first_ok, text[0]) == NULL)
		return -EINVAL;
	errno = 0;
	val = strtoull(text, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	*out = val;
	return 0;
}

/* Megabytes as bytes; errors as parse_u64(). */
static int
parse_mb(const char *text, uint64_t *bytes)
{
	uint64_t mb;
	int ret = parse_u64(text, 10, &mb);

	if (ret < 0)
		return ret;
	if (mb > UINT64_MAX >> MB_SHIFT)
		return -ERANGE;
	*bytes = mb << MB_SHIFT;
	return 0;
}

static int
refuse_number(const char *label, const char *val, int err, const char *what)
{
	if (err == -ERANGE)
		return refuse(label, "'%.*s' is too large", SHOW, val);
	return refuse(label, "'%.*s' is not %s", SHOW, val, what);
}

/* The comma-separated list of --socket-mem/--socket-limit, MB per node. */
static int
parse_mb_list(const char *label, const char *val, uint64_t out[EAL_MAX_NUMA_NODES])
{
	uint64_t vals[EAL_MAX_NUMA_NODES] = { 0 };
	const char *p = val;
	char item[32];
	unsigned int n = 0;
	size_t len;
	int ret;

	for (;; p += len + 1) {
		len = strcspn(p, ",");
		if (n == EAL_MAX_NUMA_NODES)
			return refuse(label, "more than %d values (one per NUMA node)",
					EAL_MAX_NUMA_NODES);
		if (len == 0)
			return refuse(label, "'%.*s' has an empty entry", SHOW, val);
		if (len >= sizeof(item))
			return refuse(label, "'%.*s' is too large", (int)len, p);
		memcpy(item, p, len);
		item[len] = '\0';
		ret = parse_mb(item, &vals[n++]);
		if (ret < 0)
			return refuse_number(label, item, ret, "a size in megabytes");
		if (p[len] == '\0')
			break;
	}
	memcpy(out, vals, sizeof(vals));
	return 0;
}

/* ---- handlers ---- */

static int
opt_flag(struct parse_state *s, const struct opt_def *d,
		const char *label __rte_unused, const char *val __rte_unused)
{
	*(bool *)((char *)s->o + d->flag_off) = true;
	return 0;
}

static int
opt_ignored(struct parse_state *s __rte_unused, const struct opt_def *d __rte_unused,
		const char *label, const char *val)
{
	RTE_LOG(DEBUG, EAL, "option %s%s%.*s ignored: it has no meaning in memplane\n",
			label, val != NULL ? " " : "", SHOW, val != NULL ? val : "");
	return 0;
}

static int
opt_allow(struct parse_state *s, const struct opt_def *d, const char *label,
		const char *val)
{
	s->allow_given = true;
	return opt_ignored(s, d, label, val);
}

static int
opt_block(struct parse_state *s, const struct opt_def *d, const char *label,
		const char *val)
{
	s->block_given = true;
	return opt_ignored(s, d, label, val);
}

static int
opt_memory(struct parse_state *s, const struct opt_def *d __rte_unused,
		const char *label, const char *val)
{
	int ret = parse_mb(val, &s->o->memory);

	if (ret < 0)
		return refuse_number(label, val, ret, "a size in megabytes");
	s->mem_given = true;
	return 0;
}

static int
opt_socket_mem(struct parse_state *s, const struct opt_def *d __rte_unused,
		const char *label, const char *val)
{
	int ret = parse_mb_list(label, val, s->o->socket_mem);

	if (ret == 0)
		s->o->force_sockets = true;
	return ret;
}

static int
opt_socket_limit(struct parse_state *s, const struct opt_def *d __rte_unused,
		const char *label, const char *val)
{
	int ret = parse_mb_list(label, val, s->o->socket_limit);

	if (ret == 0)
		s->o->force_socket_limits = true;
	return ret;
}

static int
opt_huge_dir(struct parse_state *s, const struct opt_def *d __rte_unused,
		const char *label, const char *val)
{
	size_t len = strlen(val);

	if (len == 0)
		return refuse(label, "the directory name is empty");
	if (len >= sizeof(s->o->huge_dir))
		return refuse(label, "the directory name is longer than %zu bytes",
				sizeof(s->o->huge_dir) - 1);
	memcpy(s->o->huge_dir, val, len + 1);
	return 0;
}

/* DPDK 21.11+: no value or "always" unlinks after mapping; "existing" is the default. */
static int
opt_huge_unlink(struct parse_state *s, const struct opt_def *d __rte_unused,
		const char *label, const char *val)
{
	bool always = val == NULL || strcmp(val, "always") == 0;
	bool never = val != NULL && strcmp(val, "never") == 0;

	if (!always && !never && strcmp(val, "existing") != 0)
		return refuse(label, "'%.*s' is not one of existing, always, never",
				SHOW, val);
	s->o->huge_unlink = always;
	s->unlink_never = never;
	return 0;
}

static int
opt_file_prefix(struct parse_state *s, const struct opt_def *d __rte_unused,
		const char *label, const char *val)
{
	size_t len = strlen(val);

	if (len == 0)
		return refuse(label, "the prefix is empty");
	if (len >= EAL_PREFIX_LEN)
		return refuse(label, "the prefix is longer than %d characters",
				EAL_PREFIX_LEN - 1);
	if (strchr(val, '/') != NULL)
		return refuse(label, "'%.*s' contains '/'", SHOW, val);
	if (strchr(val, '.') != NULL)
		return refuse(label, "'%.*s' contains '.', which memplane reserves for its socket names",
				SHOW, val);
	if (strchr(val, '%') != NULL)
		return refuse(label, "'%.*s' contains '%%'", SHOW, val);
	memcpy(s->o->file_prefix, val, len + 1);
	return 0;
}

/* Hexadecimal with or without "0x", as in DPDK. */
static int
opt_base_virtaddr(struct parse_state *s, const struct opt_def *d __rte_unused,
		const char *label, const char *val)
{
	uint64_t page_sz = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t addr;
	int ret = parse_u64(val, 16, &addr);

	if (ret < 0)
		return refuse_number(label, val, ret, "a hexadecimal address");
	if (addr == 0)
		return refuse(label, "the address must not be 0");
	if (addr % page_sz != 0)
		return refuse(label, "0x%" PRIx64 " is not a multiple of the page size (%" PRIu64 ")",
				addr, page_sz);
	s->o->base_virtaddr = addr;
	return 0;
}

static int
opt_iova_mode(struct parse_state *s, const struct opt_def *d __rte_unused,
		const char *label, const char *val)
{
	if (strcmp(val, "pa") == 0)
		s->o->iova_mode = RTE_IOVA_PA;
	else if (strcmp(val, "va") == 0)
		s->o->iova_mode = RTE_IOVA_VA;
	else
		return refuse(label, "'%.*s' is not pa or va", SHOW, val);
	return 0;
}

static int
opt_proc_type(struct parse_state *s, const struct opt_def *d __rte_unused,
		const char *label, const char *val)
{
	if (strcasecmp(val, "primary") == 0)
		s->o->proc_type = RTE_PROC_PRIMARY;
	else if (strcasecmp(val, "secondary") == 0)
		s->o->proc_type = RTE_PROC_SECONDARY;
	else if (strcasecmp(val, "auto") == 0)
		s->o->proc_type = RTE_PROC_AUTO;
	else
		return refuse(label, "'%.*s' is not primary, secondary or auto",
				SHOW, val);
	return 0;
}

/*
 * A level as DPDK reads it: the first letters of a name ("err", "warn"),
 * else a number; 0 when it is neither. Numbers above the maximum become
 * the maximum.
 */
static uint32_t
parse_level(const char *text)
{
	static const char *const names[] = { "emerg", "alert", "critical",
		"error", "warning", "notice", "info", "debug" };
	size_t len = strlen(text);
	uint64_t num;
	uint32_t i;

	for (i = 0; len > 0 && i < RTE_DIM(names); i++)
		if (strncasecmp(names[i], text, len) == 0)
			return i + RTE_LOG_EMERG;
	if (parse_u64(text, 10, &num) < 0)
		return 0;
	return num > RTE_LOG_MAX ? RTE_LOG_MAX : (uint32_t)num;
}

/* "LEVEL", "TYPE:LEVEL" or "REGEX,LEVEL"; every form sets the global level. */
static int
opt_log_level(struct parse_state *s, const struct opt_def *d __rte_unused,
		const char *label, const char *val)
{
	const char *level = strchr(val, ',');
	uint32_t num;

	if (level == NULL)
		level = strchr(val, ':');
	level = level != NULL ? level + 1 : val;
	num = parse_level(level);
	if (num == 0)
		return refuse(label, "'%.*s' is not a level (1-8 or emerg, alert, critical, error, warning, notice, info, debug)",
				SHOW, level);
	if (level != val)
		RTE_LOG(DEBUG, EAL, "option %s %.*s: memplane has one log level, set to %u\n",
				label, SHOW, val, num);
	s->o->log_level = num;
	return 0;
}

/* -l, -c and --lcores are one choice, as in DPDK; the lcore module parses the text. */
static int
store_lcores(struct parse_state *s, const char *label, const char *text,
		const char *charset, bool is_map)
{
	size_t len = strlen(text);

	if (s->lcores_given)
		return refuse(label, "cores were already chosen by -l, -c or --lcores");
	if (strspn(text, BLANKS) == len)
		return refuse(label, "the core list is empty");
	if (strspn(text, charset) != len)
		return refuse(label, "'%.*s' has a character other than '%s'",
				SHOW, text, charset);
	if (len >= sizeof(s->o->lcores))
		return refuse(label, "the core list is longer than %zu characters",
				sizeof(s->o->lcores) - 1);
	memcpy(s->o->lcores, text, len + 1);
	s->o->lcores_is_map = is_map;
	s->lcores_given = true;
	return 0;
}

static int
opt_corelist(struct parse_state *s, const struct opt_def *d __rte_unused,
		const char *label, const char *val)
{
	return store_lcores(s, label, val, DIGITS ",-" BLANKS, false);
}

static int
opt_lcore_map(struct parse_state *s, const struct opt_def *d __rte_unused,
		const char *label, const char *val)
{
	return store_lcores(s, label, val, DIGITS ",-@()" BLANKS, true);
}

/* Append "a" or "a-b" (with a leading comma after the first run) to out. */
static int
append_run(char *out, size_t size, size_t *pos, size_t first, size_t last)
{
	const char *sep = *pos > 0 ? "," : "";
	int n;

	if (first == last)
		n = snprintf(out + *pos, size - *pos, "%s%zu", sep, first);
	else
		n = snprintf(out + *pos, size - *pos, "%s%zu-%zu", sep, first, last);
	if (n < 0 || (size_t)n >= size - *pos)
		return -ERANGE;
	*pos += n;
	return 0;
}

static bool
mask_bit(const char *digits, size_t n_digits, size_t bit)
{
	char c = digits[n_digits - 1 - bit / 4];
	unsigned int val = c <= '9' ? (unsigned int)(c - '0') : (unsigned int)((c | 0x20) - 'a' + 10);

	return (val >> (bit % 4)) & 1;
}

/*
 * A hexadecimal core mask ("0x" optional) as a core list such as "0-3,8".
 * -EINVAL when it is not hexadecimal or selects no core, -ERANGE when the
 * list does not fit in size bytes.
 */
static int
mask_to_list(const char *mask, char *out, size_t size)
{
	size_t n_digits, n_bits, bit, run_first = 0, pos = 0;
	bool in_run = false;
	int ret;

	if (mask[0] == '0' && (mask[1] == 'x' || mask[1] == 'X'))
		mask += 2;
	n_digits = strlen(mask);
	if (n_digits == 0 || strspn(mask, HEX_DIGITS) != n_digits)
		return -EINVAL;
	n_bits = n_digits * 4;
	for (bit = 0; bit <= n_bits; bit++) {
		bool set = bit < n_bits && mask_bit(mask, n_digits, bit);

		if (set && !in_run)
			run_first = bit;
		if (!set && in_run) {
			ret = append_run(out, size, &pos, run_first, bit - 1);
			if (ret < 0)
				return ret;
		}
		in_run = set;
	}
	return pos == 0 ? -EINVAL : 0;
}

static int
opt_coremask(struct parse_state *s, const struct opt_def *d __rte_unused,
		const char *label, const char *val)
{
	char list[sizeof(s->o->lcores)];
	int ret = mask_to_list(val, list, sizeof(list));

	if (ret == -ERANGE)
		return refuse(label, "'%.*s' selects too many cores to list; use -l",
				SHOW, val);
	if (ret < 0)
		return refuse(label, "'%.*s' is not a hexadecimal mask of at least one core",
				SHOW, val);
	RTE_LOG(DEBUG, EAL, "option %s %.*s: cores %s\n", label, SHOW, val, list);
	return store_lcores(s, label, list, DIGITS ",-", false);
}

static int
opt_vdev(struct parse_state *s, const struct opt_def *d __rte_unused,
		const char *label, const char *val)
{
	size_t len = strlen(val);

	if (s->o->n_vdevs == EAL_MAX_VDEVS)
		return refuse(label, "more than %d devices", EAL_MAX_VDEVS);
	if (len == 0)
		return refuse(label, "the device name is empty");
	if (len >= EAL_VDEV_LEN)
		return refuse(label, "'%.*s...' is longer than %d characters",
				SHOW, val, EAL_VDEV_LEN - 1);
	memcpy(s->o->vdevs[s->o->n_vdevs++], val, len + 1);
	return 0;
}

#define FLAG(name, field) \
	{ name, 0, ARG_NONE, opt_flag, offsetof(struct eal_options, field) }

static const struct opt_def opt_defs[] = {
	{ NULL, 'm', ARG_REQUIRED, opt_memory, 0 },
	{ "socket-mem", 0, ARG_REQUIRED, opt_socket_mem, 0 },
	{ "numa-mem", 0, ARG_REQUIRED, opt_socket_mem, 0 },
	{ "socket-limit", 0, ARG_REQUIRED, opt_socket_limit, 0 },
	{ "numa-limit", 0, ARG_REQUIRED, opt_socket_limit, 0 },
	FLAG("single-file-segments", single_file_segments),
	FLAG("legacy-mem", legacy_mem),
	FLAG("in-memory", in_memory),
	FLAG("no-huge", no_huge),
	FLAG("match-allocations", match_allocations),
	FLAG("no-shconf", no_shconf),
	{ "huge-dir", 0, ARG_REQUIRED, opt_huge_dir, 0 },
	{ "huge-unlink", 0, ARG_OPTIONAL, opt_huge_unlink, 0 },
	{ "file-prefix", 0, ARG_REQUIRED, opt_file_prefix, 0 },
	{ "base-virtaddr", 0, ARG_REQUIRED, opt_base_virtaddr, 0 },
	{ "iova-mode", 0, ARG_REQUIRED, opt_iova_mode, 0 },
	{ "proc-type", 0, ARG_REQUIRED, opt_proc_type, 0 },
	{ "log-level", 0, ARG_REQUIRED, opt_log_level, 0 },
	{ NULL, 'l', ARG_REQUIRED, opt_corelist, 0 },
	{ "lcores", 0, ARG_REQUIRED, opt_lcore_map, 0 },
	{ NULL, 'c', ARG_REQUIRED, opt_coremask, 0 },
	{ "vdev", 0, ARG_REQUIRED, opt_vdev, 0 },
	{ NULL, 'n', ARG_REQUIRED, opt_ignored, 0 },
	{ NULL, 'r', ARG_REQUIRED, opt_ignored, 0 },
	{ "allow", 'a', ARG_REQUIRED, opt_allow, 0 },
	{ "block", 'b', ARG_REQUIRED, opt_block, 0 },
	{ NULL, 'w', ARG_REQUIRED, opt_allow, 0 },
	{ "main-lcore", 0, ARG_REQUIRED, opt_ignored, 0 },
	{ "master-lcore", 0, ARG_REQUIRED, opt_ignored, 0 },
	{ "vfio-intr", 0, ARG_REQUIRED, opt_ignored, 0 },
	{ "mbuf-pool-ops-name", 0, ARG_REQUIRED, opt_ignored, 0 },
	{ "syslog", 0, ARG_LOOSE, opt_ignored, 0 },
	{ "no-pci", 0, ARG_NONE, opt_ignored, 0 },
	{ "no-telemetry", 0, ARG_NONE, opt_ignored, 0 },
	{ "telemetry", 0, ARG_NONE, opt_ignored, 0 },
	{ "no-hpet", 0, ARG_NONE, opt_ignored, 0 },
	{ "create-uio-dev", 0, ARG_NONE, opt_ignored, 0 },
	{ NULL, 'v', ARG_NONE, opt_ignored, 0 },
};

/* ---- the walk over argv ---- */

/* "--name" or "--name=value"; *val is set to the value after '=' if any. */
static const struct opt_def *
find_long(const char *text, const char **val, char label[LABEL_LEN])
{
	size_t len = strcspn(text, "=");
	size_t i;

	for (i = 0; i < RTE_DIM(opt_defs); i++) {
		const char *name = opt_defs[i].long_name;

		if (name == NULL || strlen(name) != len || strncmp(name, text, len) != 0)
			continue;
		snprintf(label, LABEL_LEN, "--%s", name);
		*val = text[len] == '=' ? text + len + 1 : NULL;
		return &opt_defs[i];
	}
	return NULL;
}

/* "-x" or "-xvalue"; *val is set to the attached value if any. */
static const struct opt_def *
find_short(const char *arg, const char **val, char label[LABEL_LEN])
{
	size_t i;

	for (i = 0; i < RTE_DIM(opt_defs); i++) {
		if (opt_defs[i].short_name != arg[1])
			continue;
		snprintf(label, LABEL_LEN, "-%c", arg[1]);
		*val = arg[2] != '\0' ? arg + 2 : NULL;
		return &opt_defs[i];
	}
	return NULL;
}

/* Take the option's value from *val or from argv[*idx] (then *idx moves on). */
static int
take_value(const struct opt_def *d, const char *label, int argc, char **argv,
		int *idx, const char **val)
{
	bool next_free = *idx < argc && argv[*idx] != NULL;

	if (d->arg == ARG_NONE && *val != NULL)
		return refuse(label, "takes no value");
	if (*val != NULL || d->arg == ARG_NONE || d->arg == ARG_OPTIONAL)
		return 0;
	if (d->arg == ARG_LOOSE && (!next_free || argv[*idx][0] == '-'))
		return 0;
	if (!next_free)
		return refuse(label, "needs a value");
	*val = argv[(*idx)++];
	return 0;
}

/* Parse the option at argv[*idx] and its value; *idx moves past both. */
static int
parse_one(struct parse_state *s, int argc, char **argv, int *idx)
{
	const char *arg = argv[*idx];
	const struct opt_def *d;
	const char *val = NULL;
	char label[LABEL_LEN];
	int ret;

	if (arg[1] == '-')
		d = find_long(arg + 2, &val, label);
	else
		d = find_short(arg, &val, label);
	if (d == NULL)
		return refuse(arg, "unknown option");
	(*idx)++;
	ret = take_value(d, label, argc, argv, idx, &val);
	if (ret < 0)
		return ret;
	return d->fn(s, d, label, val);
}

/* A node whose --socket-mem minimum is above its --socket-limit. */
static int
check_limits(const struct eal_options *o)
{
	unsigned int i;

	for (i = 0; o->force_sockets && o->force_socket_limits && i < EAL_MAX_NUMA_NODES; i++)
		if (o->socket_limit[i] != 0 && o->socket_mem[i] > o->socket_limit[i])
			return refuse("--socket-limit", "%" PRIu64 " MB on node %u is below --socket-mem's %" PRIu64 " MB",
					o->socket_limit[i] >> MB_SHIFT, i,
					o->socket_mem[i] >> MB_SHIFT);
	return 0;
}

/* What DPDK's eal_check_common_options() refuses, in its order. */
static int
check_combinations(const struct parse_state *s)
{
	const struct eal_options *o = s->o;
	const struct {
		bool hit;
		const char *opt;
		const char *why;
	} rules[] = {
		{ s->mem_given && o->force_sockets, "-m", "cannot be used together with --socket-mem" },
		{ o->no_huge && o->force_sockets, "--socket-mem", "cannot be used together with --no-huge" },
		{ o->no_huge && o->huge_unlink && !o->in_memory, "--huge-unlink", "cannot be used together with --no-huge" },
		{ o->force_socket_limits && o->legacy_mem, "--socket-limit", "is only supported without --legacy-mem" },
		{ o->single_file_segments && o->huge_unlink && !o->in_memory, "--single-file-segments", "is not compatible with --huge-unlink" },
		{ o->in_memory && s->unlink_never, "--in-memory", "is not compatible with --huge-unlink=never" },
		{ o->legacy_mem && o->in_memory, "--legacy-mem", "is not compatible with --in-memory" },
		{ o->legacy_mem && o->match_allocations, "--legacy-mem", "is not compatible with --match-allocations" },
		{ o->no_huge && o->match_allocations, "--no-huge", "is not compatible with --match-allocations" },
		{ s->allow_given && s->block_given, "-a", "cannot be used together with -b" },
	};
	size_t i;

	for (i = 0; i < RTE_DIM(rules); i++)
		if (rules[i].hit)
			return refuse(rules[i].opt, "%s", rules[i].why);
	return check_limits(o);
}

void
eal_options_defaults(struct eal_options *o)
{
	memset(o, 0, sizeof(*o));
	o->proc_type = RTE_PROC_PRIMARY;
	o->iova_mode = RTE_IOVA_DC;
	memcpy(o->file_prefix, EAL_DEFAULT_PREFIX, sizeof(EAL_DEFAULT_PREFIX));
}

static bool
is_option(const char *arg)
{
	return arg != NULL && arg[0] == '-' && arg[1] != '\0';
}

int
eal_options_parse(int argc, char **argv, struct eal_options *o)
{
	struct parse_state s = { .o = o };
	int idx = 1;
	int ret;

	while (idx < argc && is_option(argv[idx])) {
		if (strcmp(argv[idx], "--") == 0) {
			idx++;
			break;
		}
		ret = parse_one(&s, argc, argv, &idx);
		if (ret < 0)
			return ret;
	}
	ret = check_combinations(&s);
	if (ret < 0)
		return ret;
	/*
	 * DPDK's --in-memory also means --no-shconf; memplane's keeps the
	 * runtime directory so that secondaries can join (SPEC §7.1).
	 */
	o->huge_unlink = o->huge_unlink || o->in_memory;
	return argc > 0 ? idx - 1 : 0;
}
