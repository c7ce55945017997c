/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_LCORE_H
#define DP_LCORE_H

/**
 * @file
 * Per-worker-lcore state and the worker loop (dp_loop.c).
 *
 * Concurrency: the main lcore fills a struct dp_lcore before launching
 * its worker and reads it only after the worker returned, with one
 * exception: the counters, which the worker alone writes and anyone may
 * read (shm_counters.h says how).  The only shared writable datum is
 * dp_quit, set by the signal handler or the self-check and polled by the
 * workers once per loop iteration.
 */

#include <stdint.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "dp_net_inline.h"
#include "shm_counters.h"
#include "sip_parse.h"

/** Frames received per rte_eth_rx_burst() and buffered per TX flush. */
#define DP_BURST 32
/** Time between TX buffer drains, in microseconds. */
#define DP_DRAIN_US 100
/** Bytes of the scratch buffers: the largest UDP payload and then some. */
#define DP_SCRATCH_LEN 65536
/** Characters of our To tags, NUL included ("sf" + 8 hex digits). */
#define DP_TAG_LEN 11

/** One RX queue a worker polls. */
struct dp_rxq {
	uint16_t port;  /**< port id */
	uint16_t queue; /**< queue id on that port */
};

/** What the workers answer with; copied into each dp_lcore. */
struct dp_conf {
	uint32_t ip;        /**< our IPv4 address, network order */
	uint16_t sip_port;  /**< our SIP UDP port, host order */
	uint32_t tag_salt;  /**< per-run salt of our To tags */
};

/** A worker lcore's state; written only by that lcore while it runs. */
struct dp_lcore {
	unsigned int lcore_id;  /**< EAL lcore id */
	uint16_t worker_id;     /**< index among workers = queue id */
	uint16_t nb_rxq;        /**< entries used in rxq[] */
	struct dp_rxq rxq[RTE_MAX_ETHPORTS]; /**< queues to poll */
	/** TX buffer per port id, NULL where this lcore has no queue */
	struct rte_eth_dev_tx_buffer *txb[RTE_MAX_ETHPORTS];
	uint16_t txq[RTE_MAX_ETHPORTS]; /**< TX queue id per port id */
	struct rte_mempool *pool; /**< NUMA-local mbufs for replies */
	struct dp_conf conf;      /**< addresses we answer for */
	uint64_t drain_cycles;    /**< TSC cycles between TX drains */
	uint64_t next_drain;      /**< TSC deadline of the next drain */
	uint16_t ip_id;           /**< next IPv4 identification */
	struct shm_lcore_counters *cnt; /**< this lcore's counters */
	struct dp_arp_cache arp;  /**< peers' MACs seen on this lcore */
	char *rx_scratch;  /**< DP_SCRATCH_LEN: a chained request, copied */
	char *tx_scratch;  /**< DP_SCRATCH_LEN: a reply too big for an mbuf */
	char *fix_scratch; /**< DP_SCRATCH_LEN: a request rewritten to parse */
	struct sip_msg msg;       /**< the message being handled */
} __rte_cache_aligned;

/** Set to 1 to make every worker return from dp_loop_run(). */
extern volatile int dp_quit;

/**
 * The worker loop: poll, handle, drain, until dp_quit is set.  Flushes
 * the TX buffers before returning.
 *
 * @param arg  the lcore's struct dp_lcore
 * @return 0
 */
int dp_loop_run(void *arg);

/**
 * One iteration of the worker loop: one burst from each RX queue, every
 * frame handled, TX buffers drained when the deadline passed.  For
 * running the loop interleaved with other work on one lcore.
 *
 * @param lc  the calling lcore's state
 * @return frames received
 */
unsigned int dp_loop_poll(struct dp_lcore *lc);

/**
 * Send everything buffered now.
 *
 * @param lc  the calling lcore's state
 */
void dp_loop_flush(struct dp_lcore *lc);

#endif /* DP_LCORE_H */
