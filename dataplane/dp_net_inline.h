/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_NET_INLINE_H
#define DP_NET_INLINE_H

/**
 * @file
 * The per-lcore table of peer MAC addresses learned from received frames.
 *
 * Concurrency: each worker lcore has its own table (in struct dp_lcore)
 * and is its only reader and writer.
 *
 * Trade-off: a direct-mapped table without ageing.  Two peers whose
 * addresses hash to the same slot evict each other, and a peer that moved
 * keeps its old MAC until its next frame arrives.  Both only cost a miss,
 * and on a miss the sender falls back to the MAC the request came from
 * (its next hop), which is right for replies.  Forwarding to peers never
 * heard from needs ARP resolution, which lands with the forwarding issue.
 */

#include <stdint.h>

#include <rte_ether.h>

/** Slots in the table; a power of two. */
#define DP_ARP_SLOTS 256

/** One learned peer. */
struct dp_arp_entry {
	uint32_t ip;               /**< network order; 0 for an empty slot */
	struct rte_ether_addr mac; /**< its MAC (or its next hop's) */
};

/** A small per-lcore IPv4 to MAC table. */
struct dp_arp_cache {
	struct dp_arp_entry e[DP_ARP_SLOTS]; /**< direct-mapped by IP */
};

static inline uint32_t
dp_arp_slot(uint32_t ip)
{
	/* Fibonacci hashing spreads the low host bits over every slot. */
	return (ip * 2654435761u) >> 24 & (DP_ARP_SLOTS - 1);
}

/**
 * Remember (or refresh) the MAC a peer's frames came from.
 *
 * @param c    the calling lcore's table
 * @param ip   the peer, network order (0 is ignored)
 * @param mac  the source MAC of its frame
 */
static inline void
dp_arp_learn(struct dp_arp_cache *c, uint32_t ip,
	     const struct rte_ether_addr *mac)
{
	struct dp_arp_entry *e = &c->e[dp_arp_slot(ip)];

	if (ip == 0)
		return;
	if (e->ip != ip || !rte_is_same_ether_addr(&e->mac, mac)) {
		e->ip = ip;
		rte_ether_addr_copy(mac, &e->mac);
	}
}

/**
 * Look a peer up.
 *
 * @param c    the calling lcore's table
 * @param ip   the peer, network order
 * @return its MAC, or NULL when unknown
 */
static inline const struct rte_ether_addr *
dp_arp_lookup(const struct dp_arp_cache *c, uint32_t ip)
{
	const struct dp_arp_entry *e = &c->e[dp_arp_slot(ip)];

	return e->ip == ip && ip != 0 ? &e->mac : NULL;
}

#endif /* DP_NET_INLINE_H */
