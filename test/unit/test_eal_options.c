/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Tests of rte_eal_init()'s option parser (runtime/eal/eal_options.h):
 * - eal_options_valid: command lines that parse, with the count returned
 *   and every field compared against what the line means; no log output;
 * - eal_options_invalid: command lines refused with -EINVAL and exactly
 *   one log line that names the offending option, including every
 *   refused combination and the length limits;
 * - eal_options_fuzz: random argv vectors never crash, never touch argv
 *   and return -EINVAL or a count in [0, argc-1].
 * No process, file or hugepage is needed.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <rte_common.h>
#include <rte_log.h>

#include "runtime/eal/eal_options.h"
#include "test/lib/test_main.h"

#define MAX_ARGS 40
#define MB(x) ((uint64_t)(x) << 20)
#define VADDR 0x7f0000000000ULL   /* aligned to any page size */

/* ---- running the parser with its log captured ---- */

struct run {
	int ret;
	char *log;          /* what was logged, NUL-terminated */
	size_t log_len;
};

static uint32_t saved_level;

static int
quiet_setup(void)
{
	saved_level = rte_log_get_global_level();
	rte_log_set_global_level(RTE_LOG_NOTICE);
	return 0;
}

static int
quiet_teardown(void)
{
	rte_log_set_global_level(saved_level);
	return 0;
}

static int
count_args(const char *const *args)
{
	int n = 0;

	while (n < MAX_ARGS && args[n] != NULL)
		n++;
	return n;
}

/* Parse args (argv[0] included) into *o; checks that argv was left alone. */
static void
run_parse(const char *const *args, struct eal_options *o, struct run *r)
{
	int argc = count_args(args);
	char *argv[MAX_ARGS + 1];
	FILE *f;

	memcpy(argv, args, argc * sizeof(argv[0]));
	argv[argc] = NULL;
	eal_options_defaults(o);
	f = open_memstream(&r->log, &r->log_len);
	CU_ASSERT_FATAL(f != NULL);
	rte_openlog_stream(f);
	r->ret = eal_options_parse(argc, argv, o);
	rte_openlog_stream(NULL);
	fclose(f);
	CU_ASSERT_EQUAL(memcmp(argv, args, argc * sizeof(argv[0])), 0);
	CU_ASSERT_PTR_NULL(argv[argc]);
}

/* ---- valid command lines ---- */

static void
expect_fields(const struct eal_options *got, const struct eal_options *exp)
{
	unsigned int i;

	CU_ASSERT_EQUAL(got->proc_type, exp->proc_type);
	CU_ASSERT_STRING_EQUAL(got->file_prefix, exp->file_prefix);
	CU_ASSERT_EQUAL(got->memory, exp->memory);
	CU_ASSERT_EQUAL(memcmp(got->socket_mem, exp->socket_mem, sizeof(got->socket_mem)), 0);
	CU_ASSERT_EQUAL(got->force_sockets, exp->force_sockets);
	CU_ASSERT_EQUAL(memcmp(got->socket_limit, exp->socket_limit, sizeof(got->socket_limit)), 0);
	CU_ASSERT_EQUAL(got->force_socket_limits, exp->force_socket_limits);
	CU_ASSERT_EQUAL(got->no_huge, exp->no_huge);
	CU_ASSERT_EQUAL(got->in_memory, exp->in_memory);
	CU_ASSERT_EQUAL(got->legacy_mem, exp->legacy_mem);
	CU_ASSERT_EQUAL(got->single_file_segments, exp->single_file_segments);
	CU_ASSERT_EQUAL(got->huge_unlink, exp->huge_unlink);
	CU_ASSERT_EQUAL(got->match_allocations, exp->match_allocations);
	CU_ASSERT_EQUAL(got->no_shconf, exp->no_shconf);
	CU_ASSERT_STRING_EQUAL(got->huge_dir, exp->huge_dir);
	CU_ASSERT_EQUAL(got->base_virtaddr, exp->base_virtaddr);
	CU_ASSERT_EQUAL(got->iova_mode, exp->iova_mode);
	CU_ASSERT_EQUAL(got->log_level, exp->log_level);
	CU_ASSERT_STRING_EQUAL(got->lcores, exp->lcores);
	CU_ASSERT_EQUAL(got->lcores_is_map, exp->lcores_is_map);
	CU_ASSERT_EQUAL_FATAL(got->n_vdevs, exp->n_vdevs);
	for (i = 0; i < got->n_vdevs; i++)
		CU_ASSERT_STRING_EQUAL(got->vdevs[i], exp->vdevs[i]);
}

