/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipfork-dp --self-check: the forked call through [route demo].
 *
 * The forked call plays every party itself: the caller (the peer of the
 * other checks) and the callees of the first group of [route demo], whose
 * addresses the dataplane learns only from the frames they send.  Frames
 * to a next hop whose MAC is not known yet go to the broadcast address,
 * so those checks look at IPv4/UDP addresses, never at the destination
 * MAC.  Branch frames are mbuf chains; their checksums are verified over
 * a linearised copy with a plain one's complement sum of our own, not
 * with the dataplane's chain code nor DPDK's (NOTES-DPDK.md: 22.11 gets
 * chains with odd segment lengths wrong).
 *
 * Concurrency: the main lcore only.  Worker 0 is reached through the
 * port's rings and its counters are read with shm_cnt_read(); the pools'
 * in-use counts are read while the worker is idle (nothing in flight).
 */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "br_id.h"
#include "cfg.h"
#include "dp_lcore.h"
#include "dp_net.h"
#include "dp_port.h"
#include "dp_selfcheck_priv.h"
#include "sip_parse.h"

/** Targets of the first group the forked call plays, at most. */
#define FK_MAX_TARGETS 8u
/** Frames one step of the forked call may collect. */
#define FK_MAX_FRAMES (2u * FK_MAX_TARGETS + 4u)
/** Bytes of a message the forked call writes. */
#define FK_MSG_MAX 2048u
/** Quiet spell after a step's last expected frame, in milliseconds: a
 * frame too many (a 487 relayed, a group 2 INVITE) would come by then. */
#define FK_QUIET_MS 50
/** Slack on [timers] wait_ms for transactions to go, in milliseconds. */
#define FK_WAIT_SLACK_MS 1000

/** The state of the forked call. */
struct dp_fork {
	unsigned int nb;     /**< targets of group 1 played */
	struct dp_check_peer callee[FK_MAX_TARGETS]; /**< target i sends */
	char uri[FK_MAX_TARGETS][48]; /**< "sip:demo@IP:PORT" of target i */
	char tag[FK_MAX_TARGETS][20]; /**< target i's To tag */
	int broken;          /**< no branches: no later step can run */
	int no_cancel;       /**< a loser got no CANCEL to answer */
	unsigned int nb_got; /**< entries of got[] this step */
	struct dp_check_frame got[FK_MAX_FRAMES]; /**< this step's frames */
	struct dp_check_frame inv[FK_MAX_TARGETS];    /**< branch INVITEs */
	struct dp_check_frame cancel[FK_MAX_TARGETS]; /**< their CANCELs */
	char invite[FK_MSG_MAX];   /**< the caller's INVITE */
	uint32_t invite_len;       /**< bytes */
	struct sip_msg invite_msg; /**< its parse */
	char sent[FK_MAX_TARGETS][FK_MSG_MAX]; /**< callee i's last message */
	uint32_t sent_len[FK_MAX_TARGETS];     /**< bytes */
	char scratch[FK_MSG_MAX];  /**< expected bytes being built */
	char cwhy[1024];           /**< why a step's collection failed */
	unsigned int pkt_base;     /**< packet pool in use before the call */
};

/* -------------------------------------------------------------------- */
/* The forked call: frames                                               */

/* A plain one's complement sum, 16-bit big-endian words: the reference
 * the dataplane's incremental chain sums are held to. */
static uint64_t
fk_ref_sum(const uint8_t *p, size_t n, uint64_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint64_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint64_t)p[n - 1] << 8;
	return sum;
}

static uint16_t
fk_ref_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * Take a frame worker 0 sent: copy it out whole, check Ethernet type and
 * source, IPv4 (header checksum, lengths, our address) and UDP (our port,
 * length, checksum over pseudo-header and payload, as a receiver does),
 * and parse the payload.  @return 0, or -1 with c->why set.
 */
static int
fk_frame_take(struct dp_check *c, const struct rte_mbuf *m,
	      struct dp_check_frame *f)
{
	const struct dp_port *p = &dp_ports[c->cp->port];
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	const uint8_t *u8;
	const void *d;
	uint32_t ihl, tot, ulen;
	uint64_t sum;
	enum sip_err err;

