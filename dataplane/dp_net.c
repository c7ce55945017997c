/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet/ARP/IPv4/UDP decode and encode for the dataplane.
 *
 * Stateless: every function works on one mbuf owned by the caller's
 * lcore, so nothing here is shared between lcores.
 */

#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "dp_net.h"

#define DP_NET_ARP_LEN \
	(sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr))

/*
 * The raw one's complement sum of len bytes, as __rte_raw_cksum() then
 * __rte_raw_cksum_reduce() give it, four times faster: 64-bit loads whose
 * two 32-bit halves go into a 64-bit accumulator.  Since 2^16 = 1 modulo
 * 2^16 - 1, adding 32-bit little-endian words and folding to 16 bits is
 * the same as adding the 16-bit words.  Loads go through memcpy: the
 * data is at any address.  Every byte we send or verify goes through
 * here, so it is worth the few lines.
 */
static uint16_t
dp_net_sum(const void *buf, uint32_t len)
{
	const uint8_t *p = buf;
	uint64_t s0 = 0, s1 = 0, w0, w1;
	uint32_t w32;
	uint16_t w16;

	for (; len >= 16; p += 16, len -= 16) {
		memcpy(&w0, p, 8);
		memcpy(&w1, p + 8, 8);
		s0 += (w0 & 0xffffffff) + (w0 >> 32);
		s1 += (w1 & 0xffffffff) + (w1 >> 32);
	}
	s0 += s1;
	if (len >= 8) {
		memcpy(&w0, p, 8);
		s0 += (w0 & 0xffffffff) + (w0 >> 32);
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		memcpy(&w32, p, 4);
		s0 += w32;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&w16, p, 2);
		s0 += w16;
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		w16 = 0;
		memcpy(&w16, p, 1); /* the byte's lane in memory order */
		s0 += w16;
	}
	s0 = (s0 & 0xffffffff) + (s0 >> 32);
	s0 = (s0 & 0xffffffff) + (s0 >> 32);
	return __rte_raw_cksum_reduce((uint32_t)s0);
}

uint16_t
dp_net_raw_cksum_chain(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	const struct rte_mbuf *seg = m;
	uint32_t done = 0;
	uint32_t sum = 0;

	/* Find the segment holding byte off. */
	while (seg != NULL && off >= seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
	}
	while (seg != NULL && done < len) {
		uint32_t n = seg->data_len - off;
		uint16_t part;

		if (n > len - done)
			n = len - done;
		/*
		 * Reduce the segment's sum to 16 bits before any swap: the
		 * unreduced 32-bit sum would lose its carries when swapped
		 * as 16 bits, which is the DPDK 22.11 bug.  A segment that
		 * begins at an odd offset of the summed range has its bytes
		 * in the other lanes of the 16-bit words, and swapping a
		 * one's complement sum is the same as summing swapped words.
		 */
		part = dp_net_sum(rte_pktmbuf_mtod_offset(seg, const char *,
							  off), n);
		if (done & 1)
			part = rte_bswap16(part);
		sum += part;
		done += n;
		off = 0;
		seg = seg->next;
	}
	return __rte_raw_cksum_reduce(sum);
}

uint16_t
dp_net_udp_cksum_chain(const struct rte_mbuf *m, uint32_t l3_off)
{
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	uint32_t l4_off, l4_len, sum;
	uint16_t proto = rte_cpu_to_be_16(IPPROTO_UDP);

	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l3_off);
	l4_off = l3_off + rte_ipv4_hdr_len(ip);
	udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, l4_off);
	l4_len = rte_be_to_cpu_16(udp->dgram_len);
	if (l4_off + l4_len > m->pkt_len)
		l4_len = m->pkt_len - l4_off;

	/* Pseudo-header: both addresses, zero + protocol, UDP length. */
	sum = __rte_raw_cksum(&ip->src_addr, 2 * sizeof(ip->src_addr), 0);
	sum += proto;
	sum += udp->dgram_len;
	sum += dp_net_raw_cksum_chain(m, l4_off, l4_len);
	return (uint16_t)~__rte_raw_cksum_reduce(sum);
}

int
dp_net_ipv4_cksum_ok(const struct rte_ipv4_hdr *ip)
{
	return rte_raw_cksum(ip, rte_ipv4_hdr_len(ip)) == 0xffff;
}

static enum dp_net_kind
dp_net_decode_arp(const struct rte_mbuf *m, uint32_t our_ip,
		  struct dp_net_rx *rx, enum shm_cnt *drop)
{
	const struct rte_arp_hdr *arp;

