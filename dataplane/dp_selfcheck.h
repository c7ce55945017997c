/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_SELFCHECK_H
#define DP_SELFCHECK_H

/**
 * @file
 * sipfork-dp --self-check: the real worker loop driven through an
 * in-process net_ring port, one printed line per check.
 *
 * Concurrency: everything here runs on the main lcore.  The port is
 * created before the workers are set up (so worker 0's SIP frames leave
 * by it), the run talks to worker 0 only through that port's rings and
 * reads its counters as shm_counters.h allows, and the port is forgotten
 * after dp_port_close_all() freed its rings.
 */

#include <rte_ring.h>

struct cfg;
struct dp_lcore;

/** Most queue pairs of the self-check port (net_ring's limit). */
#define DP_SELFCHECK_MAX_QUEUES 16u

/** The self-check's own port. */
struct dp_selfcheck_port {
	int port;               /**< port id, -1 before creation */
	unsigned int nb_queues; /**< queue pairs (= rings each way) */
	/** Frames put here are received by queue i (we inject). */
	struct rte_ring *rx[DP_SELFCHECK_MAX_QUEUES];
	/** Frames queue i sends end up here (we collect). */
	struct rte_ring *tx[DP_SELFCHECK_MAX_QUEUES];
};

/**
 * Create the net_ring port the self-check talks through.  Call before
 * the other ports are set up: worker 0 sends SIP by the first port.
 *
 * @param cp         filled in; cp->port is -1 on failure
 * @param nb_queues  one queue pair per worker (capped at
 *                   DP_SELFCHECK_MAX_QUEUES)
 * @param socket     NUMA node of the rings
 * @return 0, or -errno from ethdev
 */
int dp_selfcheck_port_create(struct dp_selfcheck_port *cp,
			     unsigned int nb_queues, int socket);

/**
 * Run every check against worker 0 and print one line per check, then a
 * "N passed, M failed" summary, on stdout.  Takes seconds: the forked
 * call waits for its transactions to be deleted ([timers] wait_ms).
 *
 * @param cp           the port made by dp_selfcheck_port_create()
 * @param lc           worker 0
 * @param interleaved  1 when the caller's lcore is the worker: the run
 *                     then calls dp_loop_poll() itself while it waits
 * @param cfg          the loaded configuration (address, routes, timers)
 * @return 0 when every check passed, -1 when one failed, -ENOMEM
 */
int dp_selfcheck_run(const struct dp_selfcheck_port *cp, struct dp_lcore *lc,
		     int interleaved, const struct cfg *cfg);

/**
 * Unhook the port's rings: dp_port_close_all() frees them with the port.
 *
 * @param cp  the port; reset to "not created"
 */
void dp_selfcheck_port_forget(struct dp_selfcheck_port *cp);

#endif /* DP_SELFCHECK_H */
