/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUnit suite for dp_net: the chain checksums against a plain reference
 * over many random payloads and splits, frame decoding (every drop
 * reason), ARP, UDP encapsulation and the peer MAC table.
 *
 * Runs its own EAL without hugepages or PCI (mbufs need a mempool).
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "dp_net.h"
#include "dp_net_inline.h"
#include "ref_cksum.h"

/* Random cases per checksum test. */
#define NB_RANDOM 4000
/* Largest random payload, bytes (several segments of a 2 KB mbuf). */
#define MAX_PAYLOAD 5000

static struct rte_mempool *pool;

/* Not RTE_IPV4(): its int shift overflows for a first octet >= 128. */
#define IPV4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			  (uint32_t)(c) << 8 | (uint32_t)(d))

static const uint32_t our_ip = RTE_BE32(IPV4(198, 18, 0, 1));
static const uint32_t peer_ip = RTE_BE32(IPV4(198, 51, 100, 7));
static const struct rte_ether_addr our_mac = {
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };
static const struct rte_ether_addr peer_mac = {
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 } };

/* ---- reference implementation ---------------------------------------- */

/* The UDP checksum (host order) of a linear IPv4/UDP packet. */
static uint16_t
ref_udp_cksum(const uint8_t *ip, size_t udp_len)
{
	uint8_t pseudo[12];
	uint32_t sum;

	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP;
	pseudo[10] = (uint8_t)(udp_len >> 8);
	pseudo[11] = (uint8_t)udp_len;
	sum = ref_sum(pseudo, sizeof(pseudo), 0);
	sum = ref_sum(ip + 20, udp_len, sum);
	return (uint16_t)~ref_fold(sum);
}

/* ---- helpers ----------------------------------------------------------- */

static void
fill_random(uint8_t *p, size_t len)
{
	size_t i;

	/* Mostly high bytes, so per-segment sums overflow 16 bits: that is
	 * where swapping before reducing goes wrong. */
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(rand() % 4 ? 0xf0 | (rand() & 0x0f) : rand());
}

/* Copy data into a chain whose segments have the given lengths. */
static struct rte_mbuf *
make_chain(const uint8_t *data, size_t len, const uint16_t *seg_len,
	   unsigned int nb_segs, uint16_t headroom)
{
	struct rte_mbuf *head = NULL;
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < nb_segs; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint16_t n = i + 1 == nb_segs ? (uint16_t)(len - done) :
						seg_len[i];

		CU_ASSERT_FATAL(m != NULL);
		m->data_off = i == 0 ? headroom : 0;
		CU_ASSERT_FATAL(rte_pktmbuf_tailroom(m) >= n);
		memcpy(rte_pktmbuf_append(m, n), data + done, n);
		done += n;
		if (head == NULL)
			head = m;
		else
			CU_ASSERT_FATAL(rte_pktmbuf_chain(head, m) == 0);
	}
	CU_ASSERT_FATAL(done == len);
	CU_ASSERT_FATAL(head->pkt_len == len);
	return head;
}

/* Random segment lengths summing to len, some odd, some empty. */
static unsigned int
random_split(size_t len, uint16_t *seg_len, unsigned int max_segs)
{
	unsigned int nb = 1 + (unsigned int)rand() % max_segs, i;
	size_t left = len;

	for (i = 0; i + 1 < nb; i++) {
		size_t n = left == 0 ? 0 : (size_t)rand() % (left + 1);

		if (n > 2000)
			n = 2000;
		seg_len[i] = (uint16_t)n;
		left -= n;
	}
	/* The last one takes the rest; keep it within one mbuf. */
	while (left > 2000 && nb < max_segs + 8) {
		seg_len[nb - 1] = 2000;
		left -= 2000;
		nb++;
	}
	return nb;
}

