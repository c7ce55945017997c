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
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pdump.h>
#include <rte_random.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "cfg.h"
#include "dp_lcore.h"
#include "dp_log.h"
#include "dp_net.h"
#include "dp_port.h"
#include "sip_parse.h"

RTE_LOG_REGISTER(dp_logtype, sipfork.dp, INFO);

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

/* -------------------------------------------------------------------- */
/* --self-check                                                          */
/*
 * The self-check drives the real worker loop through an in-process
 * net_ring port: the main lcore builds Ethernet/IPv4/UDP (or ARP) frames,
 * enqueues them on the port's RX ring, and collects what worker 0 sends
 * from its TX ring (or, with a single lcore, calls dp_loop_poll() itself
 * between the two).  Each answer is checked byte by byte: addresses,
 * IPv4 and UDP checksums, and the SIP response re-parsed with sip_parse()
 * and compared line by line with the request as written.  Frames that
 * must be dropped are checked through the drop counters and an idle TX
 * ring.
 */

#define DP_CHECK_MAX_QUEUES 16u
/** How long to wait for an answer or a counter, in milliseconds. */
#define DP_CHECK_WAIT_MS 1000
/** How long an idle TX ring must stay idle, in milliseconds. */
#define DP_CHECK_QUIET_MS 20
/** The peer the checks pretend to be (TEST-NET-2, RFC 5737), 198.51.100.7;
 * not RTE_IPV4(), whose int shift overflows for a first octet >= 128. */
#define DP_CHECK_PEER_IP (198u << 24 | 51u << 16 | 100u << 8 | 7u)
/** Source port of the peer's datagrams, unlike its Via sent-by port. */
#define DP_CHECK_PEER_PORT 5080

/** The self-check's own port. */
struct dp_check_port {
	int port;                /**< port id, -1 before creation */
	unsigned int nb_queues;  /**< queue pairs (= rings each way) */
	struct rte_ring *rx[DP_CHECK_MAX_QUEUES]; /**< we inject here */
	struct rte_ring *tx[DP_CHECK_MAX_QUEUES]; /**< worker i sends here */
};

/** The state of one self-check run (main lcore only). */
struct dp_check {
	struct dp_check_port *cp;     /**< the port, queue 0 is worker 0's */
	struct dp_lcore *lc;          /**< worker 0, whose counters we read */
	int interleaved;              /**< 1: we run dp_loop_poll() ourselves */
	struct rte_mempool *pool;     /**< mbufs for injected frames */
	struct rte_ether_addr peer_mac; /**< source MAC of injected frames */
	uint32_t peer_ip;             /**< network order */
	uint32_t our_ip;              /**< network order */
	uint16_t sip_port;            /**< host order */
	char ip_str[16];              /**< our_ip, dotted */
	unsigned int passed;          /**< checks passed */
	unsigned int failed;          /**< checks failed */
	struct sip_msg msg;           /**< the parsed answer */
	char buf[DP_SCRATCH_LEN];     /**< answer payload, linearised */
	char req[4096];               /**< the request being sent */
	char why[256];                /**< why the current check failed */
};

static int
dp_check_port_create(struct dp_check_port *cp, unsigned int nb_queues,
		     int socket)
{
	/* net_ring ports start with MAC 0; try to give ours a unicast one
	 * so the Ethernet checks mean more. */
	struct rte_ether_addr mac = { { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 } };
	int port, ret;

	cp->nb_queues = RTE_MIN(nb_queues, DP_CHECK_MAX_QUEUES);
	port = dp_port_ring_create("sfcheck", cp->nb_queues, socket, cp->rx,
				   cp->tx);
	cp->port = port;
	if (port < 0)
		return port;
	ret = rte_eth_dev_default_mac_addr_set((uint16_t)port, &mac);
	/* DPDK 22.11's net_ring cannot change it: keep 0 then. */
	return ret < 0 && ret != -ENOTSUP ? ret : 0;
}

/* The rings go with the port (dp_port_close_all()); unhook them here. */
static void
dp_check_port_forget(struct dp_check_port *cp)
{
	memset(cp, 0, sizeof(*cp));
	cp->port = -1;
}

