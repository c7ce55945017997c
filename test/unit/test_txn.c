/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUnit suite for the transaction layer (txn.c, branch.c, fork.c and the
 * bytes of sip_build.c): the RFC 3261 proxy state machine driven without
 * ports.
 *
 * The harness plays every other party.  A UAC at 198.18.0.2:5060 and the
 * UASs at the route targets hand SIP text to txn_input() inside real
 * Ethernet/IPv4/UDP frames.  Whatever the layer sends through its tx
 * callback is collected after each call, as a port's tx burst would be,
 * then flattened segment by segment (a branch is a header mbuf chained to
 * indirect clones of the caller's request), its IPv4 and UDP checksums
 * checked with a plain reference sum over the flat copy, and its SIP
 * payload parsed.  The expect_*() helpers then match frames by method or
 * status and destination.  Time is virtual: txn_tick() advances one
 * millisecond at a time, so every retransmission is seen at its exact
 * tick.
 *
 * Each case gets a fresh context (suite set-up and tear-down) and ends by
 * checking that every transaction, branch chunk, timer and mbuf went back
 * to its pool.  Runs its own EAL without hugepages or PCI.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_udp.h>

#include "br_id.h"
#include "cfg.h"
#include "dp_route.h"
#include "shm_counters.h"
#include "sip_parse.h"
#include "txn.h"
#include "ref_cksum.h"

/* Not RTE_IPV4(): its int shift overflows for a first octet >= 128. */
#define IPV4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			  (uint32_t)(c) << 8 | (uint32_t)(d))
#define NET4(a, b, c, d) RTE_BE32(IPV4(a, b, c, d))

#define WORKER 3       /* our worker id, carried in every Via branch */
#define NB_MBUFS 4095  /* per mempool: room for 1000 branches */
#define NB_CHUNKS 512  /* branch chunks: 1000 branches are 250 of them */
#define CHUNK 4        /* branch_chunk (the default) */
#define T1 500         /* ms */
#define T2 4000        /* ms */
#define TIMER_B 32000  /* ms, also Timer F and H (64*T1) */
#define TIMER_C 180000 /* ms */
#define WAIT_MS 5000   /* ms a completed transaction is kept */
#define K_MAX 1000     /* the largest fork */

#define CNT(sym) (cnt.v[SHM_CNT_##sym])

/* An odd-length body, so chains of odd-length segments are the rule. */
#define SDP "v=0\r\n" \
	"o=alice 2890844526 2890844526 IN IP4 198.18.0.2\r\n" \
	"s=call\r\n" \
	"c=IN IP4 198.18.0.2\r\n" \
	"t=0 0\r\n" \
	"m=audio 49170 RTP/AVP 0\r\n" \
	"a=rtpmap:0 PCMU/8000\r\n"
_Static_assert((sizeof(SDP) - 1) % 2 == 1, "the body must be odd");

/* ---- the world around the proxy ------------------------------------------ */

struct tgt {
	uint32_t ip;   /* network order */
	uint16_t port; /* host order */
};

static const struct tgt us = { NET4(198, 18, 0, 1), 5060 };
static const struct tgt uac = { NET4(198, 18, 0, 2), 5060 };
/* Addresses of different lengths: the branch heads differ in parity. */
static const struct tgt hunt[4] = {
	{ NET4(198, 18, 0, 2), 5070 }, { NET4(198, 18, 0, 2), 5071 },
	{ NET4(198, 18, 0, 21), 5072 }, { NET4(198, 18, 0, 212), 5073 },
};
static const struct tgt serial[3] = {
	{ NET4(198, 18, 0, 2), 5080 }, { NET4(198, 18, 0, 2), 5081 },
	{ NET4(198, 18, 0, 2), 5082 },
};
static const struct tgt pair[2] = {
	{ NET4(198, 18, 0, 2), 5090 }, { NET4(198, 18, 0, 22), 5091 },
};
static const struct tgt lone = { NET4(198, 18, 0, 2), 5099 };
/* In-dialog requests: the callee's Contact and a second proxy. */
static const struct tgt callee = { NET4(198, 18, 0, 3), 5070 };
static const struct tgt proxy2 = { NET4(198, 18, 0, 9), 5090 };
/* [route k256] and [route k1000]: 198.18.1.x:port, see kidx(). */
static struct tgt ktg[K_MAX];

static const struct rte_ether_addr our_mac = {
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };
static const struct rte_ether_addr peer_mac = {
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 } };
static const struct rte_ether_addr nbr_mac = {
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x03 } };

static struct rte_mempool *pkt_pool, *hdr_pool, *clone_pool;
static struct cfg base;      /* loaded from the file main() writes */
static struct cfg tiny;      /* base with tiny pools (exhaustion) */
static struct dp_route_table *routes;
static struct shm_lcore_counters cnt;
static struct txn_ctx ctx;
static struct txn_ctx *tc;   /* &ctx while a context is open */
static uint64_t now_ms;      /* the virtual clock */
static struct sip_msg in_msg; /* parse of the frame being fed */

/* A frame the layer sent, as the wire saw it. */
struct out {
	uint8_t *buf;       /* the frame, flattened */
	uint32_t len;       /* bytes */
	uint32_t dst_ip;    /* network order */
	uint16_t dst_port;  /* host order */
	uint16_t nb_segs;   /* segments it was sent in */
	uint64_t at;        /* virtual ms it was sent at */
	int used;           /* matched by an expect_*() already */
	int bad;            /* failed the wire checks */
	struct sip_msg msg; /* its SIP payload */
};

static struct rte_mbuf **txq; /* frames handed to tx, not drained yet */
static uint32_t nb_txq, cap_txq;
static struct out **outs;     /* every frame drained this case */
static uint32_t nb_outs, cap_outs;
static uint32_t nb_bad;       /* frames that failed the wire checks */
static uint32_t nb_odd_chains; /* chains with an odd inner segment */

/* ---- reference checksums ------------------------------------------------- */

/* Folded sum of the pseudo-header and the UDP datagram after the IPv4
 * header at ip (20 bytes): 0xffff when the checksum field is right. */
static uint16_t
ref_udp_sum(const uint8_t *ip)
{
	uint32_t ulen = (uint32_t)ip[24] << 8 | ip[25];
	uint8_t ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = IPPROTO_UDP;
	ph[10] = ip[24];
	ph[11] = ip[25];
	return ref_fold(ref_sum(ip + 20, ulen, ref_sum(ph, sizeof(ph), 0)));
}

/* ---- small helpers ------------------------------------------------------- */

