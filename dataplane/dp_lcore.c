/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Creation and teardown of a worker lcore's state (dp_lcore.h), shared
 * by sipfork-dp and sipfork-bench so both run the same worker.  Runs on
 * the main lcore before workers start and after they stop.
 */

#include <stdio.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "cfg.h"
#include "dp_lcore.h"
#include "dp_log.h"
#include "dp_port.h"

_Static_assert(RTE_MAX_LCORE <= SHM_MAX_LCORE,
	       "the statistics region has a slot per lcore");

struct rte_ring *dp_inbox[RTE_MAX_LCORE];

void
dp_lcore_free(struct dp_lcore *lc)
{
	unsigned int p;

	if (lc == NULL)
		return;
	while (lc->nb_pending > 0)
		rte_pktmbuf_free(lc->pending[--lc->nb_pending].m);
	if (lc->txn.wheel != NULL)
		txn_ctx_fini(&lc->txn);
	if (lc->inbox != NULL) {
		struct rte_mbuf *m;

		while (rte_ring_dequeue(lc->inbox, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		dp_inbox[lc->worker_id] = NULL;
		rte_ring_free(lc->inbox);
	}
	for (p = 0; p < RTE_MAX_ETHPORTS; p++)
		rte_free(lc->txb[p]);
	rte_mempool_free(lc->hdr_pool);
	rte_mempool_free(lc->clone_pool);
	rte_free(lc);
}

/* A queue (worker_id) on every port that has one, with its TX buffer. */
static int
dp_lcore_queues(struct dp_lcore *lc, int socket)
{
	uint16_t port;

	RTE_ETH_FOREACH_DEV(port) {
		struct rte_eth_dev_tx_buffer *txb;

		if (lc->worker_id >= dp_ports[port].nb_queues)
			continue;
		txb = rte_zmalloc_socket("dp_txb",
					 RTE_ETH_TX_BUFFER_SIZE(DP_BURST), 0,
					 socket);
		if (txb == NULL)
			return -ENOMEM;
		lc->txb[port] = txb;
		rte_eth_tx_buffer_init(txb, DP_BURST);
		rte_eth_tx_buffer_set_err_callback(txb,
			rte_eth_tx_buffer_count_callback,
			&lc->cnt->v[SHM_CNT_NET_TX_DROPS]);
		lc->txq[port] = lc->worker_id;
		if (lc->nb_rxq == 0)
			lc->tx_port = port; /* SIP leaves by the first port */
		lc->rxq[lc->nb_rxq].port = port;
		lc->rxq[lc->nb_rxq].queue = lc->worker_id;
		lc->nb_rxq++;
	}
	return lc->nb_rxq > 0 ? 0 : -ENODEV;
}

/* Header and clone pools for this worker's branches, sized by [memory]. */
static int
dp_lcore_pools(struct dp_lcore *lc, const struct cfg *cfg, int socket)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "sf_hdr%u", lc->worker_id);
	lc->hdr_pool = rte_pktmbuf_pool_create(name, cfg->mem.hdr_mbufs,
		RTE_MIN(256u, cfg->mem.hdr_mbufs / 4), 0,
		RTE_PKTMBUF_HEADROOM + DP_HDR_ROOM, socket);
	snprintf(name, sizeof(name), "sf_cln%u", lc->worker_id);
	/* Indirect mbufs point at another buffer: no data room at all. */
	lc->clone_pool = rte_pktmbuf_pool_create(name, cfg->mem.clone_mbufs,
		RTE_MIN(256u, cfg->mem.clone_mbufs / 4), 0, 0, socket);
	snprintf(name, sizeof(name), "sf_inbox%u", lc->worker_id);
	lc->inbox = rte_ring_create(name, DP_INBOX_SIZE, socket,
				    RING_F_SC_DEQ);
	if (lc->hdr_pool == NULL || lc->clone_pool == NULL ||
	    lc->inbox == NULL)
		return -ENOMEM;
	dp_inbox[lc->worker_id] = lc->inbox;
	return 0;
}

/* Figures of an mbuf pool.  rte_mempool_avail_count() walks every
 * lcore's cache, which is why only the refresh, not the fast path, calls
 * it; used counts what sits in those caches as used too. */
