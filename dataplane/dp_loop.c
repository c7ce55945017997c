/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop: RX burst -> dp_net decode -> ARP reply or SIP parse ->
 * stateless answer -> per-port TX buffer, drained on a TSC deadline.
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

#include "dp_lcore.h"
#include "dp_log.h"
#include "dp_net.h"
#include "dp_net_inline.h"
#include "dp_port.h"
#include "sip_parse.h"
#include "sip_reply.h"

#ifndef SIPFORK_VERSION
#define SIPFORK_VERSION "dev"
#endif

/** The Server header value of our replies. */
#define DP_SERVER "sipfork/" SIPFORK_VERSION

/** Frames ahead of the one being handled whose data is prefetched. */
#define DP_PREFETCH_OFFSET 3

/** Bytes of IPv4 and UDP header counted against the MTU. */
#define DP_IP_UDP_LEN 28

/** Default SIP port of a Via without one (RFC 3261 18.2.2, 19.1.2). */
#define DP_SIP_DEFAULT_PORT 5060

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
/* Stateless answers                                                     */

/*
 * What a request gets before the transaction layer exists.  Chosen by
 * dp_loop_decide(), a pure function; dp_loop_answer() does the sending.
 */
enum dp_answer {
	DP_ANS_NONE,        /* ACK: never answered (RFC 3261 17.2.1) */
	DP_ANS_OPTIONS,     /* 200: an OPTIONS for us */
	DP_ANS_BAD_SCHEME,  /* 416: a Request-URI scheme we cannot route */
	DP_ANS_TOO_MANY,    /* 483: Max-Forwards reached 0 */
	DP_ANS_BAD_EXT,     /* 420: Proxy-Require names an extension */
	DP_ANS_NO_TXN,      /* 481: a CANCEL, with no transaction to cancel */
	DP_ANS_UNAVAILABLE, /* 503 + Retry-After: anything to forward */
};

/* 1 when a span is exactly the dotted quad of ip (network order). */
static int
dp_span_is_ip(const struct sip_msg *msg, struct sip_span s, uint32_t ip)
{
	const char *p = sip_span_ptr(msg, s), *end = p + s.len;
	uint32_t addr = 0;
	unsigned int part;

	for (part = 0; part < 4; part++) {
		unsigned int v = 0, digits = 0;

		while (p < end && *p >= '0' && *p <= '9' && digits < 3) {
			v = v * 10 + (unsigned int)(*p++ - '0');
			digits++;
		}
		if (digits == 0 || v > 255)
			return 0;
		addr = addr << 8 | v;
		if (part < 3 && (p == end || *p++ != '.'))
			return 0;
	}
	return p == end && rte_cpu_to_be_32(addr) == ip;
}

static enum dp_answer
dp_loop_decide(const struct dp_conf *conf, const struct sip_msg *msg)
{
	int for_us;

	if (msg->method_id == SIP_M_ACK)
		return DP_ANS_NONE;
	/* RFC 3261 16.3 step 1: a scheme the proxy does not understand. */
	if (msg->ruri.scheme == SIP_SCHEME_OTHER)
		return DP_ANS_BAD_SCHEME;
	for_us = msg->ruri.user.len == 0 ||
		 dp_span_is_ip(msg, msg->ruri.host, conf->ip);
	/* 16.3 step 3: an OPTIONS that may go no further is answered by the
	 * proxy itself, as is one addressed to the proxy (no user part, or
	 * our address as host: the keepalive pings of peers). */
	if (msg->method_id == SIP_M_OPTIONS &&
	    (for_us || msg->max_forwards == 0))
		return DP_ANS_OPTIONS;
	if (msg->max_forwards == 0)
		return DP_ANS_TOO_MANY;
	/* 16.3 step 5: we support no extension, so any Proxy-Require is
	 * refused, except on CANCEL, which must follow its INVITE. */
	if (msg->nb_proxy_require > 0 && msg->method_id != SIP_M_CANCEL)
		return DP_ANS_BAD_EXT;
	/* 16.10: a CANCEL matching no transaction is forwarded statelessly;
	 * we cannot forward yet, and its INVITE got our final answer, so
	 * there is nothing to cancel (9.2: 481). */
	if (msg->method_id == SIP_M_CANCEL)
		return DP_ANS_NO_TXN;
	/*
	 * Everything else would be forwarded, which this build cannot do
	 * yet.  503 with Retry-After says "this server, not the callee, is
	 * unavailable for a while": a UA or upstream proxy fails over to the
	 * next server of its RFC 3263 list and, per RFC 3261 21.5.4, does
	 * not retry us before Retry-After.  501 would claim we never
	 * implement INVITE (wrong and permanent); 480 is about the callee
	 * (and is final for the call, no failover); 404 claims the user does
	 * not exist.  An upstream proxy turns our 503 into 500 (16.7 step 6),
	 * which is what a carrier peer expects of an element that cannot
	 * route.
	 */
	return DP_ANS_UNAVAILABLE;
}