static uint64_t
dp_check_ms(void)
{
	return rte_get_timer_cycles() * 1000 / rte_get_timer_hz();
}

/* Let time pass: run the worker loop when we are the worker. */
static void
dp_check_idle(struct dp_check *c)
{
	if (c->interleaved)
		dp_loop_poll(c->lc);
	else
		rte_delay_us_sleep(50);
}

static void
dp_check_drain(struct dp_check *c)
{
	struct rte_mbuf *m = NULL;

	while (rte_ring_dequeue(c->cp->tx[0], (void **)&m) == 0)
		rte_pktmbuf_free(m);
}

/* Wait for a frame from worker 0; NULL after DP_CHECK_WAIT_MS. */
static struct rte_mbuf *
dp_check_collect(struct dp_check *c)
{
	uint64_t end = dp_check_ms() + DP_CHECK_WAIT_MS;
	struct rte_mbuf *m = NULL;

	do {
		dp_check_idle(c);
		if (rte_ring_dequeue(c->cp->tx[0], (void **)&m) == 0)
			return m;
	} while (dp_check_ms() < end);
	return NULL;
}

/* Wait until a counter passes a value; then make sure nothing was sent.
 * @return 0, or -1 with c->why set. */
static int
dp_check_dropped(struct dp_check *c, enum shm_cnt id, uint64_t before)
{
	uint64_t end = dp_check_ms() + DP_CHECK_WAIT_MS;
	struct rte_mbuf *m = NULL;

	while (shm_cnt_read(c->lc->cnt, id) == before) {
		if (dp_check_ms() >= end) {
			snprintf(c->why, sizeof(c->why), "%s:%s not counted",
				 shm_cnt_desc(id)->group,
				 shm_cnt_desc(id)->name);
			return -1;
		}
		dp_check_idle(c);
	}
	end = dp_check_ms() + DP_CHECK_QUIET_MS;
	while (dp_check_ms() < end) {
		dp_check_idle(c);
		if (rte_ring_dequeue(c->cp->tx[0], (void **)&m) == 0) {
			rte_pktmbuf_free(m);
			snprintf(c->why, sizeof(c->why), "a frame was sent");
			return -1;
		}
	}
	return 0;
}

static void
dp_check_report(struct dp_check *c, const char *name, int ok)
{
	if (ok) {
		c->passed++;
		printf("self-check: ok   %s\n", name);
	} else {
		c->failed++;
		printf("self-check: FAIL %s: %s\n", name, c->why);
	}
	fflush(stdout);
	c->why[0] = '\0';
}

static int
dp_check_enqueue(struct dp_check *c, struct rte_mbuf *m)
{
	if (rte_ring_enqueue(c->cp->rx[0], m) < 0) {
		rte_pktmbuf_free(m);
		snprintf(c->why, sizeof(c->why), "RX ring full");
		return -1;
	}
	return 0;
}

/*
 * Send a UDP datagram from the peer to us.  nb_segs > 1 spreads the
 * payload over a chain with odd segment lengths; corrupt spoils the UDP
 * checksum.  @return 0, or -1 with c->why set.
 */