	if (m->pkt_len > sizeof(f->data) || m->pkt_len < DP_NET_HDR_LEN) {
		snprintf(c->why, sizeof(c->why), "frame of %u bytes",
			 m->pkt_len);
		return -1;
	}
	/* rte_pktmbuf_read() copies only bytes that span segments. */
	d = rte_pktmbuf_read(m, 0, m->pkt_len, f->data);
	if (d == NULL) {
		snprintf(c->why, sizeof(c->why), "unreadable frame");
		return -1;
	}
	if (d != f->data)
		memcpy(f->data, d, m->pkt_len);
	f->nb_segs = m->nb_segs;
	f->used = 0;
	eth = (const struct rte_ether_hdr *)f->data;
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	u8 = (const uint8_t *)ip;
	ihl = (ip->version_ihl & 0xfu) * 4u;
	tot = rte_be_to_cpu_16(ip->total_length);
	if (!rte_is_same_ether_addr(&eth->src_addr, &p->mac) ||
	    ip->version_ihl >> 4 != 4 || ihl < sizeof(*ip) ||
	    sizeof(*eth) + tot != m->pkt_len || tot < ihl + sizeof(*udp) ||
	    ip->next_proto_id != IPPROTO_UDP || ip->src_addr != c->our_ip) {
		snprintf(c->why, sizeof(c->why), "not an IPv4/UDP frame "
			 "from us of %u bytes (IP total length %u)",
			 m->pkt_len, tot);
		return -1;
	}
	if (fk_ref_fold(fk_ref_sum(u8, ihl, 0)) != 0xffff) {
		snprintf(c->why, sizeof(c->why), "bad IPv4 header checksum");
		return -1;
	}
	udp = (const struct rte_udp_hdr *)(u8 + ihl);
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (ulen != tot - ihl ||
	    rte_be_to_cpu_16(udp->src_port) != c->sip_port) {
		snprintf(c->why, sizeof(c->why), "UDP length %u in %u, or "
			 "source port %u", ulen, tot - ihl,
			 rte_be_to_cpu_16(udp->src_port));
		return -1;
	}
	/* Pseudo-header (RFC 768), then the datagram with its checksum:
	 * a right one sums to 0xffff. */
	sum = fk_ref_sum((const uint8_t *)&ip->src_addr, 8, 0);
	sum += IPPROTO_UDP + ulen;
	sum = fk_ref_sum((const uint8_t *)udp, ulen, sum);
	if (udp->dgram_cksum == 0 || fk_ref_fold(sum) != 0xffff) {
		snprintf(c->why, sizeof(c->why), "bad UDP checksum 0x%04x in "
			 "a frame of %u segment(s) to port %u",
			 rte_be_to_cpu_16(udp->dgram_cksum), m->nb_segs,
			 rte_be_to_cpu_16(udp->dst_port));
		return -1;
	}
	f->dst_ip = ip->dst_addr;
	f->dst_port = rte_be_to_cpu_16(udp->dst_port);
	f->len = (uint16_t)(ulen - sizeof(*udp));
	err = sip_parse((const char *)(udp + 1), f->len, &f->msg);
	if (err != SIP_E_OK) {
		snprintf(c->why, sizeof(c->why), "a frame to port %u does "
			 "not parse: %s", f->dst_port, sip_err_name(err));
		return -1;
	}
	return 0;
}

/* Copy a frame; its parse then points into the copy. */
static void
fk_frame_copy(struct dp_check_frame *dst, const struct dp_check_frame *src)
{
	memcpy(dst, src, sizeof(*dst));
	dst->msg.buf = dst->data + (src->msg.buf - src->data);
}

