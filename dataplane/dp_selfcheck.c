/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipfork-dp --self-check (dp_selfcheck.h).
 *
 * The self-check drives the real worker loop through an in-process
 * net_ring port: the main lcore builds Ethernet/IPv4/UDP (or ARP) frames,
 * enqueues them on the port's RX ring, and collects what worker 0 sends
 * from its TX ring (or, with a single lcore, calls dp_loop_poll() itself
 * between the two).  Each answer is checked byte by byte: addresses,
 * IPv4 and UDP checksums, and the SIP response re-parsed with sip_parse()
 * and compared line by line with the request as written.  Frames that
 * must be dropped are checked through the drop counters and an idle TX
 * ring.
 *
 * This file holds the port, the helpers every check uses
 * (dp_selfcheck_priv.h), the single-request checks and the run; the
 * forked call, which plays caller and callees at once, is in
 * dp_selfcheck_fork.c.
 *
 * Concurrency: the main lcore only.  Worker 0 is reached through the
 * port's rings and its counters are read with shm_cnt_read().
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "cfg.h"
#include "dp_lcore.h"
#include "dp_net.h"
#include "dp_port.h"
#include "dp_selfcheck.h"
#include "dp_selfcheck_priv.h"
#include "sip_parse.h"

int
dp_selfcheck_port_create(struct dp_selfcheck_port *cp, unsigned int nb_queues,
			 int socket)
{
	/* net_ring ports start with MAC 0; try to give ours a unicast one
	 * so the Ethernet checks mean more. */
	struct rte_ether_addr mac = { { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 } };
	int port, ret;

	cp->nb_queues = RTE_MIN(nb_queues, DP_SELFCHECK_MAX_QUEUES);
	port = dp_port_ring_create("sfcheck", cp->nb_queues, socket, cp->rx,
				   cp->tx);
	cp->port = port;
	if (port < 0)
		return port;
	ret = rte_eth_dev_default_mac_addr_set((uint16_t)port, &mac);
	/* DPDK 22.11's net_ring cannot change it: keep 0 then. */
	return ret < 0 && ret != -ENOTSUP ? ret : 0;
}

void
dp_selfcheck_port_forget(struct dp_selfcheck_port *cp)
{
	memset(cp, 0, sizeof(*cp));
	cp->port = -1;
}

/* -------------------------------------------------------------------- */
/* Sending, collecting, reporting                                        */

uint64_t
dp_check_ms(void)
{
	return rte_get_timer_cycles() * 1000 / rte_get_timer_hz();
}

/* Let time pass: run the worker loop when we are the worker. */
void
dp_check_idle(struct dp_check *c)
{
	if (c->interleaved)
		dp_loop_poll(c->lc);
	else
		rte_delay_us_sleep(50);
}

void
dp_check_drain(struct dp_check *c)
{
	struct rte_mbuf *m = NULL;

	while (rte_ring_dequeue(c->cp->tx[0], (void **)&m) == 0)
		rte_pktmbuf_free(m);
}

/* Wait for a frame from worker 0; NULL after DP_CHECK_WAIT_MS. */
static struct rte_mbuf *
dp_check_collect(struct dp_check *c)
{
	uint64_t end = dp_check_ms() + DP_CHECK_WAIT_MS;
	struct rte_mbuf *m = NULL;

	do {
		dp_check_idle(c);
		if (rte_ring_dequeue(c->cp->tx[0], (void **)&m) == 0)
			return m;
	} while (dp_check_ms() < end);
	return NULL;
}

/* Wait until a counter passes a value; then make sure nothing was sent.
 * @return 0, or -1 with c->why set. */