	*drop = SHM_CNT_NET_ARP_OTHER;
	if (m->data_len < DP_NET_ARP_LEN)
		return DP_NET_DROP;
	arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *,
				      sizeof(struct rte_ether_hdr));
	if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4 ||
	    arp->arp_data.arp_tip != our_ip)
		return DP_NET_DROP;
	rte_ether_addr_copy(&arp->arp_data.arp_sha, &rx->src_mac);
	rx->src_ip = arp->arp_data.arp_sip;
	rx->dst_ip = our_ip;
	if (arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST))
		return DP_NET_ARP_REQ;
	/* The answer to one of our requests: its sender is a next hop. */
	if (arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY))
		return DP_NET_ARP_REPLY;
	return DP_NET_DROP;
}

static enum dp_net_kind
dp_net_decode_udp(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
		  uint16_t sip_port, struct dp_net_rx *rx, enum shm_cnt *drop)
{
	const struct rte_udp_hdr *udp;
	uint32_t l4_off = rx->l2_len + rx->l3_len;
	uint32_t ip_payload, udp_len;
	uint64_t l4_flags = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	ip_payload = rte_be_to_cpu_16(ip->total_length) - rx->l3_len;
	if (ip_payload < sizeof(*udp) ||
	    m->data_len < l4_off + sizeof(*udp)) {
		*drop = SHM_CNT_NET_BAD_UDP;
		return DP_NET_DROP;
	}
	udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, l4_off);
	rx->src_port = rte_be_to_cpu_16(udp->src_port);
	rx->dst_port = rte_be_to_cpu_16(udp->dst_port);
	if (rx->dst_port != sip_port) {
		*drop = SHM_CNT_NET_NOT_SIP_PORT;
		return DP_NET_DROP;
	}
	udp_len = rte_be_to_cpu_16(udp->dgram_len);
	if (udp_len < sizeof(*udp) || udp_len > ip_payload) {
		*drop = SHM_CNT_NET_BAD_UDP;
		return DP_NET_DROP;
	}
	/*
	 * Checksum 0 means the sender computed none (allowed over IPv4).
	 * A PMD verdict of GOOD or BAD is trusted; UNKNOWN (and NONE, which
	 * some PMDs report for "not checked") is verified in software.
	 */
	if (udp->dgram_cksum != 0 && l4_flags != RTE_MBUF_F_RX_L4_CKSUM_GOOD &&
	    (l4_flags == RTE_MBUF_F_RX_L4_CKSUM_BAD ||
	     dp_net_udp_cksum_chain(m, rx->l2_len) != 0)) {
		*drop = SHM_CNT_NET_BAD_UDP_CKSUM;
		return DP_NET_DROP;
	}
	rx->payload_off = l4_off + sizeof(*udp);
	rx->payload_len = udp_len - sizeof(*udp);
	return DP_NET_SIP;
}

enum dp_net_kind
dp_net_decode(const struct rte_mbuf *m, uint32_t our_ip, uint16_t sip_port,
	      struct dp_net_rx *rx, enum shm_cnt *drop)
{
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	uint64_t ip_flags = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	uint32_t ip_len;

	if (m->data_len < sizeof(*eth)) {
		*drop = SHM_CNT_NET_NON_IP;
		return DP_NET_DROP;
	}
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	rte_ether_addr_copy(&eth->src_addr, &rx->src_mac);
	rx->l2_len = sizeof(*eth);
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
		return dp_net_decode_arp(m, our_ip, rx, drop);
	if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		*drop = SHM_CNT_NET_NON_IP;
		return DP_NET_DROP;
	}

	*drop = SHM_CNT_NET_BAD_IP;
	if (m->data_len < rx->l2_len + sizeof(*ip))
		return DP_NET_DROP;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
				     rx->l2_len);
	rx->l3_len = rte_ipv4_hdr_len(ip);
	ip_len = rte_be_to_cpu_16(ip->total_length);
	/* Frames may carry Ethernet padding after the datagram, never less. */
	if ((ip->version_ihl >> 4) != 4 || rx->l3_len < sizeof(*ip) ||
	    m->data_len < rx->l2_len + rx->l3_len || ip_len < rx->l3_len ||
	    m->pkt_len < rx->l2_len + ip_len)
		return DP_NET_DROP;
	if (ip_flags == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
	    (ip_flags != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
	     !dp_net_ipv4_cksum_ok(ip)))
		return DP_NET_DROP;
	rx->src_ip = ip->src_addr;
	rx->dst_ip = ip->dst_addr;
	if (ip->dst_addr != our_ip) {
		*drop = SHM_CNT_NET_NOT_OUR_IP;
		return DP_NET_DROP;
	}
	if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG |
						   RTE_IPV4_HDR_OFFSET_MASK)) {
		*drop = SHM_CNT_NET_IP_FRAG;
		return DP_NET_DROP;
	}
	if (ip->next_proto_id != IPPROTO_UDP) {
		*drop = SHM_CNT_NET_NON_UDP;
		return DP_NET_DROP;
	}
	return dp_net_decode_udp(m, ip, sip_port, rx, drop);
}