static const char *
ip_str(uint32_t ip)
{
	static char buf[4][16];
	static unsigned int i;
	const uint8_t *b = (const uint8_t *)&ip;
	char *s = buf[i++ % 4];

	snprintf(s, 16, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return s;
}

static int
spans_eq(const struct sip_msg *a, struct sip_span sa, const struct sip_msg *b,
	 struct sip_span sb)
{
	return sa.len == sb.len &&
	       memcmp(sip_span_ptr(a, sa), sip_span_ptr(b, sb), sa.len) == 0;
}

/* The first header line named name (case-insensitive), or NULL. */
static const struct sip_hdr *
hdr_named(const struct sip_msg *m, const char *name)
{
	uint8_t i;

	for (i = 0; i < m->nb_hdrs; i++)
		if (sip_span_ieq(m, m->hdr[i].name, name))
			return &m->hdr[i];
	return NULL;
}

static const struct sip_hdr *
hdr_of(const struct sip_msg *m, enum sip_hdr_type type)
{
	uint8_t i;

	for (i = 0; i < m->nb_hdrs; i++)
		if (m->hdr[i].type == type)
			return &m->hdr[i];
	return NULL;
}

/* A check of the harness itself: it fails the case, but is not counted
 * as an assertion when it holds (it tests the test, not the proxy). */
#define HARNESS(cond) \
	do { \
		if (!(cond)) \
			CU_FAIL_FATAL("harness: " #cond); \
	} while (0)

static void
append(char *buf, size_t cap, size_t *n, const char *s, size_t len)
{
	if (*n + len >= cap) {
		CU_FAIL_FATAL("harness: message buffer too small");
		return;
	}
	memcpy(buf + *n, s, len);
	*n += len;
	buf[*n] = '\0';
}

/* Index of a [route k...] target from its address. */
static uint32_t
kidx(const struct out *o)
{
	uint32_t h = rte_be_to_cpu_32(o->dst_ip);

	if ((h & 0xffffff00u) != IPV4(198, 18, 1, 0) || o->dst_port < 6000)
		return UINT32_MAX;
	return (uint32_t)(o->dst_port - 6000) * 200 + (h & 0xff) - 1;
}

/* ---- the wire: tx callback, drain, checks -------------------------------- */

static void
io_tx(void *arg, struct rte_mbuf *m)
{
	(void)arg;
	if (nb_txq == cap_txq) {
		cap_txq = cap_txq ? 2 * cap_txq : 256;
		txq = realloc(txq, cap_txq * sizeof(*txq));
		if (txq == NULL)
			abort();
	}
	txq[nb_txq++] = m;
}

static int
io_nbr(void *arg, uint32_t ip, struct rte_ether_addr *mac)
{
	(void)arg;
	(void)ip;
	*mac = nbr_mac;
	return 0;
}

/* What is wrong with a sent frame, or NULL. */
static const char *
wire_check(struct out *o)
{
	const uint8_t *f = o->buf, *ip = f + 14, *udp = f + 34;

	if (o->len < DP_NET_HDR_LEN)
		return "runt";
	if (memcmp(f, &nbr_mac, 6) != 0 || memcmp(f + 6, &our_mac, 6) != 0)
		return "Ethernet addresses";
	if (f[12] != 0x08 || f[13] != 0x00)
		return "not IPv4";
	if (ip[0] != 0x45 || (uint32_t)(ip[2] << 8 | ip[3]) != o->len - 14)
		return "IPv4 version, header or total length";
	if (ip[8] == 0 || ip[9] != IPPROTO_UDP || (ip[6] & 0x3f) || ip[7])
		return "IPv4 TTL, protocol or fragment";
	if (memcmp(ip + 12, &us.ip, 4) != 0)
		return "IPv4 source";
	if (ref_fold(ref_sum(ip, 20, 0)) != 0xffff)
		return "IPv4 header checksum";
	if ((uint32_t)(udp[4] << 8 | udp[5]) != o->len - 34 ||
	    (udp[0] << 8 | udp[1]) != us.port)
		return "UDP length or source port";
	if ((udp[6] == 0 && udp[7] == 0) || ref_udp_sum(ip) != 0xffff)
		return "UDP checksum";
	memcpy(&o->dst_ip, ip + 16, 4);
	o->dst_port = (uint16_t)(udp[2] << 8 | udp[3]);
	if (sip_parse((const char *)f + DP_NET_HDR_LEN,
		      o->len - DP_NET_HDR_LEN, &o->msg) != SIP_E_OK)
		return "SIP payload does not parse";
	if (o->msg.len != o->len - DP_NET_HDR_LEN)
		return "bytes after the SIP message";
	return NULL;
}

/* Flatten a frame segment by segment and check it. */
static void
capture(const struct rte_mbuf *m)
{
	struct out *o = calloc(1, sizeof(*o));
	const struct rte_mbuf *s;
	const char *why = NULL;
	uint32_t n = 0;
	int odd = 0;

	if (o == NULL || (o->buf = malloc(m->pkt_len + 1)) == NULL)
		abort();
	for (s = m; s != NULL && why == NULL; s = s->next) {
		if (n + s->data_len > m->pkt_len) {
			why = "segments longer than pkt_len";
			break;
		}
		memcpy(o->buf + n, rte_pktmbuf_mtod(s, const uint8_t *),
		       s->data_len);
		n += s->data_len;
		o->nb_segs++;
		odd |= s->next != NULL && (s->data_len & 1);
	}
	o->len = n;
	o->at = now_ms;
	if (why == NULL && (n != m->pkt_len || o->nb_segs != m->nb_segs))
		why = "pkt_len or nb_segs disagree with the chain";
	if (why == NULL)
		why = wire_check(o);
	if (why != NULL) {
		o->bad = 1;
		nb_bad++;
		fprintf(stderr, "  bad frame at %" PRIu64 " ms: %s\n", now_ms,
			why);
	}
	nb_odd_chains += odd;
	if (nb_outs == cap_outs) {
		cap_outs = cap_outs ? 2 * cap_outs : 256;
		outs = realloc(outs, cap_outs * sizeof(*outs));
		if (outs == NULL)
			abort();
	}
	outs[nb_outs++] = o;
}

/* What a port does after the burst: send, then free its reference. */
static void
drain(void)
{
	uint32_t i;

	for (i = 0; i < nb_txq; i++) {
		capture(txq[i]);
		rte_pktmbuf_free(txq[i]);
	}
	nb_txq = 0;
}

static void
outs_free(void)
{
	uint32_t i;

	for (i = 0; i < nb_outs; i++) {
		free(outs[i]->buf);
		free(outs[i]);
	}
	nb_outs = 0;
}

static void
dump_left(void)
{
	uint32_t i;

	for (i = 0; i < nb_outs; i++) {
		const struct out *o = outs[i];

		if (o->used || o->bad)
			continue;
		fprintf(stderr, "    %7" PRIu64 " ms -> %s:%u  %.*s\n", o->at,
			ip_str(o->dst_ip), o->dst_port,
			o->msg.start_line.len,
			sip_span_ptr(&o->msg, o->msg.start_line));
	}
}

static int
out_match(const struct out *o, const char *method, uint16_t status,
	  const struct tgt *dst)
{
	const struct sip_msg *m = &o->msg;

	if (o->used || o->bad)
		return 0;
	if (dst != NULL && (o->dst_ip != dst->ip || o->dst_port != dst->port))
		return 0;
	if (method != NULL)
		return m->is_request && sip_span_eq(m, m->method, method);
	return !m->is_request && m->status == status;
}

/* The oldest unmatched frame: a request (method) or a response (status)
 * to dst; fails the case when there is none. */
static struct out *
expect_at(int line, const char *method, uint16_t status,
	  const struct tgt *dst)
{
	uint32_t i;

	for (i = 0; i < nb_outs; i++) {
		if (out_match(outs[i], method, status, dst)) {
			outs[i]->used = 1;
			return outs[i];
		}
	}
	fprintf(stderr, "\n  line %d: no %s %u to %s:%u; unmatched frames:\n",
		line, method ? method : "response", method ? 0 : status,
		ip_str(dst->ip), dst->port);
	dump_left();
	CU_FAIL_FATAL("an expected frame was not sent");
	return NULL;
}

#define expect_request(meth, dst) expect_at(__LINE__, (meth), 0, (dst))
#define expect_response(st) expect_at(__LINE__, NULL, (st), &uac)
#define expect_response_to(st, dst) expect_at(__LINE__, NULL, (st), (dst))

static uint32_t
nb_left(void)
{
	uint32_t i, n = 0;

	for (i = 0; i < nb_outs; i++)
		n += !outs[i]->used && !outs[i]->bad;
	return n;
}

/* Nothing was sent that the case did not expect. */
static void
silence_at(int line)
{
	uint32_t n = nb_left();

	CU_ASSERT_EQUAL(n, 0);
	if (n != 0) {
		fprintf(stderr, "\n  line %d: %u unexpected frames:\n", line,
			n);
		dump_left();
	}
}

#define expect_silence() silence_at(__LINE__)

/*
 * Take every unmatched frame like (method or status, dst): store when
 * each was sent (at most max), and count in *differ those whose bytes are
 * not ref's (a retransmission is the same frame again).  @return count.
 */
static uint32_t
take_all(const char *method, uint16_t status, const struct tgt *dst,
	 const struct out *ref, uint64_t *at, uint32_t max, uint32_t *differ)
{
	uint32_t i, n = 0;

	for (i = 0; i < nb_outs; i++) {
		struct out *o = outs[i];

		if (!out_match(o, method, status, dst))
			continue;
		o->used = 1;
		if (at != NULL && n < max)
			at[n] = o->at;
		if (differ != NULL && ref != NULL &&
		    (o->len != ref->len ||
		     memcmp(o->buf + DP_NET_HDR_LEN, ref->buf + DP_NET_HDR_LEN,
			    o->len - DP_NET_HDR_LEN) != 0))
			(*differ)++;
		n++;
	}
	return n;
}

/* ---- the virtual clock --------------------------------------------------- */

static void
run_to(uint64_t t)
{
	while (now_ms < t) {
		now_ms++;
		txn_tick(tc, now_ms, UINT32_MAX);
		drain();
	}
}

static void
run_for(uint64_t ms)
{
	run_to(now_ms + ms);
}

/* ---- frames in ----------------------------------------------------------- */

/* Wrap SIP text in Ethernet/IPv4/UDP from src to us, parse it, feed it. */
static void
feed(const char *sip, const struct tgt *src)
{
	uint32_t len = (uint32_t)strlen(sip);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pkt_pool);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct dp_net_rx rx;
	enum sip_err err;
	uint16_t c;
	char *p;

	HARNESS(m != NULL);
	p = rte_pktmbuf_append(m, (uint16_t)(DP_NET_HDR_LEN + len));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		CU_FAIL_FATAL("message larger than an mbuf");
		return;
	}
	eth = (struct rte_ether_hdr *)p;
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	udp = (struct rte_udp_hdr *)(ip + 1);
	memset(p, 0, DP_NET_HDR_LEN);
	eth->dst_addr = our_mac;
	eth->src_addr = peer_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(28 + len));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = src->ip;
	ip->dst_addr = us.ip;
	ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)~ref_fold(
		ref_sum((const uint8_t *)ip, 20, 0)));
	udp->src_port = rte_cpu_to_be_16(src->port);
	udp->dst_port = rte_cpu_to_be_16(us.port);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + len));
	memcpy(p + DP_NET_HDR_LEN, sip, len);
	c = (uint16_t)~ref_udp_sum((const uint8_t *)ip);
	udp->dgram_cksum = rte_cpu_to_be_16(c == 0 ? 0xffff : c);

	err = sip_parse(p + DP_NET_HDR_LEN, len, &in_msg);
	if (err != SIP_E_OK)
		CU_FAIL("harness: a message that does not parse");
	memset(&rx, 0, sizeof(rx));
	rx.src_mac = peer_mac;
	rx.src_ip = src->ip;
	rx.dst_ip = us.ip;
	rx.src_port = src->port;
	rx.dst_port = us.port;
	rx.l2_len = 14;
	rx.l3_len = 20;
	rx.payload_off = DP_NET_HDR_LEN;
	rx.payload_len = (uint16_t)len;
	txn_input(tc, m, &rx, &in_msg, err);
	drain();
}

/* A frame we sent, fed back to us as if src had sent it. */
static void
feed_back(const struct out *o, const struct tgt *src)
{
	static char buf[4096];
	uint32_t len = o->len - DP_NET_HDR_LEN;

	HARNESS(len < sizeof(buf));
	memcpy(buf, o->buf + DP_NET_HDR_LEN, len);
	buf[len] = '\0';
	feed(buf, src);
}

/* What proxy2 does with a request we sent it: its own Via on top, its
 * Route entry gone (route is what is left), on to us. */
static void
proxy_pass(const struct out *o, const char *route)
{
	const struct sip_msg *m = &o->msg;
	char buf[4096], line[128];
	size_t n = 0;
	uint8_t i;

	append(buf, sizeof(buf), &n, sip_span_ptr(m, m->start_line),
	       m->start_line.len);
	snprintf(line, sizeof(line), "\r\nVia: SIP/2.0/UDP %s:%u;"
		 "branch=z9hG4bK-p2-%u\r\nRoute: %s\r\n",
		 ip_str(proxy2.ip), proxy2.port, m->cseq, route);
	append(buf, sizeof(buf), &n, line, strlen(line));
	for (i = 0; i < m->nb_hdrs; i++)
		if (m->hdr[i].type != SIP_H_ROUTE)
			append(buf, sizeof(buf), &n,
			       sip_span_ptr(m, m->hdr[i].line),
			       m->hdr[i].line.len);
	append(buf, sizeof(buf), &n, "\r\n", 2);
	append(buf, sizeof(buf), &n, sip_span_ptr(m, m->body), m->body.len);
	feed(buf, &proxy2);
}

/* ---- the caller (UAC) ---------------------------------------------------- */

/* One call from the UAC; id makes its Call-ID, From tag and Via branch. */
struct call {
	const char *user;  /* Request-URI user: the route name */
	unsigned int id;   /* distinct per case */
	const char *ruri;  /* Request-URI, or NULL for sip:USER@198.18.0.1 */
	const char *mf;    /* Max-Forwards value: NULL 70, "" none */
	const char *extra; /* more header lines (CRLF each), or NULL */
	const char *via;   /* top Via sent-by, or NULL for 198.18.0.2:5060 */
};

static void
uac_branch(const struct call *c, char *out)
{
	sprintf(out, "z9hG4bK-uac-%u", c->id);
}

static void
call_id(const struct call *c, char *out)
{
	sprintf(out, "call-%u@198.18.0.2", c->id);
}

