/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipfork-bench: the fast path measured in one process, no NIC.
 *
 *   sipfork-bench [EAL args] -- [--branches K[,K...]] [--calls N]
 *                                [--rounds R] [--json]
 *
 * The real worker loop (dp_loop.c with the transaction layer) runs on the
 * first worker lcore behind an in-process ring port; the main lcore plays
 * the caller and K callees (bench_peer.c).  For each K two phases run,
 * each R times, and the medians are reported:
 *  - call flow: INVITE forked to K callees, one 180+200, the rest 180
 *    then CANCEL/487/ACK, the caller's ACK and BYE/200 through the proxy;
 *  - replication: INVITEs forked to K callees that do not answer, timed
 *    until every branch frame is out (then ended by the caller's CANCEL).
 * Rates are per second of the worker's busy cycles (iterations that had
 * work), so they are the worker's, not the emulator's; the wall-clock
 * call rate is printed too.
 *
 * Concurrency: the worker lcore runs dp_loop_run(); the main lcore talks
 * to it only through the port's rings and reads its counters.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#include "bench_peer.h"
#include "cfg.h"
#include "dp_lcore.h"
#include "dp_port.h"

#define BENCH_MAX_K 16
#define BENCH_MAX_ROUNDS 31
/** Branch frames per replication round: enough to time, little memory. */
#define BENCH_REPL_BRANCHES 16384
/** A round that takes longer than this failed. */
#define BENCH_ROUND_SECONDS 60

struct bench_opts {
	uint32_t k[BENCH_MAX_K]; /**< branch counts */
	uint32_t nb_k;           /**< entries in k */
	uint32_t calls;          /**< calls per round at K <= 4 */
	uint32_t rounds;         /**< measured rounds per phase */
	int json;                /**< one JSON object per K */
	int interleaved;         /**< worker and peers on one lcore */
};

/** One measured round. */
struct bench_sample {
	double calls_per_s;     /**< per second of worker busy time */
	double wall_calls_per_s; /**< per second of wall time */
	double cycles_per_call; /**< worker busy cycles */
	double branch_pkts_per_s; /**< replication, per busy second */
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: sipfork-bench [EAL args] -- [--branches K[,K...]] "
		"[--calls N] [--rounds R] [--json]\n"
		"  --branches  branch counts to run (default 1,4,16,64,256)\n"
		"  --calls     calls per round at K <= 4, fewer for larger K "
		"(default 20000)\n"
		"  --rounds    measured rounds per phase, medians reported "
		"(default 5)\n"
		"  --json      one JSON object per K (CONTRACT.md)\n"
		"  --interleaved  run the worker loop and the peers in turn on "
		"one lcore\n"
		"Two lcores (-l 0-1): the worker on one, the emulated peers on "
		"the other.\nInterleaved (or -l N): only the cycles spent in "
		"the worker loop count,\nwithout the cross-core cache traffic "
		"of a ring between two cores.\n");
}

