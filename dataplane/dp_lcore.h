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
 * read (shm_counters.h says how).  The shared writable data are dp_quit,
 * set by the signal handler or the self-check and polled by the workers
 * once per loop iteration, and the inbox rings: any worker enqueues a
 * response whose Via branch names another worker as owner (multi-
 * producer), only the owner dequeues (single consumer).
 */

#include <stdint.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "dp_net_inline.h"
#include "dp_route.h"
#include "shm_counters.h"
#include "shm_stats.h"
#include "sip_parse.h"
#include "txn.h"

struct cfg;

/** Frames received per rte_eth_rx_burst() and buffered per TX flush. */
#define DP_BURST 32
/** Time between TX buffer drains, in microseconds. */
#define DP_DRAIN_US 100
/** Bytes of the self-check's scratch buffers: any UDP payload. */
#define DP_SCRATCH_LEN 65536
/** Inbox ring entries: responses in flight from other workers. */
#define DP_INBOX_SIZE 4096
/** Data room of a branch header mbuf after its headroom: the request
 *  line, our Via, our Record-Route (about 250 bytes in practice). */
#define DP_HDR_ROOM 384
/** Timers run per loop iteration at most, so a burst of expiries is
 *  spread over iterations instead of stalling RX. */
#define DP_TIMERS_PER_LOOP 256

/** Frames one worker holds while ARP resolves their next hop. */
#define DP_PENDING 256
/** How long a held frame waits for its ARP answer, in milliseconds. */
#define DP_PENDING_MS 1000
/** Slots of the table of addresses recently asked for by ARP. */
#define DP_ASKED 64
/** How often one address is asked for again, in milliseconds. */
#define DP_ASK_MS 100

/** A frame waiting for its next hop's MAC. */
struct dp_pending {
	struct rte_mbuf *m; /**< the frame, destination MAC all zeros */
	uint32_t ip;        /**< next hop, network order */
	uint64_t deadline;  /**< TSC after which it is dropped */
};

/** An address we sent an ARP request for, and when. */
struct dp_asked {
	uint32_t ip;  /**< network order, 0 for an empty slot */
	uint64_t tsc; /**< when */
};

/** One RX queue a worker polls. */
struct dp_rxq {
	uint16_t port;  /**< port id */
	uint16_t queue; /**< queue id on that port */
};

/** What the workers answer with; copied into each dp_lcore. */
struct dp_conf {
	uint32_t ip;        /**< our IPv4 address, network order */
	uint16_t sip_port;  /**< our SIP UDP port, host order */
};

/** A worker lcore's state; written only by that lcore while it runs. */
struct dp_lcore {
	unsigned int lcore_id;  /**< EAL lcore id */
	uint16_t worker_id;     /**< index among workers = queue id */
	uint16_t nb_rxq;        /**< entries used in rxq[] */
	uint16_t tx_port;       /**< port our SIP frames leave by */
	struct dp_rxq rxq[RTE_MAX_ETHPORTS]; /**< queues to poll */
	/** TX buffer per port id, NULL where this lcore has no queue */
	struct rte_eth_dev_tx_buffer *txb[RTE_MAX_ETHPORTS];
	uint16_t txq[RTE_MAX_ETHPORTS]; /**< TX queue id per port id */
	struct rte_mempool *pool; /**< NUMA-local mbufs for replies */
	struct rte_mempool *hdr_pool;   /**< branch header segments */
	struct rte_mempool *clone_pool; /**< indirect mbufs, branch tails */
	struct rte_ring *inbox;   /**< responses other workers hand us */
	struct dp_conf conf;      /**< addresses we answer for */
	uint64_t drain_cycles;    /**< TSC cycles between TX drains */
	uint64_t next_drain;      /**< TSC deadline of the next drain */
	uint64_t tsc_per_ms;      /**< TSC cycles per timer tick */
	uint16_t nb_pending;      /**< entries used in pending[] */
	struct dp_pending pending[DP_PENDING]; /**< frames awaiting ARP */
	struct dp_asked asked[DP_ASKED]; /**< recent ARP requests by IP */
	uint64_t next_tick;       /**< TSC at which the next timer tick starts */
	int timers_left;          /**< the last tick hit DP_TIMERS_PER_LOOP */
	struct shm_lcore_counters *cnt; /**< this lcore's counters */
	struct shm_lcore_mem *mem;  /**< this lcore's memory figures */
	uint64_t next_mem;        /**< TSC of the next memory refresh */
	struct dp_arp_cache arp;  /**< peers' MACs seen on this lcore */
	struct txn_ctx txn;       /**< this worker's transactions */
	struct sip_msg msg;       /**< the message being handled */
} __rte_cache_aligned;

/** Every worker's inbox by worker id, for handing responses over. */
extern struct rte_ring *dp_inbox[RTE_MAX_LCORE];

/**
 * Set up a worker: its queue (worker_id) on every port that has one, TX
 * buffers, branch mbuf pools, inbox ring and transaction layer, all on
 * the lcore's NUMA node.
 *
 * @param lcore_id   EAL lcore id
 * @param worker_id  index among workers (= queue id)
 * @param conf       addresses we answer for
 * @param stats      the statistics region; the worker writes its lcore's
 *                   counters and memory figures there
 * @param cfg        pool sizes, timers, limits
 * @param routes     where INVITEs go
 * @return the worker, or NULL (out of memory; logged)
 */
struct dp_lcore *dp_lcore_create(unsigned int lcore_id, uint16_t worker_id,
				 const struct dp_conf *conf,
				 struct shm_stats *stats,
				 const struct cfg *cfg,
				 const struct dp_route_table *routes);

/** Refresh a worker's memory figures (its own lcore only). */
void dp_lcore_mem_update(struct dp_lcore *lc);

/** Free a worker made by dp_lcore_create() (NULL is fine). */
void dp_lcore_free(struct dp_lcore *lc);

/** txn_io.tx of a worker: buffer a frame on its SIP port. */
void dp_loop_io_tx(void *ctx, struct rte_mbuf *frame);

/** txn_io.nbr of a worker: its learned MACs; asks by ARP on a miss. */
int dp_loop_io_nbr(void *ctx, uint32_t ip, struct rte_ether_addr *mac);

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