/* Send a request of the call; to_line replaces the To line when given. */
static void
uac_send(const struct call *c, const char *method, const char *to_line)
{
	static char buf[8192];
	char ruri[128], to[160];
	int omit_mf = c->mf != NULL && c->mf[0] == '\0';
	int n;

	if (c->ruri != NULL)
		snprintf(ruri, sizeof(ruri), "%s", c->ruri);
	else
		snprintf(ruri, sizeof(ruri), "sip:%s@198.18.0.1", c->user);
	if (to_line == NULL) {
		snprintf(to, sizeof(to), "To: <sip:%s@198.18.0.1>\r\n",
			 c->user);
		to_line = to;
	}
	n = snprintf(buf, sizeof(buf),
		     "%s %s SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP %s"
		     ";branch=z9hG4bK-uac-%u\r\n"
		     "%s%s%s"
		     "%s"
		     "From: \"Alice\" <sip:alice@198.18.0.2>;tag=a%u\r\n"
		     "%s"
		     "Call-ID: call-%u@198.18.0.2\r\n"
		     "CSeq: 1 %s\r\n",
		     method, ruri,
		     c->via != NULL ? c->via : "198.18.0.2:5060", c->id,
		     omit_mf ? "" : "Max-Forwards: ",
		     omit_mf ? "" : c->mf ? c->mf : "70", omit_mf ? "" : "\r\n",
		     c->extra ? c->extra : "", c->id, to_line, c->id, method);
	if (strcmp(method, "INVITE") == 0)
		snprintf(buf + n, sizeof(buf) - (size_t)n,
			 "Contact: <sip:alice@198.18.0.2:5060>\r\n"
			 "Content-Type: application/sdp\r\n"
			 "Content-Length: %zu\r\n\r\n" SDP,
			 sizeof(SDP) - 1);
	else
		snprintf(buf + n, sizeof(buf) - (size_t)n,
			 "Content-Length: 0\r\n\r\n");
	feed(buf, &uac);
}

static void
uac_invite(const struct call *c)
{
	uac_send(c, "INVITE", NULL);
}

static void
uac_cancel(const struct call *c)
{
	uac_send(c, "CANCEL", NULL);
}

/* The ACK for a non-2xx final (RFC 3261 17.1.1.3): the INVITE's branch,
 * the To of the response. */
static void
uac_ack(const struct call *c, const struct out *final)
{
	const struct sip_hdr *h = hdr_of(&final->msg, SIP_H_TO);
	char to[256];

	HARNESS(h != NULL);
	HARNESS(h->line.len < sizeof(to));
	memcpy(to, sip_span_ptr(&final->msg, h->line), h->line.len);
	to[h->line.len] = '\0';
	uac_send(c, "ACK", to);
}

/* An in-dialog request (BYE, ACK for 2xx) to the callee's Contact with
 * the Route set given. */
static void
dialog_send(const char *method, unsigned int id, unsigned int cseq,
	    const char *route)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
		 "%s sip:u@198.18.0.3:5070 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 198.18.0.2:5060;branch=z9hG4bK-uac-%u\r\n"
		 "Max-Forwards: 70\r\n"
		 "Route: %s\r\n"
		 "From: \"Alice\" <sip:alice@198.18.0.2>;tag=a%u\r\n"
		 "To: <sip:hunt@198.18.0.1>;tag=u%u\r\n"
		 "Call-ID: call-%u@198.18.0.2\r\n"
		 "CSeq: %u %s\r\n"
		 "Content-Length: 0\r\n\r\n",
		 method, id, route, id, id, id, cseq, method);
	feed(buf, &uac);
}

/* ---- the callees (UAS) --------------------------------------------------- */

static const char *
reason(uint16_t status)
{
	switch (status) {
	case 100: return "Trying";
	case 180: return "Ringing";
	case 183: return "Session Progress";
	case 200: return "OK";
	case 404: return "Not Found";
	case 480: return "Temporarily Unavailable";
	case 486: return "Busy Here";
	case 487: return "Request Terminated";
	case 503: return "Service Unavailable";
	case 603: return "Decline";
	default: return "Whatever";
	}
}

/*
 * The callee's answer to a request we sent (RFC 3261 8.2.6): status line,
 * every Via line in order, From, To (with tag when the request's To has
 * none), Call-ID, CSeq, Content-Length: 0; from the request's target.
 */
static size_t uas_build(const struct out *req, uint16_t status,
			const char *tag, char *buf, size_t cap);

static void
uas_reply(const struct out *req, uint16_t status, const char *tag)
{
	struct tgt from = { req->dst_ip, req->dst_port };
	char buf[4096];

	uas_build(req, status, tag, buf, sizeof(buf));
	feed(buf, &from);
}

/* The callee's answer to req, as text in buf (NUL-terminated). */
static size_t
uas_build(const struct out *req, uint16_t status, const char *tag, char *buf,
	  size_t cap)
{
	const struct sip_msg *m = &req->msg;
	const struct sip_hdr *h;
	char line[64];
	size_t n = 0;
	uint8_t i;

	snprintf(line, sizeof(line), "SIP/2.0 %u %s\r\n", status,
		 reason(status));
	append(buf, cap, &n, line, strlen(line));
	for (i = 0; i < m->nb_hdrs; i++)
		if (m->hdr[i].type == SIP_H_VIA)
			append(buf, cap, &n,
			       sip_span_ptr(m, m->hdr[i].line),
			       m->hdr[i].line.len);
	h = hdr_of(m, SIP_H_FROM);
	HARNESS(h != NULL);
	append(buf, cap, &n, sip_span_ptr(m, h->line), h->line.len);
	h = hdr_of(m, SIP_H_TO);
	HARNESS(h != NULL);
	if (tag != NULL && m->to.tag.len == 0) {
		/* The line ends in CRLF: the tag goes before it. */
		append(buf, cap, &n, sip_span_ptr(m, h->line),
		       h->line.len - 2u);
		snprintf(line, sizeof(line), ";tag=%s\r\n", tag);
		append(buf, cap, &n, line, strlen(line));
	} else {
		append(buf, cap, &n, sip_span_ptr(m, h->line),
		       h->line.len);
	}
	h = hdr_of(m, SIP_H_CALL_ID);
	HARNESS(h != NULL);
	append(buf, cap, &n, sip_span_ptr(m, h->line), h->line.len);
	h = hdr_of(m, SIP_H_CSEQ);
	HARNESS(h != NULL);
	append(buf, cap, &n, sip_span_ptr(m, h->line), h->line.len);
	append(buf, cap, &n, "Content-Length: 0\r\n\r\n", 21);
	return n;
}

/* ---- what a proxied message must look like ------------------------------- */

#define CHECK(cond) \
	do { \
		if (!(cond)) \
			return #cond; \
	} while (0)

/* A branch of call c to target t, index idx (RFC 3261 16.6): our Via with
 * our branch on top of the caller's, our Record-Route, Max-Forwards one
 * less, the Request-URI pointed at the target, the rest unchanged. */
static const char *
branch_why(const struct out *o, const struct call *c, const struct tgt *t,
	   uint16_t idx)
{
	const struct sip_msg *m = &o->msg;
	char want[64];
	struct br_id id;

	CHECK(m->is_request && m->method_id == SIP_M_INVITE);
	CHECK(o->dst_ip == t->ip && o->dst_port == t->port);
	CHECK(m->nb_via == 2);
	CHECK(sip_span_eq(m, m->via[0].host, "198.18.0.1"));
	CHECK(m->via[0].port == 5060);
	CHECK(br_id_parse(sip_span_ptr(m, m->via[0].branch),
			  m->via[0].branch.len, &id) == 0);
	CHECK(id.worker == WORKER && id.br == idx);
	uac_branch(c, want);
	CHECK(sip_span_eq(m, m->via[1].branch, want));
	CHECK(sip_span_eq(m, m->via[1].host, "198.18.0.2"));
	CHECK(m->nb_rr == 1);
	CHECK(sip_span_eq(m, m->rr[0].all, "<sip:198.18.0.1:5060;lr>"));
	CHECK(m->nb_route == 0);
	if (c->mf != NULL && c->mf[0] == '\0')
		CHECK(m->max_forwards == 70); /* added, 16.6 item 3 */
	else
		CHECK(m->max_forwards == (c->mf ? atoi(c->mf) : 70) - 1);
	CHECK(sip_span_eq(m, m->ruri.user, c->user));
	CHECK(sip_span_eq(m, m->ruri.host, ip_str(t->ip)));
	CHECK(m->ruri.port == t->port);
	CHECK(sip_span_eq(m, m->body, SDP));
	CHECK(m->content_length == (int32_t)sizeof(SDP) - 1);
	call_id(c, want);
	CHECK(sip_span_eq(m, m->call_id, want));
	sprintf(want, "a%u", c->id);
	CHECK(sip_span_eq(m, m->from.tag, want));
	CHECK(m->to.tag.len == 0);
	CHECK(m->cseq == 1 && m->cseq_method_id == SIP_M_INVITE);
	return NULL;
}

/* A response relayed upstream: our Via gone, the callee's To tag. */
static const char *
relayed_why(const struct out *o, const struct call *c, uint16_t status,
	    const char *tag)
{
	const struct sip_msg *m = &o->msg;
	char want[64];

	CHECK(!m->is_request && m->status == status);
	CHECK(m->nb_via == 1);
	uac_branch(c, want);
	CHECK(sip_span_eq(m, m->via[0].branch, want));
	CHECK(sip_span_eq(m, m->to.tag, tag));
	call_id(c, want);
	CHECK(sip_span_eq(m, m->call_id, want));
	return NULL;
}

/* A response we made ourselves (RFC 3261 8.2.6, 16.7): the caller's Via,
 * our To tag except on 100. */
static const char *
local_why(const struct out *o, const struct call *c, uint16_t status)
{
	const struct sip_msg *m = &o->msg;
	char want[64];

	CHECK(!m->is_request && m->status == status);
	CHECK(m->nb_via == 1);
	uac_branch(c, want);
	CHECK(sip_span_eq(m, m->via[0].branch, want));
	if (status == 100)
		CHECK(m->to.tag.len == 0);
	else
		CHECK(m->to.tag.len > 2 &&
		      memcmp(sip_span_ptr(m, m->to.tag), "sf", 2) == 0);
	call_id(c, want);
	CHECK(sip_span_eq(m, m->call_id, want));
	return NULL;
}

/* A hop-by-hop CANCEL (RFC 3261 9.1) or ACK (17.1.1.3) for branch br:
 * its Request-URI, one Via with its branch, its Call-ID, From, CSeq
 * number; the ACK carries the To of the final response (tag). */
static const char *
hop_why(const struct out *o, const struct out *br, enum sip_method method,
	const char *tag)
{
	const struct sip_msg *m = &o->msg, *b = &br->msg;

	CHECK(m->is_request && m->method_id == method);
	CHECK(o->dst_ip == br->dst_ip && o->dst_port == br->dst_port);
	CHECK(spans_eq(m, m->ruri.all, b, b->ruri.all));
	CHECK(m->nb_via == 1);
	CHECK(spans_eq(m, m->via[0].branch, b, b->via[0].branch));
	CHECK(spans_eq(m, m->call_id, b, b->call_id));
	CHECK(spans_eq(m, m->from.all, b, b->from.all));
	CHECK(m->cseq == b->cseq && m->cseq_method_id == method);
	CHECK(m->max_forwards == 70 && m->nb_route == b->nb_route);
	CHECK(m->body.len == 0);
	if (tag != NULL)
		CHECK(sip_span_eq(m, m->to.tag, tag));
	else
		CHECK(spans_eq(m, m->to.all, b, b->to.all));
	return NULL;
}

