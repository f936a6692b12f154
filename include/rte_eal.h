/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The process group's environment: start-up and clean-up of a process
 * (rte_eal_init, rte_eal_cleanup), its role, and the IPC channel between a
 * primary and its secondaries (rte_mp_*).
 *
 * IPC model. Each process owns one datagram socket in the group's runtime
 * directory and a thread that reads it and runs the registered actions. A
 * primary's messages and requests go to every live secondary; a
 * secondary's go to the primary. Requests carry ids, so any number of
 * threads may have requests in flight at once. A peer that has died is
 * skipped (and its socket file removed); a peer that does not answer costs
 * at most the request's timeout. Datagrams that are malformed in any way
 * are dropped with a log line, and descriptors they carried are closed.
 */

#ifndef _RTE_EAL_H_
#define _RTE_EAL_H_

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The role of a process in its group. */
enum rte_proc_type_t {
	RTE_PROC_AUTO = -1,   /**< Secondary if a primary runs, else primary. */
	RTE_PROC_PRIMARY = 0, /**< Owns the group's memory. */
	RTE_PROC_SECONDARY,   /**< Joins a running primary. */
	RTE_PROC_INVALID
};

/** What IOVAs (addresses devices use) are. */
enum rte_iova_mode {
	RTE_IOVA_DC = 0,        /**< Not decided (don't care). */
	RTE_IOVA_PA = (1 << 0), /**< Physical addresses. */
	RTE_IOVA_VA = (1 << 1)  /**< Virtual addresses. */
};

/**
 * Join or start a group: parse the options (docs/OPTIONS.md), then as a
 * primary create the group's runtime directory, shared config and memory;
 * as a secondary map the running primary's; open IPC; start the lcores.
 * Arguments up to "--" (or the first non-option) are consumed, and
 * argv[ret] becomes argv[0], so that a program continues with
 * argc -= ret; argv += ret.
 *
 * @return
 *   The number of arguments consumed, or -1 with rte_errno:
 *   - EALREADY: init already ran in this process (or is running);
 *   - EINVAL: an unknown, malformed or contradictory option (the log
 *     names it), or a secondary whose memory options contradict the
 *     primary's;
 *   - EEXIST: (primary) a primary already runs with this --file-prefix;
 *   - ENOENT: (secondary) no primary runs with this --file-prefix;
 *   - ENOMEM: no free hugepages (and not --no-huge), or -m/--socket-mem
 *     memory could not be mapped;
 *   - EADDRNOTAVAIL: (secondary) the group's addresses are taken in this
 *     process;
 *   - EACCES: --iova-mode=pa without root;
 *   - ENOTSUP: (secondary) the primary's mode cannot be joined;
 *   - other errno values from the system.
 *   When init fails nothing it created is left behind, and it may be
 *   called again.
 */
int rte_eal_init(int argc, char **argv);

/**
 * Leave the group: stop the lcores, close IPC, unmap all memory and remove
 * what this process owns. The last process of the group to leave, primary
 * or secondary, removes the group's pages, page tables, config and runtime
 * directory.
 *
 * @return
 *   0, or -1 with rte_errno = EALREADY when init has not run (or cleanup
 *   already did).
 */
int rte_eal_cleanup(void);

/**
 * @return
 *   RTE_PROC_PRIMARY or RTE_PROC_SECONDARY once rte_eal_init() has
 *   succeeded, RTE_PROC_INVALID before.
 */
enum rte_proc_type_t rte_eal_process_type(void);

/**
 * Is a primary alive for the config file at config_file_path (NULL: this
 * process's group, or the default --file-prefix before init)?
 *
 * @return 1 when alive, 0 otherwise.
 */
int rte_eal_primary_proc_alive(const char *config_file_path);

/** Called in a secondary when its primary has ended (memplane only). */
typedef void (*rte_eal_primary_gone_cb_t)(void *arg);

/**
 * Have fn(arg) called, in a secondary, as soon as the group's primary
 * ends, however it ends (memplane only: DPDK has no such call). It runs
 * on a thread of the runtime, within a second of the primary's end (in
 * practice at once); it must not register or unregister callbacks, nor
 * call rte_eal_cleanup() (set a flag for another thread to act on). The
 * secondary keeps the memory it has mapped; growing memory and requests
 * to the primary fail from then on. A line is logged as well. Callbacks
 * may be registered before rte_eal_init(); rte_eal_cleanup() forgets them.
 *
 * @return 0, or -1 with rte_errno: EINVAL (fn NULL), EEXIST (fn and arg
 *   registered already), ENOSPC (16 callbacks registered already).
 */
int rte_eal_primary_gone_callback_register(rte_eal_primary_gone_cb_t fn,
		void *arg);

/**
 * Undo rte_eal_primary_gone_callback_register().
 *
 * @return 0, or -1 with rte_errno EINVAL (fn NULL) or ENOENT (not
 *   registered).
 */
int rte_eal_primary_gone_callback_unregister(rte_eal_primary_gone_cb_t fn,
		void *arg);

/** @return This process's runtime directory ("" before init and with --no-shconf). */
const char *rte_eal_get_runtime_dir(void);

/** @return The group's IOVA mode; RTE_IOVA_DC before init. */
enum rte_iova_mode rte_eal_iova_mode(void);

/** @return Nonzero when the group's memory is hugepages (not --no-huge). */
int rte_eal_has_hugepages(void);

#define RTE_MP_MAX_FD_NUM    8   /**< Most descriptors one message carries. */
#define RTE_MP_MAX_NAME_LEN  64  /**< Longest action name, with its NUL. */
#define RTE_MP_MAX_PARAM_LEN 256 /**< Most parameter bytes in one message. */

