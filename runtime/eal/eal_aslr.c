/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * When a secondary's address space is in the way.
 *
 * A secondary must map the group's config, page tables and reserved space
 * at the addresses the primary chose. With address randomisation on, the
 * kernel may already have put the secondary's own libraries, heap or stack
 * there. Then the secondary runs itself again, once, from the start, with
 * randomisation off for that one process (personality ADDR_NO_RANDOMIZE),
 * where the layout is the kernel's fixed one and far from the primary's
 * addresses. What the program did before rte_eal_init() is done again; a
 * program that cannot afford that sets MEMPLANE_NO_ASLR_REEXEC=1, and the
 * same variable (set by the runtime before it runs the program again)
 * keeps it from looping.
 *
 * When the way is still blocked (by a mapping the program itself made at
 * that address, for instance), init fails and the log names what is there.
 * Under valgrind, which lays programs out itself, there is no second run.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <unistd.h>

#include <valgrind/valgrind.h>

#include <rte_log.h>

#include "runtime/eal/eal_private.h"

#define REEXEC_ENV "MEMPLANE_NO_ASLR_REEXEC"
#define MAX_ARGS 256
#define CMDLINE_MAX 65536

void
eal_log_in_the_way(uint64_t addr, size_t len)
{
	char line[512], what[400];
	uint64_t start, end;
	FILE *f = fopen("/proc/self/maps", "re");

	RTE_LOG(ERR, EAL, "the group needs %#" PRIx64 "-%#" PRIx64 " in this process, which has there:\n",
		addr, addr + len);
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		what[0] = '\0';
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %*s %*s %*s %399[^\n]",
				&start, &end, what) < 2 ||
				end <= addr || start >= addr + len)
			continue;
		RTE_LOG(ERR, EAL, "  %#" PRIx64 "-%#" PRIx64 " %s\n",
			start, end, what[0] != '\0' ? what :
			"(anonymous memory of this program)");
	}
	if (f != NULL)
		fclose(f);
}

/* This process's command line, split into argv (NULL-terminated) in buf. */
static int
read_cmdline(char *buf, size_t len, char **argv, int max)
{
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC), n = 0;
	ssize_t got, used = 0;
	char *p;

	if (fd < 0)
		return -errno;
	while ((got = read(fd, buf + used, len - 1 - used)) > 0)
		used += got;
	close(fd);
	if (got < 0 || used == 0 || (size_t)used >= len - 1)
		return -EINVAL;
	buf[used] = '\0';
	for (p = buf; p < buf + used && n < max - 1; p += strlen(p) + 1)
		argv[n++] = p;
	argv[n] = NULL;
	return n;
}

void
eal_reexec_without_aslr(void)
{
	static char buf[CMDLINE_MAX];
	char *argv[MAX_ARGS];
	int persona = personality(0xffffffff);

	/* valgrind lays programs out itself and cannot load one run
	 * without randomisation. */
	if (RUNNING_ON_VALGRIND)
		return;
	if (getenv(REEXEC_ENV) != NULL || persona < 0 ||
			(persona & ADDR_NO_RANDOMIZE) ||
			read_cmdline(buf, sizeof(buf), argv, MAX_ARGS) < 0)
		return;
	RTE_LOG(NOTICE, EAL, "this secondary's address space is in the way of the group's; running it again without address randomisation (set %s=1 to prevent this)\n",
		REEXEC_ENV);
	if (setenv(REEXEC_ENV, "1", 1) < 0 ||
			personality((unsigned long)persona | ADDR_NO_RANDOMIZE) < 0)
		return;
	fflush(NULL);
	execv("/proc/self/exe", argv);
	RTE_LOG(ERR, EAL, "cannot run this program again: %s\n",
		strerror(errno));
	personality((unsigned long)persona);
}