/* Each expectation turns the defaults into what its command line means. */
static void e_none(struct eal_options *o) { RTE_SET_USED(o); }
static void e_m64(struct eal_options *o) { o->memory = MB(64); }
static void e_m0(struct eal_options *o) { o->memory = 0; }
static void e_sm(struct eal_options *o) { o->socket_mem[0] = MB(1024); o->socket_mem[1] = MB(512); o->force_sockets = true; }
static void e_sm8(struct eal_options *o) { o->socket_mem[7] = MB(8); o->force_sockets = true; }
static void e_sl(struct eal_options *o) { o->socket_limit[1] = MB(2048); o->force_socket_limits = true; }
static void e_sm_sl(struct eal_options *o) { e_sm(o); o->socket_limit[0] = MB(1024); o->force_socket_limits = true; }
static void e_sfs(struct eal_options *o) { o->single_file_segments = true; }
static void e_legacy(struct eal_options *o) { o->legacy_mem = true; }
static void e_inmem(struct eal_options *o) { o->in_memory = true; o->huge_unlink = true; }
static void e_nohuge(struct eal_options *o) { o->no_huge = true; }
static void e_match(struct eal_options *o) { o->match_allocations = true; }
static void e_noshconf(struct eal_options *o) { o->no_shconf = true; }
static void e_hdir(struct eal_options *o) { strcpy(o->huge_dir, "/mnt/huge"); }
static void e_unlink(struct eal_options *o) { o->huge_unlink = true; }
static void e_prefix(struct eal_options *o) { strcpy(o->file_prefix, "app_1-b"); }
static void e_prefix_dash(struct eal_options *o) { strcpy(o->file_prefix, "--no-huge"); }
static void e_vaddr(struct eal_options *o) { o->base_virtaddr = VADDR; }
static void e_pa(struct eal_options *o) { o->iova_mode = RTE_IOVA_PA; }
static void e_va(struct eal_options *o) { o->iova_mode = RTE_IOVA_VA; }
static void e_secondary(struct eal_options *o) { o->proc_type = RTE_PROC_SECONDARY; }
static void e_auto(struct eal_options *o) { o->proc_type = RTE_PROC_AUTO; }
static void e_primary(struct eal_options *o) { o->proc_type = RTE_PROC_PRIMARY; }
static void e_log8(struct eal_options *o) { o->log_level = RTE_LOG_DEBUG; }
static void e_log4(struct eal_options *o) { o->log_level = RTE_LOG_ERR; }
static void e_log3(struct eal_options *o) { o->log_level = RTE_LOG_CRIT; }
static void e_log5(struct eal_options *o) { o->log_level = RTE_LOG_WARNING; }
static void e_log7(struct eal_options *o) { o->log_level = RTE_LOG_INFO; }
static void e_l03(struct eal_options *o) { strcpy(o->lcores, "0-3"); }
static void e_l02(struct eal_options *o) { strcpy(o->lcores, "0,2"); }
static void e_l038(struct eal_options *o) { strcpy(o->lcores, "0-3,8"); }
static void e_l0_255(struct eal_options *o) { strcpy(o->lcores, "0-255"); }
static void e_lmap(struct eal_options *o) { strcpy(o->lcores, "1@(0,2),(3-4)@5"); o->lcores_is_map = true; }
static void e_lmap03(struct eal_options *o) { strcpy(o->lcores, "0-3"); o->lcores_is_map = true; }
static void e_vdev1(struct eal_options *o) { strcpy(o->vdevs[0], "net_null0"); o->n_vdevs = 1; }
static void e_vdev2(struct eal_options *o) { e_vdev1(o); strcpy(o->vdevs[1], "net_ring0,nodeaction=r1:0:CREATE"); o->n_vdevs = 2; }
static void e_inmem_nohuge(struct eal_options *o) { e_inmem(o); o->no_huge = true; }
static void e_inmem_sfs(struct eal_options *o) { e_inmem(o); o->single_file_segments = true; }
static void e_sfs_m(struct eal_options *o) { e_sfs(o); o->memory = MB(64); }
static void e_nohuge_m(struct eal_options *o) { e_nohuge(o); o->memory = MB(64); o->log_level = RTE_LOG_DEBUG; }

