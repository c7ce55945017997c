/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports and mbuf pools.  Runs on the main lcore only, before the workers
 * start and after they stop (see dp_port.h).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp_log.h"
#include "dp_port.h"

/* Rings of the self-check port(s), freed after their port is closed. */
#define DP_PORT_MAX_RINGS 32

struct dp_port dp_ports[RTE_MAX_ETHPORTS];

static struct rte_mempool *dp_pools[RTE_MAX_NUMA_NODES];
static struct rte_ring *dp_rings[DP_PORT_MAX_RINGS];
static unsigned int dp_nb_rings;

int
dp_port_pools_create(const unsigned int *workers, unsigned int nb_workers,
		     unsigned int nb_ports, unsigned int per_lcore)
{
	unsigned int per_socket[RTE_MAX_NUMA_NODES] = { 0 };
	unsigned int i, s;

	for (i = 0; i < nb_workers; i++) {
		s = rte_lcore_to_socket_id(workers[i]);
		per_socket[s < RTE_MAX_NUMA_NODES ? s : 0]++;
	}
	for (s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		char name[RTE_MEMPOOL_NAMESIZE];
		unsigned int n, need;

		if (per_socket[s] == 0)
			continue;
		/*
		 * [memory] mbufs per lcore, but never fewer than it takes
		 * to fill every queue of every port on RX and TX plus each
		 * lcore's bursts, TX buffers and pool cache (a pool that
		 * small would stall RX as soon as the rings fill up).
		 */
		need = per_socket[s] * (nb_ports * (DP_PORT_RX_DESC +
			DP_PORT_TX_DESC + DP_PORT_BURST_SLACK) +
			DP_PORT_POOL_CACHE);
		n = per_socket[s] * per_lcore;
		if (n < need) {
			DP_LOG(NOTICE, "socket %u: %u mbufs asked for, %u "
			       "needed by %u port(s): using %u", s, n, need,
			       nb_ports, need);
			n = need;
		}
		snprintf(name, sizeof(name), "sf_mbuf_s%u", s);
		dp_pools[s] = rte_pktmbuf_pool_create(name, n,
			DP_PORT_POOL_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE, s);
		if (dp_pools[s] == NULL) {
			DP_LOG(ERR, "mbuf pool of %u on socket %u: %s", n, s,
			       rte_strerror(rte_errno));
			return -ENOMEM;
		}
		DP_LOG(INFO, "socket %u: %u mbufs of %u bytes", s, n,
		       RTE_MBUF_DEFAULT_BUF_SIZE);
	}
	return 0;
}

