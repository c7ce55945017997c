/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop: RX burst -> dp_net decode -> ARP reply or SIP parse ->
 * the transaction layer (txn.h) -> per-port TX buffer, drained on a TSC
 * deadline; then the responses other workers handed over, then timers.
 *
 * Concurrency: each worker runs this on its own struct dp_lcore and
 * touches no other lcore's state; the port table and pools are read-only
 * while workers run.  dp_quit is the only shared word, read relaxed once
 * per iteration; a worker may run one more iteration after it is set.
 *
 * Until the transaction layer exists (next issue) the dataplane forwards
 * nothing.  Requests are answered statelessly (RFC 3261 16.3 validation,
 * then 8.2.6 responses); responses are counted and dropped, since no
 * client transaction can match them yet.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_per_lcore.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "dp_lcore.h"
#include "dp_log.h"
#include "dp_net.h"
#include "dp_net_inline.h"
#include "dp_port.h"
#include "sip_parse.h"
#include "txn.h"

/** Frames ahead of the one being handled whose data is prefetched. */
#define DP_PREFETCH_OFFSET 3

RTE_LOG_REGISTER(dp_logtype, sipfork.dp, INFO);

volatile int dp_quit;

/* -------------------------------------------------------------------- */
/* Rate-limited logging (dp_log.h)                                       */

/** Per-lcore state of DP_LOG_RL. */
struct dp_log_rl_state {
	uint64_t window_end; /**< TSC at which the current second ends */
	uint32_t left;       /**< messages still allowed in this second */
	uint32_t suppressed; /**< messages dropped in this second */
};

static RTE_DEFINE_PER_LCORE(struct dp_log_rl_state, dp_log_rl_state);

void
dp_log_rl(uint32_t level, const char *func, const char *fmt, ...)
{
	struct dp_log_rl_state *s = &RTE_PER_LCORE(dp_log_rl_state);
	uint64_t now = rte_get_tsc_cycles();
	char msg[256];
	va_list ap;

	if (now >= s->window_end) {
		if (s->suppressed != 0)
			rte_log(RTE_LOG_WARNING, dp_logtype, "sipfork-dp: "
				"lcore %u: %u messages suppressed\n",
				rte_lcore_id(), s->suppressed);
		s->window_end = now + rte_get_tsc_hz();
		s->left = DP_LOG_RL_BURST;
		s->suppressed = 0;
	}
	if (s->left == 0) {
		s->suppressed++;
		return;
	}
	s->left--;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rte_log(level, dp_logtype, "sipfork-dp: lcore %u: %s(): %s\n",
		rte_lcore_id(), func, msg);
}

/* -------------------------------------------------------------------- */
/* TX                                                                    */

static inline void
dp_tx(struct dp_lcore *lc, uint16_t port, struct rte_mbuf *m)
{
	uint16_t sent;

	sent = rte_eth_tx_buffer(port, lc->txq[port], lc->txb[port], m);
	SHM_CNT_ADD(lc->cnt, TX_PKTS, sent);
}

void
dp_loop_flush(struct dp_lcore *lc)
{
	unsigned int i;

	for (i = 0; i < lc->nb_rxq; i++) {
		uint16_t port = lc->rxq[i].port;

		SHM_CNT_ADD(lc->cnt, TX_PKTS, rte_eth_tx_buffer_flush(port,
			lc->txq[port], lc->txb[port]));
	}
}

/* -------------------------------------------------------------------- */
/* The transaction layer's view of the wire                              */

void
dp_loop_io_tx(void *ctx, struct rte_mbuf *frame)
{
	struct dp_lcore *lc = ctx;

	dp_tx(lc, lc->tx_port, frame);
}

