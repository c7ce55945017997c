/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipfork-dp: the dataplane, a DPDK primary process.
 *
 *   sipfork-dp [EAL args] -- -c FILE [--self-check]
 *
 * Start-up runs on the main lcore: load the configuration (before EAL,
 * because its file_prefix becomes an EAL argument), EAL, pdump, pools,
 * ports, one struct dp_lcore per worker lcore, then launch dp_loop_run()
 * on every worker.  The main lcore then waits for SIGINT/SIGTERM (or runs
 * the self-check) and tears everything down in the reverse order.  With
 * a single lcore (-l 0) the main lcore is the worker.
 *
 * Concurrency: the signal handler only stores dp_quit; workers read it
 * (dp_lcore.h).  Everything else here happens while no worker runs,
 * except the self-check, which talks to worker 0 only through the rings
 * of its own port and reads counters the way shm_counters.h allows.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_pdump.h>

#include "cfg.h"
#include "dp_lcore.h"
#include "dp_log.h"
#include "dp_port.h"
#include "shm_stats.h"
#include "dp_selfcheck.h"

/* Exit statuses of CONTRACT.md: 2 is a bad argument or configuration. */
#define DP_EXIT_USAGE 2

/** The command line after "--". */
struct dp_args {
	const char *cfg_path; /**< -c FILE */
	int self_check;       /**< --self-check given */
};

static void
dp_usage(FILE *f)
{
	fprintf(f,
		"Usage: sipfork-dp [EAL options] -- -c FILE [--self-check]\n"
		"  -c, --config FILE  configuration file (INI), e.g. "
		"cfg/sipfork.conf\n"
		"      --self-check   answer test frames sent through an "
		"in-process net_ring\n"
		"                     port, print one line per check, exit 0 "
		"if all pass\n"
		"  -h, --help         this help\n"
		"EAL options (before --) are DPDK's, e.g. -l 0-1 --no-pci\n"
		"--vdev=net_af_packet0,iface=eth1.  Without --file-prefix the "
		"EAL runs with\nthe configuration's [dataplane] file_prefix.  "
		"Every port found is used.\n");
}

/* Parse what follows "--".  @return 0, or -1 after printing why. */
static int
dp_args_parse(int argc, char **argv, struct dp_args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < argc; i++) {
		const char *s = argv[i];

		if (strcmp(s, "-c") == 0 || strcmp(s, "--config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "sipfork-dp: %s needs a FILE\n",
					s);
				return -1;
			}
			a->cfg_path = argv[++i];
		} else if (strncmp(s, "--config=", 9) == 0) {
			a->cfg_path = s + 9;
		} else if (strcmp(s, "--self-check") == 0) {
			a->self_check = 1;
		} else {
			fprintf(stderr, "sipfork-dp: unknown argument '%s' "
				"(try -h)\n", s);
			return -1;
		}
	}
	if (a->cfg_path == NULL || a->cfg_path[0] == '\0') {
		fprintf(stderr, "sipfork-dp: missing -- -c FILE (try -h)\n");
		return -1;
	}
	return 0;
}

/*
 * The EAL arguments: argv[0], then "--file-prefix=<prefix>" unless the
 * user gave one (*added is then that string), then the user's EAL
 * arguments.  EAL copies what it keeps (eal_save_args, the prefix), so
 * both can be freed once rte_eal_init() returned; it may reorder the
 * array, which is why the added string is returned on its own.
 */
static char **
dp_eal_argv(int nb_eal, char **argv, const char *prefix, int *out_argc,
	    char **added)
{
	char **out = calloc((size_t)nb_eal + 2, sizeof(*out));
	int i, n = 0, has_prefix = 0;

	if (out == NULL)
		return NULL;
	for (i = 1; i < nb_eal; i++)
		if (strcmp(argv[i], "--file-prefix") == 0 ||
		    strncmp(argv[i], "--file-prefix=", 14) == 0)
			has_prefix = 1;
	*added = NULL;
	out[n++] = argv[0];
	if (!has_prefix) {
		size_t len = strlen("--file-prefix=") + strlen(prefix) + 1;

		out[n] = malloc(len);
		if (out[n] == NULL) {
			free(out);
			return NULL;
		}
		snprintf(out[n], len, "--file-prefix=%s", prefix);
		*added = out[n++];
	}
	for (i = 1; i < nb_eal; i++)
		out[n++] = argv[i];
	out[n] = NULL;
	*out_argc = n;
	return out;
}