/* A linear Ethernet/IPv4/UDP frame with a correct UDP checksum. */
static size_t
make_frame(uint8_t *f, const uint8_t *payload, size_t len, uint16_t dport)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	memset(f, 0, DP_NET_HDR_LEN);
	rte_ether_addr_copy(&our_mac, &eth->dst_addr);
	rte_ether_addr_copy(&peer_mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(28 + len));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = peer_ip;
	ip->dst_addr = our_ip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(5080);
	udp->dst_port = rte_cpu_to_be_16(dport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + len));
	memcpy(udp + 1, payload, len);
	udp->dgram_cksum = rte_cpu_to_be_16(ref_udp_cksum((uint8_t *)ip,
							  8 + len));
	if (udp->dgram_cksum == 0)
		udp->dgram_cksum = 0xffff;
	return DP_NET_HDR_LEN + len;
}

static struct rte_mbuf *
frame_mbuf(const uint8_t *f, size_t len)
{
	uint16_t one = (uint16_t)len;

	return make_chain(f, len, &one, 1, RTE_PKTMBUF_HEADROOM);
}

/* ---- checksum tests -------------------------------------------------- */

static void
test_raw_cksum_chain_random(void)
{
	static uint8_t data[MAX_PAYLOAD];
	unsigned int iter, bad = 0;

	for (iter = 0; iter < NB_RANDOM; iter++) {
		uint16_t seg_len[32];
		size_t len = (size_t)rand() % MAX_PAYLOAD;
		unsigned int nb = random_split(len, seg_len, 6);
		uint32_t off = len ? (uint32_t)rand() % (len + 1) : 0;
		struct rte_mbuf *m;
		uint16_t want, got;

		fill_random(data, len);
		m = make_chain(data, len, seg_len, nb, RTE_PKTMBUF_HEADROOM);
		/* The reference sums big-endian words; rte_raw_cksum and
		 * ours sum memory order, so compare in network order. */
		want = ref_fold(ref_sum(data + off, len - off, 0));
		got = rte_be_to_cpu_16(dp_net_raw_cksum_chain(m, off,
			(uint32_t)(len - off)));
		if (want != got && bad++ < 5)
			fprintf(stderr, "len %zu off %u segs %u: %04x != "
				"%04x\n", len, off, nb, want, got);
		rte_pktmbuf_free(m);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* Single-byte segments: every segment after the first starts odd or even
 * in turn. */
static void
test_raw_cksum_chain_bytes(void)
{
	uint8_t data[64];
	uint16_t seg_len[64];
	unsigned int len;

	for (len = 1; len <= sizeof(data); len++) {
		struct rte_mbuf *m;
		unsigned int i;

		fill_random(data, len);
		for (i = 0; i < len; i++)
			seg_len[i] = 1;
		m = make_chain(data, len, seg_len, len, 0);
		CU_ASSERT_EQUAL(rte_be_to_cpu_16(dp_net_raw_cksum_chain(m, 0,
			len)), ref_fold(ref_sum(data, len, 0)));
		rte_pktmbuf_free(m);
	}
}

/* Frames split anywhere after the UDP header: the checksum written by
 * dp_net_udp_encap() and the verdict of dp_net_udp_cksum_chain() against
 * the reference, odd and even first segments alike. */
static void
test_udp_cksum_chain_random(void)
{
	static uint8_t payload[MAX_PAYLOAD], frame[MAX_PAYLOAD + 64];
	unsigned int iter, bad_write = 0, bad_verify = 0, odd_first = 0;

	for (iter = 0; iter < NB_RANDOM; iter++) {
		uint16_t seg_len[32];
		size_t len = (size_t)rand() % 3000;
		unsigned int nb = random_split(len, seg_len, 5);
		struct dp_net_udp_tx t = {
			.src_ip = our_ip, .dst_ip = peer_ip,
			.src_port = 5060, .dst_port = (uint16_t)rand(),
			.ip_id = (uint16_t)iter,
		};
		const struct rte_ipv4_hdr *ip;
		const struct rte_udp_hdr *udp;
		struct rte_mbuf *m;
		uint16_t want;

		fill_random(payload, len);
		m = make_chain(payload, len, seg_len, nb,
			       RTE_PKTMBUF_HEADROOM);
		t.src_mac = our_mac;
		t.dst_mac = peer_mac;
		CU_ASSERT_FATAL(dp_net_udp_encap(m, &t, 0) == 0);
		odd_first += m->data_len & 1;
		ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
					     sizeof(struct rte_ether_hdr));
		udp = (const struct rte_udp_hdr *)(ip + 1);
		CU_ASSERT(dp_net_ipv4_cksum_ok(ip));
		/* Linearise and compute the reference over the same bytes
		 * with the checksum field zero. */
		memcpy(frame, rte_pktmbuf_read(m, 0, m->pkt_len, frame),
		       m->pkt_len);
		frame[DP_NET_HDR_LEN - 2] = 0;
		frame[DP_NET_HDR_LEN - 1] = 0;
		want = ref_udp_cksum(frame + sizeof(struct rte_ether_hdr),
				     8 + len);
		if (want == 0)
			want = 0xffff;
		if (rte_be_to_cpu_16(udp->dgram_cksum) != want &&
		    bad_write++ < 5)
			fprintf(stderr, "len %zu segs %u first %u: wrote %04x, "
				"want %04x\n", len, nb, m->data_len,
				rte_be_to_cpu_16(udp->dgram_cksum), want);
		if (dp_net_udp_cksum_chain(m, sizeof(struct rte_ether_hdr)) !=
		    0)
			bad_verify++;
		rte_pktmbuf_free(m);
	}
	CU_ASSERT_EQUAL(bad_write, 0);
	CU_ASSERT_EQUAL(bad_verify, 0);
	/* Both parities were exercised. */
	CU_ASSERT(odd_first > NB_RANDOM / 4);
	CU_ASSERT(odd_first < NB_RANDOM * 3 / 4);
}

/* A corrupted byte anywhere in the UDP part is caught. */
/* dp_net_udp_encap_sum(): the tail's sum computed once, apart from the
 * frame, at every parity of where the tail starts. */
static void
test_encap_tail_sum(void)
{
	static uint8_t payload[MAX_PAYLOAD], frame[MAX_PAYLOAD + 64];
	unsigned int iter, bad = 0;

	for (iter = 0; iter < NB_RANDOM / 4; iter++) {
		uint16_t seg_len[32];
		size_t len = 1 + (size_t)rand() % 3000;
		size_t tail = (size_t)rand() % (len + 1);
		unsigned int nb = random_split(len, seg_len, 4);
		struct dp_net_udp_tx t = {
			.src_ip = our_ip, .dst_ip = peer_ip,
			.src_port = 5060, .dst_port = 5070,
		};
		const struct rte_udp_hdr *udp;
		struct rte_mbuf *m;
		uint16_t tail_sum, want;

		fill_random(payload, len);
		m = make_chain(payload, len, seg_len, nb,
			       RTE_PKTMBUF_HEADROOM);
		/* The tail's sum as if it began at an even offset: the
		 * chain sum pairs bytes from the start of its range. */
		tail_sum = dp_net_raw_cksum_chain(m, (uint32_t)(len - tail),
						  (uint32_t)tail);
		t.src_mac = our_mac;
		t.dst_mac = peer_mac;
		CU_ASSERT_FATAL(dp_net_udp_encap_sum(m, &t, 0,
			(uint32_t)tail, tail_sum) == 0);
		memcpy(frame, rte_pktmbuf_read(m, 0, m->pkt_len, frame),
		       m->pkt_len);
		frame[DP_NET_HDR_LEN - 2] = 0;
		frame[DP_NET_HDR_LEN - 1] = 0;
		want = ref_udp_cksum(frame + sizeof(struct rte_ether_hdr),
				     8 + len);
		if (want == 0)
			want = 0xffff;
		udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *,
					      DP_NET_HDR_LEN - 8);
		if (rte_be_to_cpu_16(udp->dgram_cksum) != want && bad++ < 5)
			fprintf(stderr, "len %zu tail %zu: wrote %04x, want "
				"%04x\n", len, tail,
				rte_be_to_cpu_16(udp->dgram_cksum), want);
		rte_pktmbuf_free(m);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void
test_udp_cksum_detects_corruption(void)
{
	static uint8_t payload[1500], frame[1600];
	unsigned int iter, missed = 0;

	for (iter = 0; iter < 500; iter++) {
		size_t len = 1 + (size_t)rand() % sizeof(payload);
		size_t flen = make_frame(frame, payload, len, 5060);
		size_t at = 34 + (size_t)rand() % (flen - 34);
		uint16_t seg_len[2] = { (uint16_t)(34 + 8 +
			(size_t)rand() % len), 0 };
		struct rte_mbuf *m;

		fill_random(payload, len);
		flen = make_frame(frame, payload, len, 5060);
		frame[at] ^= (uint8_t)(1 + rand() % 255);
		m = make_chain(frame, flen, seg_len, 2, RTE_PKTMBUF_HEADROOM);
		/* A flipped checksum byte can turn 0xffff into 0x0000, the
		 * "no checksum" value; and 0x0000 <-> 0xffff are equal in
		 * one's complement.  Neither is a miss. */
		if (dp_net_udp_cksum_chain(m, sizeof(struct rte_ether_hdr)) ==
		    0 && at != 40 && at != 41)
			missed++;
		rte_pktmbuf_free(m);
	}
	CU_ASSERT_EQUAL(missed, 0);
}

static void
test_encap_hw_cksum(void)
{
	struct dp_net_udp_tx t = {
		.src_ip = our_ip, .dst_ip = peer_ip,
		.src_port = 5060, .dst_port = 5070, .ip_id = 7,
	};
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;

	CU_ASSERT_FATAL(m != NULL);
	memcpy(rte_pktmbuf_append(m, 5), "hello", 5);
	t.src_mac = our_mac;
	t.dst_mac = peer_mac;
	CU_ASSERT_FATAL(dp_net_udp_encap(m, &t, 1) == 0);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	udp = (struct rte_udp_hdr *)(ip + 1);
	CU_ASSERT_EQUAL(m->ol_flags, RTE_MBUF_F_TX_IPV4 |
			RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM);
	CU_ASSERT_EQUAL(m->l2_len, 14);
	CU_ASSERT_EQUAL(m->l3_len, 20);
	CU_ASSERT_EQUAL(ip->hdr_checksum, 0);
	CU_ASSERT_EQUAL(udp->dgram_cksum, rte_ipv4_phdr_cksum(ip, 0));
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(ip->total_length), 33);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(udp->dgram_len), 13);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(ip->packet_id), 7);
	rte_pktmbuf_free(m);
}