static int
dp_check_dropped(struct dp_check *c, enum shm_cnt id, uint64_t before)
{
	uint64_t end = dp_check_ms() + DP_CHECK_WAIT_MS;
	struct rte_mbuf *m = NULL;

	while (shm_cnt_read(c->lc->cnt, id) == before) {
		if (dp_check_ms() >= end) {
			snprintf(c->why, sizeof(c->why), "%s:%s not counted",
				 shm_cnt_desc(id)->group,
				 shm_cnt_desc(id)->name);
			return -1;
		}
		dp_check_idle(c);
	}
	end = dp_check_ms() + DP_CHECK_QUIET_MS;
	while (dp_check_ms() < end) {
		dp_check_idle(c);
		if (rte_ring_dequeue(c->cp->tx[0], (void **)&m) == 0) {
			rte_pktmbuf_free(m);
			snprintf(c->why, sizeof(c->why), "a frame was sent");
			return -1;
		}
	}
	return 0;
}

void
dp_check_report(struct dp_check *c, const char *name, int ok)
{
	if (ok) {
		c->passed++;
		printf("self-check: ok   %s\n", name);
	} else {
		c->failed++;
		printf("self-check: FAIL %s: %s\n", name, c->why);
	}
	fflush(stdout);
	c->why[0] = '\0';
}

/* Append to c->why (which may be empty). */
void __rte_format_printf(2, 3)
dp_check_why(struct dp_check *c, const char *fmt, ...)
{
	size_t n = strlen(c->why);
	va_list ap;

	if (n + 1 >= sizeof(c->why))
		return;
	va_start(ap, fmt);
	vsnprintf(c->why + n, sizeof(c->why) - n, fmt, ap);
	va_end(ap);
}

int
dp_check_enqueue(struct dp_check *c, struct rte_mbuf *m)
{
	if (rte_ring_enqueue(c->cp->rx[c->rx_queue], m) < 0) {
		rte_pktmbuf_free(m);
		snprintf(c->why, sizeof(c->why), "RX ring full");
		return -1;
	}
	return 0;
}

/*
 * Send a UDP datagram from a peer to us.  nb_segs > 1 spreads the
 * payload over a chain with odd segment lengths; corrupt spoils the UDP
 * checksum.  @return 0, or -1 with c->why set.
 */
int
dp_check_send_from(struct dp_check *c, const struct dp_check_peer *from,
		   const char *payload, uint32_t len, uint16_t dst_port,
		   unsigned int nb_segs, int corrupt)
{
	const struct dp_port *p = &dp_ports[c->cp->port];
	struct dp_net_udp_tx t = {
		.src_ip = from->ip,
		.dst_ip = c->our_ip,
		.src_port = from->port,
		.dst_port = dst_port,
		.ip_id = 1,
	};
	struct rte_mbuf *head = NULL, *seg;
	uint32_t done = 0, i;
	struct rte_udp_hdr *udp;

	/* Odd pieces (101, 77, 77, ...), the last segment the rest. */
	for (i = 0; done < len || head == NULL; i++) {
		uint32_t n = len - done;

		if (i + 1 < nb_segs)
			n = RTE_MIN(n, i == 0 ? 101u : 77u);
		seg = rte_pktmbuf_alloc(c->pool);
		if (seg == NULL || rte_pktmbuf_tailroom(seg) < n) {
			rte_pktmbuf_free(seg);
			rte_pktmbuf_free(head);
			snprintf(c->why, sizeof(c->why), "no mbuf");
			return -1;
		}
		memcpy(rte_pktmbuf_append(seg, (uint16_t)n), payload + done,
		       n);
		done += n;
		if (head == NULL)
			head = seg;
		else
			rte_pktmbuf_chain(head, seg);
	}
	rte_ether_addr_copy(&from->mac, &t.src_mac);
	rte_ether_addr_copy(&p->mac, &t.dst_mac);
	if (dp_net_udp_encap(head, &t, 0) < 0) {
		rte_pktmbuf_free(head);
		snprintf(c->why, sizeof(c->why), "cannot build the frame");
		return -1;
	}
	if (corrupt) {
		udp = rte_pktmbuf_mtod_offset(head, struct rte_udp_hdr *,
			sizeof(struct rte_ether_hdr) +
			sizeof(struct rte_ipv4_hdr));
		udp->dgram_cksum ^= rte_cpu_to_be_16(0x0101);
		if (udp->dgram_cksum == 0)
			udp->dgram_cksum = rte_cpu_to_be_16(0x1234);
	}
	return dp_check_enqueue(c, head);
}