static void
report(int line, const char *what, const char *why)
{
	if (why != NULL)
		fprintf(stderr, "\n  line %d: %s: failed %s\n", line, what,
			why);
}

/* Assert that a *_why() check found nothing wrong; print what it found. */
#define CHECK_OK(what, why) \
	do { \
		const char *why_ = (why); \
		report(__LINE__, (what), why_); \
		CU_ASSERT_PTR_NULL(why_); \
	} while (0)
#define check_branch(o, c, t, i) \
	CHECK_OK("branch", branch_why((o), (c), (t), (i)))
#define check_relayed(o, c, st, tag) \
	CHECK_OK("relayed response", relayed_why((o), (c), (st), (tag)))
#define check_local(o, c, st) \
	CHECK_OK("local response", local_why((o), (c), (st)))
#define check_cancel(o, br) \
	CHECK_OK("CANCEL", hop_why((o), (br), SIP_M_CANCEL, NULL))
#define check_ack(o, br, tag) \
	CHECK_OK("ACK", hop_why((o), (br), SIP_M_ACK, (tag)))

/* The bytes of two frames' SIP payloads are the same. */
static int
same_payload(const struct out *a, const struct out *b)
{
	return a->len == b->len &&
	       memcmp(a->buf + DP_NET_HDR_LEN, b->buf + DP_NET_HDR_LEN,
		      a->len - DP_NET_HDR_LEN) == 0;
}

static void
expect_times(const uint64_t *got, uint32_t n, const uint64_t *want,
	     uint32_t nb_want, uint64_t base_ms)
{
	uint32_t i;

	CU_ASSERT_EQUAL(n, nb_want);
	for (i = 0; i < n && i < nb_want; i++) {
		CU_ASSERT_EQUAL(got[i], base_ms + want[i]);
		if (got[i] != base_ms + want[i])
			fprintf(stderr, "\n  retransmission %u at +%" PRIu64
				" ms, want +%" PRIu64 "\n", i,
				got[i] - base_ms, want[i]);
	}
}

/* ---- contexts and the idle check ----------------------------------------- */

static int
ctx_open(const struct cfg *c)
{
	struct txn_conf conf = {
		.ip = us.ip,
		.port = us.port,
		.mac = our_mac,
		.worker = WORKER,
		.socket = SOCKET_ID_ANY,
		.hw_cksum = 0,
		.pkt_pool = pkt_pool,
		.hdr_pool = hdr_pool,
		.clone_pool = clone_pool,
		.cfg = c,
		.routes = routes,
		.io = { io_tx, io_nbr, NULL },
		.cnt = &cnt,
	};

	memset(&cnt, 0, sizeof(cnt));
	now_ms = 0;
	if (txn_ctx_init(&ctx, &conf, now_ms) != 0)
		return -1;
	tc = &ctx;
	return 0;
}

static void
ctx_close(void)
{
	drain();
	if (tc != NULL)
		txn_ctx_fini(tc);
	tc = NULL;
}

static void
case_setup(void)
{
	nb_bad = 0;
	nb_odd_chains = 0;
	if (ctx_open(&base) != 0)
		fprintf(stderr, "txn_ctx_init failed\n");
}

static void
case_teardown(void)
{
	ctx_close();
	outs_free();
}

/* Every transaction, branch, timer and mbuf is back where it came from,
 * and every frame sent so far passed the wire checks. */
static int
ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Objects of mp that can be taken out, counted once each: a double free
 * puts one object on the free list twice, so it comes out twice (and
 * rte_mempool_avail_count() hides it: it caps its result at the size).
 * @return the number of distinct objects; size when all is well.
 */
static unsigned int
pool_distinct(struct rte_mempool *mp)
{
	unsigned int n = 0, i, distinct;
	void **objs = calloc(mp->size + 16, sizeof(*objs));

	HARNESS(objs != NULL);
	while (n < mp->size + 16 && rte_mempool_get(mp, &objs[n]) == 0)
		n++;
	qsort(objs, n, sizeof(*objs), ptr_cmp);
	for (i = 0, distinct = 0; i < n; i++)
		if (i == 0 || objs[i] != objs[i - 1])
			distinct++;
	/* Put each back once: the pool is whole again after a test that
	 * caught a double free, so the next case starts clean. */
	for (i = 0; i < n; i++)
		if (i == 0 || objs[i] != objs[i - 1])
			rte_mempool_put(mp, objs[i]);
	free(objs);
	return distinct == n ? distinct : distinct + (n - distinct) * 1000;
}

static void
idle_at(int line)
{
	struct shm_mem_stats ts, cs;
	unsigned int before = CU_get_number_of_failures();

	drain();
	CU_ASSERT_EQUAL(txn_inuse(tc), 0);
	CU_ASSERT_EQUAL(CNT(TM_INUSE_TRANSACTIONS), 0);
	CU_ASSERT_EQUAL(CNT(TM_ACTIVE_BRANCHES), 0);
	txn_mem_stats(tc, &ts, &cs);
	CU_ASSERT_EQUAL(ts.used_size, 0);
	CU_ASSERT_EQUAL(cs.used_size, 0);
	CU_ASSERT_EQUAL(tmr_pending(tc->wheel), 0);
	CU_ASSERT_EQUAL(rte_mempool_avail_count(pkt_pool), pkt_pool->size);
	CU_ASSERT_EQUAL(rte_mempool_avail_count(hdr_pool), hdr_pool->size);
	CU_ASSERT_EQUAL(rte_mempool_avail_count(clone_pool),
			clone_pool->size);
	CU_ASSERT_EQUAL(pool_distinct(pkt_pool), pkt_pool->size);
	CU_ASSERT_EQUAL(pool_distinct(hdr_pool), hdr_pool->size);
	CU_ASSERT_EQUAL(pool_distinct(clone_pool), clone_pool->size);
	CU_ASSERT_EQUAL(nb_bad, 0);
	if (CU_get_number_of_failures() != before)
		fprintf(stderr, "\n  line %d: not idle: %u txns, pools "
			"%u/%u/%u free\n", line, txn_inuse(tc),
			rte_mempool_avail_count(pkt_pool),
			rte_mempool_avail_count(hdr_pool),
			rte_mempool_avail_count(clone_pool));
}

#define expect_idle() idle_at(__LINE__)

/* Branch chunks in use, from the public memory figures. */
static uint64_t
chunks_used(const struct cfg *c)
{
	struct shm_mem_stats ts, cs;

	txn_mem_stats(tc, &ts, &cs);
	return c->mem.branch_chunks - cs.fragments;
}

/* ---- 1. parallel fork, 2xx, CANCEL of the others ------------------------- */

static void
test_fork_2xx_cancels_others(void)
{
	const struct call c = { .user = "hunt", .id = 1 };
	struct out *br[4], *cx[4] = { NULL }, *o;
	static const char *const tag[4] = { "t0", "t1", "t2", "t3" };
	uint32_t i, j;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tc);
	uac_invite(&c);
	CU_ASSERT_EQUAL(txn_owner(tc, &in_msg), -1); /* a request */
	/* RFC 3261 16.2: 100 Trying at once; 16.6: one branch a target. */
	check_local(expect_response(100), &c, 100);
	for (i = 0; i < 4; i++) {
		br[i] = expect_request("INVITE", &hunt[i]);
		check_branch(br[i], &c, &hunt[i], i);
	}
	expect_silence();
	for (i = 0; i < 4; i++)
		for (j = i + 1; j < 4; j++)
			CU_ASSERT_FALSE(spans_eq(&br[i]->msg,
				br[i]->msg.via[0].branch, &br[j]->msg,
				br[j]->msg.via[0].branch));
	/* The branches are header mbufs chained to the shared body. */
	CU_ASSERT(br[0]->nb_segs >= 2);
	CU_ASSERT(nb_odd_chains > 0);
	CU_ASSERT_EQUAL(txn_inuse(tc), 1);
	CU_ASSERT_EQUAL(CNT(TM_ACTIVE_BRANCHES), 4);
	CU_ASSERT_EQUAL(CNT(TM_TOTAL_BRANCHES), 4);
	CU_ASSERT_EQUAL(CNT(FWD_REQUESTS), 4);
	CU_ASSERT_EQUAL(CNT(TM_LOCAL_REPLIES), 1);

	/* A 180 goes up without our Via; a 100 stays here (hop-by-hop). */
	uas_reply(br[0], 180, tag[0]);
	check_relayed(expect_response(180), &c, 180, tag[0]);
	uas_reply(br[1], 100, NULL);
	expect_silence();
	CU_ASSERT_EQUAL(txn_owner(tc, &in_msg), WORKER);

	/* The 2xx goes up at once (16.7 step 5); the others are cancelled,
	 * but only those that sent a provisional (9.1). */
	uas_reply(br[2], 200, tag[2]);
	check_relayed(expect_response(200), &c, 200, tag[2]);
	cx[0] = expect_request("CANCEL", &hunt[0]);
	check_cancel(cx[0], br[0]);
	cx[1] = expect_request("CANCEL", &hunt[1]);
	check_cancel(cx[1], br[1]);
	expect_silence();
	CU_ASSERT_EQUAL(CNT(TM_2XX_TRANSACTIONS), 1);

	/* Branch 3 rings only now: CANCEL at once; its 180 stays here. */
	uas_reply(br[3], 180, tag[3]);
	cx[3] = expect_request("CANCEL", &hunt[3]);
	check_cancel(cx[3], br[3]);
	expect_silence();

	/* 200 to each CANCEL, then the 487s: ACKed hop-by-hop, not
	 * forwarded (a final already went up). */
	for (i = 0; i < 4; i++) {
		if (cx[i] == NULL)
			continue;
		uas_reply(cx[i], 200, tag[i]);
		expect_silence();
		uas_reply(br[i], 487, tag[i]);
		o = expect_request("ACK", &hunt[i]);
		check_ack(o, br[i], tag[i]);
		expect_silence();
	}
	CU_ASSERT_EQUAL(CNT(TM_ACTIVE_BRANCHES), 0);
	CU_ASSERT_EQUAL(CNT(TM_4XX_TRANSACTIONS), 0);

	/* Kept wait_ms for retransmissions, then gone. */
	run_for(WAIT_MS - 1);
	CU_ASSERT_EQUAL(txn_inuse(tc), 1);
	run_for(1);
	expect_silence();
	expect_idle();

	/* A late 2xx retransmission: its transaction is gone, yet it is
	 * the caller's (16.7 end): relayed statelessly.  A late 487 is
	 * dropped. */
	uas_reply(br[2], 200, tag[2]);
	check_relayed(expect_response(200), &c, 200, tag[2]);
	CU_ASSERT_EQUAL(CNT(TM_STATELESS_FWD), 1);
	uas_reply(br[0], 487, tag[0]);
	expect_silence();
	expect_idle();
}