static void
test_encap_limits(void)
{
	struct dp_net_udp_tx t = { .src_ip = our_ip, .dst_ip = peer_ip };
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	CU_ASSERT_FATAL(m != NULL);
	/* No headroom left for the headers. */
	m->data_off = 10;
	memcpy(rte_pktmbuf_append(m, 4), "abcd", 4);
	CU_ASSERT_EQUAL(dp_net_udp_encap(m, &t, 0), -ENOSPC);
	/* A payload no IPv4 datagram can carry. */
	m->pkt_len = DP_NET_MAX_PAYLOAD + 1;
	CU_ASSERT_EQUAL(dp_net_udp_encap(m, &t, 0), -EMSGSIZE);
	m->pkt_len = m->data_len;
	rte_pktmbuf_free(m);
}

/* ---- decode tests ------------------------------------------------------ */

static enum dp_net_kind
decode(struct rte_mbuf *m, struct dp_net_rx *rx, enum shm_cnt *drop)
{
	*drop = SHM_CNT__COUNT;
	return dp_net_decode(m, our_ip, 5060, rx, drop);
}

static void
test_decode_sip(void)
{
	static const char sip[] = "OPTIONS sip:x SIP/2.0\r\n\r\n";
	uint8_t f[256];
	size_t n = make_frame(f, (const uint8_t *)sip, sizeof(sip) - 1, 5060);
	struct rte_mbuf *m = frame_mbuf(f, n);
	struct dp_net_rx rx;
	enum shm_cnt drop;

	CU_ASSERT_EQUAL(decode(m, &rx, &drop), DP_NET_SIP);
	CU_ASSERT_EQUAL(rx.src_ip, peer_ip);
	CU_ASSERT_EQUAL(rx.dst_ip, our_ip);
	CU_ASSERT_EQUAL(rx.src_port, 5080);
	CU_ASSERT_EQUAL(rx.dst_port, 5060);
	CU_ASSERT_EQUAL(rx.payload_off, DP_NET_HDR_LEN);
	CU_ASSERT_EQUAL(rx.payload_len, sizeof(sip) - 1);
	CU_ASSERT(rte_is_same_ether_addr(&rx.src_mac, &peer_mac));
	rte_pktmbuf_free(m);

	/* Ethernet padding after a short datagram is ignored. */
	memset(f + n, 0xee, 20);
	m = frame_mbuf(f, n + 20);
	CU_ASSERT_EQUAL(decode(m, &rx, &drop), DP_NET_SIP);
	CU_ASSERT_EQUAL(rx.payload_len, sizeof(sip) - 1);
	rte_pktmbuf_free(m);

	/* No checksum (0) is allowed over IPv4. */
	f[40] = f[41] = 0;
	m = frame_mbuf(f, n);
	CU_ASSERT_EQUAL(decode(m, &rx, &drop), DP_NET_SIP);
	rte_pktmbuf_free(m);
}