/* The same from the caller every check plays. */
int
dp_check_send_udp(struct dp_check *c, const char *payload, uint32_t len,
		  uint16_t dst_port, unsigned int nb_segs, int corrupt)
{
	return dp_check_send_from(c, &c->peer, payload, len, dst_port,
				  nb_segs, corrupt);
}

/* -------------------------------------------------------------------- */
/* Stateless answers                                                     */

/* The next header line (without its line ending) of a raw message; name
 * receives the field name.  @return 1, or 0 at the end of the headers. */
static int
dp_check_next_line(const char **pos, const char *end, const char **line,
		   size_t *len, char *name, size_t name_cap)
{
	const char *p = *pos, *e, *colon;
	size_t n;

	e = memchr(p, '\n', (size_t)(end - p));
	if (e == NULL)
		return 0;
	*pos = e + 1;
	if (e > p && e[-1] == '\r')
		e--;
	if (e == p)
		return 0;
	*line = p;
	*len = (size_t)(e - p);
	colon = memchr(p, ':', *len);
	n = colon != NULL ? (size_t)(colon - p) : 0;
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	n = RTE_MIN(n, name_cap - 1);
	memcpy(name, p, n);
	name[n] = '\0';
	return 1;
}

/* Does a reply header line, as re-parsed, equal bytes of the request? */
static int
dp_check_line_eq(const struct sip_msg *msg, const struct sip_hdr *h,
		 const char *line, size_t len, const char *suffix_prefix)
{
	const char *s = msg->buf + h->line.off;
	size_t n = h->line.len;

	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (suffix_prefix == NULL)
		return n == len && memcmp(s, line, len) == 0;
	/* The request's line, then ";tag=" and a non-empty tag. */
	return n > len + strlen(suffix_prefix) && memcmp(s, line, len) == 0 &&
	       memcmp(s + len, suffix_prefix, strlen(suffix_prefix)) == 0;
}

/*
 * Compare an answer's Via (every one, in order), From, To, Call-ID and
 * CSeq lines with the request's raw lines: equal bytes, except the To tag
 * we add when the request's To has none and add_tag is set (a 100 Trying
 * adds none, RFC 3261 8.2.6.2).  @return 0 or -1 (c->why).
 */
int
dp_check_copied(struct dp_check *c, const struct sip_msg *msg,
		const char *req, size_t req_len, int add_tag)
{
	const char *pos = memchr(req, '\n', req_len), *end = req + req_len;
	const char *line;
	unsigned int via = 0, i, k;
	char name[32];
	size_t len;

	if (pos == NULL)
		return -1;
	pos++;
	while (dp_check_next_line(&pos, end, &line, &len, name,
				  sizeof(name))) {
		enum sip_hdr_type type = SIP_H_OTHER;
		const struct sip_hdr *h = NULL;
		const char *tag = NULL;

		if (!strcasecmp(name, "Via") || !strcasecmp(name, "v"))
			type = SIP_H_VIA;
		else if (!strcasecmp(name, "From") || !strcasecmp(name, "f"))
			type = SIP_H_FROM;
		else if (!strcasecmp(name, "To") || !strcasecmp(name, "t"))
			type = SIP_H_TO;
		else if (!strcasecmp(name, "Call-ID") || !strcasecmp(name, "i"))
			type = SIP_H_CALL_ID;
		else if (!strcasecmp(name, "CSeq"))
			type = SIP_H_CSEQ;
		else
			continue;
		/* The answer's via-th Via line, or its line of the type. */
		for (i = 0, k = 0; i < msg->nb_hdrs && h == NULL; i++)
			if (msg->hdr[i].type == type &&
			    (type != SIP_H_VIA || k++ == via))
				h = &msg->hdr[i];
		if (add_tag && type == SIP_H_TO &&
		    memmem(line, len, ";tag=", 5) == NULL)
			tag = ";tag=";
		if (h == NULL || !dp_check_line_eq(msg, h, line, len, tag)) {
			snprintf(c->why, sizeof(c->why),
				 "%s line differs from the request's", name);
			return -1;
		}
		if (type == SIP_H_VIA)
			via++;
	}
	for (i = 0, k = 0; i < msg->nb_hdrs; i++)
		k += msg->hdr[i].type == SIP_H_VIA;
	if (k != via) {
		snprintf(c->why, sizeof(c->why), "%u Via lines, expected %u",
			 k, via);
		return -1;
	}
	return 0;
}

