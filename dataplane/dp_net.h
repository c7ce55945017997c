/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_NET_H
#define DP_NET_H

/**
 * @file
 * Ethernet, ARP, IPv4 and UDP below the SIP layer: decoding received
 * frames, answering ARP, wrapping a UDP payload into a frame, and the
 * Internet checksum over a chain of mbuf segments.
 *
 * Everything here works on one mbuf owned by the calling lcore and keeps
 * no state; the per-lcore peer MAC table is in dp_net_inline.h.
 *
 * Assumption: the Ethernet, IPv4 and UDP headers of a received frame are
 * in its first segment (every PMD puts at least a cache line or two
 * there); the UDP payload may continue in further segments.
 */

#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "shm_counters.h"

/** Bytes of Ethernet + IPv4 (no options) + UDP headers we write. */
#define DP_NET_HDR_LEN \
	(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + \
	 sizeof(struct rte_udp_hdr))

/** Largest UDP payload an IPv4 datagram without options carries. */
#define DP_NET_MAX_PAYLOAD (65535 - 20 - 8)

/** What dp_net_decode() found in a frame. */
enum dp_net_kind {
	DP_NET_DROP = 0, /**< refused; the drop counter says why */
	DP_NET_ARP_REQ,  /**< an ARP request for our address */
	DP_NET_ARP_REPLY, /**< an ARP reply to us: learn its sender */
	DP_NET_SIP,      /**< a UDP datagram to our SIP port */
};

/** Addresses and offsets of a decoded frame. */
struct dp_net_rx {
	struct rte_ether_addr src_mac; /**< frame (or ARP sender) source */
	uint32_t src_ip;      /**< IP or ARP sender, network order */
	uint32_t dst_ip;      /**< network order */
	uint16_t src_port;    /**< UDP source port, host order */
	uint16_t dst_port;    /**< UDP destination port, host order */
	uint16_t l2_len;      /**< bytes of Ethernet header */
	uint16_t l3_len;      /**< bytes of IPv4 header, options included */
	uint32_t payload_off; /**< bytes from frame start to UDP payload */
	uint16_t payload_len; /**< bytes of UDP payload */
};

/** Addresses of a UDP frame to build; ports and id in host order. */
struct dp_net_udp_tx {
	struct rte_ether_addr src_mac; /**< our port's MAC */
	struct rte_ether_addr dst_mac; /**< next hop's MAC */
	uint32_t src_ip;   /**< network order */
	uint32_t dst_ip;   /**< network order */
	uint16_t src_port; /**< host order */
	uint16_t dst_port; /**< host order */
	uint16_t ip_id;    /**< IPv4 identification, host order */
};

/**
 * Classify a received frame and locate its addresses.
 *
 * Refuses (DP_NET_DROP) anything that is not an ARP request for our_ip
 * or a UDP datagram to our_ip:sip_port with a sound IPv4 header (version,
 * lengths, header checksum, not a fragment) and a good UDP checksum (or
 * none).  Hardware checksum verdicts in m->ol_flags are used when the PMD
 * gives them; otherwise the checksums are verified in software.
 *
 * @param m         the frame
 * @param our_ip    our IPv4 address, network order
 * @param sip_port  our SIP UDP port, host order
 * @param rx        filled in for DP_NET_ARP_REQ and DP_NET_SIP; for
 *                  DP_NET_DROP only the fields decoded so far are valid
 * @param drop      set to the counter naming the reason on DP_NET_DROP
 * @return the kind of frame
 */
enum dp_net_kind dp_net_decode(const struct rte_mbuf *m, uint32_t our_ip,
			       uint16_t sip_port, struct dp_net_rx *rx,
			       enum shm_cnt *drop);

/**
 * Turn an ARP request (as accepted by dp_net_decode) into our reply, in
 * place: the mbuf can be sent back on the port it came from.
 *
 * @param m       the request frame
 * @param our_mac the MAC of the port it arrived on
 * @param our_ip  the address asked for, network order
 */
void dp_net_arp_reply(struct rte_mbuf *m, const struct rte_ether_addr *our_mac,
		      uint32_t our_ip);