/* A frame with one header byte changed: the IPv4 checksum is fixed up
 * unless fix_ip is 0, the UDP checksum is left alone. */
static void
expect_drop(const uint8_t *orig, size_t n, size_t at, uint8_t val,
	    int fix_ip, enum shm_cnt want)
{
	uint8_t f[256];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	struct rte_mbuf *m;
	struct dp_net_rx rx;
	enum shm_cnt drop;

	memcpy(f, orig, n);
	f[at] = val;
	if (fix_ip) {
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	m = frame_mbuf(f, n);
	CU_ASSERT_EQUAL(decode(m, &rx, &drop), DP_NET_DROP);
	CU_ASSERT_EQUAL(drop, want);
	if (drop != want)
		fprintf(stderr, "byte %zu = %u: %s, want %s\n", at, val,
			drop < SHM_CNT__COUNT ? shm_cnt_desc(drop)->name : "?",
			shm_cnt_desc(want)->name);
	rte_pktmbuf_free(m);
}

static void
test_decode_drops(void)
{
	static const char sip[] = "OPTIONS sip:x SIP/2.0\r\n\r\n";
	uint8_t f[256];
	size_t n = make_frame(f, (const uint8_t *)sip, sizeof(sip) - 1, 5060);

	expect_drop(f, n, 12, 0x86, 0, SHM_CNT_NET_NON_IP); /* IPv6 */
	expect_drop(f, n, 12, 0x81, 0, SHM_CNT_NET_NON_IP); /* VLAN */
	expect_drop(f, n, 14, 0x65, 1, SHM_CNT_NET_BAD_IP); /* version 6 */
	expect_drop(f, n, 14, 0x44, 1, SHM_CNT_NET_BAD_IP); /* IHL 4 */
	expect_drop(f, n, 16, 0xff, 1, SHM_CNT_NET_BAD_IP); /* too long */
	expect_drop(f, n, 22, 0x41, 0, SHM_CNT_NET_BAD_IP); /* TTL, no fix */
	expect_drop(f, n, 33, 0x02, 1, SHM_CNT_NET_NOT_OUR_IP);
	expect_drop(f, n, 20, 0x20, 1, SHM_CNT_NET_IP_FRAG); /* MF */
	expect_drop(f, n, 21, 0x10, 1, SHM_CNT_NET_IP_FRAG); /* offset */
	expect_drop(f, n, 23, IPPROTO_TCP, 1, SHM_CNT_NET_NON_UDP);
	expect_drop(f, n, 37, 0xc5, 0, SHM_CNT_NET_NOT_SIP_PORT);
	expect_drop(f, n, 39, 0x07, 0, SHM_CNT_NET_BAD_UDP); /* len < 8 */
	expect_drop(f, n, 39, 0xff, 0, SHM_CNT_NET_BAD_UDP); /* len > IP */
	expect_drop(f, n, 50, 'X', 0, SHM_CNT_NET_BAD_UDP_CKSUM);
	/* A runt that ends inside the IPv4 header. */
	{
		struct rte_mbuf *m = frame_mbuf(f, 20);
		struct dp_net_rx rx;
		enum shm_cnt drop;

		CU_ASSERT_EQUAL(decode(m, &rx, &drop), DP_NET_DROP);
		CU_ASSERT_EQUAL(drop, SHM_CNT_NET_BAD_IP);
		rte_pktmbuf_free(m);
	}
}

/* The payload may continue in further segments. */
static void
test_decode_chain(void)
{
	static uint8_t payload[1200], f[1300];
	size_t n;
	uint16_t seg_len[3] = { 101, 333, 0 };
	struct rte_mbuf *m;
	struct dp_net_rx rx;
	enum shm_cnt drop;

	fill_random(payload, sizeof(payload));
	n = make_frame(f, payload, sizeof(payload), 5060);
	m = make_chain(f, n, seg_len, 3, RTE_PKTMBUF_HEADROOM);
	CU_ASSERT_EQUAL(decode(m, &rx, &drop), DP_NET_SIP);
	CU_ASSERT_EQUAL(rx.payload_len, sizeof(payload));
	rte_pktmbuf_free(m);
	f[n - 1] ^= 1;
	m = make_chain(f, n, seg_len, 3, RTE_PKTMBUF_HEADROOM);
	CU_ASSERT_EQUAL(decode(m, &rx, &drop), DP_NET_DROP);
	CU_ASSERT_EQUAL(drop, SHM_CNT_NET_BAD_UDP_CKSUM);
	rte_pktmbuf_free(m);
}

/* Hardware verdicts are trusted: BAD drops, GOOD skips the software sum. */
static void
test_decode_hw_flags(void)
{
	static const char sip[] = "OPTIONS sip:x SIP/2.0\r\n\r\n";
	uint8_t f[256];
	size_t n = make_frame(f, (const uint8_t *)sip, sizeof(sip) - 1, 5060);
	struct rte_mbuf *m;
	struct dp_net_rx rx;
	enum shm_cnt drop;

	m = frame_mbuf(f, n);
	m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_BAD;
	CU_ASSERT_EQUAL(decode(m, &rx, &drop), DP_NET_DROP);
	CU_ASSERT_EQUAL(drop, SHM_CNT_NET_BAD_IP);
	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_BAD;
	CU_ASSERT_EQUAL(decode(m, &rx, &drop), DP_NET_DROP);
	CU_ASSERT_EQUAL(drop, SHM_CNT_NET_BAD_UDP_CKSUM);
	rte_pktmbuf_free(m);

	f[50] ^= 1; /* a wrong sum the "hardware" vouched for */
	m = frame_mbuf(f, n);
	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	CU_ASSERT_EQUAL(decode(m, &rx, &drop), DP_NET_SIP);
	rte_pktmbuf_free(m);
}

static void
test_arp(void)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	const struct rte_ether_hdr *eth;
	const struct rte_arp_hdr *arp;
	struct dp_net_rx rx;
	enum shm_cnt drop;

	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT_FATAL(dp_net_arp_request(m, &peer_mac, peer_ip, our_ip) ==
			0);
	CU_ASSERT_EQUAL(decode(m, &rx, &drop), DP_NET_ARP_REQ);
	CU_ASSERT_EQUAL(rx.src_ip, peer_ip);
	CU_ASSERT(rte_is_same_ether_addr(&rx.src_mac, &peer_mac));
	dp_net_arp_reply(m, &our_mac, our_ip);
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	arp = (const struct rte_arp_hdr *)(eth + 1);
	CU_ASSERT(rte_is_same_ether_addr(&eth->dst_addr, &peer_mac));
	CU_ASSERT(rte_is_same_ether_addr(&eth->src_addr, &our_mac));
	CU_ASSERT_EQUAL(arp->arp_opcode, rte_cpu_to_be_16(RTE_ARP_OP_REPLY));
	CU_ASSERT(rte_is_same_ether_addr(&arp->arp_data.arp_sha, &our_mac));
	CU_ASSERT_EQUAL(arp->arp_data.arp_sip, our_ip);
	CU_ASSERT(rte_is_same_ether_addr(&arp->arp_data.arp_tha, &peer_mac));
	CU_ASSERT_EQUAL(arp->arp_data.arp_tip, peer_ip);
	/* Our own reply is not a request for us. */
	CU_ASSERT_EQUAL(decode(m, &rx, &drop), DP_NET_DROP);
	CU_ASSERT_EQUAL(drop, SHM_CNT_NET_ARP_OTHER);
	rte_pktmbuf_free(m);

	/* A request for someone else. */
	m = rte_pktmbuf_alloc(pool);
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT_FATAL(dp_net_arp_request(m, &peer_mac, peer_ip,
					   peer_ip) == 0);
	CU_ASSERT_EQUAL(decode(m, &rx, &drop), DP_NET_DROP);
	CU_ASSERT_EQUAL(drop, SHM_CNT_NET_ARP_OTHER);
	rte_pktmbuf_free(m);
}