int
dp_loop_io_nbr(void *ctx, uint32_t ip, struct rte_ether_addr *mac)
{
	struct dp_lcore *lc = ctx;
	const struct rte_ether_addr *e = dp_arp_lookup(&lc->arp, ip);
	struct rte_mbuf *m;
	uint64_t now;

	if (e != NULL) {
		rte_ether_addr_copy(e, mac);
		return 0;
	}
	/* Ask, at most once a millisecond per worker: the reply fills the
	 * table and retransmissions (Timer A) find it. */
	now = rte_rdtsc();
	if (now < lc->next_arp)
		return -1;
	lc->next_arp = now + lc->tsc_per_ms;
	m = rte_pktmbuf_alloc(lc->pool);
	if (m == NULL)
		return -1;
	if (dp_net_arp_request(m, &dp_ports[lc->tx_port].mac, lc->conf.ip,
			       ip) < 0) {
		rte_pktmbuf_free(m);
		return -1;
	}
	SHM_CNT_INC(lc->cnt, NET_ARP_SENT);
	dp_tx(lc, lc->tx_port, m);
	return -1;
}

/* -------------------------------------------------------------------- */
/* Frames                                                                */

/* A frame whose SIP payload spans segments, in one buffer: the parser's
 * spans and the zero-copy forking both need a flat payload.  NULL (and
 * the frame freed) when it does not fit one mbuf. */
static struct rte_mbuf *
dp_loop_flat(struct dp_lcore *lc, struct rte_mbuf *m)
{
	struct rte_mbuf *f;
	const void *p;
	char *d = NULL;

	if (m->nb_segs == 1 || rte_pktmbuf_linearize(m) == 0)
		return m;
	f = rte_pktmbuf_alloc(lc->pool);
	if (f != NULL && rte_pktmbuf_tailroom(f) >= m->pkt_len)
		d = rte_pktmbuf_append(f, (uint16_t)m->pkt_len);
	if (d == NULL) {
		SHM_CNT_INC(lc->cnt, NET_TX_NOMBUF);
		rte_pktmbuf_free(f);
		rte_pktmbuf_free(m);
		return NULL;
	}
	p = rte_pktmbuf_read(m, 0, m->pkt_len, d);
	if (p != d)
		memcpy(d, p, m->pkt_len);
	rte_pktmbuf_free(m);
	return f;
}

/* A SIP datagram: parse it, hand it to the owner of its transaction. */
static void
dp_loop_sip(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_net_rx *rx)
{
	struct sip_msg *msg = &lc->msg;
	enum sip_err err;
	int owner;

	m = dp_loop_flat(lc, m);
	if (m == NULL)
		return;
	err = sip_parse(rte_pktmbuf_mtod_offset(m, const char *,
						rx->payload_off),
			rx->payload_len, msg);
	if (err == SIP_E_EMPTY) {
		/* CRLF keep-alives (RFC 5626 3.5.1 over UDP): no answer. */
		SHM_CNT_INC(lc->cnt, NET_KEEPALIVES);
		rte_pktmbuf_free(m);
		return;
	}
	if (err == SIP_E_OK && !msg->is_request) {
		owner = txn_owner(&lc->txn, msg);
		if (owner >= 0 && owner != lc->worker_id) {
			struct rte_ring *r = owner < RTE_MAX_LCORE ?
						     dp_inbox[owner] : NULL;

			if (r != NULL && rte_ring_mp_enqueue(r, m) == 0) {
				SHM_CNT_INC(lc->cnt, HANDOFFS);
				return;
			}
			SHM_CNT_INC(lc->cnt, HANDOFF_DROPS);
			rte_pktmbuf_free(m);
			return;
		}
	}
	txn_input(&lc->txn, m, rx, msg, err);
}