static void
fk_ip_str(uint32_t ip, char *out, size_t cap)
{
	const uint8_t *b = (const uint8_t *)&ip;

	snprintf(out, cap, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

/* Append a message to c->why on one line: its line ends become '|'. */
static void
fk_why_msg(struct dp_check *c, const char *p, size_t len)
{
	size_t n = strlen(c->why), i;

	for (i = 0; i < len && n + 2 < sizeof(c->why); i++)
		if (p[i] != '\r')
			c->why[n++] = p[i] == '\n' ? '|' : p[i];
	c->why[n] = '\0';
}

/* Append "[start line -> ip:port]" for each frame of the step. */
static void
fk_describe(struct dp_check *c, const struct dp_fork *fk)
{
	unsigned int i;
	char ip[16];

	if (fk->nb_got == 0)
		dp_check_why(c, " nothing");
	for (i = 0; i < fk->nb_got; i++) {
		const struct dp_check_frame *f = &fk->got[i];

		fk_ip_str(f->dst_ip, ip, sizeof(ip));
		dp_check_why(c, " [%.*s -> %s:%u]",
			     (int)RTE_MIN(f->msg.start_line.len, 60u),
			     sip_span_ptr(&f->msg, f->msg.start_line), ip,
			     f->dst_port);
	}
}

/* ARP requests: the dataplane asking for a callee's MAC. */
static int
fk_is_arp(const struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->ether_type ==
	       rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
}

/* Answer the dataplane's ARP request as the callee it asks for: frames
 * to a next hop wait for the answer (never sent to broadcast). */
static void
fk_answer_arp(struct dp_check *c, const struct dp_fork *fk,
	      struct rte_mbuf *m)
{
	const struct rte_arp_hdr *arp = rte_pktmbuf_mtod_offset(m,
		const struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	const struct rte_ether_addr *mac = &c->peer.mac;
	unsigned int i;

	if (m->data_len < sizeof(struct rte_ether_hdr) + sizeof(*arp) ||
	    arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST)) {
		rte_pktmbuf_free(m);
		return;
	}
	for (i = 0; i < FK_MAX_TARGETS; i++)
		if (fk->callee[i].ip == arp->arp_data.arp_tip)
			mac = &fk->callee[i].mac;
	dp_net_arp_reply(m, mac, arp->arp_data.arp_tip);
	dp_check_enqueue(c, m);
}

/*
 * Collect what worker 0 sends for one step: want SIP frames, then a
 * quiet spell to catch a frame too many.  ARP requests are answered.
 * @return 0, or -1 with c->why.
 */
static int
fk_collect(struct dp_check *c, struct dp_fork *fk, unsigned int want)
{
	uint64_t end = dp_check_ms() + DP_CHECK_WAIT_MS, quiet = 0, now;
	unsigned int extra = 0, bad = 0;
	struct rte_mbuf *m = NULL;
	char first[256];

	fk->nb_got = 0;
	for (;;) {
		now = dp_check_ms();
		if (quiet == 0 && (fk->nb_got >= want || now >= end))
			quiet = now + FK_QUIET_MS;
		if (quiet != 0 && now >= quiet)
			break;
		dp_check_idle(c);
		if (rte_ring_dequeue(c->cp->tx[0], (void **)&m) != 0)
			continue;
		if (fk_is_arp(m)) {
			fk_answer_arp(c, fk, m);
			continue;
		}
		if (fk->nb_got == FK_MAX_FRAMES)
			extra++;
		else if (fk_frame_take(c, m, &fk->got[fk->nb_got]) == 0)
			fk->nb_got++;
		else if (bad++ == 0) /* the first reason is the one told */
			snprintf(first, sizeof(first), "%.200s", c->why);
		rte_pktmbuf_free(m);
	}
	if (bad > 0) {
		snprintf(c->why, sizeof(c->why), "%s (%u bad frame(s))",
			 first, bad);
		return -1;
	}
	if (fk->nb_got != want || extra > 0) {
		snprintf(c->why, sizeof(c->why), "expected %u frame(s), got "
			 "%u:", want, fk->nb_got + extra);
		fk_describe(c, fk);
		return -1;
	}
	return 0;
}

/* The unused frame of the step that is this request (method != 0) or
 * response (status) to ip:port; NULL with c->why set when none is. */
static struct dp_check_frame *
fk_find(struct dp_check *c, struct dp_fork *fk, enum sip_method method,
	uint16_t status, uint32_t ip, uint16_t port)
{
	unsigned int i;
	char s[16];

	for (i = 0; i < fk->nb_got; i++) {
		struct dp_check_frame *f = &fk->got[i];

		if (f->used || f->dst_ip != ip || f->dst_port != port ||
		    f->msg.is_request != (method != SIP_M_UNKNOWN) ||
		    (method != SIP_M_UNKNOWN ? f->msg.method_id != method :
					      f->msg.status != status))
			continue;
		f->used = 1;
		return f;
	}
	fk_ip_str(ip, s, sizeof(s));
	if (method != SIP_M_UNKNOWN)
		snprintf(c->why, sizeof(c->why), "no %s to %s:%u; got",
			 sip_method_name(method), s, port);
	else
		snprintf(c->why, sizeof(c->why), "no %u to %s:%u; got",
			 status, s, port);
	fk_describe(c, fk);
	return NULL;
}

/* The k-th header line of a type, without its line ending; NULL if the
 * message has fewer. */
static const char *
fk_hdr(const struct sip_msg *msg, enum sip_hdr_type type, unsigned int k,
       size_t *len)
{
	unsigned int i;

	for (i = 0; i < msg->nb_hdrs; i++) {
		const struct sip_hdr *h = &msg->hdr[i];
		const char *s = sip_span_ptr(msg, h->line);
		size_t n = h->line.len;

		if (h->type != type || k-- > 0)
			continue;
		while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n'))
			n--;
		*len = n;
		return s;
	}
	return NULL;
}

/* 1 when the k-th line of a type is the same in both messages. */
static int
fk_same_hdr(const struct sip_msg *a, const struct sip_msg *b,
	    enum sip_hdr_type type, unsigned int k)
{
	size_t na = 0, nb = 0;
	const char *la = fk_hdr(a, type, k, &na), *lb = fk_hdr(b, type, k, &nb);

	return la != NULL && lb != NULL && na == nb && memcmp(la, lb, na) == 0;
}

static int
fk_span_eq(const struct sip_msg *a, struct sip_span sa,
	   const struct sip_msg *b, struct sip_span sb)
{
	return sa.len == sb.len &&
	       memcmp(sip_span_ptr(a, sa), sip_span_ptr(b, sb), sa.len) == 0;
}

/* Write into out, keeping *n; nothing more once the buffer is full. */
static void __rte_format_printf(4, 5)
fk_put(char *out, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*n >= cap)
		return;
	va_start(ap, fmt);
	r = vsnprintf(out + *n, cap - *n, fmt, ap);
	va_end(ap);
	*n = r < 0 ? cap : *n + (size_t)r;
}

/*
 * A response as a callee (UAS) writes it, RFC 3261 8.2.6.2 and 12.1.1:
 * the request's Via and Record-Route lines, From, To with our tag,
 * Call-ID and CSeq, then a Contact and an SDP body when given.
 * @return its length, or 0 when it does not fit.
 */
static uint32_t
fk_uas_reply(char *out, size_t cap, const struct sip_msg *req,
	     unsigned int status, const char *reason, const char *tag,
	     const char *contact, const char *body)
{
	size_t n = 0, len;
	unsigned int i;

	fk_put(out, cap, &n, "SIP/2.0 %u %s\r\n", status, reason);
	for (i = 0; i < req->nb_hdrs; i++) {
		const struct sip_hdr *h = &req->hdr[i];
		const char *s = sip_span_ptr(req, h->line);

		len = h->line.len;
		while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == '\n'))
			len--;
		switch (h->type) {
		case SIP_H_VIA:
		case SIP_H_RECORD_ROUTE:
		case SIP_H_FROM:
		case SIP_H_CALL_ID:
		case SIP_H_CSEQ:
			fk_put(out, cap, &n, "%.*s\r\n", (int)len, s);
			break;
		case SIP_H_TO:
			fk_put(out, cap, &n, "%.*s%s%s\r\n", (int)len, s,
			       req->to.tag.len > 0 ? "" : ";tag=",
			       req->to.tag.len > 0 ? "" : tag);
			break;
		default:
			break;
		}
	}
	if (contact != NULL)
		fk_put(out, cap, &n, "Contact: <%s>\r\n", contact);
	if (body != NULL)
		fk_put(out, cap, &n, "Content-Type: application/sdp\r\n");
	fk_put(out, cap, &n, "Content-Length: %zu\r\n\r\n%s",
	       body != NULL ? strlen(body) : 0, body != NULL ? body : "");
	return n < cap ? (uint32_t)n : 0;
}

