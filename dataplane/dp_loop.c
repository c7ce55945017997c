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
#include <rte_ip.h>
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

/* A chain copied into one mbuf of the lcore's pool, offload flags and
 * lengths kept; m is freed either way.  NULL (counted) when no mbuf is
 * free or the frame does not fit one. */
static struct rte_mbuf *
dp_loop_copy_flat(struct dp_lcore *lc, struct rte_mbuf *m)
{
	struct rte_mbuf *f = rte_pktmbuf_alloc(lc->pool);
	char *d = NULL;
	const void *p;

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
	f->ol_flags = m->ol_flags;
	f->tx_offload = m->tx_offload;
	rte_pktmbuf_free(m);
	return f;
}

/* For a port that cannot send chains (net_pcap, a few NICs): counted,
 * since it undoes the zero-copy fork.  The checksums stay valid: the
 * bytes do not change. */
static struct rte_mbuf *
dp_tx_linear(struct dp_lcore *lc, struct rte_mbuf *m)
{
	struct rte_mbuf *f = dp_loop_copy_flat(lc, m);

	if (f != NULL)
		SHM_CNT_INC(lc->cnt, NET_TX_LINEARIZED);
	return f;
}

static inline void
dp_tx(struct dp_lcore *lc, uint16_t port, struct rte_mbuf *m)
{
	uint16_t sent;

	if (unlikely(m->nb_segs > 1 && !dp_ports[port].multi_seg)) {
		m = dp_tx_linear(lc, m);
		if (m == NULL)
			return;
	}

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

/* Send the frames held for ip, now that its MAC is known. */
static void
dp_loop_unhold(struct dp_lcore *lc, uint32_t ip)
{
	const struct rte_ether_addr *mac = dp_arp_lookup(&lc->arp, ip);
	uint16_t i = 0;

	while (mac != NULL && i < lc->nb_pending) {
		struct dp_pending *p = &lc->pending[i];

		if (p->ip != ip) {
			i++;
			continue;
		}
		rte_ether_addr_copy(mac, &rte_pktmbuf_mtod(p->m,
			struct rte_ether_hdr *)->dst_addr);
		dp_tx(lc, lc->tx_port, p->m);
		*p = lc->pending[--lc->nb_pending];
	}
}

/* Drop held frames whose ARP answer did not come in time. */
static void
dp_loop_hold_expire(struct dp_lcore *lc, uint64_t now)
{
	uint16_t i = 0;

	while (i < lc->nb_pending) {
		if (lc->pending[i].deadline > now) {
			i++;
			continue;
		}
		rte_pktmbuf_free(lc->pending[i].m);
		SHM_CNT_INC(lc->cnt, NET_ARP_EXPIRED);
		lc->pending[i] = lc->pending[--lc->nb_pending];
	}
}

void
dp_loop_io_tx(void *ctx, struct rte_mbuf *frame)
{
	struct dp_lcore *lc = ctx;
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(frame,
						     struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip;
	const struct rte_ether_addr *mac;

	if (!rte_is_zero_ether_addr(&eth->dst_addr)) {
		dp_tx(lc, lc->tx_port, frame);
		return;
	}
	/* Built before ARP answered: maybe it has by now, else hold it.
	 * The frame may be a branch's kept request: fixing its MAC in
	 * place serves every retransmission too. */
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	mac = dp_arp_lookup(&lc->arp, ip->dst_addr);
	if (mac != NULL) {
		rte_ether_addr_copy(mac, &eth->dst_addr);
		dp_tx(lc, lc->tx_port, frame);
		return;
	}
	if (lc->nb_pending == DP_PENDING) {
		SHM_CNT_INC(lc->cnt, NET_ARP_EXPIRED);
		rte_pktmbuf_free(frame);
		return;
	}
	lc->pending[lc->nb_pending].m = frame;
	lc->pending[lc->nb_pending].ip = ip->dst_addr;
	lc->pending[lc->nb_pending].deadline = rte_rdtsc() +
					       DP_PENDING_MS * lc->tsc_per_ms;
	lc->nb_pending++;
	SHM_CNT_INC(lc->cnt, NET_ARP_HELD);
}

int
dp_loop_io_nbr(void *ctx, uint32_t ip, struct rte_ether_addr *mac)
{
	struct dp_lcore *lc = ctx;
	const struct rte_ether_addr *e = dp_arp_lookup(&lc->arp, ip);
	struct dp_asked *a = &lc->asked[dp_arp_slot(ip) % DP_ASKED];
	struct rte_mbuf *m;
	uint64_t now;

	if (e != NULL) {
		rte_ether_addr_copy(e, mac);
		return 0;
	}
	/* Ask for each unknown address, at most every DP_ASK_MS: the
	 * answer releases what waits for it. */
	now = rte_rdtsc();
	if (a->ip == ip && now - a->tsc < DP_ASK_MS * lc->tsc_per_ms)
		return -1;
	a->ip = ip;
	a->tsc = now;
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
	if (m->nb_segs == 1 || rte_pktmbuf_linearize(m) == 0)
		return m;
	return dp_loop_copy_flat(lc, m);
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
		if (lc->nb_pending > 0)
			dp_loop_unhold(lc, rx.src_ip);
		dp_net_arp_reply(m, &dp_ports[port].mac, lc->conf.ip);
		SHM_CNT_INC(lc->cnt, NET_ARP_REPLIES);
		dp_tx(lc, port, m);
		return;
	case DP_NET_ARP_REPLY:
		SHM_CNT_INC(lc->cnt, NET_ARP_LEARNED);
		dp_arp_learn(&lc->arp, rx.src_ip, &rx.src_mac);
		if (lc->nb_pending > 0)
			dp_loop_unhold(lc, rx.src_ip);
		break;
	case DP_NET_SIP:
		dp_arp_learn(&lc->arp, rx.src_ip, &rx.src_mac);
		if (lc->nb_pending > 0)
			dp_loop_unhold(lc, rx.src_ip);
		dp_loop_sip(lc, m, &rx); /* takes m */
		return;
	case DP_NET_DROP:
		lc->cnt->v[drop]++;
		break;
	}
	rte_pktmbuf_free(m);
}

/* The whole of a frame's first segment: a SIP message spans ten cache
 * lines or so, and the parser reads every one of them. */
static inline void
dp_loop_prefetch(const struct rte_mbuf *m)
{
	const char *d = rte_pktmbuf_mtod(m, const char *);
	uint32_t off;

	for (off = 0; off < m->data_len; off += RTE_CACHE_LINE_SIZE)
		rte_prefetch0(d + off);
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
			dp_loop_prefetch(pkts[i]);
		for (i = 0; i < n; i++) {
			if (i + DP_PREFETCH_OFFSET < n)
				dp_loop_prefetch(pkts[i + DP_PREFETCH_OFFSET]);
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
		if (start >= lc->next_mem) {
			dp_lcore_mem_update(lc);
			lc->next_mem = start + SHM_MEM_PERIOD_MS *
					       lc->tsc_per_ms;
		}
		if (lc->nb_pending > 0)
			dp_loop_hold_expire(lc, start);
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