/*
 * rte_eal_init() with stdout silenced: on a bad EAL argument EAL prints
 * its hundred-line usage there, while CONTRACT.md wants one line.  Its
 * log (the reason, on stderr) still shows.
 */
static int
dp_eal_init(int argc, char **argv)
{
	int saved, null, ret;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	null = open("/dev/null", O_WRONLY);
	if (saved >= 0 && null >= 0)
		dup2(null, STDOUT_FILENO);
	ret = rte_eal_init(argc, argv);
	fflush(stdout);
	if (saved >= 0 && null >= 0)
		dup2(saved, STDOUT_FILENO);
	if (null >= 0)
		close(null);
	if (saved >= 0)
		close(saved);
	return ret;
}

static void
dp_signal(int sig)
{
	(void)sig;
	dp_quit = 1;
}

/** Everything main() sets up, for one teardown path. */
struct dp_state {
	unsigned int workers[RTE_MAX_LCORE]; /**< worker lcore ids */
	unsigned int nb_workers;             /**< entries in workers */
	int main_is_worker;                  /**< no worker lcore: -l N */
	struct dp_lcore *lc[RTE_MAX_LCORE];  /**< by worker index */
	const struct rte_memzone *stats_mz;  /**< SHM_STATS_MZ */
	struct shm_stats *stats;             /**< counters, memory figures */
	struct dp_selfcheck_port chk;        /**< the self-check's port */
	struct dp_route_table *routes;       /**< [route NAME] sections */
};

static struct dp_state dp;

/* Pick the workers: every lcore but the main one, or the main one alone. */
static void
dp_pick_workers(struct dp_state *st)
{
	unsigned int lcore;

	RTE_LCORE_FOREACH_WORKER(lcore)
		st->workers[st->nb_workers++] = lcore;
	if (st->nb_workers == 0) {
		st->workers[st->nb_workers++] = rte_get_main_lcore();
		st->main_is_worker = 1;
	}
}

static int
dp_setup(struct dp_state *st, const struct cfg *cfg, int self_check)
{
	struct dp_conf conf = {
		.ip = cfg->dp.ip,
		.sip_port = cfg->dp.port,
	};
	unsigned int nb_ports, i;
	uint16_t port;
	int ret;

	dp_pick_workers(st);
	if (self_check) {
		ret = dp_selfcheck_port_create(&st->chk, st->nb_workers,
			(int)rte_lcore_to_socket_id(st->workers[0]));
		if (ret < 0) {
			DP_LOG(ERR, "self-check port: %s", rte_strerror(-ret));
			return ret;
		}
	}
	nb_ports = rte_eth_dev_count_avail();
	if (nb_ports == 0) {
		DP_LOG(ERR, "no port: bind a NIC or give --vdev=...");
		return -ENODEV;
	}
	ret = dp_port_pools_create(st->workers, st->nb_workers, nb_ports,
				   cfg->mem.mbufs);
	if (ret < 0)
		return ret;
	RTE_ETH_FOREACH_DEV(port) {
		ret = dp_port_setup(port, st->workers, st->nb_workers);
		if (ret < 0)
			return ret;
	}
	/* A named memzone, so sipfork-cp (a secondary) can find the figures
	 * and check their layout before reading them. */
	st->stats_mz = rte_memzone_reserve_aligned(SHM_STATS_MZ,
		sizeof(*st->stats), SOCKET_ID_ANY, 0, RTE_CACHE_LINE_SIZE);
	if (st->stats_mz == NULL) {
		DP_LOG(ERR, "memzone %s: %s", SHM_STATS_MZ,
		       rte_strerror(rte_errno));
		return -ENOMEM;
	}
	st->stats = st->stats_mz->addr;
	memset(st->stats, 0, sizeof(*st->stats));
	st->stats->magic = SHM_STATS_MAGIC;
	st->stats->version = SHM_STATS_VERSION;
	st->stats->size = sizeof(*st->stats);
	st->stats->nb_counters = SHM_CNT__COUNT;
	st->stats->tsc_hz = rte_get_tsc_hz();
	st->routes = dp_route_table_from_cfg(cfg);
	if (st->routes == NULL)
		return -ENOMEM;
	for (i = 0; i < st->nb_workers; i++) {
		st->lc[i] = dp_lcore_create(st->workers[i], (uint16_t)i, &conf,
					    st->stats, cfg,
					    st->routes);
		if (st->lc[i] == NULL) {
			DP_LOG(ERR, "lcore %u: out of memory", st->workers[i]);
			return -ENOMEM;
		}
	}
	return 0;
}