/* FNV-1a over a span, byte by byte: spans are unaligned, and DPDK's
 * rte_hash_crc and rte_jhash load whole words at any address (undefined
 * behaviour, which UBSan reports).  A tag costs this once per reply. */
static uint32_t
dp_loop_fnv(const struct sip_msg *msg, struct sip_span s, uint32_t h)
{
	const uint8_t *p = (const uint8_t *)sip_span_ptr(msg, s);
	uint16_t i;

	for (i = 0; i < s.len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Our To tag: the same for a retransmission of the same request, as a
 * stateless element's must be (RFC 3261 16.11 / 8.2.6.2). */
static void
dp_loop_tag(const struct dp_lcore *lc, const struct sip_msg *msg,
	    char tag[DP_TAG_LEN])
{
	uint32_t h = 2166136261u ^ lc->conf.tag_salt;

	h = dp_loop_fnv(msg, msg->call_id, h);
	h = dp_loop_fnv(msg, msg->from.tag, h);
	if (msg->nb_via > 0)
		h = dp_loop_fnv(msg, msg->via[0].branch, h);
	h = (h ^ msg->cseq) * 16777619u;
	snprintf(tag, DP_TAG_LEN, "sf%08x", h);
}

/* Copy a reply built in scratch into a chain of mbufs from the pool. */
static struct rte_mbuf *
dp_loop_chain(struct dp_lcore *lc, const char *data, uint32_t len)
{
	struct rte_mbuf *head = NULL, *seg;
	uint32_t done = 0;

	while (done < len) {
		uint16_t room;
		char *dst;

		seg = rte_pktmbuf_alloc(lc->pool);
		if (seg == NULL)
			goto free_head;
		/* Only the head needs headroom, for the frame headers. */
		if (head != NULL)
			seg->data_off = 0;
		room = rte_pktmbuf_tailroom(seg);
		if (room > len - done)
			room = len - done;
		dst = rte_pktmbuf_append(seg, room);
		memcpy(dst, data + done, room);
		done += room;
		if (head == NULL)
			head = seg;
		else if (rte_pktmbuf_chain(head, seg) < 0) {
			rte_pktmbuf_free(seg);
			goto free_head;
		}
	}
	return head;

free_head:
	rte_pktmbuf_free(head);
	return NULL;
}

/*
 * Send a stateless response to a request.  The destination is where RFC
 * 3261 18.2.2 and RFC 3581 send a response over UDP: the source address
 * of the request (its "received", which the server transport records
 * whenever it differs from sent-by); the request's source port when the
 * top Via has rport, else the sent-by port, else 5060.  maddr (multicast
 * responses) is not supported and is ignored.
 */
static void
dp_loop_reply(struct dp_lcore *lc, uint16_t port, const struct dp_net_rx *rx,
	      const struct sip_msg *msg, uint16_t status, const char *reason,
	      const char *extra)
{
	const struct dp_port *p = &dp_ports[port];
	const struct rte_ether_addr *mac;
	struct sip_reply_opts opts = {
		.extra = extra,
		.server = DP_SERVER,
	};
	struct dp_net_udp_tx t;
	struct rte_mbuf *m;
	char tag[DP_TAG_LEN];
	int len, ret;

	dp_loop_tag(lc, msg, tag);
	opts.to_tag = tag;
	m = rte_pktmbuf_alloc(lc->pool);
	if (unlikely(m == NULL)) {
		SHM_CNT_INC(lc->cnt, NET_TX_NOMBUF);
		return;
	}
	len = sip_reply_build(msg, status, reason, &opts,
			      rte_pktmbuf_mtod(m, char *),
			      rte_pktmbuf_tailroom(m));
	if (len == -ENOSPC && p->multi_seg) {
		/* Rare: more Via bytes than one mbuf holds. */
		rte_pktmbuf_free(m);
		m = NULL;
		len = sip_reply_build(msg, status, reason, &opts,
				      lc->tx_scratch, DP_SCRATCH_LEN);
		if (len > 0 && len + DP_IP_UDP_LEN <= p->mtu) {
			m = dp_loop_chain(lc, lc->tx_scratch, (uint32_t)len);
			if (m == NULL) {
				SHM_CNT_INC(lc->cnt, NET_TX_NOMBUF);
				return;
			}
		}
	} else if (len > 0) {
		rte_pktmbuf_append(m, (uint16_t)len);
	}
	if (len < 0 || m == NULL || m->pkt_len + DP_IP_UDP_LEN > p->mtu) {
		DP_LOG_RL(DEBUG, "no room for a %u reply (%d)", status, len);
		SHM_CNT_INC(lc->cnt, NET_TX_TOO_BIG);
		rte_pktmbuf_free(m);
		return;
	}

	mac = dp_arp_lookup(&lc->arp, rx->src_ip);
	rte_ether_addr_copy(mac != NULL ? mac : &rx->src_mac, &t.dst_mac);
	rte_ether_addr_copy(&p->mac, &t.src_mac);
	t.src_ip = lc->conf.ip;
	t.dst_ip = rx->src_ip;
	t.src_port = lc->conf.sip_port;
	if (msg->via[0].has_rport)
		t.dst_port = rx->src_port;
	else if (msg->via[0].port != 0)
		t.dst_port = msg->via[0].port;
	else
		t.dst_port = DP_SIP_DEFAULT_PORT;
	t.ip_id = lc->ip_id++;
	/* Chains get the software sum: some PMDs' offload emulation sums
	 * chains with the same bug as rte_ipv4_udptcp_cksum_mbuf. */
	ret = dp_net_udp_encap(m, &t, p->hw_cksum && m->nb_segs == 1);
	if (unlikely(ret < 0)) {
		SHM_CNT_INC(lc->cnt, NET_TX_TOO_BIG);
		rte_pktmbuf_free(m);
		return;
	}
	SHM_CNT_INC(lc->cnt, SL_SENT_REPLIES);
	if (status >= 300)
		SHM_CNT_INC(lc->cnt, SL_SENT_ERR_REPLIES);
	dp_tx(lc, port, m);
}

/* "Unsupported: " and every Proxy-Require value, for a 420. */
static const char *
dp_loop_unsupported(const struct sip_msg *msg, char *buf, size_t cap)
{
	size_t len = 0;
	unsigned int i;
	int first = 1;

	len = (size_t)snprintf(buf, cap, "Unsupported: ");
	for (i = 0; i < msg->nb_hdrs; i++) {
		const struct sip_hdr *h = &msg->hdr[i];

		if (h->type != SIP_H_PROXY_REQUIRE || h->value.len == 0)
			continue;
		/* Leave room for ", ", the value and the final CRLF NUL. */
		if (len + 2 + h->value.len + 3 > cap)
			break;
		if (!first) {
			memcpy(buf + len, ", ", 2);
			len += 2;
		}
		memcpy(buf + len, sip_span_ptr(msg, h->value), h->value.len);
		len += h->value.len;
		first = 0;
	}
	memcpy(buf + len, "\r\n", 3);
	return buf;
}

static void
dp_loop_request(struct dp_lcore *lc, uint16_t port, const struct dp_net_rx *rx,
		const struct sip_msg *msg)
{
	char unsupported[256];

	switch (dp_loop_decide(&lc->conf, msg)) {
	case DP_ANS_NONE:
		SHM_CNT_INC(lc->cnt, SL_RECEIVED_ACKS);
		SHM_CNT_INC(lc->cnt, DROP_REQUESTS);
		break;
	case DP_ANS_OPTIONS:
		dp_loop_reply(lc, port, rx, msg, 200, NULL, NULL);
		break;
	case DP_ANS_BAD_SCHEME:
		dp_loop_reply(lc, port, rx, msg, 416, NULL, NULL);
		break;
	case DP_ANS_TOO_MANY:
		dp_loop_reply(lc, port, rx, msg, 483, NULL, NULL);
		break;
	case DP_ANS_BAD_EXT:
		dp_loop_reply(lc, port, rx, msg, 420, NULL,
			      dp_loop_unsupported(msg, unsupported,
						  sizeof(unsupported)));
		break;
	case DP_ANS_NO_TXN:
		dp_loop_reply(lc, port, rx, msg, 481, NULL, NULL);
		break;
	case DP_ANS_UNAVAILABLE:
		dp_loop_reply(lc, port, rx, msg, 503, NULL,
			      "Retry-After: 5\r\n");
		break;
	}
}

/*
 * sip_parse() stops at a start line whose SIP version it does not know,
 * so none of the headers a 505 must copy are located.  Parse a copy whose
 * version reads SIP/2.0 instead: the header bytes are the same, and the
 * 505 built from the copy carries them unchanged.  On return msg points
 * into lc->fix_scratch (or is as it was when the copy cannot be made).
 */
static void
dp_loop_reparse_version(struct dp_lcore *lc, struct sip_msg *msg,
			const char *p, uint32_t len)
{
	static const char v2[] = "SIP/2.0";
	struct sip_span sl = msg->start_line;
	uint32_t v0, v1 = (uint32_t)sl.off + sl.len, n;

	for (v0 = v1; v0 > sl.off && p[v0 - 1] != ' '; v0--)
		;
	if (v0 == sl.off || len - (v1 - v0) + sizeof(v2) > DP_SCRATCH_LEN)
		return;
	memcpy(lc->fix_scratch, p, v0);
	memcpy(lc->fix_scratch + v0, v2, sizeof(v2) - 1);
	n = v0 + sizeof(v2) - 1;
	memcpy(lc->fix_scratch + n, p + v1, len - v1);
	n += len - v1;
	(void)sip_parse(lc->fix_scratch, n, msg);
}

/*
 * A datagram that failed to parse.  A request gets the error's status
 * when enough of it parsed to address a response (top Via, From, To,
 * Call-ID, CSeq); everything else is counted and dropped: responses
 * (RFC 3261 18.1.2), ACKs, and bytes that are not SIP at all.
 */
static void
dp_loop_bad(struct dp_lcore *lc, uint16_t port, const struct dp_net_rx *rx,
	    struct sip_msg *msg, const char *p, uint32_t len,
	    enum sip_err err)
{
	uint16_t status = sip_err_status(err);

	if (err == SIP_E_EMPTY) {
		SHM_CNT_INC(lc->cnt, NET_KEEPALIVES);
		return;
	}
	SHM_CNT_INC(lc->cnt, BAD_MSG_HDR);
	/* sip_parse() read a status line (is_request 0) or a method. */
	if (!msg->is_request && msg->start_line.len > 0) {
		SHM_CNT_INC(lc->cnt, RCV_REPLIES);
		SHM_CNT_INC(lc->cnt, ERR_REPLIES);
		SHM_CNT_INC(lc->cnt, DROP_REPLIES);
		return;
	}
	if (!msg->is_request || msg->method.len == 0) {
		DP_LOG_RL(DEBUG, "not SIP: %s at byte %u", sip_err_name(err),
			  msg->err_off);
		return;
	}
	SHM_CNT_INC(lc->cnt, RCV_REQUESTS);
	SHM_CNT_INC(lc->cnt, ERR_REQUESTS);
	if (err == SIP_E_VERSION && msg->method_id != SIP_M_ACK &&
	    !sip_reply_possible(msg))
		dp_loop_reparse_version(lc, msg, p, len);
	if (status == 0 || msg->method_id == SIP_M_ACK ||
	    !sip_reply_possible(msg)) {
		SHM_CNT_INC(lc->cnt, DROP_REQUESTS);
		DP_LOG_RL(DEBUG, "request dropped: %s at byte %u",
			  sip_err_name(err), msg->err_off);
		return;
	}
	dp_loop_reply(lc, port, rx, msg, status, sip_err_text(err), NULL);
}

static void
dp_loop_sip(struct dp_lcore *lc, uint16_t port, struct rte_mbuf *m,
	    const struct dp_net_rx *rx)
{
	struct sip_msg *msg = &lc->msg;
	enum sip_err err;
	const char *p;

	/* Zero-copy unless the payload spans segments. */
	p = rte_pktmbuf_read(m, rx->payload_off, rx->payload_len,
			     lc->rx_scratch);
	err = sip_parse(p, rx->payload_len, msg);
	if (err != SIP_E_OK) {
		dp_loop_bad(lc, port, rx, msg, p, rx->payload_len, err);
		return;
	}
	if (!msg->is_request) {
		/* No client transaction exists yet to take a response. */
		SHM_CNT_INC(lc->cnt, RCV_REPLIES);
		SHM_CNT_INC(lc->cnt, DROP_REPLIES);
		return;
	}
	SHM_CNT_INC(lc->cnt, RCV_REQUESTS);
	dp_loop_request(lc, port, rx, msg);
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
	case DP_NET_SIP:
		dp_arp_learn(&lc->arp, rx.src_ip, &rx.src_mac);
		dp_loop_sip(lc, port, m, &rx);
		break;
	case DP_NET_DROP:
		lc->cnt->v[drop]++;
		break;
	}
	rte_pktmbuf_free(m);
}

unsigned int
dp_loop_poll(struct dp_lcore *lc)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int total = 0, i, q;
	uint64_t now;

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
	now = rte_rdtsc();
	if (now >= lc->next_drain) {
		dp_loop_flush(lc);
		lc->next_drain = now + lc->drain_cycles;
	}
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
