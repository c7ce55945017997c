/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_POOL_H
#define DP_POOL_H

/**
 * @file
 * Fixed-size object pools owned by one lcore: transactions and branch
 * chunks.
 *
 * Why not rte_mempool: a transaction is named by its slot index inside
 * the Via branch we send, and a branch chunk is linked from timer wheels
 * by address.  Both need a dense array whose addresses never move and an
 * O(1) index <-> pointer mapping.  An rte_mempool gives neither, because
 * it may be populated from several memory chunks.  The array comes from
 * hugepage memory (rte_zmalloc_socket) on the lcore's NUMA node, and the
 * free list is a stack of indexes, so allocation is a pop and never
 * touches another lcore's cache lines.
 *
 * Concurrency: only the owning lcore allocates and frees.  The stats
 * fields are plain stores read by other processes without locks, and a
 * torn or stale read of a counter is tolerated.
 */

#include <stdint.h>

#include "shm_stats.h"

struct dp_pool {
	char *base;        /**< first object; objects are elt_size apart */
	uint32_t *stack;   /**< free indexes; stack[0..nb_free) are free */
	uint32_t elt_size; /**< bytes per object, cache-line multiple */
	uint32_t obj_size; /**< bytes the caller asked for */
	uint32_t nb;       /**< objects in the pool */
	uint32_t nb_free;  /**< objects on the free stack */
	uint32_t max_used; /**< high-water mark of nb - nb_free */
	uint32_t fails;    /**< allocations refused because empty */
};

/**
 * Reserve a pool of nb objects of size bytes on a NUMA socket.
 *
 * @param p       the pool to set up
 * @param name    memory name (for rte_malloc statistics)
 * @param size    bytes per object (rounded up to a cache line)
 * @param nb      number of objects, at least 1, below 2^24
 * @param socket  NUMA socket id, or SOCKET_ID_ANY
 * @return 0, -EINVAL for a bad size or count, -ENOMEM
 */
int dp_pool_init(struct dp_pool *p, const char *name, uint32_t size,
		 uint32_t nb, int socket);

/** Release a pool's memory; every object must have been freed. */
void dp_pool_fini(struct dp_pool *p);

/** Fill stats from the pool's counters. */
void dp_pool_stats(const struct dp_pool *p, struct shm_mem_stats *st);

/** @return a zeroed object, or NULL when the pool is empty. */
static inline void *
dp_pool_get(struct dp_pool *p)
{
	uint32_t used;
	char *o;

	if (p->nb_free == 0) {
		p->fails++;
		return NULL;
	}
	o = p->base + (uint64_t)p->stack[--p->nb_free] * p->elt_size;
	used = p->nb - p->nb_free;
	if (used > p->max_used)
		p->max_used = used;
	__builtin_memset(o, 0, p->obj_size);
	return o;
}

/** Return an object to its pool. */
static inline void
dp_pool_put(struct dp_pool *p, void *o)
{
	p->stack[p->nb_free++] =
		(uint32_t)(((char *)o - p->base) / p->elt_size);
}

/** @return the index of an object of this pool. */
static inline uint32_t
dp_pool_idx(const struct dp_pool *p, const void *o)
{
	return (uint32_t)(((const char *)o - p->base) / p->elt_size);
}

/** @return the object at index i, or NULL when i is out of range. */
static inline void *
dp_pool_at(const struct dp_pool *p, uint32_t i)
{
	return i < p->nb ? p->base + (uint64_t)i * p->elt_size : NULL;
}

/** @return objects in use. */
static inline uint32_t
dp_pool_used(const struct dp_pool *p)
{
	return p->nb - p->nb_free;
}

#endif /* DP_POOL_H */
