/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * rte_log: one global level and one stream for the whole process. The level
 * is read once from MEMPLANE_LOG_LEVEL (a number or a name) the first time
 * anything logs; rte_log_set_global_level() overrides it afterwards. Log
 * lines go to stderr by default: nothing in the library prints to stdout.
 */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_log.h>

static const char *const level_names[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

static uint32_t log_level = RTE_LOG_NOTICE;
static FILE *log_stream;
static pthread_once_t log_env_once = PTHREAD_ONCE_INIT;

static uint32_t
clamp_level(uint32_t level)
{
	if (level < RTE_LOG_EMERG)
		return RTE_LOG_EMERG;
	return level > RTE_LOG_MAX ? RTE_LOG_MAX : level;
}

/* A level named by number or by name; 0 when the text is neither. */
static uint32_t
parse_level(const char *text)
{
	char *end;
	unsigned long num = strtoul(text, &end, 10);
	uint32_t i;

	if (end != text && *end == '\0')
		return num >= RTE_LOG_EMERG && num <= RTE_LOG_MAX ? num : 0;
	for (i = 0; i < RTE_DIM(level_names); i++)
		if (strcasecmp(text, level_names[i]) == 0)
			return i + 1;
	return 0;
}

static void
read_env_level(void)
{
	const char *text = getenv("MEMPLANE_LOG_LEVEL");
	uint32_t level = text != NULL ? parse_level(text) : 0;

	if (level != 0)
		__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

int
rte_vlog(uint32_t level, uint32_t logtype, const char *format, va_list ap)
{
	RTE_SET_USED(logtype);
	pthread_once(&log_env_once, read_env_level);
	if (level > __atomic_load_n(&log_level, __ATOMIC_RELAXED))
		return 0;
	return vfprintf(rte_log_get_stream(), format, ap) < 0 ? -1 : 0;
}

int
rte_log(uint32_t level, uint32_t logtype, const char *format, ...)
{
	va_list ap;
	int ret;

	va_start(ap, format);
	ret = rte_vlog(level, logtype, format, ap);
	va_end(ap);
	return ret;
}

void
rte_log_set_global_level(uint32_t level)
{
	pthread_once(&log_env_once, read_env_level);
	__atomic_store_n(&log_level, clamp_level(level), __ATOMIC_RELAXED);
}

uint32_t
rte_log_get_global_level(void)
{
	pthread_once(&log_env_once, read_env_level);
	return __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

int
rte_openlog_stream(FILE *f)
{
	__atomic_store_n(&log_stream, f, __ATOMIC_RELEASE);
	return 0;
}

FILE *
rte_log_get_stream(void)
{
	FILE *f = __atomic_load_n(&log_stream, __ATOMIC_ACQUIRE);

	return f != NULL ? f : stderr;
}
