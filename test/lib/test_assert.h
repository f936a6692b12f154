/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The memplane authors
 */

/*
 * CUnit assertions the suites share: a call that must fail with one exact
 * rte_errno, and a group step whose failure message is the group's own
 * report ("secondary 2 failed step 3: ...") instead of the call's text.
 */

#ifndef MEMPLANE_TEST_ASSERT_H
#define MEMPLANE_TEST_ASSERT_H

#include <CUnit/CUnit.h>

#include <rte_errno.h>

#include "test/mp/group.h"

/* call must hold and rte_errno be err afterwards. */
#define CHECK_ERR(call, err) do { \
	rte_errno = 0; \
	CU_ASSERT(call); \
	CU_ASSERT_EQUAL(rte_errno, err); \
} while (0)

/* The group's report in the failure message when call fails. */
#define GROUP_OK(g, call) do { \
	int ok_ = (call) == 0; \
	CU_assertImplementation(ok_, __LINE__, ok_ ? #call : \
			mp_group_report(g), __FILE__, "", CU_TRUE); \
} while (0)

#endif /* MEMPLANE_TEST_ASSERT_H */