/*
 * A response relayed to the caller must be the callee's bytes without
 * their first Via line (ours, RFC 3261 16.7 step 3), sent to the
 * caller's Via.  @return 0, or -1 with c->why set.
 */
static int
fk_check_relayed(struct dp_check *c, const struct dp_check_frame *f,
		 const char *sent, uint32_t len)
{
	const char *via = memmem(sent, len, "\r\nVia:", 6), *eol;
	const char *got = f->msg.buf;
	size_t head, cut;

	if (via != NULL)
		via += 2;
	eol = via != NULL ? memchr(via, '\n', len - (size_t)(via - sent))
			  : NULL;
	if (eol == NULL) {
		snprintf(c->why, sizeof(c->why), "we sent no Via line");
		return -1;
	}
	head = (size_t)(via - sent);
	cut = (size_t)(eol + 1 - via);
	if (f->len != len - cut || memcmp(got, sent, head) != 0 ||
	    memcmp(got + head, eol + 1, len - head - cut) != 0) {
		snprintf(c->why, sizeof(c->why), "the %u relayed is not the "
			 "callee's %u without its top Via line (%u bytes, "
			 "expected %zu; top Via now %.*s)", f->msg.status,
			 f->msg.status, f->len, len - cut,
			 (int)RTE_MIN(f->msg.nb_via > 0 ?
				      f->msg.via[0].all.len : 0, 80),
			 f->msg.nb_via > 0 ?
				 sip_span_ptr(&f->msg, f->msg.via[0].all) :
				 "");
		return -1;
	}
	return 0;
}

/*
 * What follows our lines in a request we forward: the request after its
 * request line, Route lines dropped when drop_route, Max-Forwards one
 * less (same digit count, the way the dataplane rewrites it).  Written to
 * fk->scratch.  @return its length, or 0.
 */
static uint32_t
fk_expect_fwd(struct dp_fork *fk, const char *req, uint32_t len,
	      int drop_route)
{
	static const char mf70[] = "Max-Forwards: 70\r\n";
	const char *p = memchr(req, '\n', len), *end = req + len, *eol;
	size_t n = 0;

	if (p == NULL)
		return 0;
	for (p++; p < end; p = eol + 1) {
		size_t l;

		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL || eol - p <= 1) {
			/* The blank line: the rest is the body, as is. */
			fk_put(fk->scratch, sizeof(fk->scratch), &n, "%.*s",
			       (int)(end - p), p);
			break;
		}
		l = (size_t)(eol + 1 - p);
		if (drop_route && strncasecmp(p, "Route:", 6) == 0)
			continue;
		if (l == sizeof(mf70) - 1 && strncasecmp(p, mf70, l) == 0) {
			fk_put(fk->scratch, sizeof(fk->scratch), &n,
			       "Max-Forwards: 69\r\n");
			continue;
		}
		fk_put(fk->scratch, sizeof(fk->scratch), &n, "%.*s", (int)l,
		       p);
	}
	return n < sizeof(fk->scratch) ? (uint32_t)n : 0;
}

/*
 * A request we forward: Request-URI ruri, our Via on top (a z9hG4bKsf
 * branch) over the sender's, then exactly the bytes fk_expect_fwd()
 * makes of what the sender wrote.  @return 0, or -1 with c->why set.
 */
static int
fk_check_fwd(struct dp_check *c, struct dp_fork *fk,
	     const struct dp_check_frame *f, const char *ruri,
	     const char *req, uint32_t len, int drop_route)
{
	const struct sip_msg *m = &f->msg;
	uint32_t n = fk_expect_fwd(fk, req, len, drop_route);
	const char *what = NULL;
	uint16_t port;

	port = m->nb_via > 0 ? m->via[0].port : 0;
	if (!sip_span_eq(m, m->ruri.all, ruri))
		what = "Request-URI";
	else if (m->nb_via != 2 ||
		 !sip_span_eq(m, m->via[0].host, c->ip_str) ||
		 port != c->sip_port ||
		 !sip_span_eq(m, m->via[0].transport, "UDP") ||
		 m->via[0].branch.len <= BR_ID_PREFIX_LEN ||
		 memcmp(sip_span_ptr(m, m->via[0].branch), BR_ID_PREFIX,
			BR_ID_PREFIX_LEN) != 0)
		what = "top Via (ours, branch " BR_ID_PREFIX "...)";
	else if (m->max_forwards != 69)
		what = "Max-Forwards (69)";
	else if (drop_route && m->nb_route != 0)
		what = "Route (ours, to be removed)";
	else if (n == 0 || f->len < n ||
		 memcmp(m->buf + f->len - n, fk->scratch, n) != 0)
		what = "rest of the request (sender's Via, headers, body)";
	if (what == NULL)
		return 0;
	snprintf(c->why, sizeof(c->why), "%.*s to port %u: wrong %s: ",
		 (int)m->method.len, sip_span_ptr(m, m->method), f->dst_port,
		 what);
	fk_why_msg(c, m->buf, f->len);
	return -1;
}

/*
 * A hop-by-hop request of ours for branch i (RFC 3261 9.1, 17.1.1.3):
 * the branch's Request-URI and its Via alone (same branch), CSeq number
 * with this method, the INVITE's From and Call-ID, To as in to (the
 * INVITE for CANCEL, the response for ACK), no Route.  @return 0 or -1.
 */