/* ---- 2. serial failover -------------------------------------------------- */

static void
test_serial_failover(void)
{
	/* A preloaded Route naming us: removed from every branch, so the
	 * body goes out as two clone pieces around the cut.  With id 20
	 * the piece before the cut has an even length; the BYE of case 10
	 * has an odd one: the checksum sees both lane alignments. */
	const struct call c = { .user = "serial", .id = 20,
		.extra = "Route: <sip:198.18.0.1:5060;lr>\r\n" };
	struct out *b0, *b1, *b2, *o;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tc);
	uac_invite(&c);
	check_local(expect_response(100), &c, 100);
	b0 = expect_request("INVITE", &serial[0]);
	check_branch(b0, &c, &serial[0], 0);
	b1 = expect_request("INVITE", &serial[1]);
	check_branch(b1, &c, &serial[1], 1);
	CU_ASSERT(b0->nb_segs >= 3);
	expect_silence();

	/* The first final of group 1: ACKed, group 2 waits for the other. */
	uas_reply(b0, 486, "s0");
	check_ack(expect_request("ACK", &serial[0]), b0, "s0");
	expect_silence();

	/* Group 1 done without a 2xx: group 2 starts, nothing goes up. */
	uas_reply(b1, 480, "s1");
	check_ack(expect_request("ACK", &serial[1]), b1, "s1");
	b2 = expect_request("INVITE", &serial[2]);
	check_branch(b2, &c, &serial[2], 2);
	expect_silence();
	CU_ASSERT_EQUAL(CNT(TM_TOTAL_BRANCHES), 3);
	CU_ASSERT_EQUAL(CNT(TM_ACTIVE_BRANCHES), 1);

	uas_reply(b2, 200, "s2");
	o = expect_response(200);
	check_relayed(o, &c, 200, "s2");
	expect_silence();
	CU_ASSERT_EQUAL(CNT(TM_2XX_TRANSACTIONS), 1);
	CU_ASSERT_EQUAL(CNT(TM_4XX_TRANSACTIONS), 0);
	run_for(WAIT_MS);
	expect_silence();
	expect_idle();
}

/* ---- 3. best response ---------------------------------------------------- */

static void
test_best_response(void)
{
	const struct call c31 = { .user = "pair", .id = 31 };
	const struct call c32 = { .user = "pair", .id = 32 };
	/* Without Max-Forwards: the branch gets one (16.6 item 3). */
	const struct call c33 = { .user = "lone", .id = 33, .mf = "" };
	const struct call c34 = { .user = "serial", .id = 34 };
	struct out *p0, *p1, *s0, *s1, *o;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tc);

	/* 503 then 404: the lowest class wins (16.7 step 6). */
	uac_invite(&c31);
	check_local(expect_response(100), &c31, 100);
	p0 = expect_request("INVITE", &pair[0]);
	p1 = expect_request("INVITE", &pair[1]);
	uas_reply(p0, 503, "p0");
	check_ack(expect_request("ACK", &pair[0]), p0, "p0");
	expect_silence();
	uas_reply(p1, 404, "p1");
	check_ack(expect_request("ACK", &pair[1]), p1, "p1");
	o = expect_response(404);
	check_relayed(o, &c31, 404, "p1");
	expect_silence();
	/* The caller's ACK for it is ours: absorbed (17.2.1). */
	uac_ack(&c31, o);
	expect_silence();

	/* 404 then 503: the same answer. */
	uac_invite(&c32);
	check_local(expect_response(100), &c32, 100);
	p0 = expect_request("INVITE", &pair[0]);
	p1 = expect_request("INVITE", &pair[1]);
	uas_reply(p0, 404, "q0");
	check_ack(expect_request("ACK", &pair[0]), p0, "q0");
	uas_reply(p1, 503, "q1");
	check_ack(expect_request("ACK", &pair[1]), p1, "q1");
	o = expect_response(404);
	check_relayed(o, &c32, 404, "q0");
	uac_ack(&c32, o);
	expect_silence();

	/* A lone 503 becomes our 500. */
	uac_invite(&c33);
	check_local(expect_response(100), &c33, 100);
	p0 = expect_request("INVITE", &lone);
	check_branch(p0, &c33, &lone, 0);
	uas_reply(p0, 503, "l0");
	check_ack(expect_request("ACK", &lone), p0, "l0");
	o = expect_response(500);
	check_local(o, &c33, 500);
	uac_ack(&c33, o);
	expect_silence();

	/* A 6xx ends forking (16.7 step 5): the other branch is cancelled
	 * once it rings, group 2 never starts, and the 6xx goes up once
	 * every branch is final.  Provisionals still go up until then. */
	uac_invite(&c34);
	check_local(expect_response(100), &c34, 100);
	s0 = expect_request("INVITE", &serial[0]);
	s1 = expect_request("INVITE", &serial[1]);
	uas_reply(s0, 603, "x0");
	check_ack(expect_request("ACK", &serial[0]), s0, "x0");
	expect_silence();
	uas_reply(s1, 180, "x1");
	check_relayed(expect_response(180), &c34, 180, "x1");
	check_cancel(expect_request("CANCEL", &serial[1]), s1);
	expect_silence();
	uas_reply(s1, 487, "x1");
	check_ack(expect_request("ACK", &serial[1]), s1, "x1");
	o = expect_response(603);
	check_relayed(o, &c34, 603, "x0");
	expect_silence();
	uac_ack(&c34, o);
	expect_silence();

	CU_ASSERT_EQUAL(CNT(TM_4XX_TRANSACTIONS), 2);
	CU_ASSERT_EQUAL(CNT(TM_5XX_TRANSACTIONS), 1);
	CU_ASSERT_EQUAL(CNT(TM_6XX_TRANSACTIONS), 1);
	CU_ASSERT_EQUAL(CNT(SL_RECEIVED_ACKS), 4);
	CU_ASSERT_EQUAL(CNT(TM_TOTAL_BRANCHES), 7);
	/* ACKed at once: no Timer G, then wait_ms. */
	run_for(WAIT_MS);
	expect_silence();
	expect_idle();
}

/* ---- 4. CANCEL from upstream --------------------------------------------- */

static void
test_cancel_from_upstream(void)
{
	const struct call stray = { .user = "hunt", .id = 49 };
	const struct call c = { .user = "hunt", .id = 4 };
	static const char *const tag[4] = { "h0", "h1", "h2", "h3" };
	struct out *br[4], *cx[3], *o;
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tc);
	/* A CANCEL that matches nothing (16.10). */
	uac_cancel(&stray);
	check_local(expect_response(481), &stray, 481);
	expect_silence();

	uac_invite(&c);
	check_local(expect_response(100), &c, 100);
	for (i = 0; i < 4; i++)
		br[i] = expect_request("INVITE", &hunt[i]);
	uas_reply(br[0], 180, tag[0]);
	check_relayed(expect_response(180), &c, 180, tag[0]);
	uas_reply(br[1], 180, tag[1]);
	check_relayed(expect_response(180), &c, 180, tag[1]);

	/* 200 to the CANCEL, CANCEL to the branches that rang. */
	uac_cancel(&c);
	o = expect_response(200);
	check_local(o, &c, 200);
	CU_ASSERT_EQUAL(o->msg.cseq_method_id, SIP_M_CANCEL);
	for (i = 0; i < 2; i++) {
		cx[i] = expect_request("CANCEL", &hunt[i]);
		check_cancel(cx[i], br[i]);
	}
	expect_silence();
	/* A branch that rings later is cancelled then; its 180 still goes
	 * up, as no final has. */
	uas_reply(br[2], 180, tag[2]);
	check_relayed(expect_response(180), &c, 180, tag[2]);
	cx[2] = expect_request("CANCEL", &hunt[2]);
	check_cancel(cx[2], br[2]);
	expect_silence();

	for (i = 0; i < 3; i++) {
		uas_reply(cx[i], 200, tag[i]);
		uas_reply(br[i], 487, tag[i]);
		check_ack(expect_request("ACK", &hunt[i]), br[i], tag[i]);
	}
	/* Branch 3 never rang: no CANCEL may go to it (9.1).  Its INVITE is
	 * not retransmitted any more, and after 4*T1 without a provisional
	 * it ends locally as a 487, so the caller does not wait for Timer
	 * B; only then is the set final. */
	expect_silence();
	run_to(4 * T1 - 1);
	expect_silence();
	run_to(4 * T1);
	o = expect_response(487);
	check_relayed(o, &c, 487, tag[0]);
	expect_silence();
	CU_ASSERT_EQUAL(CNT(TM_4XX_TRANSACTIONS), 1);
	CU_ASSERT_EQUAL(CNT(TM_TIMEOUTS), 0);
	uac_ack(&c, o);
	run_for(WAIT_MS);
	expect_silence();
	expect_idle();
}

/* ---- 5. Timers A, B and C ------------------------------------------------ */

