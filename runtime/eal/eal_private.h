/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * What the other runtime modules may ask of the EAL: the options this
 * process started with, its role, its runtime directory and the group's
 * shared configuration. Valid from rte_eal_init() until rte_eal_cleanup().
 */

#ifndef MEMPLANE_EAL_PRIVATE_H
#define MEMPLANE_EAL_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/eal/eal_memcfg.h"
#include "runtime/eal/eal_options.h"

const struct eal_options *eal_opts(void);
bool eal_is_primary(void);
/* NULL with --no-shconf: nothing of this process lives on disk. */
const char *eal_runtime_dir(void);
struct eal_memcfg *eal_mcfg(void);

/* eal_rundir.c */

/* The runtime directory of a prefix: $RUNTIME_DIRECTORY/<prefix>, else
 * /var/run/memplane/<prefix> for root, else $XDG_RUNTIME_DIR/memplane/
 * <prefix> or /tmp/memplane/<prefix>. 0 or -ENAMETOOLONG.
 */
int eal_rundir_path(const char *prefix, char *buf, size_t size);
/* Create it (and its parents) with mode 0700. 0 or -errno. */
int eal_rundir_create(const char *path);
/* Remove the page tables (fbarray files) no process holds a lock on:
 * leftovers of a dead group. pre: this process holds the config's lock.
 */
void eal_rundir_sweep(const char *dir);
/* Remove whatever is left in it: sockets of processes gone, tables nobody
 * held. pre: this process is the last of the group and holds (or held
 * until just now) the config's lock, so nothing there is anyone's. */
void eal_rundir_clear(const char *path);
/* Remove it if it is empty; its parents are left alone. */
void eal_rundir_remove(const char *path);

/* eal_config.c */

/* The path of the group's config file in dir. 0 or -ENAMETOOLONG. */
int eal_config_path(const char *dir, char *buf, size_t size);
/*
 * Primary: create the config in dir, locked for this process's life, and
 * map it at base (or the first free place above it). 0, or -EEXIST when a
 * live primary holds it, or -errno.
 */
int eal_config_create(const char *dir, uint64_t base, struct eal_memcfg **out);
/* --no-shconf: the same in private memory, with no file. 0 or -errno. */
int eal_config_create_private(uint64_t base, struct eal_memcfg **out);
/* Secondary: map the config of the live primary in dir at its address.
 * 0, or -ENOENT (no live primary), -EADDRNOTAVAIL, -EPROTO (another
 * layout version), -errno.
 */
int eal_config_attach(const char *dir, struct eal_memcfg **out);
/* Size of the config's mapping; the memseg lists are laid out after it. */
size_t eal_config_size(void);
/* Secondary leaving last: take the config's lock, so that no primary can
 * start while this process removes the group. 0, -EEXIST (a primary runs
 * or is starting), or -errno. eal_config_close() releases it.
 */
int eal_config_claim(const char *dir);
/* Unmap the config; with remove, also delete its file. */
void eal_config_close(struct eal_memcfg *cfg, const char *dir, bool remove);
/* 1 when a live primary holds the config at path, 0 when none, -errno. */
int eal_config_primary_alive(const char *path);

/* Add this process to the table (-ENOSPC when full) / take it out. */
int eal_proc_register(struct eal_memcfg *cfg, bool primary);
void eal_proc_unregister(struct eal_memcfg *cfg);
/* How many other processes of the table are alive; dead ones are freed. */
int eal_proc_count_others(struct eal_memcfg *cfg);
/* The live primary's pid, or 0. */
pid_t eal_proc_primary(struct eal_memcfg *cfg);

/* eal_watch.c */

/* Secondary: start watching for the death of primary. 0 or -errno. */
int eal_watch_primary_start(pid_t primary);
/* Stop watching and forget the callbacks (a no-op when not watching). */
void eal_watch_primary_stop(void);

/* eal_aslr.c */

/* Log each mapping of this process that meets [addr, addr + len). */
void eal_log_in_the_way(uint64_t addr, size_t len);
/* Run this program again from the start with address randomisation off,
 * once (see eal_aslr.c); returns only when that cannot or must not be. */
void eal_reexec_without_aslr(void);

/* A robust process-shared mutex (recursive when asked). 0 or -errno. */
int eal_shared_mutex_init(pthread_mutex_t *m, bool recursive);
/* Lock; a lock whose holder died is made consistent and 1 is returned so
 * the caller can check what it guards; else 0.
 */
int eal_shared_mutex_lock(pthread_mutex_t *m);

#endif /* MEMPLANE_EAL_PRIVATE_H */
