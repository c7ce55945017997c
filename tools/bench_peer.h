/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BENCH_PEER_H
#define BENCH_PEER_H

/**
 * @file
 * The SIP peers sipfork-bench emulates around the dataplane: one caller
 * (UAC) and K callees (UAS), all behind an in-process ring port.  The
 * caller sends INVITEs to a route of K targets; callee 0 answers 180 and
 * 200, the others 180 and then 487 after the proxy's CANCEL; the caller
 * ACKs the 200 and hangs up with a BYE that the winner answers.  A call
 * is complete when the 200 to the BYE reaches the caller.
 *
 * In hold mode the callees are silent: they count the branch INVITEs and
 * answer nothing, so the replication rate can be measured on its own;
 * bench_peer_cancel() then ends every call with the caller's CANCEL.
 *
 * Concurrency: one lcore (the bench's main one) runs every function
 * here; the dataplane worker runs on another and meets it only through
 * the two rings.
 */

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "sip_parse.h"

/** INVITEs sent per bench_peer_invite() call at most. */
#define BENCH_PEER_BURST 32
/** Frames handled per bench_peer_poll() call at most. */
#define BENCH_PEER_POLL 64

/** Call states (bench_peer.state[]). */
enum bench_call {
	BENCH_CALL_IDLE = 0, /**< not started */
	BENCH_CALL_INVITED,  /**< INVITE sent */
	BENCH_CALL_BYE,      /**< 200 seen, ACK and BYE sent */
	BENCH_CALL_DONE,     /**< 200 to the BYE seen, or a final non-2xx */
};

struct bench_peer {
	struct rte_ring *to_dp;     /**< frames we inject (port RX) */
	struct rte_ring *from_dp;   /**< frames the worker sends (port TX) */
	struct rte_mempool *pool;   /**< our mbufs */
	struct rte_ether_addr mac;  /**< every peer's MAC */
	uint32_t dp_ip;             /**< the proxy, network order */
	uint16_t dp_port;           /**< its SIP port, host order */
	uint32_t uac_ip;            /**< the caller, network order */
	uint32_t uas_ip;            /**< the callees, network order */
	uint16_t uas_port0;         /**< callee i listens on port0 + i */
	uint32_t k;                 /**< branches per call (route bK) */
	uint32_t run;               /**< run id, in Call-IDs */
	uint32_t nb_calls;          /**< calls in this run */
	uint32_t started;           /**< INVITEs sent */
	uint32_t completed;         /**< calls done */
	uint8_t *state;             /**< enum bench_call per call */
	int hold;                   /**< silent callees: count, answer none */
	uint32_t nb_held;           /**< branch frames counted while silent */
	uint64_t unexpected;        /**< frames we did not expect */
	uint16_t ip_id;             /**< next IPv4 id */
	void (*idle)(void *ctx);    /**< run while waiting for the worker */
	void *idle_ctx;             /**< its argument */
	uint32_t nb_out;            /**< frames batched in out */
	struct rte_mbuf *out[64];   /**< to inject, in one ring operation */
	char buf[8192];             /**< message being built */
	struct sip_msg msg;         /**< message being handled */
};

/**
 * Start a run of nb calls to route "b<k>".
 *
 * @return 0, or -ENOMEM for the per-call state
 */
int bench_peer_run(struct bench_peer *p, uint32_t k, uint32_t nb, int hold);

/** Free a run's state. */
void bench_peer_end(struct bench_peer *p);

/**
 * Send up to BENCH_PEER_BURST INVITEs, fewer when window calls are in
 * progress or all have started.
 *
 * @return INVITEs sent now
 */
uint32_t bench_peer_invite(struct bench_peer *p, uint32_t window);

/**
 * Handle every frame the worker sent so far.
 *
 * @return frames handled
 */
uint32_t bench_peer_poll(struct bench_peer *p);

/** CANCEL every call of the run from the caller (hold mode ends): the
 *  proxy answers 200 and, its branches never having rung, a 487 after
 *  4*T1, which the caller ACKs. */
void bench_peer_cancel(struct bench_peer *p);

#endif /* BENCH_PEER_H */