static int
fk_check_hop(struct dp_check *c, const struct dp_check_frame *f,
	     const struct dp_check_frame *inv, enum sip_method method,
	     const struct sip_msg *to)
{
	const struct sip_msg *m = &f->msg, *i = &inv->msg;
	const char *what = NULL;

	if (!fk_span_eq(m, m->ruri.all, i, i->ruri.all))
		what = "Request-URI (the branch's)";
	else if (m->nb_via != 1 || !fk_same_hdr(m, i, SIP_H_VIA, 0))
		what = "Via (the branch's top Via alone)";
	else if (m->cseq != i->cseq || m->cseq_method_id != method)
		what = "CSeq";
	else if (!fk_same_hdr(m, i, SIP_H_FROM, 0) ||
		 !fk_same_hdr(m, i, SIP_H_CALL_ID, 0))
		what = "From or Call-ID";
	else if (!fk_same_hdr(m, to, SIP_H_TO, 0))
		what = "To";
	else if (m->nb_route != 0)
		what = "Route (none)";
	if (what == NULL)
		return 0;
	snprintf(c->why, sizeof(c->why), "%s to port %u: wrong %s: ",
		 sip_method_name(method), f->dst_port, what);
	fk_why_msg(c, m->buf, f->len);
	return -1;
}

/* -------------------------------------------------------------------- */
/* The forked call: steps                                                */

/* The caller's INVITE to demo, with an SDP offer. */
static void
fk_write_invite(struct dp_check *c, struct dp_fork *fk)
{
	static const char sdp[] =
		"v=0\r\n"
		"o=alice 2890844526 2890844526 IN IP4 198.51.100.7\r\n"
		"s=-\r\n"
		"c=IN IP4 198.51.100.7\r\n"
		"t=0 0\r\n"
		"m=audio 49170 RTP/AVP 0 8 97\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:97 iLBC/8000\r\n";
	size_t n = 0;

	fk_put(fk->invite, sizeof(fk->invite), &n,
		"INVITE sip:demo@%s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:%u;branch=z9hG4bK-sc-fork\r\n"
		"Max-Forwards: 70\r\n"
		"From: \"Alice\" <sip:alice@198.51.100.7>;tag=scf1\r\n"
		"To: <sip:demo@%s>\r\n"
		"Call-ID: selfcheck-fork@198.51.100.7\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sip:alice@198.51.100.7:%u>\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: %zu\r\n\r\n%s", c->ip_str,
		DP_CHECK_PEER_VIA_PORT, c->ip_str, DP_CHECK_PEER_VIA_PORT,
		sizeof(sdp) - 1, sdp);
	fk->invite_len = (uint32_t)n;
	sip_parse(fk->invite, fk->invite_len, &fk->invite_msg);
}

/* Step 1: the INVITE gets 100 Trying and one branch per target. */
static void
fk_step_invite(struct dp_check *c, struct dp_fork *fk)
{
	const struct sip_msg *req = &fk->invite_msg;
	struct dp_check_frame *f;
	char name[64], rr[64];
	unsigned int i, k;
	const char *l;
	size_t n;
	int rc, ok;

	dp_check_drain(c);
	fk_write_invite(c, fk);
	rc = dp_check_send_udp(c, fk->invite, fk->invite_len, c->sip_port, 1,
			       0);
	if (rc == 0)
		rc = fk_collect(c, fk, 1 + fk->nb);
	/* A frame too many or too few is the branches' failure; the 100
	 * may still be right. */
	if (rc < 0)
		snprintf(fk->cwhy, sizeof(fk->cwhy), "%s", c->why);
	c->why[0] = '\0';
	f = fk_find(c, fk, SIP_M_UNKNOWN, 100, c->peer.ip,
		    DP_CHECK_PEER_VIA_PORT);
	ok = f != NULL && dp_check_copied(c, &f->msg, fk->invite,
					  fk->invite_len, 0) == 0;
	dp_check_report(c, "fork: 100 Trying", ok);

	snprintf(name, sizeof(name), "fork: %u branches with our Via/RR/MF",
		 fk->nb);
	snprintf(rr, sizeof(rr), "Record-Route: <sip:%s;lr>", c->hostport);
	ok = 1;
	for (i = 0; i < fk->nb; i++) {
		f = fk_find(c, fk, SIP_M_INVITE, 0, fk->callee[i].ip,
			    fk->callee[i].port);
		if (f == NULL) {
			fk->broken = 1;
			ok = 0;
			break;
		}
		fk_frame_copy(&fk->inv[i], f);
		f = &fk->inv[i];
		if (!ok)
			continue; /* keep the first reason, copy the rest */
		l = fk_hdr(&f->msg, SIP_H_RECORD_ROUTE, 0, &n);
		if (fk_check_fwd(c, fk, f, fk->uri[i], fk->invite,
				 fk->invite_len, 0) < 0) {
			ok = 0;
		} else if (f->msg.nb_rr != 1 || l == NULL ||
			   n != strlen(rr) || memcmp(l, rr, n) != 0) {
			snprintf(c->why, sizeof(c->why), "branch %u: "
				 "Record-Route is not \"%s\"", i + 1, rr);
			ok = 0;
		} else if (!fk_span_eq(&f->msg, f->msg.body, req, req->body) ||
			   f->msg.content_length != req->content_length) {
			snprintf(c->why, sizeof(c->why), "branch %u: body "
				 "differs from the caller's", i + 1);
			ok = 0;
		} else if (f->nb_segs < 2) {
			/* The zero-copy chain is what the checksum check is
			 * about; a flat frame would not test it. */
			snprintf(c->why, sizeof(c->why), "branch %u: sent "
				 "flat, not as a header + shared body chain",
				 i + 1);
			ok = 0;
		}
		for (k = 0; k < i && ok; k++)
			if (fk_same_hdr(&fk->inv[k].msg, &f->msg, SIP_H_VIA,
					0)) {
				snprintf(c->why, sizeof(c->why), "branches %u "
					 "and %u share a Via branch", k + 1,
					 i + 1);
				ok = 0;
			}
	}
	/* A bad or missing frame explains a branch not found best. */
	if (rc < 0 && (ok || fk->broken)) {
		snprintf(c->why, sizeof(c->why), "%s", fk->cwhy);
		ok = 0;
	}
	dp_check_report(c, name, ok);
}