void
dp_net_arp_reply(struct rte_mbuf *m, const struct rte_ether_addr *our_mac,
		 uint32_t our_ip)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	struct rte_arp_ipv4 *a = &arp->arp_data;

	rte_ether_addr_copy(&a->arp_sha, &eth->dst_addr);
	rte_ether_addr_copy(our_mac, &eth->src_addr);
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&a->arp_sha, &a->arp_tha);
	a->arp_tip = a->arp_sip;
	rte_ether_addr_copy(our_mac, &a->arp_sha);
	a->arp_sip = our_ip;
	/* Checksum offload flags of the received frame mean nothing here. */
	m->ol_flags = 0;
}

int
dp_net_arp_request(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
		   uint32_t src_ip, uint32_t tgt_ip)
{
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, DP_NET_ARP_LEN);
	if (eth == NULL)
		return -ENOSPC;
	arp = (struct rte_arp_hdr *)(eth + 1);
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	rte_ether_addr_copy(src_mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(src_mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = src_ip;
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = tgt_ip;
	return 0;
}

int
dp_net_udp_encap(struct rte_mbuf *m, const struct dp_net_udp_tx *t,
		 int hw_cksum)
{
	return dp_net_udp_encap_sum(m, t, hw_cksum, 0, 0);
}

int
dp_net_udp_encap_sum(struct rte_mbuf *m, const struct dp_net_udp_tx *t,
		     int hw_cksum, uint32_t tail_len, uint16_t tail_sum)
{
	uint32_t payload = m->pkt_len;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	uint16_t c;

	if (payload > DP_NET_MAX_PAYLOAD)
		return -EMSGSIZE;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, DP_NET_HDR_LEN);
	if (eth == NULL)
		return -ENOSPC;
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	udp = (struct rte_udp_hdr *)(ip + 1);

	rte_ether_addr_copy(&t->dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(&t->src_mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);

	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*udp) +
					    payload);
	ip->packet_id = rte_cpu_to_be_16(t->ip_id);
	ip->fragment_offset = 0;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->hdr_checksum = 0;
	ip->src_addr = t->src_ip;
	ip->dst_addr = t->dst_ip;

	udp->src_port = rte_cpu_to_be_16(t->src_port);
	udp->dst_port = rte_cpu_to_be_16(t->dst_port);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + payload);
	udp->dgram_cksum = 0;

	m->l2_len = sizeof(*eth);
	m->l3_len = sizeof(*ip);
	m->l4_len = sizeof(*udp);
	if (hw_cksum) {
		m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
			      RTE_MBUF_F_TX_UDP_CKSUM;
		udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
		return 0;
	}
	m->ol_flags = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (tail_len == 0 || tail_len > payload) {
		c = dp_net_udp_cksum_chain(m, sizeof(*eth));
	} else {
		/* Sum what is new in this frame, then add the tail's sum,
		 * swapped when the tail starts at an odd offset of the UDP
		 * datagram (its bytes then sit in the other lanes). */
		uint32_t head = sizeof(*udp) + payload - tail_len, sum;

		sum = __rte_raw_cksum(&ip->src_addr, 2 * sizeof(ip->src_addr),
				      0);
		sum += rte_cpu_to_be_16(IPPROTO_UDP);
		sum += udp->dgram_len;
		sum += dp_net_raw_cksum_chain(m, DP_NET_HDR_LEN - sizeof(*udp),
					      head);
		sum += (head & 1) ? rte_bswap16(tail_sum) : tail_sum;
		c = (uint16_t)~__rte_raw_cksum_reduce(sum);
	}
	udp->dgram_cksum = c == 0 ? 0xffff : c;
	return 0;
}