static void
dp_loop_frame(struct dp_lcore *lc, uint16_t port, struct rte_mbuf *m)
{
	struct dp_net_rx rx;
	enum shm_cnt drop;

	switch (dp_net_decode(m, lc->conf.ip, lc->conf.sip_port, &rx, &drop)) {
	case DP_NET_ARP_REQ:
		SHM_CNT_INC(lc->cnt, NET_ARP_REQUESTS);
		dp_arp_learn(&lc->arp, rx.src_ip, &rx.src_mac);
		dp_net_arp_reply(m, &dp_ports[port].mac, lc->conf.ip);
		SHM_CNT_INC(lc->cnt, NET_ARP_REPLIES);
		dp_tx(lc, port, m);
		return;
	case DP_NET_ARP_REPLY:
		SHM_CNT_INC(lc->cnt, NET_ARP_LEARNED);
		dp_arp_learn(&lc->arp, rx.src_ip, &rx.src_mac);
		break;
	case DP_NET_SIP:
		dp_arp_learn(&lc->arp, rx.src_ip, &rx.src_mac);
		dp_loop_sip(lc, m, &rx); /* takes m */
		return;
	case DP_NET_DROP:
		lc->cnt->v[drop]++;
		break;
	}
	rte_pktmbuf_free(m);
}

/* Responses other workers received for our transactions. */
static unsigned int
dp_loop_inbox(struct dp_lcore *lc)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int n, i;

	n = rte_ring_sc_dequeue_burst(lc->inbox, (void **)pkts, DP_BURST,
				      NULL);
	for (i = 0; i < n; i++) {
		struct dp_net_rx rx;
		enum shm_cnt drop;

		/* Decoded once already; again is cheaper than carrying it. */
		if (dp_net_decode(pkts[i], lc->conf.ip, lc->conf.sip_port, &rx,
				  &drop) == DP_NET_SIP)
			dp_loop_sip(lc, pkts[i], &rx);
		else
			rte_pktmbuf_free(pkts[i]);
	}
	return n;
}

unsigned int
dp_loop_poll(struct dp_lcore *lc)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int total = 0, i, q;
	uint64_t start = rte_rdtsc(), now;

	for (q = 0; q < lc->nb_rxq; q++) {
		uint16_t port = lc->rxq[q].port;
		uint16_t n;

		n = rte_eth_rx_burst(port, lc->rxq[q].queue, pkts, DP_BURST);
		if (n == 0)
			continue;
		SHM_CNT_ADD(lc->cnt, RX_PKTS, n);
		total += n;
		for (i = 0; i < n && i < DP_PREFETCH_OFFSET; i++)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
		for (i = 0; i < n; i++) {
			if (i + DP_PREFETCH_OFFSET < n)
				rte_prefetch0(rte_pktmbuf_mtod(
					pkts[i + DP_PREFETCH_OFFSET], void *));
			dp_loop_frame(lc, port, pkts[i]);
		}
	}
	total += dp_loop_inbox(lc);
	/* The wheel's tick is a millisecond: look at it once per tick, or
	 * while a batch of expiries is still being worked through. */
	if (start >= lc->next_tick || lc->timers_left) {
		uint32_t fired = txn_tick(&lc->txn, start / lc->tsc_per_ms,
					  DP_TIMERS_PER_LOOP);

		lc->timers_left = fired == DP_TIMERS_PER_LOOP;
		lc->next_tick = (start / lc->tsc_per_ms + 1) * lc->tsc_per_ms;
		total += fired;
	}
	now = rte_rdtsc();
	if (now >= lc->next_drain) {
		dp_loop_flush(lc);
		lc->next_drain = now + lc->drain_cycles;
	}
	/* busy_pct = busy_cycles / loop_cycles, read by the control plane. */
	SHM_CNT_ADD(lc->cnt, LOOP_CYCLES, now - start);
	if (total > 0)
		SHM_CNT_ADD(lc->cnt, BUSY_CYCLES, now - start);
	return total;
}

int
dp_loop_run(void *arg)
{
	struct dp_lcore *lc = arg;

	DP_LOG(INFO, "lcore %u: worker %u polling %u queue(s)", lc->lcore_id,
	       lc->worker_id, lc->nb_rxq);
	lc->next_drain = rte_rdtsc() + lc->drain_cycles;
	while (!__atomic_load_n(&dp_quit, __ATOMIC_RELAXED))
		dp_loop_poll(lc);
	dp_loop_flush(lc);
	DP_LOG(INFO, "lcore %u: worker %u stopped", lc->lcore_id,
	       lc->worker_id);
	return 0;
}
