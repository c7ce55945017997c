/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_LOG_H
#define DP_LOG_H

/**
 * @file
 * Logging of the dataplane: one DPDK log type, "sipfork.dp".
 *
 * DP_LOG is for start-up, shutdown and the main lcore.  Worker lcores use
 * DP_LOG_RL, which lets DP_LOG_RL_BURST messages through per lcore per
 * second and then counts what it suppresses, so a flood of bad packets
 * cannot turn the fast path into a logger.  The rate-limit state is
 * per lcore (thread-local), so no lcore waits for another.
 */

#include <rte_common.h>
#include <rte_log.h>

/** The log type, registered in dp_main.c. */
extern int dp_logtype;

/** Messages per second each lcore may log through DP_LOG_RL. */
#define DP_LOG_RL_BURST 10

/** Log on a non-worker path, prefixed with the function name. */
#define DP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, dp_logtype, "sipfork-dp: %s(): " fmt "\n", \
		__func__, ##__VA_ARGS__)

/** Log from a worker lcore, rate-limited; the level is checked first. */
#define DP_LOG_RL(level, fmt, ...) do { \
	if (rte_log_can_log(dp_logtype, RTE_LOG_##level)) \
		dp_log_rl(RTE_LOG_##level, __func__, fmt, ##__VA_ARGS__); \
} while (0)

/**
 * The rate-limited logger behind DP_LOG_RL; use the macro.
 *
 * @param level  RTE_LOG_ERR ... RTE_LOG_DEBUG
 * @param func   the calling function's name
 * @param fmt    printf format, without the trailing newline
 */
void dp_log_rl(uint32_t level, const char *func, const char *fmt, ...)
	__rte_cold __rte_format_printf(3, 4);

#endif /* DP_LOG_H */