/* Check an answer's Ethernet/IPv4/UDP headers and parse its payload into
 * c->msg.  @return 0 or -1 (c->why). */
static int
dp_check_udp_answer(struct dp_check *c, struct rte_mbuf *m,
		    uint16_t dst_port)
{
	const struct dp_port *p = &dp_ports[c->cp->port];
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	uint32_t len;
	const char *payload;
	enum sip_err err;

	if (m->data_len < DP_NET_HDR_LEN) {
		snprintf(c->why, sizeof(c->why), "runt frame");
		return -1;
	}
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	udp = (const struct rte_udp_hdr *)(ip + 1);
	if (!rte_is_same_ether_addr(&eth->dst_addr, &c->peer.mac) ||
	    !rte_is_same_ether_addr(&eth->src_addr, &p->mac) ||
	    eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		snprintf(c->why, sizeof(c->why), "wrong Ethernet header");
		return -1;
	}
	if (!dp_net_ipv4_cksum_ok(ip) || ip->src_addr != c->our_ip ||
	    ip->dst_addr != c->peer.ip || ip->next_proto_id != IPPROTO_UDP) {
		snprintf(c->why, sizeof(c->why),
			 "wrong IPv4 header or header checksum");
		return -1;
	}
	if (udp->dgram_cksum == 0 || dp_net_udp_cksum_chain(m,
		    sizeof(struct rte_ether_hdr)) != 0) {
		snprintf(c->why, sizeof(c->why), "bad UDP checksum");
		return -1;
	}
	if (rte_be_to_cpu_16(udp->src_port) != c->sip_port ||
	    rte_be_to_cpu_16(udp->dst_port) != dst_port) {
		snprintf(c->why, sizeof(c->why), "sent %u -> %u, expected "
			 "%u -> %u", rte_be_to_cpu_16(udp->src_port),
			 rte_be_to_cpu_16(udp->dst_port), c->sip_port,
			 dst_port);
		return -1;
	}
	len = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp);
	payload = rte_pktmbuf_read(m, DP_NET_HDR_LEN, len, c->buf);
	err = payload != NULL ? sip_parse(payload, len, &c->msg) :
				SIP_E_EMPTY;
	if (err != SIP_E_OK || c->msg.is_request) {
		snprintf(c->why, sizeof(c->why), "answer does not parse: %s",
			 sip_err_name(err));
		return -1;
	}
	return 0;
}