static void
test_arp_cache(void)
{
	static struct dp_arp_cache c;
	struct rte_ether_addr mac = peer_mac;
	uint32_t i, hits = 0;

	CU_ASSERT_PTR_NULL(dp_arp_lookup(&c, peer_ip));
	dp_arp_learn(&c, peer_ip, &mac);
	CU_ASSERT_FATAL(dp_arp_lookup(&c, peer_ip) != NULL);
	CU_ASSERT(rte_is_same_ether_addr(dp_arp_lookup(&c, peer_ip), &mac));
	mac.addr_bytes[5] = 9;
	dp_arp_learn(&c, peer_ip, &mac);
	CU_ASSERT(rte_is_same_ether_addr(dp_arp_lookup(&c, peer_ip), &mac));
	/* 0.0.0.0 is never learned. */
	dp_arp_learn(&c, 0, &mac);
	CU_ASSERT_PTR_NULL(dp_arp_lookup(&c, 0));
	/* A /24 of peers mostly fits: the hash spreads host bits. */
	memset(&c, 0, sizeof(c));
	for (i = 1; i < 255; i++)
		dp_arp_learn(&c, rte_cpu_to_be_32(IPV4(10, 0, 0, i)), &mac);
	for (i = 1; i < 255; i++)
		hits += dp_arp_lookup(&c,
			rte_cpu_to_be_32(IPV4(10, 0, 0, i))) != NULL;
	CU_ASSERT(hits > 140);
}