static void
dp_lcore_mp_stats(const struct rte_mempool *mp, struct shm_mem_stats *st)
{
	uint64_t obj = (uint64_t)mp->header_size + mp->elt_size +
		       mp->trailer_size;
	uint64_t avail = rte_mempool_avail_count(mp);
	uint64_t used = mp->size - avail;

	st->total_size = mp->size * obj;
	st->used_size = used * mp->elt_size;
	st->real_used_size = used * obj;
	if (st->real_used_size > st->max_used_size)
		st->max_used_size = st->real_used_size;
	st->free_size = st->total_size - st->real_used_size;
	st->fragments = avail;
}

void
dp_lcore_mem_update(struct dp_lcore *lc)
{
	struct shm_mem_stats *p = lc->mem->pool;

	txn_mem_stats(&lc->txn, &p[SHM_POOL_TXN], &p[SHM_POOL_BRANCH]);
	dp_lcore_mp_stats(lc->hdr_pool, &p[SHM_POOL_HDR_MBUF]);
	dp_lcore_mp_stats(lc->clone_pool, &p[SHM_POOL_CLONE_MBUF]);
	/* The packet pool is per NUMA node: one of its workers reports it,
	 * so a sum over lcores counts it once. */
	if (lc->mem->reports_pkt)
		dp_lcore_mp_stats(lc->pool, &p[SHM_POOL_PKT_MBUF]);
	lc->mem->updated = rte_rdtsc();
}

struct dp_lcore *
dp_lcore_create(unsigned int lcore_id, uint16_t worker_id,
		const struct dp_conf *conf, struct shm_stats *stats,
		const struct cfg *cfg, const struct dp_route_table *routes)
{
	int socket = (int)rte_lcore_to_socket_id(lcore_id);
	struct shm_lcore_counters *cnt = &stats->cnt[lcore_id];
	struct txn_conf tconf = { 0 };
	struct dp_lcore *lc;
	unsigned int other;
	int ret;

	lc = rte_zmalloc_socket("dp_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE,
				socket);
	if (lc == NULL)
		return NULL;
	lc->lcore_id = lcore_id;
	lc->worker_id = worker_id;
	lc->conf = *conf;
	lc->cnt = cnt;
	lc->mem = &stats->mem[lcore_id];
	lc->pool = dp_port_pool(socket);
	/* The first worker of a NUMA node reports the node's packet pool. */
	lc->mem->reports_pkt = 1;
	for (other = 0; other < RTE_MAX_LCORE; other++)
		if (other != lcore_id && stats->mem[other].reports_pkt &&
		    rte_lcore_to_socket_id(other) == (unsigned int)socket)
			lc->mem->reports_pkt = 0;
	lc->drain_cycles = (rte_get_tsc_hz() + US_PER_S - 1) / US_PER_S *
			   DP_DRAIN_US;
	lc->tsc_per_ms = rte_get_tsc_hz() / MS_PER_S;
	if (lc->pool == NULL || dp_lcore_queues(lc, socket) < 0 ||
	    dp_lcore_pools(lc, cfg, socket) < 0)
		goto free_lcore;

	tconf.ip = conf->ip;
	tconf.port = conf->sip_port;
	tconf.mac = dp_ports[lc->tx_port].mac;
	tconf.worker = (uint8_t)worker_id;
	tconf.socket = socket;
	tconf.hw_cksum = dp_ports[lc->tx_port].hw_cksum;
	tconf.mtu = dp_ports[lc->tx_port].mtu;
	tconf.pkt_pool = lc->pool;
	tconf.hdr_pool = lc->hdr_pool;
	tconf.clone_pool = lc->clone_pool;
	tconf.cfg = cfg;
	tconf.routes = routes;
	tconf.io.tx = dp_loop_io_tx;
	tconf.io.nbr = dp_loop_io_nbr;
	tconf.io.ctx = lc;
	tconf.cnt = cnt;
	ret = txn_ctx_init(&lc->txn, &tconf, rte_rdtsc() / lc->tsc_per_ms);
	if (ret < 0) {
		DP_LOG(ERR, "worker %u: transactions: %s", worker_id,
		       rte_strerror(-ret));
		goto free_lcore;
	}
	dp_lcore_mem_update(lc);
	return lc;

free_lcore:
	dp_lcore_free(lc);
	return NULL;
}