static void
test_timers(void)
{
	static const uint64_t timer_a[] = { 500, 1500, 3500, 7500, 15500,
					    31500 };
	static const uint64_t timer_g[] = { 500, 1500 };
	const struct call ca = { .user = "lone", .id = 51 };
	const struct call cc = { .user = "lone", .id = 52 };
	struct out *b, *o, *cx;
	uint64_t at[16], t0, tc_end;
	uint32_t n, differ = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tc);
	/* Timer A doubles from T1; Timer B ends the branch: a 408. */
	uac_invite(&ca);
	check_local(expect_response(100), &ca, 100);
	b = expect_request("INVITE", &lone);
	run_to(TIMER_B - 1);
	n = take_all("INVITE", 0, &lone, b, at, 16, &differ);
	expect_times(at, n, timer_a, RTE_DIM(timer_a), 0);
	CU_ASSERT_EQUAL(differ, 0);
	expect_silence();
	CU_ASSERT_EQUAL(CNT(TM_RETRANSMISSIONS), 6);
	run_to(TIMER_B);
	/* No provisional: no CANCEL, as if a 408 came (16.8). */
	o = expect_response(408);
	check_local(o, &ca, 408);
	expect_silence();
	CU_ASSERT_EQUAL(CNT(TM_TIMEOUTS), 1);
	CU_ASSERT_EQUAL(CNT(TM_ACTIVE_BRANCHES), 0);
	CU_ASSERT_EQUAL(CNT(TM_4XX_TRANSACTIONS), 1);
	/* Timer G resends the 408 until the ACK. */
	run_to(TIMER_B + 2000);
	n = take_all(NULL, 408, &uac, o, at, 16, &differ);
	expect_times(at, n, timer_g, RTE_DIM(timer_g), TIMER_B);
	CU_ASSERT_EQUAL(differ, 0);
	uac_ack(&ca, o);
	run_for(WAIT_MS);
	expect_silence();
	expect_idle();

	/* Timer C: a branch that rang and then went quiet is cancelled. */
	t0 = now_ms;
	uac_invite(&cc);
	check_local(expect_response(100), &cc, 100);
	b = expect_request("INVITE", &lone);
	run_for(100);
	uas_reply(b, 180, "c0");
	check_relayed(expect_response(180), &cc, 180, "c0");
	tc_end = t0 + 100 + TIMER_C;
	/* The provisional stopped Timer A: nothing until Timer C. */
	run_to(tc_end - 1);
	expect_silence();
	run_to(tc_end);
	cx = expect_request("CANCEL", &lone);
	check_cancel(cx, b);
	expect_silence();
	/* The CANCEL is retransmitted (Timer E) until its 200. */
	run_for(T1);
	CU_ASSERT_EQUAL(take_all("CANCEL", 0, &lone, cx, NULL, 0, &differ),
			1);
	CU_ASSERT_EQUAL(differ, 0);
	uas_reply(cx, 200, "c0");
	/* The callee never sends its 487: 64*T1 after the CANCEL the
	 * branch is given up, and a 408 goes up (9.1, 16.8). */
	run_to(tc_end + TIMER_B - 1);
	expect_silence();
	run_to(tc_end + TIMER_B);
	o = expect_response(408);
	check_local(o, &cc, 408);
	expect_silence();
	uac_ack(&cc, o);
	run_for(WAIT_MS);
	expect_silence();
	expect_idle();
}

/* ---- 6. retransmissions absorbed ----------------------------------------- */

static void
test_retransmissions(void)
{
	static const uint64_t timer_g[] = { 500, 1500, 3500, 7500, 11500 };
	static const uint16_t st[4] = { 486, 486, 480, 404 };
	static const char *const tag[4] = { "r0", "r1", "r2", "r3" };
	const struct call c = { .user = "hunt", .id = 6 };
	struct out *br[4], *trying, *ringing, *final;
	uint64_t at[16];
	uint32_t i, n, differ = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tc);
	uac_invite(&c);
	trying = expect_response(100);
	for (i = 0; i < 4; i++)
		br[i] = expect_request("INVITE", &hunt[i]);

	/* The same INVITE again: no new branch, the 100 again. */
	uac_invite(&c);
	CU_ASSERT(same_payload(expect_response(100), trying));
	expect_silence();
	CU_ASSERT_EQUAL(CNT(TM_TOTAL_BRANCHES), 4);
	CU_ASSERT_EQUAL(CNT(TM_TRANSACTIONS), 1);

	/* After a 180 went up, the 180 is what a repeat gets. */
	uas_reply(br[0], 180, tag[0]);
	ringing = expect_response(180);
	uac_invite(&c);
	CU_ASSERT(same_payload(expect_response(180), ringing));
	expect_silence();

	for (i = 0; i < 4; i++) {
		uas_reply(br[i], st[i], tag[i]);
		check_ack(expect_request("ACK", &hunt[i]), br[i], tag[i]);
	}
	final = expect_response(486);
	check_relayed(final, &c, 486, tag[0]);
	expect_silence();

	/* Completed: a repeat gets the final. */
	uac_invite(&c);
	CU_ASSERT(same_payload(expect_response(486), final));
	expect_silence();
	CU_ASSERT_EQUAL(CNT(TM_RETRANSMISSIONS), 3);

	/* Timer G: T1, doubling, capped at T2, until the ACK. */
	run_to(12000);
	n = take_all(NULL, 486, &uac, final, at, 16, &differ);
	expect_times(at, n, timer_g, RTE_DIM(timer_g), 0);
	CU_ASSERT_EQUAL(differ, 0);
	expect_silence();
	uac_ack(&c, final);
	expect_silence();
	run_for(2 * T2);
	expect_silence();
	CU_ASSERT_EQUAL(CNT(TM_RETRANSMISSIONS), 8);
	CU_ASSERT_EQUAL(CNT(SL_RECEIVED_ACKS), 1);
	run_for(WAIT_MS);
	expect_silence();
	expect_idle();
}

/* ---- 7. 256 and 1000 branches -------------------------------------------- */

static int
cmp_branch(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
fork_k(const char *name, uint32_t k, unsigned int id)
{
	static struct out *br[K_MAX], *cx[K_MAX], *ack[K_MAX];
	static char branch[K_MAX][BR_ID_LEN + 1];
	const struct call c = { .user = name, .id = id };
	uint32_t i, bad = 0, missing = 0, dup = 0, n = 0;
	uint32_t win = k / 2;
	uint64_t total0 = CNT(TM_TOTAL_BRANCHES);
	struct shm_mem_stats ts, cs;
	const char *why;
	char tag[16];

	memset(br, 0, sizeof(br));
	memset(cx, 0, sizeof(cx));
	memset(ack, 0, sizeof(ack));
	uac_invite(&c);
	check_local(expect_response(100), &c, 100);

	/* Every target gets one branch, each with its own Via branch. */
	for (i = 0; i < nb_outs; i++) {
		struct out *o = outs[i];
		uint32_t x = kidx(o);

		if (!out_match(o, "INVITE", 0, NULL))
			continue;
		o->used = 1;
		if (x >= k || br[x] != NULL) {
			bad++;
			continue;
		}
		br[x] = o;
		why = branch_why(o, &c, &ktg[x], (uint16_t)x);
		if (why != NULL && bad++ < 3)
			report(__LINE__, "branch", why);
	}
	for (i = 0; i < k; i++) {
		if (br[i] == NULL) {
			missing++;
			continue;
		}
		snprintf(branch[n++], BR_ID_LEN + 1, "%.*s",
			 br[i]->msg.via[0].branch.len,
			 sip_span_ptr(&br[i]->msg, br[i]->msg.via[0].branch));
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL_FATAL(missing, 0);
	qsort(branch, n, sizeof(branch[0]), cmp_branch);
	for (i = 1; i < n; i++)
		dup += strcmp(branch[i - 1], branch[i]) == 0;
	CU_ASSERT_EQUAL(dup, 0);
	expect_silence();
	CU_ASSERT(CNT(TM_MAX_BRANCHES_SEEN) >= k);
	CU_ASSERT_EQUAL(CNT(TM_TOTAL_BRANCHES) - total0, k);
	CU_ASSERT_EQUAL(CNT(TM_ACTIVE_BRANCHES), k);
	CU_ASSERT_EQUAL(chunks_used(&base), (k + CHUNK - 1) / CHUNK);
	CU_ASSERT_EQUAL(CNT(TM_BRANCH_LIMIT), 0);
	/* What sipfork-bench reports as tx_state_bytes lies between what
	 * the pools hand out for this call and what they reserve for it. */
	txn_mem_stats(tc, &ts, &cs);
	CU_ASSERT(txn_state_bytes(tc, k) >= ts.used_size + cs.used_size);
	CU_ASSERT(txn_state_bytes(tc, k) <=
		  ts.real_used_size + cs.real_used_size);

	/* Every callee sends 100 (hop-by-hop), one answers 200. */
	for (i = 0; i < k; i++)
		uas_reply(br[i], 100, NULL);
	expect_silence();
	uas_reply(br[win], 200, "kw");
	check_relayed(expect_response(200), &c, 200, "kw");

	/* The k - 1 others are cancelled, each on its own branch. */
	bad = 0;
	n = 0;
	for (i = 0; i < nb_outs; i++) {
		struct out *o = outs[i];
		uint32_t x = kidx(o);

		if (!out_match(o, "CANCEL", 0, NULL))
			continue;
		o->used = 1;
		n++;
		if (x >= k || x == win || cx[x] != NULL ||
		    hop_why(o, br[x], SIP_M_CANCEL, NULL) != NULL)
			bad++;
		else
			cx[x] = o;
	}
	CU_ASSERT_EQUAL(n, k - 1);
	CU_ASSERT_EQUAL(bad, 0);
	expect_silence();

	/* Their 487s are ACKed and stay here. */
	for (i = 0; i < k; i++) {
		if (i == win)
			continue;
		snprintf(tag, sizeof(tag), "k%u", i);
		uas_reply(br[i], 487, tag);
	}
	bad = 0;
	n = 0;
	for (i = 0; i < nb_outs; i++) {
		struct out *o = outs[i];
		uint32_t x = kidx(o);

		if (!out_match(o, "ACK", 0, NULL))
			continue;
		o->used = 1;
		n++;
		snprintf(tag, sizeof(tag), "k%u", x);
		if (x >= k || x == win || ack[x] != NULL ||
		    hop_why(o, br[x], SIP_M_ACK, tag) != NULL)
			bad++;
		else
			ack[x] = o;
	}
	CU_ASSERT_EQUAL(n, k - 1);
	CU_ASSERT_EQUAL(bad, 0);
	expect_silence();
	CU_ASSERT_EQUAL(CNT(TM_ACTIVE_BRANCHES), 0);
	CU_ASSERT_EQUAL(chunks_used(&base), (k + CHUNK - 1) / CHUNK);

	run_for(WAIT_MS);
	expect_silence();
	expect_idle();
	CU_ASSERT_EQUAL(chunks_used(&base), 0);
}

static void
test_fork_256_and_1000(void)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(tc);
	fork_k("k256", 256, 71);
	fork_k("k1000", 1000, 72);
	CU_ASSERT_EQUAL(CNT(TM_MAX_BRANCHES_SEEN), 1000);
	CU_ASSERT_EQUAL(CNT(TM_2XX_TRANSACTIONS), 2);
}

/* ---- 8. pool exhaustion -------------------------------------------------- */

static void
test_pool_exhaustion(void)
{
	const struct call c1 = { .user = "lone", .id = 81 };
	const struct call c2 = { .user = "lone", .id = 82 };
	const struct call c3 = { .user = "lone", .id = 83 };
	const struct call c4 = { .user = "hunt", .id = 84 };
	const struct call c5 = { .user = "hunt", .id = 85 };
	const struct sip_hdr *h;
	struct out *b1, *b2, *b3, *br[4], *o;
	char want[64];
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tc);
	expect_idle();
	ctx_close();
	tiny = base;
	tiny.mem.transactions = 2;
	CU_ASSERT_EQUAL_FATAL(ctx_open(&tiny), 0);

	uac_invite(&c1);
	check_local(expect_response(100), &c1, 100);
	b1 = expect_request("INVITE", &lone);
	call_id(&c1, want);
	CU_ASSERT(sip_span_eq(&b1->msg, b1->msg.call_id, want));
	uac_invite(&c2);
	check_local(expect_response(100), &c2, 100);
	b2 = expect_request("INVITE", &lone);
	call_id(&c2, want);
	CU_ASSERT(sip_span_eq(&b2->msg, b2->msg.call_id, want));

	/* The third concurrent call: 503 with Retry-After, no branch. */
	uac_invite(&c3);
	o = expect_response(503);
	check_local(o, &c3, 503);
	h = hdr_named(&o->msg, "Retry-After");
	CU_ASSERT_PTR_NOT_NULL(h);
	expect_silence();
	CU_ASSERT_EQUAL(CNT(TM_POOL_503), 1);
	CU_ASSERT_EQUAL(txn_inuse(tc), 2);

	/* The calls in flight go on. */
	uas_reply(b1, 200, "e1");
	check_relayed(expect_response(200), &c1, 200, "e1");
	uas_reply(b2, 486, "e2");
	check_ack(expect_request("ACK", &lone), b2, "e2");
	o = expect_response(486);
	check_relayed(o, &c2, 486, "e2");
	uac_ack(&c2, o);
	expect_silence();
	run_for(WAIT_MS);
	expect_silence();
	expect_idle();

	/* With room again the caller's retry goes through. */
	uac_invite(&c3);
	check_local(expect_response(100), &c3, 100);
	b3 = expect_request("INVITE", &lone);
	uas_reply(b3, 200, "e3");
	check_relayed(expect_response(200), &c3, 200, "e3");
	run_for(WAIT_MS);
	expect_silence();
	expect_idle();

	/* One branch chunk: the second fork finds none.  Our own overload
	 * is a 503 with Retry-After, like a full transaction pool, not the
	 * 500 that stands for a downstream's 503 (RFC 3261 21.5.4). */
	ctx_close();
	tiny.mem.branch_chunks = 1;
	CU_ASSERT_EQUAL_FATAL(ctx_open(&tiny), 0);
	uac_invite(&c4);
	check_local(expect_response(100), &c4, 100);
	for (i = 0; i < 4; i++)
		br[i] = expect_request("INVITE", &hunt[i]);
	uac_invite(&c5);
	check_local(expect_response(100), &c5, 100);
	o = expect_response(503);
	check_local(o, &c5, 503);
	CU_ASSERT_PTR_NOT_NULL(hdr_named(&o->msg, "Retry-After"));
	expect_silence();
	CU_ASSERT_EQUAL(CNT(TM_POOL_503), 1);
	uac_ack(&c5, o);
	/* The first call is untouched. */
	uas_reply(br[1], 200, "f1");
	check_relayed(expect_response(200), &c4, 200, "f1");
	for (i = 0; i < 4; i++) {
		if (i == 1)
			continue;
		uas_reply(br[i], 486, "f");
		check_ack(expect_request("ACK", &hunt[i]), br[i], "f");
	}
	expect_silence();
	run_for(WAIT_MS);
	expect_silence();
	expect_idle();
}

