/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * Who may join a group (issue 7, item 6). The runtime directory is 0700
 * and everything in it (config, page tables, sockets) 0600, so no other
 * user can attach to the group, read its tables or send it a message; and
 * groups of different --file-prefix values do not see each other.
 *
 * The other user is `nobody`: a re-executed child that drops root before
 * it tries. The base directory the tests use is opened to everyone
 * (0711), so that what stops the child is the group's own directory, not
 * the test's. Dropping privileges needs root: without it the suite says it
 * is skipped.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memzone.h>

#include "test/lib/test_main.h"
#include "test/lib/test_util.h"
#include "test/mp/harness.h"

#define PREFIX "sectest"
#define ZONE "sec_zone"

static struct {
	char base[PATH_MAX];    /* RUNTIME_DIRECTORY */
	char rundir[PATH_MAX + 16]; /* base/PREFIX */
	const struct rte_memzone *zone;
} fx;

/* ---- the children ---- */

/* Become nobody for good; 0 or -1. */
static int
drop_root(void)
{
	const struct passwd *pw = getpwnam("nobody");

	if (pw == NULL || setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 ||
			setuid(pw->pw_uid) < 0)
		return -1;
	return setuid(0) == 0 ? -1 : 0;
}

static int
eal_init_as(const char *proc_type, const char *prefix)
{
	char *argv[] = { "test_security", (char *)proc_type, "--no-huge",
		"--file-prefix", (char *)prefix, "--log-level", "critical", NULL };

	return rte_eal_init(7, argv);
}

/* argv: base. As nobody, joining the group is refused with EACCES. */
static int
role_nobody_attach(int argc, char **argv)
{
	if (argc < 2 || setenv("RUNTIME_DIRECTORY", argv[1], 1) < 0)
		return 1;
	if (drop_root() < 0)
		return 2;
	if (eal_init_as("--proc-type=secondary", PREFIX) == 0)
		return 3;
	if (rte_errno != EACCES)
		return 4;
	if (eal_init_as("--proc-type=auto", PREFIX) == 0)
		return 5;
	return rte_errno == EACCES ? 0 : 6;
}

/* argv: a file of the group. As nobody, it cannot be opened. */
static int
role_nobody_open(int argc, char **argv)
{
	int fd;

	if (argc < 2 || drop_root() < 0)
		return 1;
	fd = open(argv[1], O_RDONLY);
	if (fd >= 0) {
		close(fd);
		return 2;
	}
	return errno == EACCES ? 0 : 3;
}

/* argv: the primary's socket. As nobody, no datagram gets there. */
static int
role_nobody_send(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	if (argc < 2 || drop_root() < 0)
		return 1;
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0)
		return 2;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	ret = (int)sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (ret >= 0)
		return 3;
	return errno == EACCES ? 0 : 4;
}

/* argv: base. A group of another prefix: the same names, its own. */
static int
role_other_prefix(int argc, char **argv)
{
	const struct rte_memzone *mz;

	if (argc < 2 || setenv("RUNTIME_DIRECTORY", argv[1], 1) < 0)
		return 1;
	if (eal_init_as("--proc-type=secondary", PREFIX "_none") == 0 ||
			rte_errno != ENOENT)
		return 2;
	if (eal_init_as("--proc-type=primary", PREFIX "_other") < 0)
		return 3;
	if (rte_memzone_lookup(ZONE) != NULL)
		return 4;
	mz = rte_memzone_reserve(ZONE, 64, SOCKET_ID_ANY, 0);
	if (mz == NULL)
		return 5;
	strcpy(mz->addr, "other group");
	return rte_eal_cleanup() == 0 ? 0 : 6;
}

const struct test_role test_roles[] = {
	{ "nobody_attach", role_nobody_attach },
	{ "nobody_open", role_nobody_open },
	{ "nobody_send", role_nobody_send },
	{ "other_prefix", role_other_prefix },
	{ NULL, NULL },
};

/* ---- the suite ---- */

static int
init_group(void)
{
	if (test_dir_create(fx.base, sizeof(fx.base)) < 0 ||
			chmod(fx.base, 0711) < 0 ||
			setenv("RUNTIME_DIRECTORY", fx.base, 1) < 0)
		return -1;
	snprintf(fx.rundir, sizeof(fx.rundir), "%s/%s", fx.base, PREFIX);
	if (eal_init_as("--proc-type=primary", PREFIX) < 0)
		return -1;
	fx.zone = rte_memzone_reserve(ZONE, 64, SOCKET_ID_ANY, 0);
	if (fx.zone == NULL)
		return -1;
	strcpy(fx.zone->addr, "this group");
	return 0;
}