static void
e_everything(struct eal_options *o)
{
	e_sm_sl(o);
	e_sfs(o);
	e_hdir(o);
	e_prefix(o);
	e_vaddr(o);
	e_va(o);
	e_auto(o);
	e_log8(o);
	e_l03(o);
	e_vdev1(o);
	o->match_allocations = true;
}

struct valid_case {
	const char *args[MAX_ARGS];
	int ret;
	void (*expect)(struct eal_options *o);
};

static const struct valid_case valid_cases[] = {
	/* where parsing stops, and the count */
	{ { "prog" }, 0, e_none },
	{ { "prog", "x" }, 0, e_none },
	{ { "prog", "-" }, 0, e_none },
	{ { "prog", "--" }, 1, e_none },
	{ { "prog", "--", "-m", "64" }, 1, e_none },
	{ { "prog", "-m", "64", "--", "x" }, 3, e_m64 },
	{ { "prog", "-m", "64", "x", "-m", "1" }, 2, e_m64 },
	{ { "prog", "-m64" }, 1, e_m64 },
	{ { "prog", "-m", "0" }, 2, e_m0 },
	/* memory */
	{ { "prog", "--socket-mem", "1024,512" }, 2, e_sm },
	{ { "prog", "--socket-mem=1024,512", "app" }, 1, e_sm },
	{ { "prog", "--numa-mem=1024,512" }, 1, e_sm },
	{ { "prog", "--socket-mem=0,0,0,0,0,0,0,8" }, 1, e_sm8 },
	{ { "prog", "--socket-limit", "0,2048" }, 2, e_sl },
	{ { "prog", "--numa-limit=0,2048" }, 1, e_sl },
	{ { "prog", "--socket-mem=1024,512", "--socket-limit=1024,0" }, 2, e_sm_sl },
	{ { "prog", "--single-file-segments" }, 1, e_sfs },
	{ { "prog", "--legacy-mem" }, 1, e_legacy },
	{ { "prog", "--in-memory" }, 1, e_inmem },
	{ { "prog", "--no-huge" }, 1, e_nohuge },
	{ { "prog", "--no-huge", "-m", "64", "--log-level", "debug" }, 5, e_nohuge_m },
	{ { "prog", "--match-allocations" }, 1, e_match },
	{ { "prog", "--no-shconf" }, 1, e_noshconf },
	{ { "prog", "--huge-dir", "/mnt/huge" }, 2, e_hdir },
	{ { "prog", "--huge-dir=/mnt/huge" }, 1, e_hdir },
	{ { "prog", "--huge-unlink" }, 1, e_unlink },
	{ { "prog", "--huge-unlink=always" }, 1, e_unlink },
	{ { "prog", "--huge-unlink=existing" }, 1, e_none },
	{ { "prog", "--huge-unlink=never" }, 1, e_none },
	{ { "prog", "--huge-unlink", "never" }, 1, e_unlink },
	{ { "prog", "--in-memory", "--no-huge", "--huge-unlink" }, 3, e_inmem_nohuge },
	{ { "prog", "--in-memory", "--single-file-segments" }, 2, e_inmem_sfs },
	{ { "prog", "--in-memory", "--huge-unlink=existing" }, 2, e_inmem },
	{ { "prog", "--single-file-segments", "--huge-unlink=existing", "-m", "64" }, 4, e_sfs_m },
	/* naming and addressing */
	{ { "prog", "--file-prefix", "app_1-b" }, 2, e_prefix },
	{ { "prog", "--file-prefix=app_1-b" }, 1, e_prefix },
	{ { "prog", "--file-prefix", "--no-huge" }, 2, e_prefix_dash },
	{ { "prog", "--base-virtaddr", "0x7f0000000000" }, 2, e_vaddr },
	{ { "prog", "--base-virtaddr=7F0000000000" }, 1, e_vaddr },
	{ { "prog", "--iova-mode=pa" }, 1, e_pa },
	{ { "prog", "--iova-mode", "va" }, 2, e_va },
	{ { "prog", "--proc-type=secondary" }, 1, e_secondary },
	{ { "prog", "--proc-type", "auto" }, 2, e_auto },
	{ { "prog", "--proc-type=secondary", "--proc-type=PRIMARY" }, 2, e_primary },
	/* log levels */
	{ { "prog", "--log-level", "8" }, 2, e_log8 },
	{ { "prog", "--log-level=debug" }, 1, e_log8 },
	{ { "prog", "--log-level=err" }, 1, e_log4 },
	{ { "prog", "--log-level=crit" }, 1, e_log3 },
	{ { "prog", "--log-level=WARNING" }, 1, e_log5 },
	{ { "prog", "--log-level=lib.eal:debug" }, 1, e_log8 },
	{ { "prog", "--log-level", "pmd.net.*,info" }, 2, e_log7 },
	{ { "prog", "--log-level=9" }, 1, e_log8 },
	{ { "prog", "--log-level=4", "--log-level=lib.eal:8" }, 2, e_log8 },
	/* cores */
	{ { "prog", "-l", "0-3" }, 2, e_l03 },
	{ { "prog", "-l0,2" }, 1, e_l02 },
	{ { "prog", "--lcores", "1@(0,2),(3-4)@5" }, 2, e_lmap },
	{ { "prog", "--lcores=0-3" }, 1, e_lmap03 },
	{ { "prog", "-c", "0xf" }, 2, e_l03 },
	{ { "prog", "-c5" }, 1, e_l02 },
	{ { "prog", "-c", "0X10f" }, 2, e_l038 },
	{ { "prog", "-c", "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" }, 2, e_l0_255 },
	/* devices */
	{ { "prog", "--vdev", "net_null0" }, 2, e_vdev1 },
	{ { "prog", "--vdev=net_null0", "--vdev", "net_ring0,nodeaction=r1:0:CREATE" }, 3, e_vdev2 },
	/* ignored options consume their values */
	{ { "prog", "-n", "4", "app" }, 2, e_none },
	{ { "prog", "-n4", "-r", "2", "app" }, 3, e_none },
	{ { "prog", "-a", "0000:01:00.0", "--allow=0000:02:00.0", "-w", "x", "app" }, 5, e_none },
	{ { "prog", "-b", "0000:01:00.0", "--block", "y", "app" }, 4, e_none },
	{ { "prog", "--no-pci", "--no-telemetry", "--telemetry", "--no-hpet", "-v", "app" }, 5, e_none },
	{ { "prog", "--main-lcore", "1", "--master-lcore=2", "app" }, 3, e_none },
	{ { "prog", "--syslog", "--no-huge" }, 2, e_nohuge },
	{ { "prog", "--syslog", "daemon", "--syslog=local0", "app" }, 3, e_none },
	{ { "prog", "--create-uio-dev", "--vfio-intr", "msix", "app" }, 3, e_none },
	{ { "prog", "--mbuf-pool-ops-name", "ring_mp_mc", "app" }, 2, e_none },
	/* a DPDK-style line with most options at once */
	{ { "prog", "-l", "0-3", "-n", "4", "--socket-mem=1024,512", "--socket-limit", "1024",
	    "--single-file-segments", "--huge-dir", "/mnt/huge", "--file-prefix=app_1-b",
	    "--base-virtaddr", "0x7f0000000000", "--iova-mode=va", "--proc-type=auto",
	    "--log-level=lib.eal:debug", "--vdev", "net_null0", "--match-allocations",
	    "--", "--app-opt" }, 20, e_everything },
};

