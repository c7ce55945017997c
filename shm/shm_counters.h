/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHM_COUNTERS_H
#define SHM_COUNTERS_H

/**
 * @file
 * Per-lcore counters generated from shm_counters.def.
 *
 * Concurrency: each worker lcore owns one struct shm_lcore_counters and
 * is its only writer; it increments plain uint64_t fields, no atomics.
 * Readers (the self-check, later the control plane through shared memory)
 * load each field with a relaxed 64-bit load and sum over lcores; a read
 * racing an increment sees the old or the new value, never a torn one,
 * because aligned 64-bit loads and stores are single-copy atomic on every
 * platform DPDK supports.  Blocks are cache-line aligned and padded so two
 * writers never share a line.
 */

#include <stdint.h>

/** Counter ids, in .def order: SHM_CNT_RX_PKTS, ... */
enum shm_cnt {
#define SHM_CNT(sym, group, name, help) SHM_CNT_##sym,
#include "shm_counters.def"
#undef SHM_CNT
	SHM_CNT__COUNT
};

/** Cache line size assumed for the layout (x86, most arm64). */
#define SHM_CACHE_LINE 64

/** The counters one lcore writes. */
struct shm_lcore_counters {
	uint64_t v[SHM_CNT__COUNT]; /**< events, indexed by enum shm_cnt */
} __attribute__((aligned(SHM_CACHE_LINE)));

_Static_assert(sizeof(struct shm_lcore_counters) % SHM_CACHE_LINE == 0,
	       "counter blocks must not share cache lines");

/** Static description of one counter. */
struct shm_cnt_desc {
	const char *group; /**< "core", "lcore", "sl", "net" */
	const char *name;  /**< name within the group */
	const char *help;  /**< one-line description */
};

/**
 * Describe a counter.
 *
 * @param id  an enum shm_cnt value
 * @return its description, or NULL when id is out of range
 */
static inline const struct shm_cnt_desc *
shm_cnt_desc(unsigned int id)
{
	static const struct shm_cnt_desc desc[SHM_CNT__COUNT] = {
#define SHM_CNT(sym, g, n, h) [SHM_CNT_##sym] = { g, n, h },
#include "shm_counters.def"
#undef SHM_CNT
	};

	return id < SHM_CNT__COUNT ? &desc[id] : NULL;
}

/** Count one event on the calling lcore's block. */
#define SHM_CNT_INC(blk, sym) ((blk)->v[SHM_CNT_##sym]++)

/** Count n events on the calling lcore's block. */
#define SHM_CNT_ADD(blk, sym, n) ((blk)->v[SHM_CNT_##sym] += (n))

/**
 * Read one counter of a block another lcore writes.
 *
 * @param blk  the block
 * @param id   an enum shm_cnt value
 * @return its current value
 */
static inline uint64_t
shm_cnt_read(const struct shm_lcore_counters *blk, enum shm_cnt id)
{
	return __atomic_load_n(&blk->v[id], __ATOMIC_RELAXED);
}

#endif /* SHM_COUNTERS_H */
