/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * rte_eal_init() and rte_eal_cleanup(): the order in which a process joins
 * and leaves its group.
 *
 *   primary:   options -> runtime dir -> config (locked) -> memory ->
 *              process table -> IPC -> ready -> lcores
 *   secondary: options -> config of the live primary -> mode check ->
 *              process table -> IPC (hello) -> memory -> lcores
 *
 * A failed init undoes every step it made, so nothing is left on disk and
 * init may be called again. Clean-up removes what the process owns; a
 * primary that leaves no other live process behind removes the whole
 * group (pages, page tables, config, runtime dir).
 */

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "fbarray/fbarray_private.h"
#include "ipc/mp_private.h"
#include "runtime/dev/dev_private.h"
#include "runtime/eal/eal_lcore.h"
#include "runtime/eal/eal_private.h"
#include "runtime/heap/heap_private.h"
#include "runtime/mem/mem_private.h"

#define MP_GROUP "mp_socket"

/* Mode flags a secondary may not contradict. */
#define EAL_MEMF_MUST_MATCH (EAL_MEMF_LEGACY | EAL_MEMF_SINGLE_FILE | \
		EAL_MEMF_IN_MEMORY | EAL_MEMF_NO_HUGE)

static struct {
	bool running;
	enum rte_proc_type_t proc_type;
	struct eal_options opts;
	char rundir[PATH_MAX];   /* "" with --no-shconf */
	struct eal_memcfg *mcfg;
	bool ipc_open;
	bool lcores_started;
	bool registered;
} eal = { .proc_type = RTE_PROC_INVALID };

static int init_state; /* 0 idle, 1 initialising or running */

const struct eal_options *
eal_opts(void)
{
	return &eal.opts;
}

bool
eal_is_primary(void)
{
	return eal.proc_type == RTE_PROC_PRIMARY;
}

const char *
eal_runtime_dir(void)
{
	return eal.rundir[0] != '\0' ? eal.rundir : NULL;
}

struct eal_memcfg *
eal_mcfg(void)
{
	return eal.mcfg;
}