static void
test_eal_options_valid_table(void)
{
	struct eal_options got, exp;
	struct run r;
	size_t i;

	for (i = 0; i < RTE_DIM(valid_cases); i++) {
		run_parse(valid_cases[i].args, &got, &r);
		eal_options_defaults(&exp);
		valid_cases[i].expect(&exp);
		if (r.ret != valid_cases[i].ret || r.log_len != 0)
			printf("\nvalid case %zu (%s ...): ret %d, log '%s'\n", i,
					valid_cases[i].args[1], r.ret, r.log);
		CU_ASSERT_EQUAL(r.ret, valid_cases[i].ret);
		CU_ASSERT_EQUAL(r.log_len, 0);
		expect_fields(&got, &exp);
		free(r.log);
	}
}

static void
test_eal_options_valid_defaults(void)
{
	struct eal_options o;

	memset(&o, 0xa5, sizeof(o));
	eal_options_defaults(&o);
	CU_ASSERT_EQUAL(o.proc_type, RTE_PROC_PRIMARY);
	CU_ASSERT_STRING_EQUAL(o.file_prefix, "rte");
	CU_ASSERT_EQUAL(o.iova_mode, RTE_IOVA_DC);
	CU_ASSERT_EQUAL(o.memory, 0);
	CU_ASSERT_EQUAL(o.log_level, 0);
	CU_ASSERT_EQUAL(o.n_vdevs, 0);
	CU_ASSERT_STRING_EQUAL(o.huge_dir, "");
	CU_ASSERT_STRING_EQUAL(o.lcores, "");
	CU_ASSERT_FALSE(o.no_huge || o.in_memory || o.huge_unlink || o.no_shconf);
}

