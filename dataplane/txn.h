/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TXN_H
#define TXN_H

/**
 * @file
 * The RFC 3261 stateful proxy core of one worker lcore: server and client
 * transactions (sections 16 and 17), parallel and serial forking, CANCEL
 * in both directions, best-response selection, and stateless relaying of
 * what belongs to no transaction (ACK for 2xx, stray responses).
 *
 * The layer is driven by three calls: txn_input() for each parsed SIP
 * datagram, txn_tick() once per loop with the time, and the io callbacks
 * it makes to send frames.  It never touches a port, so the unit tests
 * drive it with "messages in, frames out" and a virtual clock.
 *
 * Concurrency: a struct txn_ctx is owned by one lcore.  Nothing here
 * locks; counters are plain per-lcore stores (see shm_counters.h).
 */

#include <stdint.h>

#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dp_net.h"
#include "dp_pool.h"
#include "dp_route.h"
#include "shm_counters.h"
#include "sip_parse.h"
#include "tmr.h"

struct cfg;

/** How the transaction layer reaches the wire. */
struct txn_io {
	/** Send a complete frame (Ethernet onwards); takes the mbuf.  A
	 *  frame whose destination MAC is all zeros waits for the ARP
	 *  answer about its IPv4 destination. */
	void (*tx)(void *ctx, struct rte_mbuf *frame);
	/** Find the MAC of an IPv4 next hop; @return 0 found, -1 unknown
	 *  (the callee may then start resolving it, e.g. send ARP). */
	int (*nbr)(void *ctx, uint32_t ip, struct rte_ether_addr *mac);
	void *ctx; /**< passed to both */
};

/** Set-up of one worker's transaction layer. */
struct txn_conf {
	uint32_t ip;                  /**< our IPv4, network order */
	uint16_t port;                /**< our SIP port, host order */
	struct rte_ether_addr mac;    /**< our port's MAC */
	uint8_t worker;               /**< worker id, in our Via branches */
	int socket;                   /**< NUMA socket for memory */
	int hw_cksum;                 /**< port computes IPv4/UDP sums */
	uint16_t mtu;                 /**< bytes of IP datagram per frame */
	struct rte_mempool *pkt_pool; /**< locally built messages */
	struct rte_mempool *hdr_pool; /**< branch header segments */
	struct rte_mempool *clone_pool; /**< indirect mbufs (no data) */
	const struct cfg *cfg;        /**< timers, limits, pool sizes */
	const struct dp_route_table *routes; /**< where INVITEs go */
	struct txn_io io;             /**< the wire */
	struct shm_lcore_counters *cnt; /**< this lcore's counters */
};

/** A worker's transaction layer.  Fields are internal. */
struct txn_ctx {
	struct txn_conf c;        /**< as given to txn_ctx_init */
	struct dp_pool txns;      /**< struct txn slots */
	struct dp_pool chunks;    /**< chunks of branch_chunk struct br */
	struct rte_hash *hash;    /**< server transactions by key */
	uint16_t *gens;           /**< generation per transaction slot */
	struct tmr_wheel *wheel;  /**< every timer of this worker */
	uint32_t chunk_size;      /**< branches per chunk */
	uint32_t max_branches;    /**< guard per transaction */
	uint32_t t1, t2, t4;      /**< RFC 3261 timers, ticks (ms) */
	uint32_t timer_b;         /**< Timer B and F, ticks */
	uint32_t timer_c;         /**< proxy Timer C, ticks */
	uint32_t wait;            /**< time-to-delete after completion */
	uint32_t max_txns;        /**< transactions the mbufs can carry */
	uint16_t ip_id;           /**< next IPv4 identification */
	uint32_t tag_salt;        /**< makes our To tags unique per run */
	uint32_t active_branches; /**< branches not final, gauge */
	struct sip_msg *scratch;  /**< re-parse space for cold paths */
	uint32_t scratch_slot;    /**< transaction slot + 1 it holds, or 0 */
	uint16_t scratch_gen;     /**< that transaction's generation */
	char *buf;                /**< DP_NET_MAX_PAYLOAD build space */
	char our_hostport[24];    /**< "a.b.c.d:port" */
	uint16_t our_hostport_len; /**< bytes */
};

/**
 * Set up a worker's transaction layer: pools, hash table, timer wheel.
 *
 * @param tc   the context to fill
 * @param c    configuration (copied)
 * @param now  the current time in ticks (ms)
 * @return 0, -ENOMEM, -EINVAL
 */
int txn_ctx_init(struct txn_ctx *tc, const struct txn_conf *c, uint64_t now);

/** Free everything; transactions still live are dropped with their
 *  buffers (used at shutdown and by the tests' leak checks). */
void txn_ctx_fini(struct txn_ctx *tc);

/**
 * Handle one SIP datagram received by this worker.
 *
 * @param tc    the worker's context
 * @param m     the frame; the layer takes it (sends, keeps or frees it)
 * @param rx    its decoded addresses (dp_net_decode)
 * @param msg   its parse; the spans point into the frame's payload
 * @param err   the parse result; requests that failed get the RFC's
 *              error response when one can be built, others are dropped
 */
void txn_input(struct txn_ctx *tc, struct rte_mbuf *m,
	       const struct dp_net_rx *rx, struct sip_msg *msg,
	       enum sip_err err);

/**
 * Which worker owns the transaction a response belongs to.
 *
 * @return the worker id from our top Via branch, or -1 when the top Via
 *   is not ours (the response is then relayed statelessly by anyone)
 */
int txn_owner(const struct txn_ctx *tc, const struct sip_msg *msg);

/**
 * Advance the clock and run due timers (at most max of them).
 *
 * @return the number of timers that fired
 */
uint32_t txn_tick(struct txn_ctx *tc, uint64_t now, uint32_t max);

/** Memory figures of the transaction and branch-chunk pools. */
void txn_mem_stats(const struct txn_ctx *tc, struct shm_mem_stats *txns,
		   struct shm_mem_stats *chunks);

/** @return transactions alive. */
uint32_t txn_inuse(const struct txn_ctx *tc);

/** Bytes one live transaction with k branches holds, packets excluded. */
uint64_t txn_state_bytes(const struct txn_ctx *tc, uint32_t k);

/** Bytes of state one branch costs (its share of a chunk). */
uint64_t txn_branch_bytes(const struct txn_ctx *tc);

#endif /* TXN_H */
