/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TXN_PRIV_H
#define TXN_PRIV_H

/*
 * Internals of the transaction layer shared by txn.c (server side and
 * lifecycle), branch.c (client transactions and response handling),
 * fork.c (routing results into branches) and sip_build.c (the bytes).
 *
 * Concurrency: a transaction, its branch chunks and its timers belong to
 * one worker lcore and are touched by no other thread.  A response that
 * reaches another worker is handed over through the owner's ring before
 * anything here sees it (dp_loop.c).
 *
 * Memory: a transaction is one struct txn (192 bytes) plus one chunk of
 * branch_chunk x 64-byte struct br per branch_chunk branches, from the
 * lcore's dp_pools.  Chunks are linked,
 * never reallocated, so timer nodes inside branches stay where the wheel
 * points.  Packet buffers (the received INVITE shared by every branch, a
 * header mbuf and an indirect clone per branch, the responses held) are
 * in rte_mempools and counted apart, as pkt_bytes_per_tx.
 */

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dp_pool.h"
#include "dp_route.h"
#include "sip_build.h"
#include "sip_parse.h"
#include "tmr.h"
#include "txn.h"

/* Timer kinds (struct tmr_node.kind). */
enum txn_tmr_kind {
	TMR_TXN = 1, /* server transaction: G, H, time-to-delete */
	TMR_BR,      /* client transaction: A/E, B/F, C, CANCEL retransmit */
};

/* Client transaction (branch) states, RFC 3261 17.1 plus the proxy's. */
enum br_state {
	BR_CALLING = 0, /* sent, no response: Timer A/E and B/F run */
	BR_PROCEEDING,  /* provisional seen: Timer C (INVITE) or E (other) */
	BR_DONE,        /* final response or timeout: no timer */
};

/* Branch flags. */
#define BR_F_CANCEL_WANTED 0x01 /* cancel once a provisional arrives */
#define BR_F_CANCEL_SENT 0x02   /* br->req now holds the CANCEL */
#define BR_F_CANCEL_DONE 0x04   /* 200 to our CANCEL received */

/**
 * One client transaction: 64 bytes, one cache line.  A chunk is an array
 * of branch_chunk of these and nothing else: the transaction a branch
 * belongs to is its txn slot, and the first branch of a chunk links the
 * next chunk, so a branch costs 64 bytes with no per-chunk header.
 */
struct br {
	struct tmr_node tmr;  /**< its only timer, multiplexed */
	struct rte_mbuf *req; /**< frame to (re)send: INVITE or CANCEL */
	uint32_t ip;          /**< target, network order */
	uint16_t port;        /**< target port, host order */
	uint16_t status;      /**< final status, 0 while pending */
	uint32_t t_end;       /**< tick (low 32 bits) of Timer B/F/C */
	uint16_t idx;         /**< index in its transaction */
	uint8_t state;        /**< enum br_state */
	uint8_t a_shift : 5;  /**< retransmissions so far (Timer A/E) */
	uint8_t flags : 3;    /**< BR_F_* */
	uint32_t txn_slot;    /**< owner's slot in the transaction pool */
	uint32_t next_chunk;  /**< br[0] only: next chunk's slot + 1, or 0 */
};

/* Server transaction states, RFC 3261 17.2.1/17.2.2 and RFC 6026. */
enum txn_state {
	TS_PROCEEDING = 0, /* forking, nothing final sent upstream */
	TS_ACCEPTED,       /* a 2xx went upstream; branches winding down */
	TS_COMPLETED,      /* a non-2xx final went up: Timer G/H, wait ACK */
	TS_WAIT,           /* done; kept wait_ms to absorb retransmissions */
};

/* Transaction flags. */
#define TXN_F_INVITE 0x01     /* an INVITE server transaction */
#define TXN_F_CANCELLED 0x02  /* upstream CANCELled: no new groups */
#define TXN_F_NO_RURI 0x04    /* keep the Request-URI (in-dialog) */
#define TXN_F_ADD_MF 0x08     /* the request had no Max-Forwards */
#define TXN_F_6XX 0x10        /* a 6xx ended forking */
#define TXN_F_RR 0x20         /* Record-Route the branches */