static int
resolve_role(void)
{
	char path[PATH_MAX];
	int alive;

	if (eal.opts.no_shconf) {
		if (eal.opts.proc_type == RTE_PROC_SECONDARY) {
			RTE_LOG(ERR, EAL, "--no-shconf runs a single process: a secondary cannot join it\n");
			return -EINVAL;
		}
		eal.proc_type = RTE_PROC_PRIMARY;
		return 0;
	}
	if (eal_rundir_path(eal.opts.file_prefix, eal.rundir,
			sizeof(eal.rundir)) < 0 ||
			eal_config_path(eal.rundir, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	eal.proc_type = eal.opts.proc_type;
	if (eal.proc_type != RTE_PROC_AUTO)
		return 0;
	alive = eal_config_primary_alive(path);
	if (alive < 0)
		return alive;
	eal.proc_type = alive ? RTE_PROC_SECONDARY : RTE_PROC_PRIMARY;
	return 0;
}

static int
set_iova_mode(struct eal_memcfg *cfg)
{
	if (eal.opts.iova_mode == RTE_IOVA_PA && geteuid() != 0) {
		RTE_LOG(ERR, EAL, "--iova-mode=pa needs physical addresses, which only root can read; run as root or use --iova-mode=va\n");
		return -EACCES;
	}
	cfg->iova_mode = eal.opts.iova_mode == RTE_IOVA_DC ? RTE_IOVA_VA :
		eal.opts.iova_mode;
	return 0;
}

static int
open_config_primary(void)
{
	uint64_t base = eal.opts.base_virtaddr ? eal.opts.base_virtaddr :
		EAL_DEFAULT_BASE;
	int ret;

	if (eal.opts.no_shconf)
		return eal_config_create_private(base, &eal.mcfg);
	ret = eal_rundir_create(eal.rundir);
	if (ret < 0) {
		RTE_LOG(ERR, EAL, "cannot create the runtime directory %s: %s\n",
			eal.rundir, strerror(-ret));
		return ret;
	}
	ret = eal_config_create(eal.rundir, base, &eal.mcfg);
	if (ret == 0)
		eal_rundir_sweep(eal.rundir);
	if (ret == -EEXIST)
		RTE_LOG(ERR, EAL, "a primary process already runs with --file-prefix %s (runtime directory %s); start this one as a secondary (--proc-type=secondary or auto) or give it another prefix\n",
			eal.opts.file_prefix, eal.rundir);
	return ret;
}

static int
start_ipc(void)
{
	int ret;

	if (eal.opts.no_shconf)
		return 0;
	ret = mp_channel_open(eal.rundir, MP_GROUP, eal_is_primary() ?
			MP_ROLE_PRIMARY : MP_ROLE_SECONDARY);
	if (ret < 0) {
		RTE_LOG(ERR, EAL, "cannot open the IPC channel in %s: %s\n",
			eal.rundir, strerror(-ret));
		return ret;
	}
	eal.ipc_open = true;
	return mem_ipc_register();
}

static int
init_primary(void)
{
	struct eal_memcfg *cfg;
	int ret;

	ret = open_config_primary();
	if (ret < 0)
		return ret;
	cfg = eal.mcfg;
	strlcpy(cfg->prefix, eal.opts.file_prefix, sizeof(cfg->prefix));
	cfg->va_end = (uintptr_t)cfg + eal_config_size();
	fbarray_set_dir(eal_runtime_dir());
	ret = set_iova_mode(cfg);
	if (ret == 0)
		ret = mem_init_primary(cfg, &eal.opts);
	if (ret == 0)
		ret = heap_init_primary(cfg);
	if (ret == 0)
		ret = eal_proc_register(cfg, true);
	eal.registered = ret == 0;
	if (ret == 0)
		ret = start_ipc();
	if (ret == 0)
		__atomic_store_n(&cfg->ready, 1, __ATOMIC_RELEASE);
	return ret;
}

static int
check_mode(const struct eal_memcfg *cfg)
{
	uint32_t mine = (eal.opts.legacy_mem ? EAL_MEMF_LEGACY : 0) |
		(eal.opts.single_file_segments ? EAL_MEMF_SINGLE_FILE : 0) |
		(eal.opts.in_memory ? EAL_MEMF_IN_MEMORY : 0) |
		(eal.opts.no_huge ? EAL_MEMF_NO_HUGE : 0);
	uint32_t extra = mine & ~cfg->mem_flags & EAL_MEMF_MUST_MATCH;

	if (extra != 0) {
		RTE_LOG(ERR, EAL, "this secondary asks for %s%s%s%sbut the primary does not run with it; start the secondary with the primary's memory options\n",
			extra & EAL_MEMF_LEGACY ? "--legacy-mem " : "",
			extra & EAL_MEMF_SINGLE_FILE ? "--single-file-segments " : "",
			extra & EAL_MEMF_IN_MEMORY ? "--in-memory " : "",
			extra & EAL_MEMF_NO_HUGE ? "--no-huge " : "");
		return -EINVAL;
	}
	if ((cfg->mem_flags & EAL_MEMF_HUGE_UNLINK) &&
			!(cfg->mem_flags & (EAL_MEMF_IN_MEMORY | EAL_MEMF_NO_HUGE))) {
		RTE_LOG(ERR, EAL, "the primary runs with --huge-unlink: its page files are gone, so a secondary cannot map its memory\n");
		return -ENOTSUP;
	}
	return 0;
}

/* Be told when the primary ends; a primary gone already ends init. */
static int
watch_primary(void)
{
	pid_t pid = eal_proc_primary(eal.mcfg);
	int ret = pid > 0 ? eal_watch_primary_start(pid) : -ESRCH;

	/* pid may have been reused between the table and the pidfd. */
	if (ret == 0 && eal_proc_primary(eal.mcfg) != pid)
		ret = -ESRCH;
	if (ret == -ESRCH)
		RTE_LOG(ERR, EAL, "the group's primary has ended while this secondary started\n");
	return ret;
}

static int
init_secondary(void)
{
	int ret;

	ret = eal_config_attach(eal.rundir, &eal.mcfg);
	if (ret == -ENOENT)
		RTE_LOG(ERR, EAL, "no primary process runs with --file-prefix %s (runtime directory %s): start the primary first, or use --proc-type=auto\n",
			eal.opts.file_prefix, eal.rundir);
	else if (ret == -EADDRNOTAVAIL)
		RTE_LOG(ERR, EAL, "the group's shared memory must be mapped at the address the primary chose, and something else already uses it in this process\n");
	if (ret == -EADDRNOTAVAIL)
		RTE_LOG(ERR, EAL, "to fix it: do not map anything at that address before rte_eal_init(), or start the primary with --base-virtaddr set to an address this process leaves free\n");
	if (ret < 0)
		return ret;
	fbarray_set_dir(eal.rundir);
	ret = check_mode(eal.mcfg);
	if (ret == 0)
		ret = eal_proc_register(eal.mcfg, false);
	eal.registered = ret == 0;
	if (ret == 0)
		ret = start_ipc();
	if (ret == 0)
		ret = mem_init_secondary(eal.mcfg);
	if (ret == 0)
		ret = heap_init_secondary(eal.mcfg);
	if (ret == 0)
		ret = watch_primary();
	return ret;
}

/*
 * Remove the whole group when this process is the last one out: a primary
 * with no live secondary, or a secondary whose primary has gone and who
 * can take the config's lock (so no new primary starts meanwhile).
 */
static bool
last_out(void)
{
	if (eal.mcfg == NULL || eal.rundir[0] == '\0')
		return eal_is_primary();
	if (eal_proc_count_others(eal.mcfg) > 0)
		return false;
	return eal_is_primary() || eal_config_claim(eal.rundir) == 0;
}

/* Undo whatever init did; remove the group when this is the last process. */
static void
leave_group(void)
{
	bool destroy = last_out();
	/* A process that never had the group's config (a primary refused
	 * because another runs) owns nothing in the directory. */
	bool owned = eal.mcfg != NULL;

	eal_watch_primary_stop();
	if (eal.lcores_started)
		eal_lcores_stop();
	dev_cleanup();
	/* Cached blocks go back while IPC still runs: a secondary's release
	 * of pages goes through the primary. */
	if (eal.mcfg != NULL)
		heap_cleanup(eal.mcfg, destroy);
	if (eal.ipc_open)
		mp_channel_close();
	if (eal.mcfg != NULL) {
		mem_cleanup(eal.mcfg, destroy);
		if (eal.registered)
			eal_proc_unregister(eal.mcfg);
		eal_config_close(eal.mcfg, eal.rundir, destroy);
	}
	if (destroy && owned && eal.rundir[0] != '\0')
		eal_rundir_clear(eal.rundir);
	if (destroy && eal.rundir[0] != '\0')
		eal_rundir_remove(eal.rundir);
	fbarray_set_dir(NULL);
	memset(&eal, 0, sizeof(eal));
	eal.proc_type = RTE_PROC_INVALID;
}

static int
init_process(int argc, char **argv)
{
	int consumed, ret;

	eal_options_defaults(&eal.opts);
	consumed = eal_options_parse(argc, argv, &eal.opts);
	if (consumed < 0)
		return consumed;
	if (eal.opts.log_level != 0)
		rte_log_set_global_level(eal.opts.log_level);
	ret = resolve_role();
	if (ret == 0)
		ret = eal_is_primary() ? init_primary() : init_secondary();
	if (ret == 0)
		ret = dev_init(&eal.opts);
	if (ret == 0)
		ret = eal_lcores_start(eal.opts.lcores, eal.opts.lcores_is_map);
	eal.lcores_started = ret == 0;
	if (ret < 0) {
		bool in_the_way = ret == -EADDRNOTAVAIL && !eal_is_primary();

		leave_group();
		if (in_the_way)
			eal_reexec_without_aslr();
		return ret;
	}
	if (consumed > 0)
		argv[consumed] = argv[0];
	return consumed;
}

int
rte_eal_init(int argc, char **argv)
{
	int expected = 0, ret;

	if (argc < 1 || argv == NULL) {
		rte_errno = EINVAL;
		return -1;
	}
	if (!__atomic_compare_exchange_n(&init_state, &expected, 1, false,
			__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		rte_errno = EALREADY;
		return -1;
	}
	ret = init_process(argc, argv);
	if (ret < 0) {
		__atomic_store_n(&init_state, 0, __ATOMIC_RELEASE);
		rte_errno = -ret;
		return -1;
	}
	eal.running = true;
	return ret;
}

int
rte_eal_cleanup(void)
{
	if (!eal.running) {
		rte_errno = EALREADY;
		return -1;
	}
	leave_group();
	__atomic_store_n(&init_state, 0, __ATOMIC_RELEASE);
	return 0;
}

enum rte_proc_type_t
rte_eal_process_type(void)
{
	return eal.running ? eal.proc_type : RTE_PROC_INVALID;
}

int
rte_eal_primary_proc_alive(const char *config_file_path)
{
	char dir[PATH_MAX], path[PATH_MAX];

	if (config_file_path == NULL) {
		if (eal.rundir[0] != '\0')
			strlcpy(dir, eal.rundir, sizeof(dir));
		else if (eal_rundir_path(EAL_DEFAULT_PREFIX, dir, sizeof(dir)) < 0)
			return 0;
		if (eal_config_path(dir, path, sizeof(path)) < 0)
			return 0;
		config_file_path = path;
	}
	return eal_config_primary_alive(config_file_path) == 1;
}

const char *
rte_eal_get_runtime_dir(void)
{
	return eal.rundir;
}

enum rte_iova_mode
rte_eal_iova_mode(void)
{
	return eal.mcfg != NULL ? (enum rte_iova_mode)eal.mcfg->iova_mode :
		RTE_IOVA_DC;
}

int
rte_eal_has_hugepages(void)
{
	return eal.mcfg != NULL && !(eal.mcfg->mem_flags & EAL_MEMF_NO_HUGE);
}