/* Step 2: every callee rings; each 180 reaches the caller.  With a
 * second worker the 180s arrive on its queue: the transaction is worker
 * 0's, so worker 1 must hand them over through worker 0's inbox ring,
 * as RSS would deliver a callee's answers to any worker. */
static void
fk_step_ringing(struct dp_check *c, struct dp_fork *fk)
{
	const char *name = c->cp->nb_queues > 1 ?
		"fork: 180 relayed (sent to worker 1, handed to worker 0)" :
		"fork: 180 relayed";
	unsigned int i, k;
	int ok = 0;

	dp_check_drain(c);
	c->rx_queue = c->cp->nb_queues > 1 ? 1 : 0;
	for (i = 0; i < fk->nb; i++) {
		fk->sent_len[i] = fk_uas_reply(fk->sent[i],
			sizeof(fk->sent[i]), &fk->inv[i].msg, 180, "Ringing",
			fk->tag[i], fk->uri[i], NULL);
		if (dp_check_send_from(c, &fk->callee[i], fk->sent[i],
				       fk->sent_len[i], c->sip_port, 1,
				       0) < 0)
			goto report;
	}
	c->rx_queue = 0;
	if (fk_collect(c, fk, fk->nb) < 0)
		goto report;
	/* Relayed in the order received: frame k is callee k's. */
	for (k = 0; k < fk->nb; k++) {
		const struct dp_check_frame *f = &fk->got[k];

		if (f->dst_ip != c->peer.ip ||
		    f->dst_port != DP_CHECK_PEER_VIA_PORT ||
		    f->msg.is_request || f->msg.status != 180) {
			snprintf(c->why, sizeof(c->why), "not 180s to the "
				 "caller's Via (198.51.100.7:%u):",
				 DP_CHECK_PEER_VIA_PORT);
			fk_describe(c, fk);
			goto report;
		}
		if (fk_check_relayed(c, f, fk->sent[k], fk->sent_len[k]) < 0)
			goto report;
	}
	ok = 1;
report:
	c->rx_queue = 0;
	dp_check_report(c, name, ok);
}

/* Step 3: callee 1 answers 200: relayed, and every other branch gets a
 * CANCEL (they rang, so at once: RFC 3261 9.1, 16.7 step 10). */
static void
fk_step_answer(struct dp_check *c, struct dp_fork *fk)
{
	static const char sdp[] =
		"v=0\r\n"
		"o=demo 53655765 2353687637 IN IP4 198.18.0.2\r\n"
		"s=-\r\n"
		"c=IN IP4 198.18.0.2\r\n"
		"t=0 0\r\n"
		"m=audio 3456 RTP/AVP 0\r\n"
		"a=rtpmap:0 PCMU/8000\r\n";
	struct dp_check_frame *f;
	unsigned int i;
	int rc, ok;

	dp_check_drain(c);
	fk->sent_len[0] = fk_uas_reply(fk->sent[0], sizeof(fk->sent[0]),
		&fk->inv[0].msg, 200, "OK", fk->tag[0], fk->uri[0], sdp);
	rc = dp_check_send_from(c, &fk->callee[0], fk->sent[0],
				fk->sent_len[0], c->sip_port, 1, 0);
	if (rc == 0)
		rc = fk_collect(c, fk, fk->nb);
	if (rc < 0)
		snprintf(fk->cwhy, sizeof(fk->cwhy), "%s", c->why);
	c->why[0] = '\0';
	f = fk_find(c, fk, SIP_M_UNKNOWN, 200, c->peer.ip,
		    DP_CHECK_PEER_VIA_PORT);
	ok = f != NULL && fk_check_relayed(c, f, fk->sent[0],
					   fk->sent_len[0]) == 0;
	for (i = 1; i < fk->nb; i++) {
		/* The CANCELs are kept for the next step even when the
		 * check already failed. */
		f = fk_find(c, fk, SIP_M_CANCEL, 0, fk->callee[i].ip,
			    fk->callee[i].port);
		if (f == NULL) {
			fk->no_cancel = 1;
			ok = 0;
			break;
		}
		fk_frame_copy(&fk->cancel[i], f);
		if (ok && fk_check_hop(c, f, &fk->inv[i], SIP_M_CANCEL,
				       &fk->inv[i].msg) < 0)
			ok = 0;
	}
	if (rc < 0 && (ok || fk->no_cancel)) {
		snprintf(c->why, sizeof(c->why), "%s", fk->cwhy);
		ok = 0;
	}
	dp_check_report(c, "fork: 200 relayed, CANCEL to the loser", ok);
}

/* Step 4: each loser answers its CANCEL 200 and its INVITE 487: we ACK
 * the 487 ourselves (RFC 3261 17.1.1.3) and the caller, who has its 200,
 * hears nothing of it (16.7 step 6 sends one final response only). */