/* Ignored options say so at DEBUG level; parsing leaves the global level alone. */
static void
test_eal_options_valid_ignored_logged(void)
{
	static const char *const args[] = { "prog", "-n", "4", "--log-level=1", NULL };
	struct eal_options o;
	struct run r;

	rte_log_set_global_level(RTE_LOG_DEBUG);
	run_parse(args, &o, &r);
	rte_log_set_global_level(RTE_LOG_NOTICE);
	CU_ASSERT_EQUAL(r.ret, 3);
	CU_ASSERT_EQUAL(o.log_level, RTE_LOG_EMERG);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.log, "option -n 4 ignored"));
	CU_ASSERT_EQUAL(rte_log_get_global_level(), RTE_LOG_NOTICE);
	free(r.log);
}

/* ---- refused command lines ---- */

/* -EINVAL and one log line, which names opt. */
static void
expect_refused(const char *const *args, const char *opt)
{
	char needle[96];
	struct eal_options o;
	const char *nl;
	struct run r;

	run_parse(args, &o, &r);
	snprintf(needle, sizeof(needle), "option %s:", opt);
	nl = strchr(r.log, '\n');
	if (r.ret != -EINVAL || strstr(r.log, needle) == NULL)
		printf("\nrefused case (%s %s ...): ret %d, log '%s', want '%s'\n",
				args[1], args[1] != NULL ? args[2] : "", r.ret, r.log, needle);
	CU_ASSERT_EQUAL(r.ret, -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.log, needle));
	CU_ASSERT(nl != NULL && nl[1] == '\0');
	free(r.log);
}

struct invalid_case {
	const char *args[MAX_ARGS];
	const char *opt;       /* the option the ERR line must name */
};

