/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated caller and callees of sipfork-bench (see bench_peer.h).
 * They speak real SIP in real Ethernet/IPv4/UDP frames, built and parsed
 * with the dataplane's own helpers, so the worker cannot tell them from
 * peers on a wire.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_pause.h>

#include "bench_peer.h"
#include "dp_net.h"
#include "sip_reply.h"

/* A typical G.711 offer: the body every branch shares by reference. */
static const char bench_sdp[] =
	"v=0\r\n"
	"o=- 3818375 3818375 IN IP4 198.18.0.2\r\n"
	"s=-\r\n"
	"c=IN IP4 198.18.0.2\r\n"
	"t=0 0\r\n"
	"m=audio 30000 RTP/AVP 8 0 101\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=ptime:20\r\n"
	"a=sendrecv\r\n";

static void
ip_str(uint32_t ip, char out[16])
{
	const uint8_t *b = (const uint8_t *)&ip;

	snprintf(out, 16, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

/* Inject the batched frames.  Batches let the worker see bursts, as it
 * would behind a busy NIC, instead of one frame per poll.  The worker
 * never blocks (it drops and counts), so waiting for room here cannot
 * deadlock. */
static void
flush(struct bench_peer *p)
{
	uint32_t done = 0;

	while (done < p->nb_out) {
		done += rte_ring_sp_enqueue_burst(p->to_dp,
			(void **)&p->out[done], p->nb_out - done, NULL);
		if (done < p->nb_out)
			p->idle(p->idle_ctx);
	}
	p->nb_out = 0;
}

/* Frame a payload from src_ip:src_port to the proxy and batch it. */
static void
send_sip(struct bench_peer *p, const char *pl, int len, uint32_t src_ip,
	 uint16_t src_port)
{
	struct rte_mbuf *m;
	struct dp_net_udp_tx u;
	char *d;

	if (len <= 0)
		return;
	m = rte_pktmbuf_alloc(p->pool);
	d = m != NULL ? rte_pktmbuf_append(m, (uint16_t)len) : NULL;
	if (d == NULL) {
		rte_pktmbuf_free(m);
		p->unexpected++;
		return;
	}
	memcpy(d, pl, (size_t)len);
	memset(&u, 0, sizeof(u));
	u.src_mac = p->mac;
	u.src_ip = src_ip;
	u.dst_ip = p->dp_ip;
	u.src_port = src_port;
	u.dst_port = p->dp_port;
	u.ip_id = p->ip_id++;
	if (dp_net_udp_encap(m, &u, 0) < 0) {
		rte_pktmbuf_free(m);
		p->unexpected++;
		return;
	}
	p->out[p->nb_out++] = m;
	if (p->nb_out == RTE_DIM(p->out))
		flush(p);
}

int
bench_peer_run(struct bench_peer *p, uint32_t k, uint32_t nb, int hold)
{
	p->k = k;
	p->run++;
	p->nb_calls = nb;
	p->started = p->completed = 0;
	p->hold = hold;
	p->nb_held = 0;
	p->state = calloc(nb, sizeof(*p->state));
	if (p->state == NULL)
		return -ENOMEM;
	return 0;
}

void
bench_peer_end(struct bench_peer *p)
{
	free(p->state);
	p->state = NULL;
	p->nb_held = 0;
}

static void
call_id(const struct bench_peer *p, uint32_t id, char *out, size_t cap)
{
	snprintf(out, cap, "b%u-%u@198.18.0.2", p->run, id);
}

/* The start of the caller's INVITE (or its CANCEL, which must repeat
 * its Request-URI, Via, From, To, Call-ID and CSeq number: RFC 3261 9.1)
 * for call id, up to and including CSeq, in p->buf; @return its length. */
static int
caller_request(struct bench_peer *p, uint32_t id, const char *method)
{
	char cid[48], dp[16];

	ip_str(p->dp_ip, dp);
	call_id(p, id, cid, sizeof(cid));
	return snprintf(p->buf, sizeof(p->buf),
		"%s sip:b%u@%s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.18.0.2:5060;branch=z9hG4bK-i%u-%u;"
		"rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: \"Bench\" <sip:caller@198.18.0.2>;tag=f%u\r\n"
		"To: <sip:b%u@%s>\r\n"
		"Call-ID: %s\r\n"
		"CSeq: 1 %s\r\n",
		method, p->k, dp, p->run, id, id, p->k, dp, cid, method);
}

uint32_t
bench_peer_invite(struct bench_peer *p, uint32_t window)
{
	/* A burst at a time, so the caller gets back to draining the
	 * worker's TX ring; each INVITE comes back as k + 1 frames, so a
	 * burst's worth stays well below the ring (DP_PORT_RING_SIZE). */
	uint32_t burst = RTE_MAX(1u, RTE_MIN((uint32_t)BENCH_PEER_BURST,
					     2048u / (p->k + 1)));
	uint32_t sent = 0;

	while (p->started < p->nb_calls && p->started - p->completed < window &&
	       sent < burst) {
		uint32_t id = p->started++;
		int n;

		n = caller_request(p, id, "INVITE");
		n += snprintf(p->buf + n, sizeof(p->buf) - (size_t)n,
			"Contact: <sip:caller@198.18.0.2:5060>\r\n"
			"Content-Type: application/sdp\r\n"
			"Content-Length: %zu\r\n\r\n%s",
			sizeof(bench_sdp) - 1, bench_sdp);
		send_sip(p, p->buf, n, p->uac_ip, 5060);
		p->state[id] = BENCH_CALL_INVITED;
		sent++;
	}
	flush(p);
	return sent;
}

/* Count a frame we cannot place, and show the first few. */
static void
unexpected(struct bench_peer *p, const char *why)
{
	if (p->unexpected++ < 5)
		fprintf(stderr, "sipfork-bench: unexpected frame (%s): %.*s\n",
			why, p->msg.start_line.len,
			sip_span_ptr(&p->msg, p->msg.start_line));
}

/* The call a message belongs to, from its Call-ID; -1 if not this run. */
static int64_t
msg_call(const struct bench_peer *p, const struct sip_msg *msg)
{
	const char *c = sip_span_ptr(msg, msg->call_id);
	uint32_t run = 0, id = 0, i = 1;

	if (msg->call_id.len < 4 || c[0] != 'b')
		return -1;
	for (; i < msg->call_id.len && c[i] >= '0' && c[i] <= '9'; i++)
		run = run * 10 + (uint32_t)(c[i] - '0');
	if (i >= msg->call_id.len || c[i++] != '-' || run != p->run)
		return -1;
	for (; i < msg->call_id.len && c[i] >= '0' && c[i] <= '9'; i++)
		id = id * 10 + (uint32_t)(c[i] - '0');
	return id < p->nb_calls ? (int64_t)id : -1;
}

/* A callee's answer to a request it received on port. */
static void
uas_reply(struct bench_peer *p, uint16_t port, uint16_t status,
	  const char *extra)
{
	struct sip_reply_opts o = { 0 };
	char tag[16];
	int n;

	snprintf(tag, sizeof(tag), "t%u", port);
	o.to_tag = tag;
	o.extra = extra;
	n = sip_reply_build(&p->msg, status, NULL, &o, p->buf, sizeof(p->buf));
	if (n > 0 && status == 487) {
		/* Built from the CANCEL, but it answers the INVITE: the CSeq
		 * method must say so (both words are six letters). */
		char *c = memmem(p->buf, (size_t)n, " CANCEL\r\n", 9);

		if (c != NULL)
			memcpy(c + 1, "INVITE", 6);
	}
	send_sip(p, p->buf, n, p->uas_ip, port);
}

/* A request the proxy sent to callee port. */
static void
uas_request(struct bench_peer *p, uint16_t port)
{
	char extra[160], dp[16], me[16];

	switch (p->msg.method_id) {
	case SIP_M_INVITE:
		uas_reply(p, port, 180, NULL);
		if (port == p->uas_port0) {
			ip_str(p->dp_ip, dp);
			ip_str(p->uas_ip, me);
			snprintf(extra, sizeof(extra),
				 "Record-Route: <sip:%s:%u;lr>\r\n"
				 "Contact: <sip:uas@%s:%u>\r\n",
				 dp, p->dp_port, me, port);
			uas_reply(p, port, 200, extra);
		}
		return;
	case SIP_M_CANCEL:
		uas_reply(p, port, 200, NULL);
		uas_reply(p, port, 487, NULL);
		return;
	case SIP_M_BYE:
		uas_reply(p, port, 200, NULL);
		return;
	case SIP_M_ACK:
		return;
	default:
		p->unexpected++;
		return;
	}
}

/* The caller's ACK (2xx: new branch, routed; else the INVITE's branch)
 * and, after a 2xx, its BYE. */
static void
uac_ack_bye(struct bench_peer *p, uint32_t id, int ok, int bye)
{
	const struct sip_msg *r = &p->msg;
	char dp[16], cid[48], target[96], route[64], to[256];
	int n;

	ip_str(p->dp_ip, dp);
	call_id(p, id, cid, sizeof(cid));
	n = snprintf(to, sizeof(to), "%.*s", r->to.all.len,
		     sip_span_ptr(r, r->to.all));
	(void)n;
	if (ok && r->nb_contact > 0) {
		snprintf(target, sizeof(target), "%.*s",
			 r->contact[0].addr.uri.all.len,
			 sip_span_ptr(r, r->contact[0].addr.uri.all));
		snprintf(route, sizeof(route), "Route: <sip:%s:%u;lr>\r\n", dp,
			 p->dp_port);
	} else {
		snprintf(target, sizeof(target), "sip:b%u@%s", p->k, dp);
		route[0] = '\0';
	}
	n = snprintf(p->buf, sizeof(p->buf),
		"ACK %s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.18.0.2:5060;branch=z9hG4bK-%c%u-%u\r\n"
		"%s"
		"Max-Forwards: 70\r\n"
		"From: \"Bench\" <sip:caller@198.18.0.2>;tag=f%u\r\n"
		"To: %s\r\n"
		"Call-ID: %s\r\n"
		"CSeq: 1 ACK\r\n"
		"Content-Length: 0\r\n\r\n",
		target, ok ? 'a' : 'i', p->run, id, route, id, to, cid);
	send_sip(p, p->buf, n, p->uac_ip, 5060);
	if (!bye)
		return;
	n = snprintf(p->buf, sizeof(p->buf),
		"BYE %s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.18.0.2:5060;branch=z9hG4bK-y%u-%u\r\n"
		"%s"
		"Max-Forwards: 70\r\n"
		"From: \"Bench\" <sip:caller@198.18.0.2>;tag=f%u\r\n"
		"To: %s\r\n"
		"Call-ID: %s\r\n"
		"CSeq: 2 BYE\r\n"
		"Content-Length: 0\r\n\r\n",
		target, p->run, id, route, id, to, cid);
	send_sip(p, p->buf, n, p->uac_ip, 5060);
}

static void
call_done(struct bench_peer *p, uint32_t id)
{
	if (p->state[id] != BENCH_CALL_DONE) {
		p->state[id] = BENCH_CALL_DONE;
		p->completed++;
	}
}

/* A response the proxy relayed to the caller. */
static void
uac_response(struct bench_peer *p)
{
	const struct sip_msg *r = &p->msg;
	int64_t id = msg_call(p, r);

	if (id < 0) {
		unexpected(p, "call");
		return;
	}
	if (r->cseq_method_id == SIP_M_CANCEL)
		return; /* the 487 to the INVITE ends the call */
	if (r->cseq_method_id == SIP_M_BYE) {
		if (r->status >= 200)
			call_done(p, (uint32_t)id);
		return;
	}
	if (r->status < 200)
		return;
	if (r->status < 300) {
		/* A repeated 200 gets its ACK again, but only one BYE. */
		int bye = p->state[id] == BENCH_CALL_INVITED;

		uac_ack_bye(p, (uint32_t)id, 1, bye);
		if (bye)
			p->state[id] = BENCH_CALL_BYE;
		return;
	}
	uac_ack_bye(p, (uint32_t)id, 0, 0);
	call_done(p, (uint32_t)id);
}

/* Answer an ARP request for any peer address: the worker learns us. */
static void
arp_answer(struct bench_peer *p, struct rte_mbuf *m)
{
	const struct rte_arp_hdr *arp = rte_pktmbuf_mtod_offset(m,
		const struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));

	if (m->data_len < sizeof(struct rte_ether_hdr) + sizeof(*arp) ||
	    arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST)) {
		rte_pktmbuf_free(m);
		return;
	}
	dp_net_arp_reply(m, &p->mac, arp->arp_data.arp_tip);
	p->out[p->nb_out++] = m;
	if (p->nb_out == RTE_DIM(p->out))
		flush(p);
}