static int
dp_check_send_udp(struct dp_check *c, const char *payload, uint32_t len,
		  uint16_t dst_port, unsigned int nb_segs, int corrupt)
{
	const struct dp_port *p = &dp_ports[c->cp->port];
	struct dp_net_udp_tx t = {
		.src_ip = c->peer_ip,
		.dst_ip = c->our_ip,
		.src_port = DP_CHECK_PEER_PORT,
		.dst_port = dst_port,
		.ip_id = 1,
	};
	struct rte_mbuf *head = NULL, *seg;
	uint32_t done = 0, i;
	struct rte_udp_hdr *udp;

	/* Odd pieces (101, 77, 77, ...), the last segment the rest. */
	for (i = 0; done < len || head == NULL; i++) {
		uint32_t n = len - done;

		if (i + 1 < nb_segs)
			n = RTE_MIN(n, i == 0 ? 101u : 77u);
		seg = rte_pktmbuf_alloc(c->pool);
		if (seg == NULL || rte_pktmbuf_tailroom(seg) < n) {
			rte_pktmbuf_free(seg);
			rte_pktmbuf_free(head);
			snprintf(c->why, sizeof(c->why), "no mbuf");
			return -1;
		}
		memcpy(rte_pktmbuf_append(seg, (uint16_t)n), payload + done,
		       n);
		done += n;
		if (head == NULL)
			head = seg;
		else
			rte_pktmbuf_chain(head, seg);
	}
	rte_ether_addr_copy(&c->peer_mac, &t.src_mac);
	rte_ether_addr_copy(&p->mac, &t.dst_mac);
	if (dp_net_udp_encap(head, &t, 0) < 0) {
		rte_pktmbuf_free(head);
		snprintf(c->why, sizeof(c->why), "cannot build the frame");
		return -1;
	}
	if (corrupt) {
		udp = rte_pktmbuf_mtod_offset(head, struct rte_udp_hdr *,
			sizeof(struct rte_ether_hdr) +
			sizeof(struct rte_ipv4_hdr));
		udp->dgram_cksum ^= rte_cpu_to_be_16(0x0101);
		if (udp->dgram_cksum == 0)
			udp->dgram_cksum = rte_cpu_to_be_16(0x1234);
	}
	return dp_check_enqueue(c, head);
}

/* The next header line (without its line ending) of a raw message; name
 * receives the field name.  @return 1, or 0 at the end of the headers. */
static int
dp_check_next_line(const char **pos, const char *end, const char **line,
		   size_t *len, char *name, size_t name_cap)
{
	const char *p = *pos, *e, *colon;
	size_t n;

	e = memchr(p, '\n', (size_t)(end - p));
	if (e == NULL)
		return 0;
	*pos = e + 1;
	if (e > p && e[-1] == '\r')
		e--;
	if (e == p)
		return 0;
	*line = p;
	*len = (size_t)(e - p);
	colon = memchr(p, ':', *len);
	n = colon != NULL ? (size_t)(colon - p) : 0;
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	n = RTE_MIN(n, name_cap - 1);
	memcpy(name, p, n);
	name[n] = '\0';
	return 1;
}

/* Does a reply header line, as re-parsed, equal bytes of the request? */
static int
dp_check_line_eq(const struct sip_msg *msg, const struct sip_hdr *h,
		 const char *line, size_t len, const char *suffix_prefix)
{
	const char *s = msg->buf + h->line.off;
	size_t n = h->line.len;

	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (suffix_prefix == NULL)
		return n == len && memcmp(s, line, len) == 0;
	/* The request's line, then ";tag=" and a non-empty tag. */
	return n > len + strlen(suffix_prefix) && memcmp(s, line, len) == 0 &&
	       memcmp(s + len, suffix_prefix, strlen(suffix_prefix)) == 0;
}

/*
 * Compare the answer's Via (every one, in order), From, To, Call-ID and
 * CSeq lines with the request's raw lines: equal bytes, except the To tag
 * we add when the request's To has none.  @return 0 or -1 (c->why).
 */
static int
dp_check_copied(struct dp_check *c, const char *req, size_t req_len)
{
	const struct sip_msg *msg = &c->msg;
	const char *pos = memchr(req, '\n', req_len), *end = req + req_len;
	const char *line;
	unsigned int via = 0, i, k;
	char name[32];
	size_t len;

	if (pos == NULL)
		return -1;
	pos++;
	while (dp_check_next_line(&pos, end, &line, &len, name,
				  sizeof(name))) {
		enum sip_hdr_type type = SIP_H_OTHER;
		const struct sip_hdr *h = NULL;
		const char *tag = NULL;

		if (!strcasecmp(name, "Via") || !strcasecmp(name, "v"))
			type = SIP_H_VIA;
		else if (!strcasecmp(name, "From") || !strcasecmp(name, "f"))
			type = SIP_H_FROM;
		else if (!strcasecmp(name, "To") || !strcasecmp(name, "t"))
			type = SIP_H_TO;
		else if (!strcasecmp(name, "Call-ID") || !strcasecmp(name, "i"))
			type = SIP_H_CALL_ID;
		else if (!strcasecmp(name, "CSeq"))
			type = SIP_H_CSEQ;
		else
			continue;
		/* The answer's via-th Via line, or its line of the type. */
		for (i = 0, k = 0; i < msg->nb_hdrs && h == NULL; i++)
			if (msg->hdr[i].type == type &&
			    (type != SIP_H_VIA || k++ == via))
				h = &msg->hdr[i];
		if (type == SIP_H_TO && memmem(line, len, ";tag=", 5) == NULL)
			tag = ";tag=";
		if (h == NULL || !dp_check_line_eq(msg, h, line, len, tag)) {
			snprintf(c->why, sizeof(c->why),
				 "%s line differs from the request's", name);
			return -1;
		}
		if (type == SIP_H_VIA)
			via++;
	}
	for (i = 0, k = 0; i < msg->nb_hdrs; i++)
		k += msg->hdr[i].type == SIP_H_VIA;
	if (k != via) {
		snprintf(c->why, sizeof(c->why), "%u Via lines, expected %u",
			 k, via);
		return -1;
	}
	return 0;
}