static int
parse_args(int argc, char **argv, struct bench_opts *o)
{
	static const struct option lo[] = {
		{ "branches", required_argument, NULL, 'b' },
		{ "calls", required_argument, NULL, 'c' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "interleaved", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const uint32_t def_k[] = { 1, 4, 16, 64, 256 };
	char *tok, *save, *end;
	int c;

	memcpy(o->k, def_k, sizeof(def_k));
	o->nb_k = RTE_DIM(def_k);
	o->calls = 20000;
	o->rounds = 5;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->nb_k = 0;
			for (tok = strtok_r(optarg, ",", &save); tok != NULL;
			     tok = strtok_r(NULL, ",", &save)) {
				unsigned long v = strtoul(tok, &end, 10);

				if (*end != '\0' || v < 1 || v > 1024 ||
				    o->nb_k == BENCH_MAX_K) {
					fprintf(stderr, "sipfork-bench: bad "
						"--branches value '%s'\n", tok);
					return -1;
				}
				o->k[o->nb_k++] = (uint32_t)v;
			}
			if (o->nb_k == 0)
				return -1;
			break;
		case 'c':
			o->calls = (uint32_t)strtoul(optarg, &end, 10);
			if (*end != '\0' || o->calls < 10 ||
			    o->calls > 1000000) {
				fprintf(stderr, "sipfork-bench: --calls must be "
					"10 to 1000000\n");
				return -1;
			}
			break;
		case 'r':
			o->rounds = (uint32_t)strtoul(optarg, &end, 10);
			if (*end != '\0' || o->rounds < 1 ||
			    o->rounds > BENCH_MAX_ROUNDS) {
				fprintf(stderr, "sipfork-bench: --rounds must be "
					"1 to %d\n", BENCH_MAX_ROUNDS);
				return -1;
			}
			break;
		case 'j':
			o->json = 1;
			break;
		case 'i':
			o->interleaved = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

/* The bench's configuration, written where cfg_load() reads it: the
 * product's own loader, so what is measured is what ships.  wait_ms is
 * short so transactions do not pile up between rounds. */
static int
write_config(const struct bench_opts *o, char *path, size_t cap)
{
	char dir[] = "/tmp/sipfork-bench-XXXXXX";
	uint32_t i, t;
	FILE *f;

	if (mkdtemp(dir) == NULL)
		return -errno;
	snprintf(path, cap, "%s/bench.conf", dir);
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	fprintf(f, "[dataplane]\nip = 198.18.0.1\nport = 5060\n"
		"max_branches = 1024\n\n"
		"[timers]\nwait_ms = 100\n\n"
		"[memory]\ntransactions = 65536\nbranch_chunks = 65536\n"
		"mbufs = 65535\nhdr_mbufs = 65535\nclone_mbufs = 65535\n");
	for (i = 0; i < o->nb_k; i++) {
		fprintf(f, "\n[route b%u]\ntargets =", o->k[i]);
		for (t = 0; t < o->k[i]; t++)
			fprintf(f, " 198.18.1.1:%u", 10000 + t);
		fputc('\n', f);
	}
	return fclose(f) == 0 ? 0 : -errno;
}

static double
median(double *v, uint32_t n)
{
	uint32_t i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double x = v[j];

			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint64_t
cnt(const struct dp_lcore *lc, enum shm_cnt id)
{
	return shm_cnt_read(lc->cnt, id);
}

/* The worker when it shares our lcore (interleaved), else NULL. */
static struct dp_lcore *bench_inline;

/* What the peers do while they wait for the worker: run it, if it is
 * ours to run, else nothing but a pause. */
static void
bench_idle(void *ctx)
{
	(void)ctx;
	if (bench_inline != NULL)
		dp_loop_poll(bench_inline);
	else
		rte_pause();
}

/* Poll the peers until cond() holds; @return 0, or -1 after the limit. */
static int
run_until(struct bench_peer *p, uint32_t window, int hold)
{
	uint64_t end = rte_get_tsc_cycles() +
		       BENCH_ROUND_SECONDS * rte_get_tsc_hz();

	for (;;) {
		if (hold ? p->nb_held >= p->nb_calls * p->k
			 : p->completed >= p->nb_calls)
			return 0;
		if (rte_get_tsc_cycles() > end)
			return -1;
		bench_peer_invite(p, window);
		if (bench_inline != NULL)
			dp_loop_poll(bench_inline);
		/* Drain what the worker sent before sending more: each
		 * INVITE makes K frames, and a full ring would drop them. */
		while (bench_peer_poll(p) == BENCH_PEER_POLL)
			if (bench_inline != NULL)
				dp_loop_poll(bench_inline);
	}
}

/* Why a round did not finish: where the calls stopped, and what the
 * worker counted. */
static void
dump_stuck(const struct bench_peer *p, const struct dp_lcore *lc)
{
	uint32_t st[BENCH_CALL_DONE + 1] = { 0 }, i;

	for (i = 0; i < p->nb_calls; i++)
		st[p->state[i]]++;
	fprintf(stderr, "  calls: idle %u invited %u bye-sent %u done %u; "
		"unexpected frames %lu\n", st[0], st[1], st[2], st[3],
		(unsigned long)p->unexpected);
	for (i = 0; i < SHM_CNT__COUNT; i++)
		if (lc->cnt->v[i] != 0)
			fprintf(stderr, "  %s:%s = %lu\n",
				shm_cnt_desc(i)->group, shm_cnt_desc(i)->name,
				(unsigned long)lc->cnt->v[i]);
}

/* Let the last round's transactions end (wait_ms after completion), so
 * a round starts from idle pools and measures only itself. */
static void
settle(struct bench_peer *p, const struct dp_lcore *lc)
{
	uint64_t end = rte_get_tsc_cycles() + 2 * rte_get_tsc_hz();

	while (cnt(lc, SHM_CNT_TM_INUSE_TRANSACTIONS) != 0 &&
	       rte_get_tsc_cycles() < end) {
		bench_idle(NULL);
		bench_peer_poll(p);
	}
}

/* One round of full call flows; @return 0 or -1 (did not complete). */
static int
round_calls(struct bench_peer *p, const struct dp_lcore *lc, uint32_t k,
	    uint32_t calls, struct bench_sample *s)
{
	/* Calls in progress: enough to keep the worker busy, few enough
	 * that their frames fit the port's rings (the emulated peers do
	 * not retransmit, so a dropped frame would strand a call). */
	uint32_t window = RTE_MAX(4u, 256u / k);
	uint64_t b0, t0, busy, wall;
	int rc;

	settle(p, lc);
	if (bench_peer_run(p, k, calls, 0) < 0)
		return -1;
	b0 = cnt(lc, SHM_CNT_BUSY_CYCLES);
	t0 = rte_get_tsc_cycles();
	rc = run_until(p, window, 0);
	wall = rte_get_tsc_cycles() - t0;
	busy = cnt(lc, SHM_CNT_BUSY_CYCLES) - b0;
	if (rc < 0) {
		fprintf(stderr, "sipfork-bench: K=%u: %u of %u calls done in "
			"%d s\n", k, p->completed, calls, BENCH_ROUND_SECONDS);
		dump_stuck(p, lc);
	}
	bench_peer_end(p);
	if (s != NULL && busy > 0) {
		s->calls_per_s = (double)calls * rte_get_tsc_hz() / busy;
		s->wall_calls_per_s = (double)calls * rte_get_tsc_hz() / wall;
		s->cycles_per_call = (double)busy / calls;
	}
	return rc;
}

/* One replication round: INVITEs to silent callees until every branch
 * frame is out; then the caller CANCELs every call. */
static int
round_repl(struct bench_peer *p, const struct dp_lcore *lc, uint32_t k,
	   struct bench_sample *s)
{
	uint32_t invites = RTE_MAX(1u, BENCH_REPL_BRANCHES / k);
	uint64_t b0, busy;
	int rc;

	settle(p, lc);
	if (bench_peer_run(p, k, invites, 1) < 0)
		return -1;
	b0 = cnt(lc, SHM_CNT_BUSY_CYCLES);
	rc = run_until(p, invites, 1);
	busy = cnt(lc, SHM_CNT_BUSY_CYCLES) - b0;
	if (rc < 0)
		fprintf(stderr, "sipfork-bench: K=%u: %u of %u branch INVITEs "
			"out in %d s\n", k, p->nb_held, invites * k,
			BENCH_ROUND_SECONDS);
	bench_peer_cancel(p);
	if (rc == 0 && run_until(p, invites, 0) < 0) {
		fprintf(stderr, "sipfork-bench: K=%u: %u of %u calls ended "
			"after the CANCELs\n", k, p->completed, invites);
		rc = -1;
	}
	if (rc < 0)
		dump_stuck(p, lc);
	bench_peer_end(p);
	if (busy > 0)
		s->branch_pkts_per_s = (double)invites * k *
				       rte_get_tsc_hz() / busy;
	return rc;
}

/* Bytes of pool memory one object of mp takes, headers included. */
static uint64_t
obj_bytes(const struct rte_mempool *mp)
{
	return (uint64_t)mp->header_size + mp->elt_size + mp->trailer_size;
}

static int
bench_k(struct bench_peer *p, const struct dp_lcore *lc,
	const struct bench_opts *o, uint32_t k)
{
	struct bench_sample s[BENCH_MAX_ROUNDS];
	double v[4][BENCH_MAX_ROUNDS];
	uint32_t calls = k <= 4 ? o->calls : RTE_MAX(50u, o->calls * 4 / k);
	uint64_t pkt;
	uint32_t r;
	int rc = 0;

	/* Warm-up: caches, the ARP answers, pool caches. */
	rc |= round_calls(p, lc, k, RTE_MAX(10u, calls / 10), NULL);
	memset(s, 0, sizeof(s));
	for (r = 0; r < o->rounds; r++) {
		rc |= round_calls(p, lc, k, calls, &s[r]);
		rc |= round_repl(p, lc, k, &s[r]);
		v[0][r] = s[r].calls_per_s;
		v[1][r] = s[r].wall_calls_per_s;
		v[2][r] = s[r].cycles_per_call;
		v[3][r] = s[r].branch_pkts_per_s;
	}
	/* Live packet memory of a forking transaction: the received INVITE
	 * every branch shares, our kept 100 Trying, and per branch a header
	 * mbuf and an indirect clone. */
	pkt = 2 * obj_bytes(lc->pool) +
	      k * (obj_bytes(lc->hdr_pool) + obj_bytes(lc->clone_pool));
	{
		double cps = median(v[0], o->rounds);
		double wall = median(v[1], o->rounds);
		double cyc = median(v[2], o->rounds);
		double bps = median(v[3], o->rounds);
		double ns = cyc * 1e9 / rte_get_tsc_hz();
		uint64_t tx = txn_state_bytes(&lc->txn, k);
		uint64_t br = txn_branch_bytes(&lc->txn);

		if (o->json)
			printf("{\"branches\":%u,\"calls\":%u,\"rounds\":%u,"
			       "\"lcores\":1,\"mode\":\"%s\","
			       "\"calls_per_s_per_lcore\":%.0f,"
			       "\"wall_calls_per_s\":%.0f,"
			       "\"branch_pkts_per_s_per_lcore\":%.0f,"
			       "\"ns_per_call\":%.0f,\"cycles_per_call\":%.0f,"
			       "\"tx_state_bytes\":%lu,"
			       "\"branch_state_bytes\":%lu,"
			       "\"pkt_bytes_per_tx\":%lu,\"ok\":%s}\n",
			       k, calls, o->rounds,
			       o->interleaved ? "interleaved" : "2-lcore",
			       cps, wall, bps, ns, cyc,
			       (unsigned long)tx, (unsigned long)br,
			       (unsigned long)pkt, rc == 0 ? "true" : "false");
		else
			printf("K=%-4u calls=%-6u calls/s/lcore=%-9.0f "
			       "(wall %.0f) branch pkts/s/lcore=%-10.0f "
			       "ns/call=%-7.0f cycles/call=%-8.0f "
			       "tx_state=%luB branch=%luB pkt/tx=%luB%s\n",
			       k, calls, cps, wall, bps, ns, cyc,
			       (unsigned long)tx, (unsigned long)br,
			       (unsigned long)pkt, rc == 0 ? "" : " FAILED");
		fflush(stdout);
	}
	return rc;
}

int
main(int argc, char **argv)
{
	static struct bench_peer peer;
	struct shm_stats *stats = NULL;
	struct dp_route_table *routes = NULL;
	struct dp_lcore *lc = NULL;
	struct rte_ring *rx[1], *tx[1];
	struct bench_opts o = { 0 };
	struct cfg cfg;
	struct dp_conf conf;
	unsigned int worker;
	char path[256], err[512];
	int n, port, rc = 1, socket;
	uint32_t i;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "sipfork-bench: EAL init failed\n");
		return 2;
	}
	if (parse_args(argc - n, argv + n, &o) < 0) {
		usage(stderr);
		rte_eal_cleanup();
		return 2;
	}
	worker = rte_get_next_lcore(-1, 1, 0);
	if (worker >= RTE_MAX_LCORE || o.interleaved) {
		worker = rte_get_main_lcore();
		o.interleaved = 1;
	}
	socket = (int)rte_lcore_to_socket_id(worker);
	if (write_config(&o, path, sizeof(path)) < 0 ||
	    cfg_load(&cfg, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "sipfork-bench: config: %s\n", err);
		rte_eal_cleanup();
		return 1;
	}
	port = dp_port_ring_create("bench", 1, socket, rx, tx);
	if (port < 0 ||
	    dp_port_pools_create(&worker, 1, 1, cfg.mem.mbufs) < 0 ||
	    dp_port_setup((uint16_t)port, &worker, 1) < 0) {
		fprintf(stderr, "sipfork-bench: port set-up failed\n");
		goto free_cfg;
	}
	stats = rte_zmalloc("bench_stats", sizeof(*stats), RTE_CACHE_LINE_SIZE);
	routes = dp_route_table_from_cfg(&cfg);
	conf.ip = cfg.dp.ip;
	conf.sip_port = cfg.dp.port;
	lc = stats && routes ? dp_lcore_create(worker, 0, &conf, stats, &cfg,
					       routes) : NULL;
	peer.pool = rte_pktmbuf_pool_create("bench_peer", 65535, 256, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (lc == NULL || peer.pool == NULL) {
		fprintf(stderr, "sipfork-bench: out of memory\n");
		goto free_all;
	}
	peer.to_dp = rx[0];
	peer.from_dp = tx[0];
	peer.dp_ip = cfg.dp.ip;
	peer.dp_port = cfg.dp.port;
	peer.uac_ip = rte_cpu_to_be_32(198u << 24 | 18u << 16 | 2u);
	peer.uas_ip = rte_cpu_to_be_32(198u << 24 | 18u << 16 | 1u << 8 | 1u);
	peer.uas_port0 = 10000;
	peer.mac.addr_bytes[0] = 0x02;
	peer.mac.addr_bytes[5] = 0x07;
	peer.idle = bench_idle;
	if (o.interleaved)
		bench_inline = lc;
	else
		rte_eal_remote_launch(dp_loop_run, lc, worker);
	printf("sipfork-bench: worker on lcore %u, peers on lcore %u%s\n",
	       worker, rte_lcore_id(),
	       o.interleaved ? " (interleaved: worker cycles only)" : "");

	/* One call alone first: the worker learns the callees' MAC by ARP
	 * while only a few frames wait for it (it holds at most
	 * DP_PENDING; our peers do not retransmit what it drops). */
	rc = round_calls(&peer, lc, o.k[0], 1, NULL) != 0;
	for (i = 0; i < o.nb_k; i++)
		rc |= bench_k(&peer, lc, &o, o.k[i]) != 0;
	/* Everything ends within wait_ms: then the worker must be idle. */
	for (n = 0; n < 2000 && cnt(lc, SHM_CNT_TM_INUSE_TRANSACTIONS); n++) {
		uint64_t until = rte_get_tsc_cycles() + rte_get_tsc_hz() / 1000;

		while (rte_get_tsc_cycles() < until) {
			bench_idle(NULL);
			bench_peer_poll(&peer);
		}
	}
	printf("idle: transactions %lu, active branches %lu, unexpected "
	       "frames %lu\n",
	       (unsigned long)cnt(lc, SHM_CNT_TM_INUSE_TRANSACTIONS),
	       (unsigned long)cnt(lc, SHM_CNT_TM_ACTIVE_BRANCHES),
	       (unsigned long)peer.unexpected);
	if (cnt(lc, SHM_CNT_TM_INUSE_TRANSACTIONS) != 0 || peer.unexpected)
		rc = 1;
	dp_quit = 1;
	if (!o.interleaved)
		rte_eal_mp_wait_lcore();
	else
		dp_loop_flush(lc);

free_all:
	dp_lcore_free(lc);
	dp_port_close_all();
	rte_free(stats);
	dp_route_table_free(routes);
	rte_mempool_free(peer.pool);
	dp_port_pools_free();
free_cfg:
	cfg_free(&cfg);
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	rte_eal_cleanup();
	return rc;
}