/* Send a request, expect a response with this status to this port. */
static void
dp_check_request(struct dp_check *c, const char *name, const char *req,
		 size_t len, unsigned int nb_segs, uint16_t status,
		 uint16_t dst_port, const char *extra_line)
{
	struct rte_mbuf *m;
	int ok = 0;

	dp_check_drain(c);
	if (dp_check_send_udp(c, req, (uint32_t)len, c->sip_port, nb_segs,
			      0) < 0)
		goto report;
	m = dp_check_collect(c);
	if (m == NULL) {
		snprintf(c->why, sizeof(c->why), "no answer");
		goto report;
	}
	if (dp_check_udp_answer(c, m, dst_port) < 0)
		goto free_answer;
	if (c->msg.status != status) {
		snprintf(c->why, sizeof(c->why), "status %u, expected %u",
			 c->msg.status, status);
		goto free_answer;
	}
	if (dp_check_copied(c, &c->msg, req, len, 1) < 0)
		goto free_answer;
	if (extra_line != NULL &&
	    memmem(c->msg.buf, c->msg.len, extra_line,
		   strlen(extra_line)) == NULL) {
		snprintf(c->why, sizeof(c->why), "no \"%.*s\" line",
			 (int)strcspn(extra_line, "\r"), extra_line);
		goto free_answer;
	}
	ok = 1;
free_answer:
	rte_pktmbuf_free(m);
report:
	dp_check_report(c, name, ok);
}

/* Send a datagram that must be dropped and counted under id. */
static void
dp_check_drop(struct dp_check *c, const char *name, const char *payload,
	      size_t len, uint16_t dst_port, int corrupt, enum shm_cnt id)
{
	uint64_t before;
	int ok = 0;

	dp_check_drain(c);
	before = shm_cnt_read(c->lc->cnt, id);
	if (dp_check_send_udp(c, payload, (uint32_t)len, dst_port, 1,
			      corrupt) == 0)
		ok = dp_check_dropped(c, id, before) == 0;
	dp_check_report(c, name, ok);
}

static void
dp_check_arp(struct dp_check *c)
{
	const struct dp_port *p = &dp_ports[c->cp->port];
	const struct rte_ether_hdr *eth;
	const struct rte_arp_hdr *arp;
	struct rte_mbuf *m;
	uint64_t before;
	int ok = 0;

	dp_check_drain(c);
	m = rte_pktmbuf_alloc(c->pool);
	if (m == NULL || dp_net_arp_request(m, &c->peer.mac, c->peer.ip,
					    c->our_ip) < 0 ||
	    dp_check_enqueue(c, m) < 0) {
		snprintf(c->why, sizeof(c->why), "cannot send");
		goto report;
	}
	m = dp_check_collect(c);
	if (m == NULL) {
		snprintf(c->why, sizeof(c->why), "no answer");
		goto report;
	}
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	arp = (const struct rte_arp_hdr *)(eth + 1);
	ok = m->data_len >= sizeof(*eth) + sizeof(*arp) &&
	     eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) &&
	     rte_is_same_ether_addr(&eth->dst_addr, &c->peer.mac) &&
	     rte_is_same_ether_addr(&eth->src_addr, &p->mac) &&
	     arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY) &&
	     rte_is_same_ether_addr(&arp->arp_data.arp_sha, &p->mac) &&
	     arp->arp_data.arp_sip == c->our_ip &&
	     rte_is_same_ether_addr(&arp->arp_data.arp_tha, &c->peer.mac) &&
	     arp->arp_data.arp_tip == c->peer.ip;
	if (!ok)
		snprintf(c->why, sizeof(c->why), "wrong ARP reply");
	rte_pktmbuf_free(m);
report:
	dp_check_report(c, "arp request for us: reply", ok);

	/* An ARP request for another address: counted, not answered. */
	dp_check_drain(c);
	ok = 0;
	before = shm_cnt_read(c->lc->cnt, SHM_CNT_NET_ARP_OTHER);
	m = rte_pktmbuf_alloc(c->pool);
	if (m != NULL && dp_net_arp_request(m, &c->peer.mac, c->peer.ip,
			c->peer.ip ^ rte_cpu_to_be_32(0x10)) == 0 &&
	    dp_check_enqueue(c, m) == 0)
		ok = dp_check_dropped(c, SHM_CNT_NET_ARP_OTHER, before) == 0;
	else
		rte_pktmbuf_free(m);
	dp_check_report(c, "arp request for another ip: silence", ok);
}

