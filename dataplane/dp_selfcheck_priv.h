/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_SELFCHECK_PRIV_H
#define DP_SELFCHECK_PRIV_H

/*
 * Internals of sipfork-dp --self-check shared by dp_selfcheck.c (the
 * port, the helpers that send, collect and report, the single-request
 * checks and the run) and dp_selfcheck_fork.c (the forked call).
 *
 * Concurrency: the main lcore only.  Worker 0 is reached through the
 * port's rings and its counters are read with shm_cnt_read(); the pools'
 * in-use counts are read while the worker is idle (nothing in flight).
 */

#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dp_lcore.h"
#include "dp_selfcheck.h"
#include "sip_parse.h"

struct cfg;

/** How long to wait for an answer or a counter, in milliseconds. */
#define DP_CHECK_WAIT_MS 1000
/** How long an idle TX ring must stay idle, in milliseconds. */
#define DP_CHECK_QUIET_MS 20
/** The peer the checks pretend to be (TEST-NET-2, RFC 5737), 198.51.100.7;
 * not RTE_IPV4(), whose int shift overflows for a first octet >= 128. */
#define DP_CHECK_PEER_IP (198u << 24 | 51u << 16 | 100u << 8 | 7u)
/** Source port of the peer's datagrams, unlike its Via sent-by port. */
#define DP_CHECK_PEER_PORT 5080
/** The peer's Via sent-by port: where responses without rport go. */
#define DP_CHECK_PEER_VIA_PORT 5070
/** Bytes of a frame a check keeps (struct dp_check_frame). */
#define DP_CHECK_FRAME_MAX 4096u

/** A sender the checks pretend to be. */
struct dp_check_peer {
	struct rte_ether_addr mac; /**< frame source */
	uint32_t ip;               /**< network order */
	uint16_t port;             /**< UDP source port, host order */
};

/** The state of one self-check run (main lcore only). */
struct dp_check {
	const struct dp_selfcheck_port *cp; /**< queue 0 is worker 0's */
	struct dp_lcore *lc;          /**< worker 0, whose counters we read */
	const struct cfg *cfg;        /**< the loaded configuration */
	int interleaved;              /**< 1: we run dp_loop_poll() ourselves */
	unsigned int rx_queue;        /**< the queue frames are injected on */
	struct rte_mempool *pool;     /**< mbufs for injected frames */
	struct dp_check_peer peer;    /**< the caller of every check */
	uint32_t our_ip;              /**< network order */
	uint16_t sip_port;            /**< host order */
	char ip_str[16];              /**< our_ip, dotted */
	char hostport[24];            /**< our "a.b.c.d:port" */
	unsigned int passed;          /**< checks passed */
	unsigned int failed;          /**< checks failed */
	struct sip_msg msg;           /**< the parsed answer */
	char buf[DP_SCRATCH_LEN];     /**< answer payload, linearised */
	char req[4096];               /**< the request being sent */
	char why[1024];               /**< why the current check failed */
};

/** A frame worker 0 sent, linearised, checked and parsed. */
struct dp_check_frame {
	uint32_t dst_ip;         /**< network order */
	uint16_t dst_port;       /**< host order */
	uint16_t nb_segs;        /**< segments it was sent in */
	uint16_t len;            /**< bytes of SIP payload */
	uint8_t used;            /**< matched by a check already */
	struct sip_msg msg;      /**< its parse; buf points into data */
	char data[DP_CHECK_FRAME_MAX]; /**< the whole frame */
};

/** @return the timer clock in milliseconds. */
uint64_t dp_check_ms(void);

/** Let time pass: run the worker loop when we are the worker. */
void dp_check_idle(struct dp_check *c);

/** Free whatever worker 0 sent and nobody collected. */
void dp_check_drain(struct dp_check *c);

/**
 * Count a check and print its line: "ok", or "FAIL" with c->why, which
 * is then cleared.
 */
void dp_check_report(struct dp_check *c, const char *name, int ok);

/** Append to c->why (which may be empty). */
void dp_check_why(struct dp_check *c, const char *fmt, ...)
	__rte_format_printf(2, 3);

/**
 * Put a frame on worker 0's RX ring; it is freed if the ring is full.
 * @return 0, or -1 with c->why set.
 */
int dp_check_enqueue(struct dp_check *c, struct rte_mbuf *m);

/**
 * Send a UDP datagram from a peer to us.  nb_segs > 1 spreads the
 * payload over a chain with odd segment lengths; corrupt spoils the UDP
 * checksum.  @return 0, or -1 with c->why set.
 */
int dp_check_send_from(struct dp_check *c, const struct dp_check_peer *from,
		       const char *payload, uint32_t len, uint16_t dst_port,
		       unsigned int nb_segs, int corrupt);

/** dp_check_send_from() from the caller every check plays. */
int dp_check_send_udp(struct dp_check *c, const char *payload, uint32_t len,
		      uint16_t dst_port, unsigned int nb_segs, int corrupt);

/**
 * Compare an answer's Via (every one, in order), From, To, Call-ID and
 * CSeq lines with the request's raw lines: equal bytes, except the To tag
 * we add when the request's To has none and add_tag is set.
 * @return 0, or -1 with c->why set.
 */
int dp_check_copied(struct dp_check *c, const struct sip_msg *msg,
		    const char *req, size_t req_len, int add_tag);

/**
 * A forked call through [route demo] (dp_selfcheck_fork.c): we are the
 * caller and each target of its first group.  Skipped, with a note, when
 * the configuration has no such route or one the check cannot play.
 */
void dp_check_fork(struct dp_check *c);

#endif /* DP_SELFCHECK_PRIV_H */