static const struct invalid_case invalid_cases[] = {
	/* unknown options and missing values */
	{ { "prog", "--foo" }, "--foo" },
	{ { "prog", "--foo=1" }, "--foo=1" },
	{ { "prog", "-z" }, "-z" },
	{ { "prog", "--socket" }, "--socket" },
	{ { "prog", "---" }, "---" },
	{ { "prog", "-h" }, "-h" },
	{ { "prog", "-m" }, "-m" },
	{ { "prog", "-n" }, "-n" },
	{ { "prog", "--vdev" }, "--vdev" },
	{ { "prog", "--no-huge=1" }, "--no-huge" },
	{ { "prog", "-vx" }, "-v" },
	/* malformed numbers */
	{ { "prog", "-m", "" }, "-m" },
	{ { "prog", "-m", "abc" }, "-m" },
	{ { "prog", "-m", "-5" }, "-m" },
	{ { "prog", "-m", "+5" }, "-m" },
	{ { "prog", "-m", " 5" }, "-m" },
	{ { "prog", "-m", "64k" }, "-m" },
	{ { "prog", "-m", "0x40" }, "-m" },
	{ { "prog", "-m=64" }, "-m" },
	{ { "prog", "-m", "99999999999999999999" }, "-m" },
	{ { "prog", "-m", "17592186044416" }, "-m" },
	{ { "prog", "--socket-mem", "" }, "--socket-mem" },
	{ { "prog", "--socket-mem=" }, "--socket-mem" },
	{ { "prog", "--socket-mem", "1,,2" }, "--socket-mem" },
	{ { "prog", "--socket-mem", "1," }, "--socket-mem" },
	{ { "prog", "--socket-mem", ",1" }, "--socket-mem" },
	{ { "prog", "--socket-mem", "1 ,2" }, "--socket-mem" },
	{ { "prog", "--socket-mem", "-1" }, "--socket-mem" },
	{ { "prog", "--socket-mem", "1,2,3,4,5,6,7,8,9" }, "--socket-mem" },
	{ { "prog", "--socket-mem", "99999999999999999999" }, "--socket-mem" },
	{ { "prog", "--socket-mem", "1,123456789012345678901234567890123" }, "--socket-mem" },
	{ { "prog", "--socket-limit", "x" }, "--socket-limit" },
	{ { "prog", "--numa-limit=1;2" }, "--numa-limit" },
	/* malformed words */
	{ { "prog", "--huge-dir", "" }, "--huge-dir" },
	{ { "prog", "--huge-dir=" }, "--huge-dir" },
	{ { "prog", "--huge-unlink=sometimes" }, "--huge-unlink" },
	{ { "prog", "--huge-unlink=" }, "--huge-unlink" },
	{ { "prog", "--file-prefix", "" }, "--file-prefix" },
	{ { "prog", "--file-prefix", "a/b" }, "--file-prefix" },
	{ { "prog", "--file-prefix", "a.b" }, "--file-prefix" },
	{ { "prog", "--file-prefix", "a%d" }, "--file-prefix" },
	{ { "prog", "--base-virtaddr", "0" }, "--base-virtaddr" },
	{ { "prog", "--base-virtaddr", "0x" }, "--base-virtaddr" },
	{ { "prog", "--base-virtaddr", "xyz" }, "--base-virtaddr" },
	{ { "prog", "--base-virtaddr", "-1" }, "--base-virtaddr" },
	{ { "prog", "--base-virtaddr", "0x7f0000000001" }, "--base-virtaddr" },
	{ { "prog", "--base-virtaddr", "0x1ffffffffffffffff" }, "--base-virtaddr" },
	{ { "prog", "--iova-mode=dc" }, "--iova-mode" },
	{ { "prog", "--iova-mode=PA" }, "--iova-mode" },
	{ { "prog", "--proc-type=tertiary" }, "--proc-type" },
	{ { "prog", "--proc-type", "" }, "--proc-type" },
	{ { "prog", "--log-level=0" }, "--log-level" },
	{ { "prog", "--log-level=foo" }, "--log-level" },
	{ { "prog", "--log-level=help" }, "--log-level" },
	{ { "prog", "--log-level=lib.eal:" }, "--log-level" },
	{ { "prog", "--log-level=lib.eal:bogus" }, "--log-level" },
	{ { "prog", "--log-level", "" }, "--log-level" },
	{ { "prog", "--log-level", "-1" }, "--log-level" },
	/* cores */
	{ { "prog", "-l", "" }, "-l" },
	{ { "prog", "-l", "  " }, "-l" },
	{ { "prog", "-l", "a" }, "-l" },
	{ { "prog", "-l", "0-3@1" }, "-l" },
	{ { "prog", "--lcores", "0;1" }, "--lcores" },
	{ { "prog", "-l", "0", "-l", "1" }, "-l" },
	{ { "prog", "-l", "0", "-c", "1" }, "-c" },
	{ { "prog", "-c", "1", "--lcores", "0" }, "--lcores" },
	{ { "prog", "-c", "0" }, "-c" },
	{ { "prog", "-c", "0x" }, "-c" },
	{ { "prog", "-c", "0xg" }, "-c" },
	{ { "prog", "-c", "" }, "-c" },
	{ { "prog", "-c", "0x5555555555555555555555555555555555555555555555555555555555555555" }, "-c" },
	/* devices */
	{ { "prog", "--vdev", "" }, "--vdev" },
	/* combinations DPDK refuses */
	{ { "prog", "-m", "64", "--socket-mem", "64" }, "-m" },
	{ { "prog", "--socket-mem=64", "-m", "0" }, "-m" },
	{ { "prog", "--no-huge", "--socket-mem", "64" }, "--socket-mem" },
	{ { "prog", "--no-huge", "--huge-unlink" }, "--huge-unlink" },
	{ { "prog", "--socket-limit", "64", "--legacy-mem" }, "--socket-limit" },
	{ { "prog", "--single-file-segments", "--huge-unlink" }, "--single-file-segments" },
	{ { "prog", "--single-file-segments", "--huge-unlink=always" }, "--single-file-segments" },
	{ { "prog", "--in-memory", "--huge-unlink=never" }, "--in-memory" },
	{ { "prog", "--huge-unlink=never", "--in-memory" }, "--in-memory" },
	{ { "prog", "--legacy-mem", "--in-memory" }, "--legacy-mem" },
	{ { "prog", "--legacy-mem", "--match-allocations" }, "--legacy-mem" },
	{ { "prog", "--no-huge", "--match-allocations" }, "--no-huge" },
	{ { "prog", "-a", "x", "-b", "y" }, "-a" },
	{ { "prog", "--block=y", "-w", "x" }, "-a" },
	{ { "prog", "--socket-mem", "1024,1024", "--socket-limit", "512,0" }, "--socket-limit" },
	{ { "prog", "--socket-limit", "0,512", "--socket-mem", "0,1024" }, "--socket-limit" },
	/* a refusal stops at the first bad option, even after "--" was not reached */
	{ { "prog", "-m", "64", "--bad", "--", "x" }, "--bad" },
};