/**
 * Write a broadcast ARP request into an empty mbuf.
 *
 * @param m        an mbuf with data_len 0 and 42 bytes of tailroom
 * @param src_mac  the asker's MAC
 * @param src_ip   the asker's IPv4 address, network order
 * @param tgt_ip   the address asked for, network order
 * @return 0, or -ENOSPC when the mbuf has no room
 */
int dp_net_arp_request(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
		       uint32_t src_ip, uint32_t tgt_ip);

/**
 * Prepend Ethernet, IPv4 and UDP headers to an mbuf (or chain) that holds
 * exactly a UDP payload, and fill in both checksums.
 *
 * With hw_cksum the IPv4 and UDP checksums are left to the port
 * (RTE_MBUF_F_TX_IPV4 | IP_CKSUM | UDP_CKSUM, l2_len, l3_len and the
 * pseudo-header seed set); the caller passes it only when the port
 * advertises both offloads.  Otherwise both are computed in software, the
 * UDP one with dp_net_udp_cksum_chain(), which is right for chains whose
 * segments have odd lengths.
 *
 * @param m         the payload; its first segment needs DP_NET_HDR_LEN
 *                  bytes of headroom
 * @param t         the addresses
 * @param hw_cksum  non-zero to use the port's checksum offloads
 * @return 0, -ENOSPC (no headroom) or -EMSGSIZE (payload too long)
 */
int dp_net_udp_encap(struct rte_mbuf *m, const struct dp_net_udp_tx *t,
		     int hw_cksum);

/**
 * dp_net_udp_encap() for a payload whose last tail_len bytes are shared
 * by many frames (the clone of a forked request): their raw sum,
 * tail_sum, is computed once per message with dp_net_raw_cksum_chain()
 * and only the rest is summed per frame.  tail_len 0 sums everything.
 *
 * @param m         the payload (chain); DP_NET_HDR_LEN bytes of headroom
 * @param t         the addresses
 * @param hw_cksum  non-zero to use the port's checksum offloads
 * @param tail_len  bytes at the end of the payload tail_sum covers
 * @param tail_sum  their raw sum, as if they started at an even offset
 * @return 0, -ENOSPC (no headroom) or -EMSGSIZE (payload too long)
 */
int dp_net_udp_encap_sum(struct rte_mbuf *m, const struct dp_net_udp_tx *t,
			 int hw_cksum, uint32_t tail_len, uint16_t tail_sum);

/**
 * One's complement sum (not complemented, folded to 16 bits, in the
 * byte order of memory like rte_raw_cksum) of len bytes of a chain
 * starting at byte off.  A segment that starts at an odd offset of the
 * summed range has its partial sum reduced and then byte-swapped, which
 * rte_raw_cksum_mbuf() in DPDK 22.11 gets wrong (it swaps before
 * reducing, see NOTES-DPDK.md).
 *
 * @param m    the first segment of the chain
 * @param off  bytes from the start of the packet
 * @param len  bytes to sum; off + len must not exceed m->pkt_len
 * @return the folded sum
 */
uint16_t dp_net_raw_cksum_chain(const struct rte_mbuf *m, uint32_t off,
				uint32_t len);

/**
 * The UDP checksum of an IPv4/UDP packet over a chain of segments.
 *
 * Sums the pseudo-header (addresses, protocol, the UDP length field) and
 * the UDP header and payload as they are (dgram_len bytes from l4_off),
 * and complements.  To fill in a checksum, zero the field first and store
 * the result (0 becomes 0xffff, RFC 768).  To verify one, leave the field
 * as received: the result is 0 when it is right.
 *
 * @param m       the packet, IPv4 and UDP headers in the first segment
 * @param l3_off  bytes from the start of the packet to the IPv4 header
 * @return the complemented checksum
 */
uint16_t dp_net_udp_cksum_chain(const struct rte_mbuf *m, uint32_t l3_off);

/**
 * @return 1 when an IPv4 header (options included) has a correct header
 *   checksum, else 0.  The header must be contiguous.
 */
int dp_net_ipv4_cksum_ok(const struct rte_ipv4_hdr *ip);

#endif /* DP_NET_H */