/* Parse a frame's SIP payload into p->msg; @return 0 or -1. */
static int
frame_sip(struct bench_peer *p, struct rte_mbuf *m, uint32_t *dst_ip,
	  uint16_t *dst_port)
{
	static char flat[65536];
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	const char *pl;
	uint32_t len;

	if (m->data_len < DP_NET_HDR_LEN)
		return -1;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
				     sizeof(struct rte_ether_hdr));
	udp = (const struct rte_udp_hdr *)(ip + 1);
	*dst_ip = ip->dst_addr;
	*dst_port = rte_be_to_cpu_16(udp->dst_port);
	len = m->pkt_len - DP_NET_HDR_LEN;
	/* Branch frames are chains (header + shared clone): flatten. */
	pl = rte_pktmbuf_read(m, DP_NET_HDR_LEN, len, flat);
	return pl != NULL && sip_parse(pl, len, &p->msg) == SIP_E_OK ? 0 : -1;
}

uint32_t
bench_peer_poll(struct bench_peer *p)
{
	struct rte_mbuf *pkts[BENCH_PEER_POLL];
	uint32_t n, i;

	n = rte_ring_sc_dequeue_burst(p->from_dp, (void **)pkts,
				      BENCH_PEER_POLL, NULL);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth =
			rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		uint32_t dst_ip;
		uint16_t dst_port;

		if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
			arp_answer(p, m);
			continue;
		}
		if (p->hold) {
			/* Silent callees: count the branch frames, nothing
			 * else, so the emulator costs next to nothing. */
			const struct rte_ipv4_hdr *ip = (const void *)(eth + 1);

			if (ip->dst_addr == p->uas_ip)
				p->nb_held++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (frame_sip(p, m, &dst_ip, &dst_port) < 0) {
			p->unexpected++;
		} else if (dst_ip == p->uac_ip && !p->msg.is_request) {
			uac_response(p);
		} else if (dst_ip == p->uas_ip && p->msg.is_request &&
			   dst_port >= p->uas_port0 &&
			   dst_port < p->uas_port0 + p->k) {
			uas_request(p, dst_port);
		} else {
			unexpected(p, "address");
		}
		rte_pktmbuf_free(m);
	}
	flush(p);
	return n;
}

void
bench_peer_cancel(struct bench_peer *p)
{
	uint32_t id;

	p->hold = 0;
	for (id = 0; id < p->started; id++) {
		int n = caller_request(p, id, "CANCEL");

		n += snprintf(p->buf + n, sizeof(p->buf) - (size_t)n,
			      "Content-Length: 0\r\n\r\n");
		send_sip(p, p->buf, n, p->uac_ip, 5060);
		if ((id & 63) == 63) {
			/* Each CANCEL comes back as a 200: drain. */
			flush(p);
			do
				p->idle(p->idle_ctx);
			while (bench_peer_poll(p) == BENCH_PEER_POLL);
		}
	}
	flush(p);
}