static int
clean_group(void)
{
	rte_eal_cleanup();
	unsetenv("RUNTIME_DIRECTORY");
	return test_dir_remove(fx.base);
}

/* Run role with one argument; its exit status. */
static int
run_role(const char *role, const char *arg)
{
	const char *args[] = { arg, NULL };
	pid_t pid;

	if (mp_spawn(role, args, &pid) != 0)
		return -1;
	return mp_wait(pid, 30);
}

/* The first entry of the group's directory whose name starts with
 * stem, as a path in buf; false if none. */
static bool
group_file(const char *stem, char *buf, size_t len)
{
	DIR *d = opendir(fx.rundir);
	struct dirent *ent;
	bool found = false;

	while (d != NULL && !found && (ent = readdir(d)) != NULL) {
		if (strncmp(ent->d_name, stem, strlen(stem)) == 0)
			found = snprintf(buf, len, "%s/%s", fx.rundir,
					ent->d_name) < (int)len;
	}
	if (d != NULL)
		closedir(d);
	return found;
}

/* The directory is 0700 and every file in it 0600 or stricter. */
static void
test_group_files_private(void)
{
	char path[2 * PATH_MAX];
	struct dirent *ent;
	struct stat st;
	int n = 0;
	DIR *d;

	CU_ASSERT_FATAL(stat(fx.rundir, &st) == 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0700);
	d = opendir(fx.rundir);
	CU_ASSERT_FATAL(d != NULL);
	while ((ent = readdir(d)) != NULL) {
		if (ent->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", fx.rundir, ent->d_name);
		CU_ASSERT_FATAL(lstat(path, &st) == 0);
		if ((st.st_mode & 077) != 0)
			printf("\n    %s has mode %o ", path, st.st_mode & 0777);
		CU_ASSERT_EQUAL(st.st_mode & 077, 0);
		n++;
	}
	closedir(d);
	/* config, page tables, the memzone table, the primary's socket */
	CU_ASSERT(n >= 4);
}

static void
test_other_user_cannot_attach(void)
{
	CU_ASSERT_EQUAL(run_role("nobody_attach", fx.base), 0);
	CU_ASSERT_STRING_EQUAL(rte_memzone_lookup(ZONE)->addr, "this group");
}

static void
test_other_user_cannot_read_tables(void)
{
	char path[2 * PATH_MAX];

	CU_ASSERT_FATAL(group_file("config", path, sizeof(path)));
	CU_ASSERT_EQUAL(run_role("nobody_open", path), 0);
	CU_ASSERT_FATAL(group_file("fbarray_", path, sizeof(path)));
	CU_ASSERT_EQUAL(run_role("nobody_open", path), 0);
}

static void
test_other_user_cannot_send(void)
{
	char path[2 * PATH_MAX];

	CU_ASSERT_FATAL(group_file("mp_socket", path, sizeof(path)));
	CU_ASSERT_EQUAL(run_role("nobody_send", path), 0);
}

/* Another prefix is another group: it finds nothing of this one and its
 * names do not collide with this one's. */
static void
test_prefixes_isolated(void)
{
	CU_ASSERT_EQUAL(run_role("other_prefix", fx.base), 0);
	CU_ASSERT_STRING_EQUAL(rte_memzone_lookup(ZONE)->addr, "this group");
}

static const struct test_def user_tests[] = {
	TEST_DEF(test_group_files_private),
	TEST_DEF(test_other_user_cannot_attach),
	TEST_DEF(test_other_user_cannot_read_tables),
	TEST_DEF(test_other_user_cannot_send),
	{ NULL, NULL },
};

static const struct test_def prefix_tests[] = {
	TEST_DEF(test_prefixes_isolated),
	{ NULL, NULL },
};

void
test_register(void)
{
	const struct test_hooks hooks = { init_group, clean_group, NULL, NULL };
	CU_pSuite users;

	users = test_add_suite("security_users", user_tests, &hooks);
	test_add_suite("security_prefixes", prefix_tests, &hooks);
	if (users != NULL && (geteuid() != 0 || getpwnam("nobody") == NULL)) {
		printf("test_security: security_users skipped: it needs root and a 'nobody' user to play another user\n");
		CU_set_suite_active(users, CU_FALSE);
	}
}