/* Check an answer's Ethernet/IPv4/UDP headers and parse its payload into
 * c->msg.  @return 0 or -1 (c->why). */
static int
dp_check_udp_answer(struct dp_check *c, struct rte_mbuf *m,
		    uint16_t dst_port)
{
	const struct dp_port *p = &dp_ports[c->cp->port];
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	uint32_t len;
	const char *payload;
	enum sip_err err;

	if (m->data_len < DP_NET_HDR_LEN) {
		snprintf(c->why, sizeof(c->why), "runt frame");
		return -1;
	}
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	udp = (const struct rte_udp_hdr *)(ip + 1);
	if (!rte_is_same_ether_addr(&eth->dst_addr, &c->peer_mac) ||
	    !rte_is_same_ether_addr(&eth->src_addr, &p->mac) ||
	    eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		snprintf(c->why, sizeof(c->why), "wrong Ethernet header");
		return -1;
	}
	if (!dp_net_ipv4_cksum_ok(ip) || ip->src_addr != c->our_ip ||
	    ip->dst_addr != c->peer_ip || ip->next_proto_id != IPPROTO_UDP) {
		snprintf(c->why, sizeof(c->why),
			 "wrong IPv4 header or header checksum");
		return -1;
	}
	if (udp->dgram_cksum == 0 || dp_net_udp_cksum_chain(m,
		    sizeof(struct rte_ether_hdr)) != 0) {
		snprintf(c->why, sizeof(c->why), "bad UDP checksum");
		return -1;
	}
	if (rte_be_to_cpu_16(udp->src_port) != c->sip_port ||
	    rte_be_to_cpu_16(udp->dst_port) != dst_port) {
		snprintf(c->why, sizeof(c->why), "sent %u -> %u, expected "
			 "%u -> %u", rte_be_to_cpu_16(udp->src_port),
			 rte_be_to_cpu_16(udp->dst_port), c->sip_port,
			 dst_port);
		return -1;
	}
	len = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp);
	payload = rte_pktmbuf_read(m, DP_NET_HDR_LEN, len, c->buf);
	err = payload != NULL ? sip_parse(payload, len, &c->msg) :
				SIP_E_EMPTY;
	if (err != SIP_E_OK || c->msg.is_request) {
		snprintf(c->why, sizeof(c->why), "answer does not parse: %s",
			 sip_err_name(err));
		return -1;
	}
	return 0;
}

/* Send a request, expect a response with this status to this port. */
static void
dp_check_request(struct dp_check *c, const char *name, const char *req,
		 size_t len, unsigned int nb_segs, uint16_t status,
		 uint16_t dst_port, const char *extra_line)
{
	struct rte_mbuf *m;
	int ok = 0;

	dp_check_drain(c);
	if (dp_check_send_udp(c, req, (uint32_t)len, c->sip_port, nb_segs,
			      0) < 0)
		goto report;
	m = dp_check_collect(c);
	if (m == NULL) {
		snprintf(c->why, sizeof(c->why), "no answer");
		goto report;
	}
	if (dp_check_udp_answer(c, m, dst_port) < 0)
		goto free_answer;
	if (c->msg.status != status) {
		snprintf(c->why, sizeof(c->why), "status %u, expected %u",
			 c->msg.status, status);
		goto free_answer;
	}
	if (dp_check_copied(c, req, len) < 0)
		goto free_answer;
	if (extra_line != NULL &&
	    memmem(c->msg.buf, c->msg.len, extra_line,
		   strlen(extra_line)) == NULL) {
		snprintf(c->why, sizeof(c->why), "no \"%.*s\" line",
			 (int)strcspn(extra_line, "\r"), extra_line);
		goto free_answer;
	}
	ok = 1;
free_answer:
	rte_pktmbuf_free(m);
report:
	dp_check_report(c, name, ok);
}

