/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Running functions on worker lcores, with DPDK 22.11's names and
 * semantics: each worker lcore is a thread that sleeps (on a condition
 * variable, never spinning) in the WAIT state until the main lcore hands
 * it a function, runs it in the RUNNING state, keeps its return value and
 * goes back to WAIT. Everything here concerns this process only.
 *
 * Like DPDK, these calls return negative errno values, not -1 with
 * rte_errno, and leave rte_errno alone. Unlike DPDK, which indexes its
 * tables without checking, a bad lcore id is refused with -EINVAL. Before
 * rte_eal_init() (and after rte_eal_cleanup()) no lcore exists: launches
 * fail with -EINVAL and rte_eal_mp_wait_lcore() returns at once.
 */

#ifndef _RTE_LAUNCH_H_
#define _RTE_LAUNCH_H_

#ifdef __cplusplus
extern "C" {
#endif

/** State of an lcore. */
enum rte_lcore_state_t {
	WAIT,    /**< Waiting for a new command. */
	RUNNING, /**< Executing a command. */
};

/** A function to run on an lcore; its return value is kept for rte_eal_wait_lcore(). */
typedef int (lcore_function_t)(void *);

/**
 * Launch a function on a worker lcore and return without waiting for it.
 *
 * To be called from the main lcore. The worker switches to RUNNING at
 * once (so a second launch before it finished fails with -EBUSY), calls
 * f(arg), stores the return value and switches back to WAIT.
 *
 * @param f
 *   The function to run; not NULL.
 * @param arg
 *   Its argument.
 * @param worker_id
 *   A worker lcore: enabled and not the main lcore.
 * @return
 *   - 0: f was handed to the worker.
 *   - (-EBUSY): the worker is not in the WAIT state.
 *   - (-EINVAL): f is NULL, or worker_id is not an enabled lcore
 *     (>= RTE_MAX_LCORE, disabled, or no lcores started), or it is the
 *     main lcore.
 */
int rte_eal_remote_launch(lcore_function_t *f, void *arg, unsigned worker_id);

/** Whether rte_eal_mp_remote_launch() also runs the function on the main lcore. */
enum rte_rmt_call_main_t {
	SKIP_MAIN = 0, /**< lcore handler not executed by main core. */
	CALL_MAIN,     /**< lcore handler executed by main core. */
};

/**
 * Launch a function on every worker lcore, and on the main lcore too if
 * call_main is CALL_MAIN.
 *
 * To be called from the main lcore. The workers are checked and handed f
 * together, so either all of them start it or none does. With CALL_MAIN,
 * f runs in the caller after the workers were started, and its return
 * value is what rte_eal_wait_lcore(rte_get_main_lcore()) then returns.
 *
 * @return
 *   - 0: f started on every worker (and ran on the main lcore).
 *   - (-EBUSY): at least one worker is not in the WAIT state; no worker
 *     was given f and the main lcore did not run it.
 *   - (-EINVAL): f is NULL, or no lcores are started.
 */
int rte_eal_mp_remote_launch(lcore_function_t *f, void *arg,
		enum rte_rmt_call_main_t call_main);

/**
 * The state of an lcore.
 *
 * @return
 *   RUNNING while a launched function has not returned, else WAIT. WAIT
 *   also for an lcore that is not enabled (or an id >= RTE_MAX_LCORE):
 *   nothing runs there.
 */
enum rte_lcore_state_t rte_eal_get_lcore_state(unsigned int worker_id);

/**
 * Wait until an lcore has finished its function.
 *
 * To be called from the main lcore. If the lcore is RUNNING, sleep until
 * it is back in WAIT. As in DPDK 22.11, an lcore in WAIT returns at once
 * with the value of its last function, so calling this twice returns the
 * same value twice. The main lcore is accepted: it returns the value of
 * the last rte_eal_mp_remote_launch(..., CALL_MAIN).
 *
 * @return
 *   - 0: no function was ever launched on this lcore since start-up.
 *   - The value that the last function launched on it returned.
 *   - (-EINVAL): worker_id is not an enabled lcore. Since a function may
 *     return any int, check the id before relying on this.
 *   - (-EDEADLK): the caller is that lcore and is running its function
 *     (waiting would never end).
 */
int rte_eal_wait_lcore(unsigned worker_id);

/**
 * Wait until every worker lcore is in the WAIT state; the return values
 * are not reported. Returns at once when no lcores are started.
 */
void rte_eal_mp_wait_lcore(void);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_LAUNCH_H_ */