static const struct {
	const char *name;
	CU_TestFunc fn;
} cases[] = {
	{ "raw cksum chain vs reference", test_raw_cksum_chain_random },
	{ "raw cksum chain of 1-byte segments", test_raw_cksum_chain_bytes },
	{ "udp cksum chain vs reference", test_udp_cksum_chain_random },
	{ "encap with a shared tail's sum", test_encap_tail_sum },
	{ "udp cksum detects corruption", test_udp_cksum_detects_corruption },
	{ "encap with hw cksum offload", test_encap_hw_cksum },
	{ "encap limits", test_encap_limits },
	{ "decode sip datagram", test_decode_sip },
	{ "decode drop reasons", test_decode_drops },
	{ "decode chained payload", test_decode_chain },
	{ "decode trusts hw verdicts", test_decode_hw_flags },
	{ "arp request and reply", test_arp },
	{ "arp cache", test_arp_cache },
};

int
main(int argc, char **argv)
{
	char prefix[64], rundir[PATH_MAX];
	char *eal[] = { argv[0], "--no-huge", "-m", "64", "--no-pci",
			"--no-shconf", "--no-telemetry", "-l", "0",
			"--log-level=lib.eal:error",
			prefix, NULL };
	CU_pSuite suite;
	unsigned int i, failed;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "--file-prefix=tdpnet%d", getpid());
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "test_dp_net: EAL init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("tdpnet", 4095, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "test_dp_net: no mbuf pool\n");
		return 1;
	}
	srand(4475);

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	suite = CU_add_suite("dp_net", NULL, NULL);
	for (i = 0; suite != NULL && i < RTE_DIM(cases); i++)
		CU_add_test(suite, cases[i].name, cases[i].fn);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	rte_mempool_free(pool);
	/* --no-shconf leaves the runtime directory empty but there. */
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(rundir);
	return failed == 0 ? 0 : 1;
}