static void
fk_step_cancelled(struct dp_check *c, struct dp_fork *fk)
{
	char ok200[FK_MSG_MAX];
	struct dp_check_frame *f;
	struct sip_msg *resp = &c->msg;
	unsigned int i;
	uint32_t n;
	int ok = 0;

	dp_check_drain(c);
	for (i = 1; i < fk->nb; i++) {
		n = fk_uas_reply(ok200, sizeof(ok200), &fk->cancel[i].msg,
				 200, "OK", fk->tag[i], NULL, NULL);
		if (dp_check_send_from(c, &fk->callee[i], ok200, n,
				       c->sip_port, 1, 0) < 0)
			goto report;
		fk->sent_len[i] = fk_uas_reply(fk->sent[i],
			sizeof(fk->sent[i]), &fk->inv[i].msg, 487,
			"Request Terminated", fk->tag[i], NULL, NULL);
		if (dp_check_send_from(c, &fk->callee[i], fk->sent[i],
				       fk->sent_len[i], c->sip_port, 1,
				       0) < 0)
			goto report;
	}
	if (fk_collect(c, fk, fk->nb - 1) < 0)
		goto report;
	for (i = 1; i < fk->nb; i++) {
		f = fk_find(c, fk, SIP_M_ACK, 0, fk->callee[i].ip,
			    fk->callee[i].port);
		if (f == NULL || sip_parse(fk->sent[i], fk->sent_len[i],
					   resp) != SIP_E_OK ||
		    fk_check_hop(c, f, &fk->inv[i], SIP_M_ACK, resp) < 0)
			goto report;
	}
	ok = 1;
report:
	dp_check_report(c, "fork: 487 ACKed hop-by-hop, not relayed", ok);
}

/* Step 5: the caller's ACK and BYE follow our Record-Route to the
 * winner's Contact (loose routing, RFC 3261 16.4, 16.6 item 6), and the
 * BYE's 200 comes back. */
static void
fk_step_dialog(struct dp_check *c, struct dp_fork *fk)
{
	static const char *const method[] = { "ACK", "BYE" };
	static const unsigned int cseq[] = { 1, 2 };
	struct dp_check_frame *f;
	char *req = c->req;
	unsigned int i;
	size_t n;
	int ok = 0;

	for (i = 0; i < RTE_DIM(method); i++) {
		n = 0;
		fk_put(req, sizeof(c->req), &n,
			"%s %s SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 198.51.100.7:%u;branch=z9hG4bK-sc-"
			"fork-%s\r\n"
			"Route: <sip:%s;lr>\r\n"
			"Max-Forwards: 70\r\n"
			"From: \"Alice\" <sip:alice@198.51.100.7>;tag=scf1\r\n"
			"To: <sip:demo@%s>;tag=%s\r\n"
			"Call-ID: selfcheck-fork@198.51.100.7\r\n"
			"CSeq: %u %s\r\n"
			"Content-Length: 0\r\n\r\n", method[i], fk->uri[0],
			DP_CHECK_PEER_VIA_PORT, method[i], c->hostport,
			c->ip_str, fk->tag[0], cseq[i], method[i]);
		dp_check_drain(c);
		if (dp_check_send_udp(c, req, (uint32_t)n, c->sip_port, 1,
				      0) < 0 ||
		    fk_collect(c, fk, 1) < 0)
			goto report;
		f = fk_find(c, fk, i == 0 ? SIP_M_ACK : SIP_M_BYE, 0,
			    fk->callee[0].ip, fk->callee[0].port);
		if (f == NULL || fk_check_fwd(c, fk, f, fk->uri[0], req,
					      (uint32_t)n, 1) < 0)
			goto report;
		if (f->msg.nb_rr != 0) {
			snprintf(c->why, sizeof(c->why), "%s with a "
				 "Record-Route", method[i]);
			goto report;
		}
	}
	/* f is the BYE: the winner's 200 goes back to the caller. */
	fk->sent_len[0] = fk_uas_reply(fk->sent[0], sizeof(fk->sent[0]),
		&f->msg, 200, "OK", fk->tag[0], NULL, NULL);
	dp_check_drain(c);
	if (dp_check_send_from(c, &fk->callee[0], fk->sent[0],
			       fk->sent_len[0], c->sip_port, 1, 0) < 0 ||
	    fk_collect(c, fk, 1) < 0)
		goto report;
	f = fk_find(c, fk, SIP_M_UNKNOWN, 200, c->peer.ip,
		    DP_CHECK_PEER_VIA_PORT);
	if (f == NULL || fk_check_relayed(c, f, fk->sent[0],
					  fk->sent_len[0]) < 0)
		goto report;
	ok = 1;
report:
	dp_check_report(c, "fork: ACK/BYE routed to the winner", ok);
}

/* Step 6: once [timers] wait_ms has passed, the transactions are gone
 * and every buffer they held is back in its pool.  The clock cannot be
 * moved from here, so this waits it out (bounded, and printed). */