static void
test_eal_options_invalid_table(void)
{
	size_t i;

	for (i = 0; i < RTE_DIM(invalid_cases); i++)
		expect_refused(invalid_cases[i].args, invalid_cases[i].opt);
}

/* A string of len copies of c (and a NUL) in buf. */
static char *
fill(char *buf, char c, size_t len)
{
	memset(buf, c, len);
	buf[len] = '\0';
	return buf;
}

/* One option with a value of len copies of c: ok is whether it must parse. */
static void
expect_length(const char *opt, char c, size_t len, bool ok)
{
	static char val[PATH_MAX + 8];
	const char *args[] = { "prog", opt, fill(val, c, len), NULL };
	struct eal_options o;
	struct run r;

	if (!ok) {
		expect_refused(args, opt);
		return;
	}
	run_parse(args, &o, &r);
	CU_ASSERT_EQUAL(r.ret, 2);
	free(r.log);
}

static void
test_eal_options_invalid_lengths(void)
{
	expect_length("--file-prefix", 'p', EAL_PREFIX_LEN - 1, true);
	expect_length("--file-prefix", 'p', EAL_PREFIX_LEN, false);
	expect_length("--huge-dir", 'd', PATH_MAX - 1, true);
	expect_length("--huge-dir", 'd', PATH_MAX, false);
	expect_length("--vdev", 'v', EAL_VDEV_LEN - 1, true);
	expect_length("--vdev", 'v', EAL_VDEV_LEN, false);
	expect_length("-l", '1', sizeof(((struct eal_options *)0)->lcores) - 1, true);
	expect_length("-l", '1', sizeof(((struct eal_options *)0)->lcores), false);
}

static void
test_eal_options_invalid_too_many_vdevs(void)
{
	const char *args[2 * (EAL_MAX_VDEVS + 1) + 2] = { "prog" };
	struct eal_options o;
	struct run r;
	int i;

	for (i = 0; i < EAL_MAX_VDEVS; i++) {
		args[1 + 2 * i] = "--vdev";
		args[2 + 2 * i] = "net_null0";
	}
	run_parse(args, &o, &r);
	CU_ASSERT_EQUAL(r.ret, 2 * EAL_MAX_VDEVS);
	CU_ASSERT_EQUAL(o.n_vdevs, EAL_MAX_VDEVS);
	free(r.log);
	args[1 + 2 * i] = "--vdev";
	args[2 + 2 * i] = "net_null1";
	expect_refused(args, "--vdev");
}

/* ---- fuzz ---- */

#define FUZZ_MAX_WORDS 10
#define FUZZ_WORD_LEN 48

static const char *const fuzz_opts[] = {
	"-m", "--socket-mem", "--numa-mem", "--socket-limit", "--numa-limit",
	"--single-file-segments", "--legacy-mem", "--in-memory", "--no-huge",
	"--huge-dir", "--huge-unlink", "--file-prefix", "--base-virtaddr",
	"--iova-mode", "--proc-type", "--match-allocations", "--no-shconf",
	"--log-level", "-l", "--lcores", "--vdev", "-n", "-r", "--no-pci", "-a",
	"--allow", "-b", "--block", "-w", "--no-telemetry", "--telemetry",
	"--main-lcore", "--master-lcore", "--no-hpet", "-c", "-v", "--syslog",
	"--create-uio-dev", "--vfio-intr", "--mbuf-pool-ops-name", "--", "-",
	"---", "--=", "-h", "--unknown",
};

