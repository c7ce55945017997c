/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_PORT_H
#define DP_PORT_H

/**
 * @file
 * Ports and mbuf pools of the dataplane.
 *
 * Concurrency: the main lcore fills dp_ports[] and the pools before it
 * launches the workers and tears them down after they have returned;
 * while workers run, the table is read-only and shared by all lcores.
 */

#include <stdint.h>

#include <rte_ether.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

/** RX descriptors asked for per queue (the PMD may adjust). */
#define DP_PORT_RX_DESC 1024
/** TX descriptors asked for per queue (the PMD may adjust). */
#define DP_PORT_TX_DESC 1024
/** Mbufs per lcore per port held in RX bursts and TX buffers. */
#define DP_PORT_BURST_SLACK 64
/** Per-lcore cache of each mbuf pool, in mbufs. */
#define DP_PORT_POOL_CACHE 256
/** Default MTU assumed when a PMD does not report one, in bytes. */
#define DP_PORT_DEFAULT_MTU 1500
/** Frames each ring of an in-process ring port holds: a 256-way fork
 *  and its answers in flight at once, with room to spare. */
#define DP_PORT_RING_SIZE 8192

/** One configured port; indexed by port id in dp_ports[]. */
struct dp_port {
	struct rte_ether_addr mac; /**< its MAC, the source of our frames */
	uint16_t nb_queues;        /**< RX/TX queue pairs (0: not in use) */
	uint16_t mtu;              /**< bytes of IP datagram per frame */
	int socket;                /**< NUMA node of the device (or -1) */
	uint8_t hw_cksum;          /**< TX IPv4 + UDP checksum offload on */
	uint8_t multi_seg;         /**< TX of mbuf chains enabled */
	uint8_t started;           /**< rte_eth_dev_start() succeeded */
	char name[RTE_ETH_NAME_MAX_LEN]; /**< device name, for logs */
};

/** The ports, by port id; read-only while workers run. */
extern struct dp_port dp_ports[RTE_MAX_ETHPORTS];

/**
 * Create one mbuf pool per NUMA node that has a worker lcore: per_lcore
 * mbufs for each worker on that node, raised when the ports' queues and
 * the lcores' caches need more.
 *
 * @param workers     worker lcore ids
 * @param nb_workers  how many
 * @param nb_ports    ports that will be configured
 * @param per_lcore   mbufs per worker lcore ([memory] mbufs)
 * @return 0, or -ENOMEM (the reason is logged)
 */
int dp_port_pools_create(const unsigned int *workers, unsigned int nb_workers,
			 unsigned int nb_ports, unsigned int per_lcore);

/**
 * @return the mbuf pool of a NUMA node (SOCKET_ID_ANY: any pool), or NULL
 *   when none was created there.
 */
struct rte_mempool *dp_port_pool(int socket);

/**
 * Configure and start a port with one RX/TX queue pair per worker lcore
 * (fewer if the device has fewer queues: worker i polls queue i).  Queue
 * i's descriptors and mbufs come from worker i's NUMA node.  Offloads are
 * requested only where the device advertises them: TX multi-segment, TX
 * IPv4 + UDP checksum (both or neither), RX IPv4 + UDP checksum.
 *
 * @param port_id     the port
 * @param workers     worker lcore ids, queue i for workers[i]
 * @param nb_workers  how many
 * @return 0, or -errno from ethdev (the reason is logged)
 */
int dp_port_setup(uint16_t port_id, const unsigned int *workers,
		  unsigned int nb_workers);

/**
 * Stop and close every port dp_port_setup() started (or that exists),
 * freeing what the PMDs hold.  Call after the workers have returned.
 */
void dp_port_close_all(void);

/**
 * Free the mbuf pools.  Call after dp_port_close_all().
 */
void dp_port_pools_free(void);

/**
 * Create an in-process port over rings (net_ring), for the self-check:
 * the caller enqueues frames on rx[i] for queue i to receive, and
 * dequeues what queue i sends from tx[i].
 *
 * @param name       the ethdev name, also the prefix of the ring names
 * @param nb_queues  queue pairs (and rings in each direction), 1..16
 * @param socket     NUMA node of the rings
 * @param rx         receives the RX rings (frames to inject)
 * @param tx         receives the TX rings (frames sent)
 * @return the new port id, or -errno
 */
int dp_port_ring_create(const char *name, unsigned int nb_queues, int socket,
			struct rte_ring **rx, struct rte_ring **tx);

#endif /* DP_PORT_H */