/* ---- 9. requests refused before forwarding ------------------------------- */

static void
test_refusals(void)
{
	const struct call mf0 = { .user = "hunt", .id = 90, .mf = "0" };
	const struct call opt = { .user = "hunt", .id = 96, .mf = "0" };
	const struct call preq = { .user = "hunt", .id = 92,
		.extra = "Proxy-Require: foo\r\n" };
	const struct call scheme = { .user = "hunt", .id = 93,
		.ruri = "urn:service:sos" };
	const struct call noroute = { .user = "nobody", .id = 94 };
	const struct call c = { .user = "hunt", .id = 95 };
	struct out *br[4], *sp[4], *o, *bye, *bye2;
	const struct sip_hdr *h;
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tc);
	uac_invite(&mf0);
	check_local(expect_response(483), &mf0, 483);
	expect_silence();
	/* OPTIONS with no hops left is answered by us (16.3 item 2). */
	uac_send(&opt, "OPTIONS", NULL);
	check_local(expect_response(200), &opt, 200);
	expect_silence();

	uac_invite(&preq);
	o = expect_response(420);
	check_local(o, &preq, 420);
	h = hdr_named(&o->msg, "Unsupported");
	CU_ASSERT_PTR_NOT_NULL(h);
	if (h != NULL)
		CU_ASSERT(sip_span_eq(&o->msg, h->value, "foo"));
	expect_silence();

	uac_invite(&scheme);
	check_local(expect_response(416), &scheme, 416);
	uac_invite(&noroute);
	check_local(expect_response(404), &noroute, 404);
	expect_silence();
	CU_ASSERT_EQUAL(CNT(TM_TRANSACTIONS), 0);
	CU_ASSERT_EQUAL(CNT(SL_SENT_ERR_REPLIES), 4);
	CU_ASSERT_EQUAL(txn_inuse(tc), 0);

	/* A branch we sent, coming back to us: its Request-URI is the one
	 * we wrote, so its hash differs from our Via's: a spiral (16.3
	 * item 4), forwarded again.  Its own branch coming back has the
	 * same Request-URI and our Via with that hash: a loop, 482. */
	uac_invite(&c);
	check_local(expect_response(100), &c, 100);
	for (i = 0; i < 4; i++)
		br[i] = expect_request("INVITE", &hunt[i]);
	feed_back(br[0], &hunt[0]);
	expect_response_to(100, &us);
	for (i = 0; i < 4; i++) {
		sp[i] = expect_request("INVITE", &hunt[i]);
		CU_ASSERT_EQUAL(sp[i]->msg.nb_via, 3);
		CU_ASSERT_EQUAL(sp[i]->msg.max_forwards, 68);
		CU_ASSERT(spans_eq(&sp[i]->msg, sp[i]->msg.via[1].branch,
				   &br[0]->msg, br[0]->msg.via[0].branch));
	}
	expect_silence();
	CU_ASSERT_EQUAL(CNT(TM_LOOPS), 0);
	feed_back(sp[0], &hunt[0]);
	o = expect_response_to(482, &us);
	CU_ASSERT(spans_eq(&o->msg, o->msg.via[0].branch, &sp[0]->msg,
			   sp[0]->msg.via[0].branch));
	expect_silence();
	CU_ASSERT_EQUAL(CNT(TM_LOOPS), 1);
	CU_ASSERT_EQUAL(txn_inuse(tc), 2);

	/* An in-dialog spiral: we Record-Routed both passes of an INVITE
	 * that went through proxy2 and back, so the route set holds us
	 * twice.  The BYE comes back with the same Request-URI but a route
	 * set one hop shorter: what decides routing changed, so it is no
	 * loop (16.6 item 8) and goes on to the callee. */
	dialog_send("BYE", 97, 2, "<sip:198.18.0.1:5060;lr>, "
		    "<sip:198.18.0.9:5090;lr>, <sip:198.18.0.1:5060;lr>");
	bye = expect_request("BYE", &proxy2);
	CU_ASSERT_EQUAL(bye->msg.nb_route, 2);
	proxy_pass(bye, "<sip:198.18.0.1:5060;lr>");
	bye2 = expect_request("BYE", &callee);
	expect_silence();
	CU_ASSERT_EQUAL(bye2->msg.nb_via, 4);
	CU_ASSERT_EQUAL(bye2->msg.nb_route, 0);
	CU_ASSERT_EQUAL(CNT(TM_LOOPS), 1);
	uas_reply(bye2, 200, NULL);
	expect_response_to(200, &proxy2);
	uas_reply(bye, 200, NULL);
	expect_response(200);
	expect_silence();

	/* Wind both down: every branch 404; the caller ACKs its final,
	 * the spiral's final (sent to us) ends by Timer H. */
	for (i = 0; i < 4; i++) {
		uas_reply(br[i], 404, "n");
		check_ack(expect_request("ACK", &hunt[i]), br[i], "n");
		uas_reply(sp[i], 404, "n");
		check_ack(expect_request("ACK", &hunt[i]), sp[i], "n");
	}
	o = expect_response(404);
	check_relayed(o, &c, 404, "n");
	uac_ack(&c, o);
	CU_ASSERT(take_all(NULL, 404, &us, NULL, NULL, 0, NULL) >= 1);
	run_for(TIMER_B + WAIT_MS);
	take_all(NULL, 404, &us, NULL, NULL, 0, NULL);
	expect_silence();
	expect_idle();
}

/* ---- 10. non-INVITE and ACK for 2xx -------------------------------------- */