static const char *const fuzz_vals[] = {
	"", "0", "1", "64", "1024,512", "1,,2", "0,0,0,0,0,0,0,0,0",
	"99999999999999999999", "17592186044416", "-1", "0x7f0000000000",
	"0x7f0000000001", "pa", "va", "auto", "secondary", "debug",
	"lib.eal:debug", "x,9", "0-3", "1@(0,2)", "0xff", "net_null0",
	"always", "never", "existing", "a/b", "a.b", "app", "=", ",",
};

static uint64_t fuzz_rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
fuzz_next(uint32_t bound)
{
	fuzz_rng ^= fuzz_rng << 13;
	fuzz_rng ^= fuzz_rng >> 7;
	fuzz_rng ^= fuzz_rng << 17;
	return (uint32_t)(fuzz_rng % bound);
}

static void
fuzz_junk(char *w)
{
	uint32_t len = fuzz_next(FUZZ_WORD_LEN - 1), i;

	for (i = 0; i < len; i++)
		w[i] = (char)(1 + fuzz_next(255));
	w[len] = '\0';
}

/* One random word: an option, "option=value", a value or junk. */
static void
fuzz_word(char *w)
{
	const char *opt = fuzz_opts[fuzz_next(RTE_DIM(fuzz_opts))];
	const char *val = fuzz_vals[fuzz_next(RTE_DIM(fuzz_vals))];

	switch (fuzz_next(5)) {
	case 0:
	case 1:
		snprintf(w, FUZZ_WORD_LEN, "%s", opt);
		break;
	case 2:
		snprintf(w, FUZZ_WORD_LEN, "%s=%s", opt, val);
		break;
	case 3:
		snprintf(w, FUZZ_WORD_LEN, "%s", val);
		break;
	default:
		fuzz_junk(w);
	}
}

static void
test_eal_options_fuzz(void)
{
	static char words[FUZZ_MAX_WORDS][FUZZ_WORD_LEN], copy[FUZZ_MAX_WORDS][FUZZ_WORD_LEN];
	unsigned long n = test_scale(100000, 2000), iter, n_ok = 0;
	char *argv[FUZZ_MAX_WORDS + 2] = { "prog" };
	FILE *devnull = fopen("/dev/null", "w");
	struct eal_options o;
	int argc, i, ret;

	CU_ASSERT_FATAL(devnull != NULL);
	rte_openlog_stream(devnull);
	for (iter = 0; iter < n; iter++) {
		argc = 1 + (int)fuzz_next(FUZZ_MAX_WORDS + 1);
		for (i = 1; i < argc; i++) {
			fuzz_word(words[i - 1]);
			argv[i] = words[i - 1];
		}
		argv[argc] = NULL;
		memcpy(copy, words, sizeof(words));
		eal_options_defaults(&o);
		ret = eal_options_parse(argc, argv, &o);
		CU_ASSERT(ret == -EINVAL || (ret >= 0 && ret <= argc - 1));
		CU_ASSERT_EQUAL(memcmp(copy, words, sizeof(words)), 0);
		n_ok += ret >= 0;
	}
	rte_openlog_stream(NULL);
	fclose(devnull);
	printf("\n  fuzz: %lu vectors, %lu parsed, %lu refused ", n, n_ok, n - n_ok);
}

/* ---- registration ---- */

const struct test_role test_roles[] = {
	{ NULL, NULL },
};


#define T(fn) TEST_DEF(fn)

static const struct test_def valid_tests[] = {
	T(test_eal_options_valid_table), T(test_eal_options_valid_defaults),
	T(test_eal_options_valid_ignored_logged),
	{ NULL, NULL },
};

static const struct test_def invalid_tests[] = {
	T(test_eal_options_invalid_table), T(test_eal_options_invalid_lengths),
	T(test_eal_options_invalid_too_many_vdevs),
	{ NULL, NULL },
};

static const struct test_def fuzz_tests[] = {
	T(test_eal_options_fuzz),
	{ NULL, NULL },
};

#undef T

static void
add_suite(const char *name, const struct test_def *tests)
{
	test_add_suite(name, tests, &(struct test_hooks){ quiet_setup,
			quiet_teardown, NULL, NULL });
}

void
test_register(void)
{
	add_suite("eal_options_valid", valid_tests);
	add_suite("eal_options_invalid", invalid_tests);
	add_suite("eal_options_fuzz", fuzz_tests);
}
