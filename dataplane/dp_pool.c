/* SPDX-License-Identifier: BSD-3-Clause */
/* Set-up and accounting of the per-lcore object pools (see dp_pool.h). */

#include <errno.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include "dp_pool.h"

int
dp_pool_init(struct dp_pool *p, const char *name, uint32_t size,
	     uint32_t nb, int socket)
{
	uint32_t i;

	if (size == 0 || nb == 0 || nb >= (1u << 24))
		return -EINVAL;
	p->obj_size = size;
	p->elt_size = RTE_ALIGN_CEIL(size, RTE_CACHE_LINE_SIZE);
	p->nb = nb;
	p->base = rte_zmalloc_socket(name, (size_t)p->elt_size * nb,
				     RTE_CACHE_LINE_SIZE, socket);
	if (p->base == NULL)
		return -ENOMEM;
	p->stack = rte_malloc_socket(name, sizeof(*p->stack) * nb,
				     RTE_CACHE_LINE_SIZE, socket);
	if (p->stack == NULL)
		goto free_base;
	/* Low indexes on top, so a quiet lcore keeps reusing the same few
	 * cache lines. */
	for (i = 0; i < nb; i++)
		p->stack[i] = nb - 1 - i;
	p->nb_free = nb;
	p->max_used = 0;
	p->fails = 0;
	return 0;

free_base:
	rte_free(p->base);
	p->base = NULL;
	return -ENOMEM;
}

void
dp_pool_fini(struct dp_pool *p)
{
	rte_free(p->stack);
	rte_free(p->base);
	p->stack = NULL;
	p->base = NULL;
	p->nb = p->nb_free = 0;
}

void
dp_pool_stats(const struct dp_pool *p, struct shm_mem_stats *st)
{
	uint64_t used = dp_pool_used(p);
	/* Per object, besides its payload: cache-line padding plus its
	 * 4-byte slot on the free stack, which is reserved either way. */
	uint64_t over = (uint64_t)(p->elt_size - p->obj_size) +
			sizeof(*p->stack);

	st->total_size = (uint64_t)p->nb * (p->elt_size + sizeof(*p->stack));
	st->used_size = used * p->obj_size;
	st->real_used_size = used * (p->obj_size + over);
	st->max_used_size = (uint64_t)p->max_used * (p->obj_size + over);
	st->free_size = st->total_size - st->real_used_size;
	st->fragments = p->nb_free;
}