/* RFC 4475 3.1.2.17, or the built-in copy of its bytes. */
static size_t
dp_check_badvers(char *buf, size_t cap)
{
	static const char builtin[] =
		"OPTIONS sip:t.watson@example.org SIP/7.0\r\n"
		"Via:     SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw\r\n"
		"Max-Forwards:     70\r\n"
		"From:    A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe\r\n"
		"To:      T. Watson <sip:t.watson@example.org>\r\n"
		"Call-ID: badvers.31417@c.example.com\r\n"
		"CSeq:    1 OPTIONS\r\n"
		"l: 0\r\n"
		"\r\n";
	const char *dir = getenv("SIPFORK_TESTDATA");
	size_t n = 0;

	if (dir != NULL) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/rfc4475/badvers.dat", dir);
		f = fopen(path, "rb");
		if (f != NULL) {
			n = fread(buf, 1, cap, f);
			fclose(f);
			if (n > 0 && n < cap) {
				printf("self-check: using %s\n", path);
				return n;
			}
		}
		printf("self-check: cannot read %s, using the built-in copy\n",
		       path);
	}
	n = RTE_MIN(sizeof(builtin) - 1, cap);
	memcpy(buf, builtin, n);
	return n;
}

/* -------------------------------------------------------------------- */

int
dp_selfcheck_run(const struct dp_selfcheck_port *cp, struct dp_lcore *lc,
		 int interleaved, const struct cfg *cfg)
{
	static const struct rte_ether_addr peer = {
		{ 0x02, 0x00, 0x5e, 0x10, 0x00, 0x07 } };
	static const char garbage[] =
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not SIP at all";
	const uint8_t *ipb = (const uint8_t *)&cfg->dp.ip;
	struct dp_check *c;
	char *req;
	int n, ret;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->cp = cp;
	c->lc = lc;
	c->cfg = cfg;
	c->interleaved = interleaved;
	c->pool = lc->pool;
	c->peer.mac = peer;
	c->peer.ip = rte_cpu_to_be_32(DP_CHECK_PEER_IP);
	c->peer.port = DP_CHECK_PEER_PORT;
	c->our_ip = cfg->dp.ip;
	c->sip_port = cfg->dp.port;
	snprintf(c->ip_str, sizeof(c->ip_str), "%u.%u.%u.%u", ipb[0], ipb[1],
		 ipb[2], ipb[3]);
	snprintf(c->hostport, sizeof(c->hostport), "%s:%u", c->ip_str,
		 c->sip_port);
	req = c->req;
	printf("self-check: %s:%u via port %d (%s), %s\n", c->ip_str,
	       c->sip_port, cp->port, dp_ports[cp->port].name,
	       interleaved ? "worker loop on the main lcore" :
			     "worker loop on its own lcore");

	/* 1. OPTIONS for us: 200, to the source port because of rport. */
	n = snprintf(req, sizeof(c->req),
		"OPTIONS sip:%s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bK-sc-opt;"
		"rport\r\n"
		"Via: SIP/2.0/UDP 203.0.113.9;branch=z9hG4bK-sc-up;"
		"received=198.51.100.99, SIP/2.0/TCP [2001:db8::1]:5061"
		";branch=z9hG4bK-sc-up2\r\n"
		"Max-Forwards: 70\r\n"
		"From: \"Self Check\" <sip:check@198.51.100.7>;tag=sc1\r\n"
		"To: <sip:%s>\r\n"
		"Call-ID: selfcheck-options@198.51.100.7\r\n"
		"CSeq: 1 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n", c->ip_str, c->ip_str);
	dp_check_request(c, "options for us: 200, Via kept, To-tag, rport",
			 req, (size_t)n, 1, 200, DP_CHECK_PEER_PORT, NULL);

	/* 2. The same in a chain of odd-length segments. */
	dp_check_request(c, "options in a 3-segment chain: 200", req,
			 (size_t)n, 3, 200, DP_CHECK_PEER_PORT, NULL);

	/* 3. An unsupported SIP version: 505, to the Via's default port. */
	n = (int)dp_check_badvers(req, sizeof(c->req));
	dp_check_request(c, "rfc4475 badvers: 505", req, (size_t)n, 1, 505,
			 5060, NULL);

	/* 4. INVITE to a user no route names: 404, stateless. */
	n = snprintf(req, sizeof(c->req),
		"INVITE sip:+15551234567@%s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bK-sc-inv\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:alice@198.51.100.7>;tag=sc2\r\n"
		"To: <sip:+15551234567@%s>\r\n"
		"Call-ID: selfcheck-invite@198.51.100.7\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sip:alice@198.51.100.7:5070>\r\n"
		"Content-Length: 0\r\n\r\n", c->ip_str, c->ip_str);
	dp_check_request(c, "invite to a user with no route: 404", req,
			 (size_t)n, 1, 404, 5070, NULL);

	/* 5. Its ACK: absorbed, never answered. */
	n = snprintf(req, sizeof(c->req),
		"ACK sip:+15551234567@%s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bK-sc-inv\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:alice@198.51.100.7>;tag=sc2\r\n"
		"To: <sip:+15551234567@%s>;tag=x\r\n"
		"Call-ID: selfcheck-invite@198.51.100.7\r\n"
		"CSeq: 1 ACK\r\n"
		"Content-Length: 0\r\n\r\n", c->ip_str, c->ip_str);
	dp_check_drop(c, "ack: silence", req, (size_t)n, c->sip_port, 0,
		      SHM_CNT_SL_RECEIVED_ACKS);

	/* 6. A response that belongs to no branch of ours: dropped. */
	n = snprintf(req, sizeof(c->req),
		"SIP/2.0 180 Ringing\r\n"
		"Via: SIP/2.0/UDP %s;branch=z9hG4bK-sc-resp\r\n"
		"From: <sip:alice@198.51.100.7>;tag=sc3\r\n"
		"To: <sip:bob@%s>;tag=y\r\n"
		"Call-ID: selfcheck-resp@198.51.100.7\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n\r\n", c->ip_str, c->ip_str);
	dp_check_drop(c, "response: counted drop", req, (size_t)n,
		      c->sip_port, 0, SHM_CNT_DROP_REPLIES);

	/* 7. ARP. */
	dp_check_arp(c);

	/* 8. Not SIP, keep-alive, bad checksum, another port: counted. */
	dp_check_drop(c, "garbage udp: counted drop", garbage,
		      sizeof(garbage) - 1, c->sip_port, 0, SHM_CNT_BAD_MSG_HDR);
	dp_check_drop(c, "crlf keep-alive: ignored", "\r\n\r\n", 4,
		      c->sip_port, 0, SHM_CNT_NET_KEEPALIVES);
	n = snprintf(req, sizeof(c->req),
		"OPTIONS sip:%s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bK-sc-ck\r\n"
		"From: <sip:check@198.51.100.7>;tag=sc4\r\n"
		"To: <sip:%s>\r\n"
		"Call-ID: selfcheck-cksum@198.51.100.7\r\n"
		"CSeq: 1 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n", c->ip_str, c->ip_str);
	dp_check_drop(c, "wrong udp checksum: counted drop", req, (size_t)n,
		      c->sip_port, 1, SHM_CNT_NET_BAD_UDP_CKSUM);
	dp_check_drop(c, "udp to another port: counted drop", req, (size_t)n,
		      (uint16_t)(c->sip_port + 1), 0,
		      SHM_CNT_NET_NOT_SIP_PORT);

	/* 9. A call forked through [route demo], callees played here. */
	dp_check_fork(c);

	dp_check_drain(c);
	printf("self-check: %u passed, %u failed\n", c->passed, c->failed);
	fflush(stdout);
	ret = c->failed == 0 && c->passed > 0 ? 0 : -1;
	free(c);
	return ret;
}