/** A proxied transaction: the server side and its set of branches. */
struct txn {
	struct tmr_node tmr;        /**< Timer G/H and time-to-delete */
	struct rte_mbuf *orig;      /**< received request frame, shared */
	struct rte_mbuf *last_resp; /**< last frame sent upstream */
	struct rte_mbuf *best;      /**< best final response frame held */
	const struct dp_route *route; /**< targets; NULL for next_hop */
	struct br *chunks;          /**< first chunk (its br[0]) */
	struct br *tail;            /**< last chunk, where branches go */
	uint64_t key[2];            /**< server transaction hash key */
	struct rte_ether_addr up_mac; /**< upstream's MAC (frame source) */
	uint16_t up_port;           /**< responses go here, host order */
	uint32_t up_ip;             /**< responses go here, network order */
	uint32_t hop_ip;            /**< next hop when route is NULL */
	uint16_t hop_port;          /**< next hop port, host order */
	uint16_t pl_off;            /**< SIP payload offset in orig */
	uint16_t pl_len;            /**< SIP message length (no trailer) */
	uint16_t tail_off;          /**< shared tail: from this payload... */
	uint16_t cut_off;           /**< ...skipping [cut_off, +cut_len) */
	uint16_t cut_len;           /**< bytes cut (a Route to us), or 0 */
	uint16_t gen;               /**< generation of this slot */
	uint16_t nb_br;             /**< branches created */
	uint16_t grp;               /**< current serial group */
	uint16_t grp_first;         /**< first branch of the current group */
	uint16_t nb_pending;        /**< branches of the group not final */
	uint16_t best_status;       /**< status of best, 0 if none */
	uint16_t final_status;      /**< status sent upstream, 0 if none */
	uint32_t loop;              /**< loop hash for our Via branches */
	uint32_t t_h;               /**< Timer H deadline tick (low bits) */
	uint8_t state;              /**< enum txn_state */
	uint8_t flags;              /**< TXN_F_* */
	uint8_t method;             /**< enum sip_method of the request */
	uint8_t g_shift;            /**< Timer G retransmissions so far */
	uint16_t tail_len;          /**< bytes of the shared tail, 0: unset */
	uint16_t tail_sum;          /**< its raw checksum (fork.c) */
	uint8_t pad[36];            /**< to 192 bytes, 3 cache lines */
};

_Static_assert(sizeof(struct br) == 64, "a branch is one cache line");
_Static_assert(sizeof(struct txn) == 192, "a transaction is 3 lines");

/* Bytes of a Request-URI we write for a branch. */
#define FORK_RURI_MAX 512u

/* br_best() verdicts. */
enum br_pick {
	BR_KEEP = 0, /* the best so far stays */
	BR_TAKE,     /* the candidate is better */
};

/* txn.c */
struct rte_mbuf *txn_payload_mbuf(struct txn_ctx *tc, const char *p,
				  uint32_t len);
int txn_frame(struct txn_ctx *tc, struct rte_mbuf *m, uint32_t ip,
	      uint16_t port, const struct rte_ether_addr *mac_hint);
int txn_frame_sum(struct txn_ctx *tc, struct rte_mbuf *m, uint32_t ip,
		  uint16_t port, const struct rte_ether_addr *mac_hint,
		  uint32_t tail_len, uint16_t tail_sum);
void txn_tx(struct txn_ctx *tc, struct rte_mbuf *frame);
void txn_tx_kept(struct txn_ctx *tc, struct rte_mbuf *frame);
int txn_relay_up(struct txn_ctx *tc, struct txn *t, struct rte_mbuf *m,
		 const struct dp_net_rx *rx, const struct sip_msg *msg,
		 int keep);
void txn_reply_local(struct txn_ctx *tc, struct txn *t, uint16_t status,
		     const struct sip_msg *req);
void txn_final_up(struct txn_ctx *tc, struct txn *t);
void txn_final_2xx(struct txn_ctx *tc, struct txn *t, uint16_t status);
void txn_branch_done(struct txn_ctx *tc, struct txn *t);
int txn_reparse(struct txn_ctx *tc, struct txn *t, struct sip_msg *msg);
struct txn *txn_from_slot(struct txn_ctx *tc, uint32_t slot, uint16_t gen);

/* branch.c */
enum br_pick br_best(uint16_t best, uint16_t cand);
struct br *br_add(struct txn_ctx *tc, struct txn *t);
struct br *br_of_id(const struct txn_ctx *tc, const struct txn *t,
		    uint32_t slot, uint32_t chunk, uint16_t idx);
void br_send(struct txn_ctx *tc, struct br *b);
void br_response(struct txn_ctx *tc, struct txn *t, struct br *b,
		 struct rte_mbuf *m, const struct dp_net_rx *rx,
		 struct sip_msg *msg);
void br_timer(struct txn_ctx *tc, struct br *b);
void br_cancel_all(struct txn_ctx *tc, struct txn *t);
void br_free_all(struct txn_ctx *tc, struct txn *t);

/* fork.c */
int fork_group(struct txn_ctx *tc, struct txn *t, struct sip_msg *msg);
uint32_t fork_ruri(const struct txn_ctx *tc, const struct txn *t,
		   const struct br *b, const struct sip_msg *msg, char *out);
void fork_build_req(const struct txn_ctx *tc, const struct txn *t,
		    const struct br *b, const struct sip_msg *msg,
		    struct sip_build_req *r, char *ruri, char *branch);

#endif /* TXN_PRIV_H */
