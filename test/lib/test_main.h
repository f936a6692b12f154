/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * The main() shared by every test binary. A binary defines test_register()
 * (adds its CUnit suites) and test_roles[] (the roles a re-executed child can
 * play, see test/mp/harness.h). Started as `<binary> --role=NAME args...`, it
 * runs that role (plain C, no CUnit) and _exit()s with its return value;
 * started without it, it runs every suite and exits 1 when an assertion or a
 * suite initialisation failed, 0 otherwise.
 */

#ifndef MEMPLANE_TEST_MAIN_H
#define MEMPLANE_TEST_MAIN_H

#include <stdbool.h>

#include <CUnit/CUnit.h>

struct test_role {
	const char *name;
	/* argv[0] is "--role=NAME", argv[1..argc-1] the spawner's args. */
	int (*fn)(int argc, char **argv);
};

/* Exit code of a child asked to play a role its binary does not have. */
#define TEST_ROLE_UNKNOWN 126

/* Provided by each test binary. test_roles ends with a { NULL, NULL } entry. */
void test_register(void);
extern const struct test_role test_roles[];

/* True when MEMPLANE_MEMCHECK is set: valgrind runs ~50x slower. */
bool test_under_memcheck(void);

/* n normally, n_memcheck under valgrind. */
unsigned long test_scale(unsigned long n, unsigned long n_memcheck);

/* One test of a suite; a suite's list ends with { NULL, NULL }. */
struct test_def {
	const char *name;
	CU_TestFunc fn;
};

#define TEST_DEF(fn) { #fn, fn }

/* CUnit's four hooks of a suite; any may be NULL. */
struct test_hooks {
	CU_InitializeFunc init;
	CU_CleanupFunc clean;
	CU_SetUpFunc setup;
	CU_TearDownFunc teardown;
};

/* Add a suite with its tests; returns it, or NULL when CUnit refused. */
CU_pSuite test_add_suite(const char *name, const struct test_def *tests,
		const struct test_hooks *hooks);

#endif /* MEMPLANE_TEST_MAIN_H */