/* Send a datagram that must be dropped and counted under id. */
static void
dp_check_drop(struct dp_check *c, const char *name, const char *payload,
	      size_t len, uint16_t dst_port, int corrupt, enum shm_cnt id)
{
	uint64_t before;
	int ok = 0;

	dp_check_drain(c);
	before = shm_cnt_read(c->lc->cnt, id);
	if (dp_check_send_udp(c, payload, (uint32_t)len, dst_port, 1,
			      corrupt) == 0)
		ok = dp_check_dropped(c, id, before) == 0;
	dp_check_report(c, name, ok);
}

static void
dp_check_arp(struct dp_check *c)
{
	const struct dp_port *p = &dp_ports[c->cp->port];
	const struct rte_ether_hdr *eth;
	const struct rte_arp_hdr *arp;
	struct rte_mbuf *m;
	uint64_t before;
	int ok = 0;

	dp_check_drain(c);
	m = rte_pktmbuf_alloc(c->pool);
	if (m == NULL || dp_net_arp_request(m, &c->peer_mac, c->peer_ip,
					    c->our_ip) < 0 ||
	    dp_check_enqueue(c, m) < 0) {
		snprintf(c->why, sizeof(c->why), "cannot send");
		goto report;
	}
	m = dp_check_collect(c);
	if (m == NULL) {
		snprintf(c->why, sizeof(c->why), "no answer");
		goto report;
	}
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	arp = (const struct rte_arp_hdr *)(eth + 1);
	ok = m->data_len >= sizeof(*eth) + sizeof(*arp) &&
	     eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) &&
	     rte_is_same_ether_addr(&eth->dst_addr, &c->peer_mac) &&
	     rte_is_same_ether_addr(&eth->src_addr, &p->mac) &&
	     arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY) &&
	     rte_is_same_ether_addr(&arp->arp_data.arp_sha, &p->mac) &&
	     arp->arp_data.arp_sip == c->our_ip &&
	     rte_is_same_ether_addr(&arp->arp_data.arp_tha, &c->peer_mac) &&
	     arp->arp_data.arp_tip == c->peer_ip;
	if (!ok)
		snprintf(c->why, sizeof(c->why), "wrong ARP reply");
	rte_pktmbuf_free(m);
report:
	dp_check_report(c, "arp request for us: reply", ok);

	/* An ARP request for another address: counted, not answered. */
	dp_check_drain(c);
	ok = 0;
	before = shm_cnt_read(c->lc->cnt, SHM_CNT_NET_ARP_OTHER);
	m = rte_pktmbuf_alloc(c->pool);
	if (m != NULL && dp_net_arp_request(m, &c->peer_mac, c->peer_ip,
			c->peer_ip ^ rte_cpu_to_be_32(0x10)) == 0 &&
	    dp_check_enqueue(c, m) == 0)
		ok = dp_check_dropped(c, SHM_CNT_NET_ARP_OTHER, before) == 0;
	else
		rte_pktmbuf_free(m);
	dp_check_report(c, "arp request for another ip: silence", ok);
}

/* RFC 4475 3.1.2.17, or the built-in copy of its bytes. */
static size_t
dp_check_badvers(char *buf, size_t cap)
{
	static const char builtin[] =
		"OPTIONS sip:t.watson@example.org SIP/7.0\r\n"
		"Via:     SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw\r\n"
		"Max-Forwards:     70\r\n"
		"From:    A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe\r\n"
		"To:      T. Watson <sip:t.watson@example.org>\r\n"
		"Call-ID: badvers.31417@c.example.com\r\n"
		"CSeq:    1 OPTIONS\r\n"
		"l: 0\r\n"
		"\r\n";
	const char *dir = getenv("SIPFORK_TESTDATA");
	size_t n = 0;

	if (dir != NULL) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/rfc4475/badvers.dat", dir);
		f = fopen(path, "rb");
		if (f != NULL) {
			n = fread(buf, 1, cap, f);
			fclose(f);
			if (n > 0 && n < cap) {
				printf("self-check: using %s\n", path);
				return n;
			}
		}
		printf("self-check: cannot read %s, using the built-in copy\n",
		       path);
	}
	n = RTE_MIN(sizeof(builtin) - 1, cap);
	memcpy(buf, builtin, n);
	return n;
}