/** A message, request or reply. */
struct rte_mp_msg {
	char name[RTE_MP_MAX_NAME_LEN]; /**< Action to run at the receiver. */
	int len_param;                  /**< Bytes used in param. */
	int num_fds;                    /**< Descriptors used in fds. */
	uint8_t param[RTE_MP_MAX_PARAM_LEN];
	int fds[RTE_MP_MAX_FD_NUM];     /**< Sent with SCM_RIGHTS. */
};

/** The replies to one request. */
struct rte_mp_reply {
	int nb_sent;             /**< Peers the request reached. */
	int nb_received;         /**< Replies in msgs. */
	struct rte_mp_msg *msgs; /**< malloc'ed; the caller frees it. */
};

/**
 * An action, run on the receiver's IPC thread for each message or request
 * of its name. For a request it must answer with rte_mp_reply(), passing
 * peer through unchanged, even when it fails; its return value is only
 * logged. The descriptors in msg belong to the action.
 */
typedef int (*rte_mp_t)(const struct rte_mp_msg *msg, const void *peer);

/**
 * Called once per asynchronous request, on the IPC thread, when every peer
 * has answered or the timeout has passed (then nb_received < nb_sent).
 * reply->msgs is freed after the callback returns; the descriptors in it
 * belong to the callback.
 */
typedef int (*rte_mp_async_reply_t)(const struct rte_mp_msg *request,
		const struct rte_mp_reply *reply);

/**
 * Register the action for messages and requests named name.
 *
 * @return
 *   0 on success, -1 with rte_errno set:
 *   - EINVAL: name or action is NULL, or name is empty;
 *   - E2BIG: name has RTE_MP_MAX_NAME_LEN characters or more;
 *   - EEXIST: an action of that name is registered;
 *   - ENOTSUP: IPC is disabled;
 *   - ENOMEM: out of memory.
 */
int rte_mp_action_register(const char *name, rte_mp_t action);

/** Remove the action of that name, if any. Never fails. */
void rte_mp_action_unregister(const char *name);

/**
 * Send a message without waiting: a primary sends it to every live
 * secondary, a secondary to the primary. Descriptors in msg stay the
 * caller's.
 *
 * @return
 *   0 when every live peer was given the message, -1 with rte_errno set:
 *   - EINVAL: msg is NULL, its name is empty, or len_param or num_fds is
 *     negative;
 *   - E2BIG: name too long, len_param > RTE_MP_MAX_PARAM_LEN or
 *     num_fds > RTE_MP_MAX_FD_NUM;
 *   - ENOTSUP: IPC is not running in this process (disabled, or not
 *     started);
 *   - EAGAIN: a live peer did not take the message within 100 ms (its
 *     queue is full: it is stopped or stuck); the others got it;
 *   - ECONNREFUSED: (secondary) the primary is not running.
 */
int rte_mp_sendmsg(struct rte_mp_msg *msg);

/**
 * Send a request and wait for the replies: from a primary to every live
 * secondary, from a secondary to the primary. Returns when every peer has
 * replied, has been found dead, or the timeout has passed. Peers with no
 * action of that name are not counted in nb_sent.
 *
 * @param reply
 *   Filled in on success; reply->msgs is malloc'ed (NULL when no reply
 *   came) and the caller frees it and owns the descriptors in it.
 * @param ts
 *   How long to wait, relative.
 * @return
 *   0 on success (check nb_received against nb_sent), -1 with rte_errno:
 *   - EINVAL, E2BIG: as for rte_mp_sendmsg(); also reply or ts NULL, or
 *     ts negative or with tv_nsec outside 0..999999999;
 *   - ENOTSUP: IPC is not running in this process;
 *   - EDEADLK: called from an action or an async callback (the IPC thread
 *     would wait for itself); use rte_mp_request_async() there;
 *   - ECONNREFUSED: (secondary) the primary is not running;
 *   - ENOMEM, or a socket error: the request could not be sent.
 */
int rte_mp_request_sync(struct rte_mp_msg *req, struct rte_mp_reply *reply,
		const struct timespec *ts);

/**
 * Send a request and return at once; clb runs on the IPC thread when every
 * peer has answered or the timeout has passed. When there is no peer, clb
 * runs soon with nb_sent == 0.
 *
 * @return
 *   0 when the request is on its way (clb will run exactly once), -1 with
 *   rte_errno as for rte_mp_request_sync() (except EDEADLK: this call is
 *   allowed everywhere), also EINVAL when clb is NULL.
 */
int rte_mp_request_async(struct rte_mp_msg *req, const struct timespec *ts,
		rte_mp_async_reply_t clb);

/**
 * Answer a request from inside (or after) its action.
 *
 * @param msg
 *   The reply; its name should be the request's.
 * @param peer
 *   The peer argument the action was given (a string; it may be copied).
 * @return
 *   0 when sent, or when the requester has gone away meanwhile; -1 with
 *   rte_errno: EINVAL/E2BIG for msg as for rte_mp_sendmsg() or peer NULL,
 *   ENOTSUP when IPC is not running, EAGAIN when the requester's queue
 *   stayed full for 100 ms.
 */
int rte_mp_reply(struct rte_mp_msg *msg, const char *peer);

/**
 * Stop IPC for the rest of the process's life, if nothing uses it.
 *
 * @return
 *   true when IPC is now disabled: this is a primary with no live
 *   secondary, or IPC never started; false otherwise (a secondary, or a
 *   primary with secondaries).
 */
bool rte_mp_disable(void);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_EAL_H_ */
