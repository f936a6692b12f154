/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * A small logging facility with DPDK's names: eight syslog-style levels, a
 * few log types, one global level and one output stream (stderr unless
 * rte_openlog_stream() says otherwise). The level starts at RTE_LOG_NOTICE
 * and can be set before start-up with the environment variable
 * MEMPLANE_LOG_LEVEL (a number 1-8 or a name such as "debug").
 */

#ifndef _RTE_LOG_H_
#define _RTE_LOG_H_

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTE_LOG_EMERG   1U  /**< System is unusable. */
#define RTE_LOG_ALERT   2U  /**< Action must be taken immediately. */
#define RTE_LOG_CRIT    3U  /**< Critical conditions. */
#define RTE_LOG_ERR     4U  /**< Error conditions. */
#define RTE_LOG_WARNING 5U  /**< Warning conditions. */
#define RTE_LOG_NOTICE  6U  /**< Normal but significant condition. */
#define RTE_LOG_INFO    7U  /**< Informational. */
#define RTE_LOG_DEBUG   8U  /**< Debug-level messages. */
#define RTE_LOG_MAX RTE_LOG_DEBUG

#define RTE_LOGTYPE_EAL     0  /**< Environment layer and fbarrays. */
#define RTE_LOGTYPE_MALLOC  1  /**< Heaps. */
#define RTE_LOGTYPE_USER1  24  /**< For the application. */
#define RTE_LOGTYPE_USER2  25
#define RTE_LOGTYPE_USER3  26
#define RTE_LOGTYPE_USER4  27
#define RTE_LOGTYPE_USER5  28
#define RTE_LOGTYPE_USER6  29
#define RTE_LOGTYPE_USER7  30
#define RTE_LOGTYPE_USER8  31

/**
 * Write a message if level is at or below the global level.
 *
 * @return
 *   0 on success (also when the message was filtered out), -1 if the
 *   stream could not be written.
 */
int rte_log(uint32_t level, uint32_t logtype, const char *format, ...)
	__rte_format_printf(3, 4);

/** As rte_log(), with a va_list. */
int rte_vlog(uint32_t level, uint32_t logtype, const char *format, va_list ap)
	__rte_format_printf(3, 0);

/** Set the global level; values outside 1..8 are clamped into it. */
void rte_log_set_global_level(uint32_t level);

/** @return the global level. */
uint32_t rte_log_get_global_level(void);

/**
 * Send log output to f instead of stderr; NULL restores stderr.
 *
 * @return 0.
 */
int rte_openlog_stream(FILE *f);

/** @return the stream log output goes to. */
FILE *rte_log_get_stream(void);

/** Log with a level and type named without their prefixes: RTE_LOG(ERR, EAL, "...\n"). */
#define RTE_LOG(l, t, ...) \
	rte_log(RTE_LOG_ ## l, RTE_LOGTYPE_ ## t, # t ": " __VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif /* _RTE_LOG_H_ */