static int
dp_check_run(struct dp_check_port *cp, struct dp_lcore *lc, int interleaved,
	     const struct cfg *cfg)
{
	static const struct rte_ether_addr peer = {
		{ 0x02, 0x00, 0x5e, 0x10, 0x00, 0x07 } };
	static const char garbage[] =
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not SIP at all";
	const uint8_t *ipb = (const uint8_t *)&cfg->dp.ip;
	struct dp_check *c;
	char *req;
	int n, ret;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->cp = cp;
	c->lc = lc;
	c->interleaved = interleaved;
	c->pool = lc->pool;
	c->peer_mac = peer;
	c->peer_ip = rte_cpu_to_be_32(DP_CHECK_PEER_IP);
	c->our_ip = cfg->dp.ip;
	c->sip_port = cfg->dp.port;
	snprintf(c->ip_str, sizeof(c->ip_str), "%u.%u.%u.%u", ipb[0], ipb[1],
		 ipb[2], ipb[3]);
	req = c->req;
	printf("self-check: %s:%u via port %d (%s), %s\n", c->ip_str,
	       c->sip_port, cp->port, dp_ports[cp->port].name,
	       interleaved ? "worker loop on the main lcore" :
			     "worker loop on its own lcore");

	/* 1. OPTIONS for us: 200, to the source port because of rport. */
	n = snprintf(req, sizeof(c->req),
		"OPTIONS sip:%s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bK-sc-opt;"
		"rport\r\n"
		"Via: SIP/2.0/UDP 203.0.113.9;branch=z9hG4bK-sc-up;"
		"received=198.51.100.99, SIP/2.0/TCP [2001:db8::1]:5061"
		";branch=z9hG4bK-sc-up2\r\n"
		"Max-Forwards: 70\r\n"
		"From: \"Self Check\" <sip:check@198.51.100.7>;tag=sc1\r\n"
		"To: <sip:%s>\r\n"
		"Call-ID: selfcheck-options@198.51.100.7\r\n"
		"CSeq: 1 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n", c->ip_str, c->ip_str);
	dp_check_request(c, "options for us: 200, Via kept, To-tag, rport",
			 req, (size_t)n, 1, 200, DP_CHECK_PEER_PORT, NULL);

	/* 2. The same in a chain of odd-length segments. */
	dp_check_request(c, "options in a 3-segment chain: 200", req,
			 (size_t)n, 3, 200, DP_CHECK_PEER_PORT, NULL);

	/* 3. An unsupported SIP version: 505, to the Via's default port. */
	n = (int)dp_check_badvers(req, sizeof(c->req));
	dp_check_request(c, "rfc4475 badvers: 505", req, (size_t)n, 1, 505,
			 5060, NULL);

	/* 4. INVITE: we cannot forward yet, so 503 + Retry-After. */
	n = snprintf(req, sizeof(c->req),
		"INVITE sip:+15551234567@%s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bK-sc-inv\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:alice@198.51.100.7>;tag=sc2\r\n"
		"To: <sip:+15551234567@%s>\r\n"
		"Call-ID: selfcheck-invite@198.51.100.7\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sip:alice@198.51.100.7:5070>\r\n"
		"Content-Length: 0\r\n\r\n", c->ip_str, c->ip_str);
	dp_check_request(c, "invite: 503 with Retry-After", req, (size_t)n,
			 1, 503, 5070, "\r\nRetry-After: 5\r\n");

	/* 5. ACK: absorbed, never answered. */
	n = snprintf(req, sizeof(c->req),
		"ACK sip:+15551234567@%s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bK-sc-inv\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:alice@198.51.100.7>;tag=sc2\r\n"
		"To: <sip:+15551234567@%s>;tag=x\r\n"
		"Call-ID: selfcheck-invite@198.51.100.7\r\n"
		"CSeq: 1 ACK\r\n"
		"Content-Length: 0\r\n\r\n", c->ip_str, c->ip_str);
	dp_check_drop(c, "ack: silence", req, (size_t)n, c->sip_port, 0,
		      SHM_CNT_SL_RECEIVED_ACKS);

	/* 6. A response: nothing to match it to yet, dropped. */
	n = snprintf(req, sizeof(c->req),
		"SIP/2.0 180 Ringing\r\n"
		"Via: SIP/2.0/UDP %s;branch=z9hG4bK-sc-resp\r\n"
		"From: <sip:alice@198.51.100.7>;tag=sc3\r\n"
		"To: <sip:bob@%s>;tag=y\r\n"
		"Call-ID: selfcheck-resp@198.51.100.7\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n\r\n", c->ip_str, c->ip_str);
	dp_check_drop(c, "response: counted drop", req, (size_t)n,
		      c->sip_port, 0, SHM_CNT_DROP_REPLIES);

	/* 7. ARP. */
	dp_check_arp(c);

	/* 8. Not SIP, keep-alive, bad checksum, another port: counted. */
	dp_check_drop(c, "garbage udp: counted drop", garbage,
		      sizeof(garbage) - 1, c->sip_port, 0, SHM_CNT_BAD_MSG_HDR);
	dp_check_drop(c, "crlf keep-alive: ignored", "\r\n\r\n", 4,
		      c->sip_port, 0, SHM_CNT_NET_KEEPALIVES);
	n = snprintf(req, sizeof(c->req),
		"OPTIONS sip:%s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bK-sc-ck\r\n"
		"From: <sip:check@198.51.100.7>;tag=sc4\r\n"
		"To: <sip:%s>\r\n"
		"Call-ID: selfcheck-cksum@198.51.100.7\r\n"
		"CSeq: 1 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n", c->ip_str, c->ip_str);
	dp_check_drop(c, "wrong udp checksum: counted drop", req, (size_t)n,
		      c->sip_port, 1, SHM_CNT_NET_BAD_UDP_CKSUM);
	dp_check_drop(c, "udp to another port: counted drop", req, (size_t)n,
		      (uint16_t)(c->sip_port + 1), 0,
		      SHM_CNT_NET_NOT_SIP_PORT);

	dp_check_drain(c);
	printf("self-check: %u passed, %u failed\n", c->passed, c->failed);
	fflush(stdout);
	ret = c->failed == 0 && c->passed > 0 ? 0 : -1;
	free(c);
	return ret;
}