struct rte_mempool *
dp_port_pool(int socket)
{
	unsigned int s;

	if (socket >= 0 && socket < RTE_MAX_NUMA_NODES &&
	    dp_pools[socket] != NULL)
		return dp_pools[socket];
	if (socket != SOCKET_ID_ANY)
		return NULL;
	for (s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (dp_pools[s] != NULL)
			return dp_pools[s];
	return NULL;
}

void
dp_port_pools_free(void)
{
	unsigned int s;

	for (s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		rte_mempool_free(dp_pools[s]);
		dp_pools[s] = NULL;
	}
}

/* Offloads: ask only for what the device has, so any PMD configures
 * (net_pcap, for one, fails configure when asked for multi-seg TX). */
static void
dp_port_offloads(const struct rte_eth_dev_info *info,
		 struct rte_eth_conf *conf, struct dp_port *p)
{
	uint64_t tx_ck = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
			 RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	uint64_t rx_ck = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM |
			 RTE_ETH_RX_OFFLOAD_UDP_CKSUM;

	if (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		p->multi_seg = 1;
	}
	if ((info->tx_offload_capa & tx_ck) == tx_ck) {
		conf->txmode.offloads |= tx_ck;
		p->hw_cksum = 1;
	}
	if ((info->rx_offload_capa & rx_ck) == rx_ck)
		conf->rxmode.offloads |= rx_ck;
}

static int
dp_port_queues(uint16_t port_id, struct dp_port *p,
	       const struct rte_eth_dev_info *info,
	       const struct rte_eth_conf *conf, const unsigned int *workers)
{
	uint16_t nb_rxd = DP_PORT_RX_DESC, nb_txd = DP_PORT_TX_DESC;
	struct rte_eth_txconf txconf = info->default_txconf;
	struct rte_eth_rxconf rxconf = info->default_rxconf;
	unsigned int q;
	int ret;

	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (ret < 0) {
		DP_LOG(ERR, "%s: descriptors: %s", p->name, rte_strerror(-ret));
		return ret;
	}
	rxconf.offloads = conf->rxmode.offloads;
	txconf.offloads = conf->txmode.offloads;
	for (q = 0; q < p->nb_queues; q++) {
		int lsock = (int)rte_lcore_to_socket_id(workers[q]);
		/* Descriptors near the device when it says where it is. */
		int dsock = p->socket >= 0 ? p->socket : lsock;
		struct rte_mempool *pool = dp_port_pool(lsock);

		ret = rte_eth_rx_queue_setup(port_id, q, nb_rxd, dsock,
					     &rxconf, pool);
		if (ret < 0) {
			DP_LOG(ERR, "%s: rx queue %u: %s", p->name, q,
			       rte_strerror(-ret));
			return ret;
		}
		ret = rte_eth_tx_queue_setup(port_id, q, nb_txd, dsock,
					     &txconf);
		if (ret < 0) {
			DP_LOG(ERR, "%s: tx queue %u: %s", p->name, q,
			       rte_strerror(-ret));
			return ret;
		}
	}
	return 0;
}

int
dp_port_setup(uint16_t port_id, const unsigned int *workers,
	      unsigned int nb_workers)
{
	struct dp_port *p = &dp_ports[port_id];
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t mtu;
	int ret;

	memset(p, 0, sizeof(*p));
	memset(&conf, 0, sizeof(conf));
	rte_eth_dev_get_name_by_port(port_id, p->name);
	ret = rte_eth_dev_info_get(port_id, &info);
	if (ret < 0) {
		DP_LOG(ERR, "port %u: info: %s", port_id, rte_strerror(-ret));
		return ret;
	}
	p->socket = rte_eth_dev_socket_id(port_id);
	p->nb_queues = RTE_MIN(RTE_MIN(nb_workers, info.max_rx_queues),
			       info.max_tx_queues);
	if (p->nb_queues == 0) {
		DP_LOG(ERR, "%s: no queues", p->name);
		return -ENODEV;
	}
	/* Spread flows over queues by addresses and ports, so one peer's
	 * retransmissions always reach the same lcore. */
	conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
		(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);
	if (p->nb_queues > 1 && conf.rx_adv_conf.rss_conf.rss_hf != 0)
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	else
		conf.rx_adv_conf.rss_conf.rss_hf = 0;
	dp_port_offloads(&info, &conf, p);

	ret = rte_eth_dev_configure(port_id, p->nb_queues, p->nb_queues,
				    &conf);
	if (ret < 0) {
		DP_LOG(ERR, "%s: configure: %s", p->name, rte_strerror(-ret));
		return ret;
	}
	ret = dp_port_queues(port_id, p, &info, &conf, workers);
	if (ret < 0)
		return ret;
	ret = rte_eth_macaddr_get(port_id, &p->mac);
	if (ret < 0)
		return ret;
	p->mtu = rte_eth_dev_get_mtu(port_id, &mtu) == 0 && mtu >= 576 ?
		 mtu : DP_PORT_DEFAULT_MTU;
	ret = rte_eth_dev_start(port_id);
	if (ret < 0) {
		DP_LOG(ERR, "%s: start: %s", p->name, rte_strerror(-ret));
		return ret;
	}
	p->started = 1;
	DP_LOG(INFO, "port %u %s: %u queue pair(s), mac " RTE_ETHER_ADDR_PRT_FMT
	       ", mtu %u, socket %d, tx multi-seg %s, tx cksum %s", port_id,
	       p->name, p->nb_queues, RTE_ETHER_ADDR_BYTES(&p->mac), p->mtu,
	       p->socket, p->multi_seg ? "on" : "off",
	       p->hw_cksum ? "hw" : "sw");
	return 0;
}

void
dp_port_close_all(void)
{
	uint16_t port_id;
	unsigned int i;
	int ret;

	RTE_ETH_FOREACH_DEV(port_id) {
		if (dp_ports[port_id].started) {
			ret = rte_eth_dev_stop(port_id);
			if (ret < 0)
				DP_LOG(WARNING, "%s: stop: %s",
				       dp_ports[port_id].name,
				       rte_strerror(-ret));
		}
		rte_eth_dev_close(port_id);
		dp_ports[port_id].started = 0;
		dp_ports[port_id].nb_queues = 0;
	}
	for (i = 0; i < dp_nb_rings; i++) {
		rte_ring_free(dp_rings[i]);
		dp_rings[i] = NULL;
	}
	dp_nb_rings = 0;
}

int
dp_port_ring_create(const char *name, unsigned int nb_queues, int socket,
		    struct rte_ring **rx, struct rte_ring **tx)
{
	char rname[RTE_RING_NAMESIZE];
	unsigned int q;
	int port;

	if (nb_queues == 0 || nb_queues > 16 ||
	    dp_nb_rings + 2 * nb_queues > DP_PORT_MAX_RINGS)
		return -EINVAL;
	for (q = 0; q < nb_queues; q++) {
		/* Single producer and consumer: the injecting main lcore and
		 * the polling worker on RX, the worker and the collecting
		 * main lcore on TX. */
		snprintf(rname, sizeof(rname), "%s_rx%u", name, q);
		rx[q] = rte_ring_create(rname, DP_PORT_RING_SIZE, socket,
					RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (rx[q] == NULL)
			return -rte_errno;
		dp_rings[dp_nb_rings++] = rx[q];
		snprintf(rname, sizeof(rname), "%s_tx%u", name, q);
		tx[q] = rte_ring_create(rname, DP_PORT_RING_SIZE, socket,
					RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (tx[q] == NULL)
			return -rte_errno;
		dp_rings[dp_nb_rings++] = tx[q];
	}
	port = rte_eth_from_rings(name, rx, nb_queues, tx, nb_queues,
				  socket < 0 ? 0 : (unsigned int)socket);
	return port < 0 ? -rte_errno : port;
}