static void
test_non_invite_and_ack(void)
{
	static const uint64_t timer_e[] = { 500, 1500 };
	static const uint64_t timer_e_all[] = { 500, 1500, 3500, 7500, 11500,
		15500, 19500, 23500, 27500, 31500 };
	const struct call c101 = { .user = "hunt", .id = 101 };
	struct out *bye, *o, *ack;
	const struct sip_msg *m;
	struct br_id id;
	uint64_t at[16], t0;
	uint32_t n, differ = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tc);
	/* In-dialog BYE: our Route removed, on to the Contact in the
	 * Request-URI, our Via on top; no 100 for a non-INVITE. */
	dialog_send("BYE", 101, 2, "<sip:198.18.0.1:5060;lr>");
	bye = expect_request("BYE", &callee);
	expect_silence();
	m = &bye->msg;
	CU_ASSERT(sip_span_eq(m, m->ruri.all, "sip:u@198.18.0.3:5070"));
	CU_ASSERT_EQUAL(m->nb_route, 0);
	CU_ASSERT_EQUAL(m->nb_rr, 0);
	CU_ASSERT_EQUAL(m->max_forwards, 69);
	CU_ASSERT_EQUAL(m->nb_via, 2);
	CU_ASSERT(br_id_parse(sip_span_ptr(m, m->via[0].branch),
			      m->via[0].branch.len, &id) == 0 &&
		  id.worker == WORKER);
	CU_ASSERT(sip_span_eq(m, m->via[1].branch, "z9hG4bK-uac-101"));
	CU_ASSERT(sip_span_eq(m, m->to.tag, "u101"));
	CU_ASSERT(m->cseq == 2 && m->cseq_method_id == SIP_M_BYE);

	/* Timer E until the 200, which goes up. */
	run_to(1999);
	n = take_all("BYE", 0, &callee, bye, at, 16, &differ);
	expect_times(at, n, timer_e, RTE_DIM(timer_e), 0);
	CU_ASSERT_EQUAL(differ, 0);
	run_to(2000);
	uas_reply(bye, 200, NULL);
	o = expect_response(200);
	check_relayed(o, &c101, 200, "u101");
	expect_silence();
	/* A repeated BYE gets the 200 again. */
	dialog_send("BYE", 101, 2, "<sip:198.18.0.1:5060;lr>");
	CU_ASSERT(same_payload(expect_response(200), o));
	expect_silence();
	CU_ASSERT_EQUAL(CNT(TM_2XX_TRANSACTIONS), 1);
	run_for(WAIT_MS);
	expect_silence();
	expect_idle();

	/* A BYE nobody answers: Timer E capped at T2, then Timer F.  A
	 * proxy sends no 408 to a non-INVITE (RFC 4320 4.2). */
	t0 = now_ms;
	dialog_send("BYE", 102, 2, "<sip:198.18.0.1:5060;lr>");
	bye = expect_request("BYE", &callee);
	run_to(t0 + TIMER_B - 1);
	n = take_all("BYE", 0, &callee, bye, at, 16, &differ);
	expect_times(at, n, timer_e_all, RTE_DIM(timer_e_all), t0);
	CU_ASSERT_EQUAL(differ, 0);
	run_to(t0 + TIMER_B);
	expect_silence();
	CU_ASSERT_EQUAL(CNT(TM_TIMEOUTS), 1);
	run_for(WAIT_MS);
	expect_silence();
	expect_idle();

	/* ACK for a 2xx: a new branch, no transaction; relayed statelessly
	 * with the same Via branch for each retransmission (16.11). */
	dialog_send("ACK", 103, 1, "<sip:198.18.0.1:5060;lr>");
	ack = expect_request("ACK", &callee);
	expect_silence();
	m = &ack->msg;
	CU_ASSERT_EQUAL(txn_inuse(tc), 0);
	CU_ASSERT_EQUAL(m->nb_route, 0);
	CU_ASSERT_EQUAL(m->nb_via, 2);
	CU_ASSERT_EQUAL(m->max_forwards, 69);
	CU_ASSERT(sip_span_eq(m, m->ruri.all, "sip:u@198.18.0.3:5070"));
	CU_ASSERT(m->via[0].branch.len > BR_ID_PREFIX_LEN &&
		  memcmp(sip_span_ptr(m, m->via[0].branch), BR_ID_PREFIX,
			 BR_ID_PREFIX_LEN) == 0);
	CU_ASSERT(sip_span_eq(m, m->via[1].branch, "z9hG4bK-uac-103"));
	dialog_send("ACK", 103, 1, "<sip:198.18.0.1:5060;lr>");
	CU_ASSERT(same_payload(expect_request("ACK", &callee), ack));
	expect_silence();

	/* With a second Route the ACK goes to that hop, which stays. */
	dialog_send("ACK", 104, 1,
		    "<sip:198.18.0.1:5060;lr>, <sip:198.18.0.9:5090;lr>");
	ack = expect_request("ACK", &proxy2);
	m = &ack->msg;
	CU_ASSERT_EQUAL(m->nb_route, 1);
	CU_ASSERT(sip_span_eq(m, m->route[0].all, "<sip:198.18.0.9:5090;lr>"));
	CU_ASSERT(sip_span_eq(m, m->ruri.all, "sip:u@198.18.0.3:5070"));
	expect_silence();
	CU_ASSERT_EQUAL(CNT(TM_STATELESS_FWD), 3);
	CU_ASSERT_EQUAL(CNT(TM_TRANSACTIONS), 2);
	expect_idle();
}

/* ---- suite --------------------------------------------------------------- */

/* ---- hostile peers ---------------------------------------------------- */

/*
 * A callee forging a final for a branch not its own: the Via branch shape
 * is guessable, its loop hash is not, so the response matches nothing and
 * forking goes on.  A caller whose Via names loopback: every frame back to
 * it is refused and counted, and nothing is freed twice (the idle check
 * counts every mempool, so a double free shows as one mbuf too many).
 */
static void
test_hostile(void)
{
	const struct call c = { .user = "hunt", .id = 120 };
	const struct call lo = { .user = "hunt", .id = 121,
				 .via = "127.0.0.1:5060" };
	static const char *const tag[4] = { "x0", "x1", "x2", "x3" };
	struct out *br[4];
	char buf[4096], *b;
	uint64_t drops, bad;
	size_t n;
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tc);
	uac_invite(&c);
	check_local(expect_response(100), &c, 100);
	for (i = 0; i < 4; i++)
		br[i] = expect_request("INVITE", &hunt[i]);
	/* Callee 3 sends a 603 with branch 0's Via, loop hash altered. */
	n = uas_build(br[0], 603, tag[3], buf, sizeof(buf));
	b = memmem(buf, n, BR_ID_PREFIX, BR_ID_PREFIX_LEN);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	b[BR_ID_LEN - 1] = b[BR_ID_LEN - 1] == '0' ? '1' : '0';
	drops = CNT(DROP_REPLIES);
	feed(buf, &hunt[3]);
	expect_silence();
	CU_ASSERT_EQUAL(CNT(DROP_REPLIES), drops + 1);
	CU_ASSERT_EQUAL(CNT(TM_6XX_TRANSACTIONS), 0);
	/* The real answer still wins; the silent branches end after 4*T1. */
	uas_reply(br[0], 200, tag[0]);
	check_relayed(expect_response(200), &c, 200, tag[0]);
	expect_silence();
	run_for(4 * T1 + WAIT_MS);
	expect_silence();
	expect_idle();

	/* A caller behind a loopback Via: nothing goes back to it. */
	bad = CNT(NET_TX_BAD_DEST);
	uac_invite(&lo);
	for (i = 0; i < 4; i++)
		br[i] = expect_request("INVITE", &hunt[i]);
	CU_ASSERT_EQUAL(CNT(NET_TX_BAD_DEST), bad + 1); /* the 100 */
	uas_reply(br[0], 180, tag[0]);
	CU_ASSERT_EQUAL(CNT(NET_TX_BAD_DEST), bad + 2); /* the 180 */
	for (i = 0; i < 4; i++) {
		uas_reply(br[i], 486, tag[i]);
		expect_request("ACK", &hunt[i]);
	}
	expect_silence();
	CU_ASSERT_EQUAL(CNT(NET_TX_BAD_DEST), bad + 3); /* the 486 */
	run_for(64 * T1 + WAIT_MS);
	expect_silence();
	expect_idle();
}

static void
put_targets(FILE *f, const char *name, const struct tgt *t, uint32_t n,
	    uint32_t split)
{
	uint32_t i;

	fprintf(f, "[route %s]\ntargets =", name);
	for (i = 0; i < n; i++)
		fprintf(f, "%s %s:%u", split && i == split ? " |" : "",
			ip_str(t[i].ip), t[i].port);
	fprintf(f, "\n");
}

/* Write the configuration, load it and build the route table. */
static int
load_config(void)
{
	char dir[] = "/tmp/test_txn.XXXXXX", path[64], err[256];
	uint32_t i;
	FILE *f;
	int rc;

	for (i = 0; i < K_MAX; i++) {
		ktg[i].ip = rte_cpu_to_be_32(IPV4(198, 18, 1, 1 + i % 200));
		ktg[i].port = (uint16_t)(6000 + i / 200);
	}
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/txn.conf", dir);
	f = fopen(path, "w");
	if (f == NULL) {
		rmdir(dir);
		return -1;
	}
	fprintf(f, "[dataplane]\nip = 198.18.0.1\nport = 5060\n"
		"branch_chunk = %u\n"
		"[timers]\nt1_ms = %u\nt2_ms = %u\ntimer_b_ms = %u\n"
		"timer_c_ms = %u\nwait_ms = %u\n"
		"[memory]\ntransactions = 64\nbranch_chunks = %u\n",
		CHUNK, T1, T2, TIMER_B, TIMER_C, WAIT_MS, NB_CHUNKS);
	put_targets(f, "hunt", hunt, 4, 0);
	put_targets(f, "serial", serial, 3, 2);
	put_targets(f, "pair", pair, 2, 0);
	put_targets(f, "lone", &lone, 1, 0);
	put_targets(f, "k256", ktg, 256, 0);
	put_targets(f, "k1000", ktg, K_MAX, 0);
	fclose(f);
	rc = cfg_load(&base, path, err, sizeof(err));
	unlink(path);
	rmdir(dir);
	if (rc != 0) {
		fprintf(stderr, "test_txn: %s\n", err);
		return -1;
	}
	routes = dp_route_table_from_cfg(&base);
	return routes != NULL ? 0 : -1;
}

static const struct {
	const char *name;
	CU_TestFunc fn;
} cases[] = {
	{ "INVITE fork: 2xx up, CANCEL others, 487s ACKed",
	  test_fork_2xx_cancels_others },
	{ "serial failover to the next group", test_serial_failover },
	{ "best response: 4xx over 5xx, 503 as 500, 6xx",
	  test_best_response },
	{ "CANCEL from upstream", test_cancel_from_upstream },
	{ "Timer A/B, G and C on a virtual clock", test_timers },
	{ "retransmissions absorbed, Timer G until ACK",
	  test_retransmissions },
	{ "256 and 1000 branches", test_fork_256_and_1000 },
	{ "pool exhaustion: 503 Retry-After, no leak",
	  test_pool_exhaustion },
	{ "refusals: 483, 420, 416, 404, loop 482, spirals",
	  test_refusals },
	{ "non-INVITE, ACK for 2xx relayed statelessly",
	  test_non_invite_and_ack },
	{ "hostile peers: forged final, loopback Via",
	  test_hostile },
};

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "-m", "256", "--no-pci",
			"--no-shconf", prefix, "-l", "0",
			"--log-level=*:warning", NULL };
	CU_pSuite suite;
	unsigned int i, failed;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "--file-prefix=txnt%d", getpid());
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "test_txn: EAL init failed\n");
		return 1;
	}
	pkt_pool = rte_pktmbuf_pool_create("txnt_pkt", NB_MBUFS, 0, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE,
					   SOCKET_ID_ANY);
	hdr_pool = rte_pktmbuf_pool_create("txnt_hdr", NB_MBUFS, 0, 0,
					   RTE_PKTMBUF_HEADROOM + 512,
					   SOCKET_ID_ANY);
	clone_pool = rte_pktmbuf_pool_create("txnt_clone", NB_MBUFS, 0, 0,
					     0, SOCKET_ID_ANY);
	if (pkt_pool == NULL || hdr_pool == NULL || clone_pool == NULL ||
	    load_config() != 0) {
		fprintf(stderr, "test_txn: set-up failed\n");
		return 1;
	}

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	suite = CU_add_suite_with_setup_and_teardown("txn", NULL, NULL,
						     case_setup,
						     case_teardown);
	for (i = 0; suite != NULL && i < RTE_DIM(cases); i++)
		CU_add_test(suite, cases[i].name, cases[i].fn);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	free(txq);
	free(outs);
	dp_route_table_free(routes);
	cfg_free(&base);
	rte_mempool_free(clone_pool);
	rte_mempool_free(hdr_pool);
	rte_mempool_free(pkt_pool);
	rte_eal_cleanup();
	return failed == 0 ? 0 : 1;
}