/** Everything main() sets up, for one teardown path. */
struct dp_state {
	unsigned int workers[RTE_MAX_LCORE]; /**< worker lcore ids */
	unsigned int nb_workers;             /**< entries in workers */
	int main_is_worker;                  /**< no worker lcore: -l N */
	struct dp_lcore *lc[RTE_MAX_LCORE];  /**< by worker index */
	struct shm_lcore_counters *cnt;      /**< RTE_MAX_LCORE blocks */
	struct dp_check_port chk;            /**< the self-check's port */
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
		ret = dp_check_port_create(&st->chk, st->nb_workers,
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
	st->cnt = rte_zmalloc("sf_counters", sizeof(*st->cnt) * RTE_MAX_LCORE,
			      RTE_CACHE_LINE_SIZE);
	if (st->cnt == NULL)
		return -ENOMEM;
	st->routes = dp_route_table_from_cfg(cfg);
	if (st->routes == NULL)
		return -ENOMEM;
	for (i = 0; i < st->nb_workers; i++) {
		st->lc[i] = dp_lcore_create(st->workers[i], (uint16_t)i, &conf,
					    &st->cnt[st->workers[i]], cfg,
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
	rte_free(st->cnt);
	st->cnt = NULL;
	dp_route_table_free(st->routes);
	st->routes = NULL;
	dp_check_port_forget(&st->chk);
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
		ret = dp_check_run(&dp.chk, dp.lc[0], dp.main_is_worker,
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
