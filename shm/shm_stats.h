/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHM_STATS_H
#define SHM_STATS_H

/**
 * @file
 * The statistics memzone: every worker lcore's counters and the memory
 * figures of every pool it uses, in one region the dataplane (primary)
 * reserves by name and the control plane (secondary) looks up.
 *
 * Concurrency: each lcore writes only its own cnt[] and mem[] entries
 * (plain stores; the memory figures once every SHM_MEM_PERIOD_MS); any
 * process reads them without locks and may see a value being updated, a
 * tolerated race for statistics.  The header is written once, before
 * any worker starts.
 */

#include <stdint.h>

#include "shm_counters.h"

/** memzone name; one dataplane per --file-prefix. */
#define SHM_STATS_MZ "sipfork_stats"
/** "SFST": refuse to read a region of another kind. */
#define SHM_STATS_MAGIC 0x53465354u
/** Bumped whenever the layout below changes. */
#define SHM_STATS_VERSION 1u
/** lcore slots (DPDK's RTE_MAX_LCORE must not exceed it). */
#define SHM_MAX_LCORE 128
/** How often a worker refreshes its memory figures, in milliseconds. */
#define SHM_MEM_PERIOD_MS 100

/** Memory figures of one pool, in the names OpenSIPS operators read. */
struct shm_mem_stats {
	uint64_t total_size;     /**< bytes the pool reserved */
	uint64_t used_size;      /**< bytes in objects handed out */
	uint64_t real_used_size; /**< used + per-object overhead, bytes */
	uint64_t max_used_size;  /**< high-water mark of real_used, bytes */
	uint64_t free_size;      /**< total - real_used, bytes */
	uint64_t fragments;      /**< free objects (each a fragment) */
};

/** The pools a worker reports, and the module each belongs to. */
enum shm_pool {
	SHM_POOL_TXN = 0,   /**< struct txn slots (tm) */
	SHM_POOL_BRANCH,    /**< branch chunks (tm) */
	SHM_POOL_HDR_MBUF,  /**< branch header segments (tm) */
	SHM_POOL_CLONE_MBUF, /**< indirect mbufs of branch tails (tm) */
	SHM_POOL_PKT_MBUF,  /**< packet mbufs of its NUMA node (core) */
	SHM_POOL__COUNT
};

/** One lcore's memory figures. */
struct shm_lcore_mem {
	struct shm_mem_stats pool[SHM_POOL__COUNT]; /**< by enum shm_pool */
	uint64_t updated;   /**< TSC of the last refresh, 0: never */
	uint8_t reports_pkt; /**< 1: this lcore reports its node's pkt pool */
} __attribute__((aligned(SHM_CACHE_LINE)));

/** The whole region. */
struct shm_stats {
	uint32_t magic;        /**< SHM_STATS_MAGIC */
	uint32_t version;      /**< SHM_STATS_VERSION */
	uint32_t size;         /**< sizeof(struct shm_stats), bytes */
	uint32_t nb_counters;  /**< SHM_CNT__COUNT of the writer */
	uint64_t tsc_hz;       /**< TSC cycles per second of the writer */
	struct shm_lcore_counters cnt[SHM_MAX_LCORE] /**< by lcore id */
		__attribute__((aligned(SHM_CACHE_LINE)));
	struct shm_lcore_mem mem[SHM_MAX_LCORE]; /**< by lcore id */
};

/** @return the name of a pool ("transactions", ...). */
static inline const char *
shm_pool_name(unsigned int p)
{
	static const char *const names[SHM_POOL__COUNT] = {
		"transactions", "branch_chunks", "hdr_mbufs", "clone_mbufs",
		"pkt_mbufs",
	};

	return p < SHM_POOL__COUNT ? names[p] : "?";
}

#endif /* SHM_STATS_H */