static void
dp_teardown(struct dp_state *st)
{
	unsigned int i;

	dp_port_close_all();
	for (i = 0; i < st->nb_workers; i++) {
		dp_lcore_free(st->lc[i]);
		st->lc[i] = NULL;
	}
	rte_memzone_free(st->stats_mz);
	st->stats_mz = NULL;
	st->stats = NULL;
	dp_route_table_free(st->routes);
	st->routes = NULL;
	dp_selfcheck_port_forget(&st->chk);
	dp_port_pools_free();
}

/* The main lcore's job while workers run: wait for a signal. */
static void
dp_wait_signal(void)
{
	const struct timespec tick = { 0, 100 * 1000 * 1000 };

	while (!__atomic_load_n(&dp_quit, __ATOMIC_RELAXED))
		nanosleep(&tick, NULL);
}

static void
dp_log_totals(const struct dp_state *st)
{
	uint64_t rx = 0, tx = 0;
	unsigned int i;

	for (i = 0; i < st->nb_workers; i++) {
		rx += shm_cnt_read(st->lc[i]->cnt, SHM_CNT_RX_PKTS);
		tx += shm_cnt_read(st->lc[i]->cnt, SHM_CNT_TX_PKTS);
	}
	DP_LOG(INFO, "stopped: %" PRIu64 " frames received, %" PRIu64
	       " sent", rx, tx);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	struct dp_args args;
	struct cfg cfg;
	char err[512];
	char **eal_argv, *added;
	int nb_eal, eal_argc, i, ret, status = EXIT_FAILURE;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			dp_usage(stdout);
			return EXIT_SUCCESS;
		}
	for (nb_eal = 1; nb_eal < argc; nb_eal++)
		if (strcmp(argv[nb_eal], "--") == 0)
			break;
	if (dp_args_parse(nb_eal < argc ? argc - nb_eal - 1 : 0,
			  argv + nb_eal + (nb_eal < argc), &args) < 0)
		return DP_EXIT_USAGE;

	cfg_defaults(&cfg);
	ret = cfg_load(&cfg, args.cfg_path, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "sipfork-dp: %s\n", err);
		return DP_EXIT_USAGE;
	}

	eal_argv = dp_eal_argv(nb_eal, argv, cfg.dp.file_prefix, &eal_argc,
			       &added);
	if (eal_argv == NULL) {
		fprintf(stderr, "sipfork-dp: out of memory\n");
		goto free_cfg;
	}
	ret = dp_eal_init(eal_argc, eal_argv);
	free(added);
	free(eal_argv);
	if (ret < 0) {
		fprintf(stderr, "sipfork-dp: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		status = rte_errno == EINVAL ? DP_EXIT_USAGE : EXIT_FAILURE;
		goto free_cfg;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = dp_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* pdump lets dpdk-dumpcap (a secondary) capture our ports. */
	if (rte_pdump_init() < 0)
		DP_LOG(WARNING, "pdump: %s (capture unavailable)",
		       rte_strerror(rte_errno));

	ret = dp_setup(&dp, &cfg, args.self_check);
	if (ret < 0)
		goto teardown;

	for (i = 0; i < (int)dp.nb_workers && !dp.main_is_worker; i++) {
		ret = rte_eal_remote_launch(dp_loop_run, dp.lc[i],
					    dp.workers[i]);
		if (ret < 0) {
			DP_LOG(ERR, "lcore %u: launch: %s", dp.workers[i],
			       rte_strerror(-ret));
			dp_quit = 1;
			goto wait_workers;
		}
	}
	DP_LOG(INFO, "running on %u worker lcore(s); SIGINT/SIGTERM stops",
	       dp.nb_workers);
	if (args.self_check) {
		ret = dp_selfcheck_run(&dp.chk, dp.lc[0], dp.main_is_worker,
				       &cfg);
		status = ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
		dp_quit = 1;
	} else if (dp.main_is_worker) {
		dp_loop_run(dp.lc[0]);
		status = EXIT_SUCCESS;
	} else {
		dp_wait_signal();
		status = EXIT_SUCCESS;
	}

wait_workers:
	__atomic_store_n(&dp_quit, 1, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();
	dp_log_totals(&dp);
teardown:
	dp_teardown(&dp);
	rte_pdump_uninit();
	rte_eal_cleanup();
free_cfg:
	cfg_free(&cfg);
	return status;
}