static void
fk_step_idle(struct dp_check *c, struct dp_fork *fk)
{
	const struct dp_lcore *lc = c->lc;
	uint32_t wait = c->cfg->timers.wait_ms;
	uint64_t start = dp_check_ms(), end, now, inuse;
	struct rte_mbuf *m = NULL;
	unsigned int hdr, cln, pkt;
	int ok = 0;

	printf("self-check: waiting up to %u ms for the call's transactions "
	       "to go ([timers] wait_ms = %u)\n", wait + FK_WAIT_SLACK_MS,
	       wait);
	fflush(stdout);
	end = start + wait + FK_WAIT_SLACK_MS;
	do {
		dp_check_idle(c);
		if (rte_ring_dequeue(c->cp->tx[0], (void **)&m) == 0) {
			/* Nothing is pending: a SIP frame now is a stray
			 * retransmission. */
			if (!fk_is_arp(m) && c->why[0] == '\0' &&
			    fk_frame_take(c, m, &fk->got[0]) == 0) {
				fk->nb_got = 1;
				snprintf(c->why, sizeof(c->why),
					 "sent while waiting:");
				fk_describe(c, fk);
			}
			rte_pktmbuf_free(m);
		}
		now = dp_check_ms();
		inuse = shm_cnt_read(lc->cnt, SHM_CNT_TM_INUSE_TRANSACTIONS);
	} while (inuse != 0 && now < end);
	/* Let the last frees and TX drains settle before counting. */
	for (end = dp_check_ms() + DP_CHECK_QUIET_MS; dp_check_ms() < end;)
		dp_check_idle(c);
	dp_check_drain(c);
	hdr = rte_mempool_in_use_count(lc->hdr_pool);
	cln = rte_mempool_in_use_count(lc->clone_pool);
	pkt = rte_mempool_in_use_count(lc->pool);
	if (c->why[0] != '\0')
		goto report;
	if (inuse != 0) {
		snprintf(c->why, sizeof(c->why), "tm:inuse_transactions still "
			 "%" PRIu64 " after %" PRIu64 " ms", inuse,
			 now - start);
		goto report;
	}
	if (shm_cnt_read(lc->cnt, SHM_CNT_TM_ACTIVE_BRANCHES) != 0 ||
	    hdr != 0 || cln != 0 || pkt != fk->pkt_base) {
		snprintf(c->why, sizeof(c->why), "tm:active_branches %" PRIu64
			 ", header mbufs in use %u, clones %u, packet mbufs "
			 "%u (%u before the call)",
			 shm_cnt_read(lc->cnt, SHM_CNT_TM_ACTIVE_BRANCHES),
			 hdr, cln, pkt, fk->pkt_base);
		goto report;
	}
	printf("self-check: transactions gone after %" PRIu64 " ms\n",
	       now - start);
	ok = 1;
report:
	dp_check_report(c, "fork: pools back to idle after wait", ok);
}

/* The steps that cannot run once the call is broken, each a FAIL. */
static void
fk_not_run(struct dp_check *c, const char *name)
{
	snprintf(c->why, sizeof(c->why), "not run: the call did not get "
		 "this far");
	dp_check_report(c, name, 0);
}

/*
 * A forked call through [route demo]: we are the caller and each target
 * of its first group.  Skipped, with a note, when the configuration has
 * no such route or one the check cannot play.
 */
void
dp_check_fork(struct dp_check *c)
{
	static const char *const later[] = {
		"fork: 180 relayed", "fork: 200 relayed, CANCEL to the loser",
		"fork: 487 ACKed hop-by-hop, not relayed",
		"fork: ACK/BYE routed to the winner",
		"fork: pools back to idle after wait",
	};
	static void (*const step[])(struct dp_check *, struct dp_fork *) = {
		fk_step_ringing, fk_step_answer, fk_step_cancelled,
		fk_step_dialog, fk_step_idle,
	};
	const struct cfg_route *r = cfg_route_find(c->cfg, "demo", 4);
	const struct cfg_target_group *g;
	struct dp_fork *fk;
	unsigned int i;
	char ip[16];

	if (r == NULL) {
		printf("self-check: no [route demo] in the configuration: "
		       "forked call skipped\n");
		return;
	}
	g = &r->groups[0];
	if (g->nb_targets > FK_MAX_TARGETS) {
		printf("self-check: [route demo] group 1 has %u targets, the "
		       "check plays %u at most: forked call skipped\n",
		       g->nb_targets, FK_MAX_TARGETS);
		return;
	}
	fk = calloc(1, sizeof(*fk));
	if (fk == NULL) {
		snprintf(c->why, sizeof(c->why), "out of memory");
		dp_check_report(c, "fork: 100 Trying", 0);
		return;
	}
	fk->nb = g->nb_targets;
	printf("self-check: forked call to demo, group 1 of %u:", r->nb_groups);
	for (i = 0; i < fk->nb; i++) {
		struct dp_check_peer *p = &fk->callee[i];

		p->ip = g->targets[i].ip;
		p->port = g->targets[i].port;
		/* One MAC for every callee, as behind a router. */
		p->mac = c->peer.mac;
		p->mac.addr_bytes[5] = 0x02;
		fk_ip_str(p->ip, ip, sizeof(ip));
		snprintf(fk->uri[i], sizeof(fk->uri[i]), "sip:demo@%s:%u", ip,
			 p->port);
		snprintf(fk->tag[i], sizeof(fk->tag[i]), "callee%u", i + 1);
		printf(" %s:%u", ip, p->port);
	}
	printf("\n");
	fflush(stdout);
	dp_check_drain(c);
	fk->pkt_base = rte_mempool_in_use_count(c->lc->pool);

	fk_step_invite(c, fk);
	for (i = 0; i < RTE_DIM(step); i++) {
		if (fk->broken || (step[i] == fk_step_cancelled &&
				   fk->no_cancel))
			fk_not_run(c, later[i]);
		else
			step[i](c, fk);
	}
	free(fk);
}
