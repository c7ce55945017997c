/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Server side of the proxy (RFC 3261 16.2-16.4, 17.2): request intake,
 * the checks a proxy makes before forwarding, server transaction matching
 * and lifetime, and everything sent upstream.
 *
 * Concurrency: one struct txn_ctx per worker lcore, used by that lcore
 * alone (see txn.h).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>

#include "dp_hash.h"
#include <rte_malloc.h>

#include "br_id.h"
#include "cfg.h"
#include "sip_build.h"
#include "sip_reply.h"
#include "txn_priv.h"

/* Which server transaction a request belongs to: ACK and CANCEL share the
 * INVITE's branch (RFC 3261 9.1, 17.2.3), other methods have their own. */
static uint8_t
method_class(const struct sip_msg *msg)
{
	switch (msg->method_id) {
	case SIP_M_INVITE:
	case SIP_M_ACK:
	case SIP_M_CANCEL:
		return SIP_M_INVITE;
	default:
		return msg->method_id ? msg->method_id : SIP_M__COUNT;
	}
}

/* FNV-1a over the fields RFC 3261 17.2.3 matches on, with a basis:
 * its multiplications make the halves independent of each other, which
 * CRCs under different seeds are not (CRC is affine in its seed). */
static uint64_t
key_fnv(const struct sip_msg *msg, int cookie, uint8_t mc, uint64_t h)
{
	const struct sip_via *v = &msg->via[0];
	struct sip_span f[4];
	uint32_t n = 0, i, j;

	if (cookie) {
		f[n++] = v->branch;
		f[n++] = v->host;
	} else {
		f[n++] = msg->call_id;
		f[n++] = msg->from.tag;
		f[n++] = v->all;
	}
	h = (h ^ mc) * 0x100000001b3ull;
	h = (h ^ (cookie ? v->port : msg->cseq)) * 0x100000001b3ull;
	for (i = 0; i < n; i++) {
		const uint8_t *p = (const uint8_t *)sip_span_ptr(msg, f[i]);

		for (j = 0; j < f[i].len; j++)
			h = (h ^ p[j]) * 0x100000001b3ull;
		h = (h ^ 0xff) * 0x100000001b3ull; /* field separator */
	}
	return h;
}

/*
 * The server transaction key: 128 bits over the fields RFC 3261 17.2.3
 * matches on (branch, sent-by, method class), or for RFC 2543 peers
 * without the magic cookie its fallback fields (Call-ID, From tag, the
 * whole top Via, CSeq number).  Two FNV-1a 64 with different bases: a
 * false match between live transactions is then about 2^-100 likely.
 */
static void
txn_key(const struct sip_msg *msg, uint64_t key[2])
{
	const struct sip_via *v = &msg->via[0];
	uint8_t mc = method_class(msg);
	int cookie = v->branch.len > 7 &&
		     memcmp(sip_span_ptr(msg, v->branch), "z9hG4bK", 7) == 0;

	key[0] = key_fnv(msg, cookie, mc, 0xcbf29ce484222325ull);
	key[1] = key_fnv(msg, cookie, mc, 0x84222325cbf29ce4ull);
}

/* The key is already a hash: rte_hash needs only 32 bits of it. */
static uint32_t
key_hash(const void *key, uint32_t len, uint32_t init)
{
	(void)len;
	(void)init;
	return (uint32_t)((const uint64_t *)key)[0];
}

/* ---- lifecycle ------------------------------------------------------ */

int
txn_ctx_init(struct txn_ctx *tc, const struct txn_conf *c, uint64_t now)
{
	const struct cfg *cfg = c->cfg;
	struct rte_hash_parameters hp = { 0 };
	char name[RTE_HASH_NAMESIZE];
	uint32_t chunk_bytes;
	int rc;

	memset(tc, 0, sizeof(*tc));
	tc->c = *c;
	tc->chunk_size = cfg->dp.branch_chunk;
	tc->max_branches = cfg->dp.max_branches;
	tc->t1 = cfg->timers.t1_ms;
	tc->t2 = cfg->timers.t2_ms;
	tc->t4 = 5000;
	tc->timer_b = cfg->timers.timer_b_ms;
	tc->timer_c = cfg->timers.timer_c_ms;
	tc->wait = cfg->timers.wait_ms;
	/* A transaction holds up to three received or built packets (its
	 * request, our last reply, the best response) from the pool RX
	 * refills from; a third of [memory] mbufs keeps RX alive when
	 * transactions pile up, and past it new requests get 503. */
	tc->max_txns = RTE_MIN(cfg->mem.transactions,
			       RTE_MAX(cfg->mem.mbufs / 3, 1u));
	tc->tag_salt = (uint32_t)rte_rdtsc();
	tc->our_hostport_len = (uint16_t)sip_build_hostport(
		tc->our_hostport, c->ip, c->port);

	snprintf(name, sizeof(name), "txn%u", c->worker);
	rc = dp_pool_init(&tc->txns, name, sizeof(struct txn),
			  cfg->mem.transactions, c->socket);
	if (rc < 0)
		return rc;
	chunk_bytes = tc->chunk_size * sizeof(struct br);
	snprintf(name, sizeof(name), "brc%u", c->worker);
	rc = dp_pool_init(&tc->chunks, name, chunk_bytes,
			  cfg->mem.branch_chunks, c->socket);
	if (rc < 0)
		goto free_txns;
	rc = -ENOMEM;
	tc->gens = rte_zmalloc_socket("txn_gen",
				      sizeof(*tc->gens) * tc->txns.nb, 0,
				      c->socket);
	tc->wheel = rte_zmalloc_socket("tmr", sizeof(*tc->wheel),
				       RTE_CACHE_LINE_SIZE, c->socket);
	tc->scratch = rte_malloc_socket("txn_msg", sizeof(*tc->scratch),
					RTE_CACHE_LINE_SIZE, c->socket);
	tc->buf = rte_malloc_socket("txn_buf", DP_NET_MAX_PAYLOAD + 1,
				    RTE_CACHE_LINE_SIZE, c->socket);
	if (!tc->gens || !tc->wheel || !tc->scratch || !tc->buf)
		goto free_mem;
	snprintf(name, sizeof(name), "txnh%u_%p", c->worker, (void *)tc);
	hp.name = name;
	/* rte_hash wants at least 8 entries and keeps 1/8 spare itself. */
	hp.entries = RTE_MAX(tc->txns.nb, 8u);
	hp.key_len = sizeof(((struct txn *)0)->key);
	hp.hash_func = key_hash;
	hp.socket_id = c->socket;
	tc->hash = rte_hash_create(&hp);
	if (tc->hash == NULL)
		goto free_mem;
	tmr_wheel_init(tc->wheel, now);
	return 0;

free_mem:
	rte_free(tc->gens);
	rte_free(tc->wheel);
	rte_free(tc->scratch);
	rte_free(tc->buf);
	dp_pool_fini(&tc->chunks);
free_txns:
	dp_pool_fini(&tc->txns);
	memset(tc, 0, sizeof(*tc)); /* txn_ctx_fini() of it is a no-op */
	return rc;
}

static void
txn_free(struct txn_ctx *tc, struct txn *t)
{
	tmr_stop(tc->wheel, &t->tmr);
	br_free_all(tc, t);
	rte_pktmbuf_free(t->orig);
	rte_pktmbuf_free(t->last_resp);
	rte_pktmbuf_free(t->best);
	if (tc->scratch_slot == dp_pool_idx(&tc->txns, t) + 1)
		tc->scratch_slot = 0; /* the parse pointed into orig */
	/* orig == NULL marks a free slot for txn_ctx_fini and responses. */
	t->orig = t->last_resp = t->best = NULL;
	rte_hash_del_key(tc->hash, t->key);
	tc->c.cnt->v[SHM_CNT_TM_INUSE_TRANSACTIONS]--;
	dp_pool_put(&tc->txns, t);
}

void
txn_ctx_fini(struct txn_ctx *tc)
{
	uint32_t i;

	for (i = 0; tc->hash != NULL && i < tc->txns.nb; i++) {
		struct txn *t = dp_pool_at(&tc->txns, i);

		if (t->orig != NULL)
			txn_free(tc, t);
	}
	rte_hash_free(tc->hash);
	rte_free(tc->gens);
	rte_free(tc->wheel);
	rte_free(tc->scratch);
	rte_free(tc->buf);
	dp_pool_fini(&tc->chunks);
	dp_pool_fini(&tc->txns);
	memset(tc, 0, sizeof(*tc));
}

struct txn *
txn_from_slot(struct txn_ctx *tc, uint32_t slot, uint16_t gen)
{
	struct txn *t = dp_pool_at(&tc->txns, slot);

	if (t == NULL || t->orig == NULL || t->gen != gen)
		return NULL;
	return t;
}

/* ---- sending -------------------------------------------------------- */

struct rte_mbuf *
txn_payload_mbuf(struct txn_ctx *tc, const char *p, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(tc->c.pkt_pool);
	char *d;

	if (m == NULL) {
		SHM_CNT_INC(tc->c.cnt, NET_TX_NOMBUF);
		return NULL;
	}
	d = len <= UINT16_MAX ? rte_pktmbuf_append(m, (uint16_t)len) : NULL;
	if (d == NULL) {
		SHM_CNT_INC(tc->c.cnt, NET_TX_TOO_BIG);
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(d, p, len);
	return m;
}

int
txn_frame(struct txn_ctx *tc, struct rte_mbuf *m, uint32_t ip, uint16_t port,
	  const struct rte_ether_addr *mac_hint)
{
	return txn_frame_sum(tc, m, ip, port, mac_hint, 0, 0);
}

/* 1 for an address a SIP frame may go to: not 0/8, loopback, multicast
 * or broadcast.  A Via can name any address (RFC 4475 3.3.10 bcast);
 * a proxy must not follow one of these. */
static int
unicast(uint32_t ip)
{
	uint8_t a = ((const uint8_t *)&ip)[0];

	return a != 0 && a != 127 && a < 224;
}

int
txn_frame_sum(struct txn_ctx *tc, struct rte_mbuf *m, uint32_t ip,
	      uint16_t port, const struct rte_ether_addr *mac_hint,
	      uint32_t tail_len, uint16_t tail_sum)
{
	struct dp_net_udp_tx u;

	if (!unicast(ip) || port == 0) {
		SHM_CNT_INC(tc->c.cnt, NET_TX_BAD_DEST);
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	/* No IP fragmentation here: a datagram over the MTU would be lost
	 * on the wire, every retransmission with it. */
	if (tc->c.mtu != 0 && m->pkt_len + 28 > tc->c.mtu) {
		SHM_CNT_INC(tc->c.cnt, NET_TX_TOO_BIG);
		rte_pktmbuf_free(m);
		return -EMSGSIZE;
	}

	u.src_mac = tc->c.mac;
	if (tc->c.io.nbr(tc->c.io.ctx, ip, &u.dst_mac) < 0) {
		/* Unknown neighbour.  Answering the source of a request, its
		 * MAC is the next hop; otherwise the all-zero MAC tells
		 * io.tx to hold the frame until ARP answers (never a
		 * broadcast: RFC 1122 3.3.6). */
		if (mac_hint != NULL)
			u.dst_mac = *mac_hint;
		else
			memset(&u.dst_mac, 0, sizeof(u.dst_mac));
		SHM_CNT_INC(tc->c.cnt, TM_NBR_MISS);
	}
	u.src_ip = tc->c.ip;
	u.dst_ip = ip;
	u.src_port = tc->c.port;
	u.dst_port = port;
	u.ip_id = tc->ip_id++;
	/* Offload only single buffers: some PMDs' checksum emulation sums
	 * chains with the odd-length bug of NOTES-DPDK.md. */
	if (dp_net_udp_encap_sum(m, &u, tc->c.hw_cksum && m->nb_segs == 1,
				 tail_len, tail_sum) < 0) {
		SHM_CNT_INC(tc->c.cnt, NET_TX_TOO_BIG);
		rte_pktmbuf_free(m);
		return -EMSGSIZE;
	}
	return 0;
}

void
txn_tx(struct txn_ctx *tc, struct rte_mbuf *frame)
{
	tc->c.io.tx(tc->c.io.ctx, frame);
}

void
txn_tx_kept(struct txn_ctx *tc, struct rte_mbuf *frame)
{
	/* The port frees its reference when sent; ours stays. */
	rte_pktmbuf_refcnt_update(frame, 1);
	tc->c.io.tx(tc->c.io.ctx, frame);
}

/* Our To tag for local replies: the same for every retransmission of a
 * transaction's reply, unique per run. */
#define LOCAL_TAG_LEN 18
static void
local_tag(const struct txn_ctx *tc, uint32_t a, uint32_t b, char *tag)
{
	tag[0] = 's';
	tag[1] = 'f';
	br_id_hex(tag + 2, tc->tag_salt ^ a, 8);
	br_id_hex(tag + 10, b, 8);
	tag[LOCAL_TAG_LEN] = '\0';
}

/* 1 when the To tag has the shape of local_tag(): a reply of ours. */
static int
is_our_tag(const struct sip_msg *msg)
{
	return msg->to.tag.len == LOCAL_TAG_LEN &&
	       memcmp(sip_span_ptr(msg, msg->to.tag), "sf", 2) == 0;
}

/* A reply to a request that has no transaction (RFC 3261 8.2.6, sent by
 * 18.2.2 and RFC 3581). */
static void
reply_stateless(struct txn_ctx *tc, const struct dp_net_rx *rx,
		const struct sip_msg *msg, uint16_t status, const char *extra)
{
	struct sip_reply_opts o = { 0 };
	struct rte_mbuf *m;
	char tag[20];
	uint32_t ip;
	uint16_t port;
	int n;

	if (!sip_reply_possible(msg)) {
		SHM_CNT_INC(tc->c.cnt, DROP_REQUESTS);
		return;
	}
	local_tag(tc, dp_crc(sip_span_ptr(msg, msg->call_id),
				   msg->call_id.len, 0), msg->cseq, tag);
	o.to_tag = tag;
	o.extra = extra;
	n = sip_reply_build(msg, status, NULL, &o, tc->buf, DP_NET_MAX_PAYLOAD);
	if (n < 0) {
		SHM_CNT_INC(tc->c.cnt, NET_TX_TOO_BIG);
		return;
	}
	sip_build_reply_dest(msg, rx->src_ip, rx->src_port, &ip, &port);
	m = txn_payload_mbuf(tc, tc->buf, (uint32_t)n);
	if (m == NULL || txn_frame(tc, m, ip, port, &rx->src_mac) < 0)
		return;
	txn_tx(tc, m);
	SHM_CNT_INC(tc->c.cnt, SL_SENT_REPLIES);
	if (status >= 300)
		SHM_CNT_INC(tc->c.cnt, SL_SENT_ERR_REPLIES);
}

static void
count_final(struct txn_ctx *tc, uint16_t status)
{
	static const enum shm_cnt cls[] = {
		SHM_CNT_TM_2XX_TRANSACTIONS, SHM_CNT_TM_3XX_TRANSACTIONS,
		SHM_CNT_TM_4XX_TRANSACTIONS, SHM_CNT_TM_5XX_TRANSACTIONS,
		SHM_CNT_TM_6XX_TRANSACTIONS,
	};

	if (status >= 200 && status < 700)
		tc->c.cnt->v[cls[status / 100 - 2]]++;
}

/* Make frame the one resent to a repeated request, and send it. */
static void
send_up_kept(struct txn_ctx *tc, struct txn *t, struct rte_mbuf *frame)
{
	rte_pktmbuf_free(t->last_resp);
	t->last_resp = frame;
	txn_tx_kept(tc, frame);
}

int
txn_reparse(struct txn_ctx *tc, struct txn *t, struct sip_msg *msg)
{
	const char *p = rte_pktmbuf_mtod_offset(t->orig, const char *,
						t->pl_off);
	uint32_t slot = dp_pool_idx(&tc->txns, t);

	/* The CANCELs and ACKs of one transaction come in runs: parse its
	 * request once per run, not once per message.  The bytes do not
	 * change after txn_new (Max-Forwards is rewritten before). */
	if (msg == tc->scratch && tc->scratch_slot == slot + 1 &&
	    tc->scratch_gen == t->gen)
		return 0;
	if (sip_parse(p, t->pl_len, msg) != SIP_E_OK)
		return -EINVAL;
	if (msg == tc->scratch) {
		tc->scratch_slot = slot + 1;
		tc->scratch_gen = t->gen;
	}
	return 0;
}


void
txn_reply_local(struct txn_ctx *tc, struct txn *t, uint16_t status,
		const struct sip_msg *req)
{
	struct sip_reply_opts o = { 0 };
	const struct sip_msg *msg = req;
	struct rte_mbuf *m;
	char tag[20];
	int n;

	if (msg == NULL) {
		if (txn_reparse(tc, t, tc->scratch) < 0)
			return;
		msg = tc->scratch;
	}
	local_tag(tc, dp_pool_idx(&tc->txns, t), t->gen, tag);
	o.to_tag = tag;
	o.extra = status == 503 ? "Retry-After: 5\r\n" : NULL;
	n = sip_reply_build(msg, status, NULL, &o, tc->buf,
			    DP_NET_MAX_PAYLOAD);
	if (n < 0)
		return;
	m = txn_payload_mbuf(tc, tc->buf, (uint32_t)n);
	if (m == NULL || txn_frame(tc, m, t->up_ip, t->up_port,
				   &t->up_mac) < 0)
		return;
	send_up_kept(tc, t, m);
	SHM_CNT_INC(tc->c.cnt, TM_LOCAL_REPLIES);
}

int
txn_relay_up(struct txn_ctx *tc, struct txn *t, struct rte_mbuf *m,
	     const struct dp_net_rx *rx, const struct sip_msg *msg, int keep)
{
	/* RFC 3261 16.7 step 3: with only our Via, it was meant for us. */
	if (msg->nb_via < 2 ||
	    sip_build_strip_via(m, rx->payload_off, msg) < 0) {
		SHM_CNT_INC(tc->c.cnt, DROP_REPLIES);
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	if (txn_frame(tc, m, t->up_ip, t->up_port, &t->up_mac) < 0) {
		SHM_CNT_INC(tc->c.cnt, DROP_REPLIES); /* txn_frame freed m */
		return -EINVAL;
	}
	SHM_CNT_INC(tc->c.cnt, FWD_REPLIES);
	if (keep)
		send_up_kept(tc, t, m);
	else
		txn_tx(tc, m);
	return 0;
}

/* A response that matches no transaction but carries our Via: relay it
 * statelessly to the next Via (RFC 3261 16.7 end, 16.11). */
static void
relay_stateless(struct txn_ctx *tc, struct rte_mbuf *m,
		const struct dp_net_rx *rx, const struct sip_msg *msg)
{
	const struct sip_via *v;
	uint32_t ip;
	uint16_t port;

	if (msg->nb_via < 2) {
		SHM_CNT_INC(tc->c.cnt, DROP_REPLIES);
		rte_pktmbuf_free(m);
		return;
	}
	v = &msg->via[1];
	port = v->port ? v->port : 5060;
	if (v->has_rport && v->rport.len > 0) {
		/* RFC 3581: the port the request really came from. */
		const char *d = sip_span_ptr(msg, v->rport);
		uint32_t rp = 0;
		uint16_t i;

		for (i = 0; i < v->rport.len && d[i] >= '0' && d[i] <= '9' &&
			    rp < 65536; i++)
			rp = rp * 10 + (uint32_t)(d[i] - '0');
		if (rp > 0 && rp < 65536)
			port = (uint16_t)rp;
	}
	if ((v->received.len == 0 ||
	     sip_build_ipv4(msg, v->received, &ip) < 0) &&
	    sip_build_ipv4(msg, v->host, &ip) < 0) {
		SHM_CNT_INC(tc->c.cnt, DROP_REPLIES);
		rte_pktmbuf_free(m);
		return;
	}
	if (sip_build_strip_via(m, rx->payload_off, msg) < 0) {
		SHM_CNT_INC(tc->c.cnt, DROP_REPLIES);
		rte_pktmbuf_free(m);
		return;
	}
	if (txn_frame(tc, m, ip, port, NULL) < 0) {
		SHM_CNT_INC(tc->c.cnt, DROP_REPLIES); /* txn_frame freed m */
		return;
	}
	SHM_CNT_INC(tc->c.cnt, FWD_REPLIES);
	SHM_CNT_INC(tc->c.cnt, TM_STATELESS_FWD);
	txn_tx(tc, m);
}

/* ---- completion ----------------------------------------------------- */

static void
arm_wait(struct txn_ctx *tc, struct txn *t)
{
	t->state = TS_WAIT;
	tmr_arm(tc->wheel, &t->tmr, tc->wait);
}

/* Send the best final response upstream once every branch is final
 * (RFC 3261 16.7 step 6).  A lone 503 received from downstream becomes
 * 500: forwarding it would tell the caller this proxy is unavailable.  A
 * 503 of our own (no branch chunk or buffer: best is NULL) is the truth
 * and goes up as such, with Retry-After, like a full transaction pool.
 * A non-INVITE gets no 408 at all (RFC 4320 section 4.2): the requester
 * has timed out by then, and the transaction just waits to be deleted. */
void
txn_final_up(struct txn_ctx *tc, struct txn *t)
{
	uint16_t st = t->best_status ? t->best_status : 408;

	if (st == 408 && !(t->flags & TXN_F_INVITE)) {
		rte_pktmbuf_free(t->best);
		t->best = NULL;
		arm_wait(tc, t);
		return;
	}
	if (t->best != NULL && st != 503) {
		struct rte_mbuf *m = t->best;

		t->best = NULL;
		/* best was edited when it arrived: see br_response. */
		if (txn_frame(tc, m, t->up_ip, t->up_port, &t->up_mac) == 0) {
			SHM_CNT_INC(tc->c.cnt, FWD_REPLIES);
			send_up_kept(tc, t, m);
		}
	} else {
		if (st == 503 && t->best != NULL)
			st = 500;
		rte_pktmbuf_free(t->best);
		t->best = NULL;
		txn_reply_local(tc, t, st, NULL);
	}
	t->final_status = st;
	count_final(tc, st);
	if (t->flags & TXN_F_INVITE) {
		/* Timer G retransmits until the ACK, Timer H gives up. */
		t->state = TS_COMPLETED;
		t->g_shift = 0;
		t->t_h = (uint32_t)(tmr_now(tc->wheel) + 64ull * tc->t1);
		tmr_arm(tc->wheel, &t->tmr, tc->t1);
	} else {
		arm_wait(tc, t);
	}
}

void
txn_final_2xx(struct txn_ctx *tc, struct txn *t, uint16_t status)
{
	if (t->final_status != 0)
		return;
	t->final_status = status;
	count_final(tc, status);
	if (t->flags & TXN_F_INVITE) {
		/* RFC 6026 Accepted: later 2xx still go up; the other
		 * branches are cancelled and wound down. */
		t->state = TS_ACCEPTED;
		br_cancel_all(tc, t);
		if (t->nb_pending == 0)
			arm_wait(tc, t);
	} else {
		arm_wait(tc, t);
	}
}

void
txn_branch_done(struct txn_ctx *tc, struct txn *t)
{
	struct sip_msg *msg = tc->scratch;

	if (t->state == TS_ACCEPTED) {
		if (t->nb_pending == 0)
			arm_wait(tc, t);
		return;
	}
	if (t->state != TS_PROCEEDING || t->nb_pending > 0)
		return;
	/* The group ended without a 2xx: serial forking goes on to the
	 * next group unless cancelled, a 6xx ended it, or (drouting) the
	 * best code is not a failover code. */
	while (!(t->flags & (TXN_F_CANCELLED | TXN_F_6XX)) &&
	       t->route != NULL && t->grp + 1u < t->route->nb_groups &&
	       (t->route->failover == DP_FAILOVER_ANY ||
		cfg_is_failover_code(tc->c.cfg, t->best_status))) {
		t->grp++;
		if (txn_reparse(tc, t, msg) == 0 &&
		    fork_group(tc, t, msg) > 0)
			return;
	}
	txn_final_up(tc, t);
}

static void
txn_timer(struct txn_ctx *tc, struct txn *t)
{
	uint32_t now = (uint32_t)tmr_now(tc->wheel);
	uint64_t next;

	switch (t->state) {
	case TS_COMPLETED:
		if ((int32_t)(t->t_h - now) <= 0 || t->last_resp == NULL) {
			SHM_CNT_INC(tc->c.cnt, TM_TIMEOUTS);
			arm_wait(tc, t); /* Timer H: the ACK never came */
			return;
		}
		txn_tx_kept(tc, t->last_resp); /* Timer G */
		SHM_CNT_INC(tc->c.cnt, TM_RETRANSMISSIONS);
		t->g_shift++;
		next = RTE_MIN((uint64_t)tc->t1 << RTE_MIN(t->g_shift, 16),
			       (uint64_t)tc->t2);
		next = RTE_MIN(next, (uint64_t)(uint32_t)(t->t_h - now));
		tmr_arm(tc->wheel, &t->tmr, next);
		return;
	case TS_WAIT:
		txn_free(tc, t);
		return;
	default:
		return;
	}
}

/* ---- request intake ------------------------------------------------- */

/* A loop-detection hash of what decides routing (RFC 3261 16.6 item 8).
 * The Route set is part of it: an in-dialog request that spirals through
 * us twice (we Record-Routed both passes) comes back with the same
 * Request-URI but a shorter Route set, and must not be taken for a loop. */
static uint32_t
loop_hash(const struct sip_msg *msg)
{
	uint32_t h = dp_crc(sip_span_ptr(msg, msg->ruri.all),
				  msg->ruri.all.len, 0x1009u);
	uint8_t i;

	h = dp_crc(sip_span_ptr(msg, msg->from.tag), msg->from.tag.len,
			 h);
	h = dp_crc(sip_span_ptr(msg, msg->call_id), msg->call_id.len,
			 h);
	for (i = 0; i < msg->nb_route; i++)
		h = dp_crc(sip_span_ptr(msg, msg->route[i].all),
			   msg->route[i].all.len, h);
	return rte_hash_crc_4byte(msg->cseq, h);
}

static int
uri_is_us(const struct txn_ctx *tc, const struct sip_msg *msg,
	  const struct sip_uri *u)
{
	uint32_t ip;

	return sip_build_ipv4(msg, u->host, &ip) == 0 && ip == tc->c.ip &&
	       (u->port ? u->port : 5060) == tc->c.port;
}

/* RFC 3261 16.3 item 4: our Via with this request's loop hash. */
static int
looped(const struct txn_ctx *tc, const struct sip_msg *msg, uint32_t lh)
{
	struct br_id id;
	uint8_t i;

	for (i = 0; i < msg->nb_via; i++) {
		const struct sip_via *v = &msg->via[i];
		uint32_t ip;

		if (br_id_parse(sip_span_ptr(msg, v->branch), v->branch.len,
				&id) == 0 && id.loop == lh &&
		    sip_build_ipv4(msg, v->host, &ip) == 0 && ip == tc->c.ip &&
		    (v->port ? v->port : 5060) == tc->c.port)
			return 1;
	}
	return 0;
}

/* The next hop of a request routed by its Route set or Request-URI
 * (loose routing, RFC 3261 16.4 and 16.6 item 6).  @return 0 or -1. */
static int
next_hop(const struct txn_ctx *tc, const struct sip_msg *msg, uint32_t *ip,
	 uint16_t *port, struct sip_span *cut)
{
	const struct sip_uri *u = &msg->ruri;

	cut->off = cut->len = 0;
	if (msg->nb_route > 0 && uri_is_us(tc, msg, &msg->route[0].uri)) {
		*cut = sip_build_route_cut(msg);
		if (msg->nb_route > 1)
			u = &msg->route[1].uri;
	} else if (msg->nb_route > 0) {
		u = &msg->route[0].uri;
	}
	if (sip_build_ipv4(msg, u->host, ip) < 0 || uri_is_us(tc, msg, u))
		return -1;
	*port = u->port ? u->port : 5060;
	return 0;
}

/* Refuse what a proxy must refuse before forwarding (RFC 3261 16.3).
 * @return 0 to go on, else the status to answer with. */
static uint16_t
request_checks(struct txn_ctx *tc, const struct sip_msg *msg,
	       uint32_t *lh, char *extra, size_t extra_len)
{
	uint8_t i;

	if (msg->ruri.scheme == SIP_SCHEME_OTHER)
		return 416;
	if (msg->max_forwards == 0)
		return 483;
	*lh = loop_hash(msg);
	if (looped(tc, msg, *lh)) {
		SHM_CNT_INC(tc->c.cnt, TM_LOOPS);
		return 482;
	}
	if (msg->nb_proxy_require > 0) {
		/* We support no extension: name them all (RFC 3261 8.2.2.3). */
		size_t n = (size_t)snprintf(extra, extra_len, "Unsupported: ");
		int first = 1;

		for (i = 0; i < msg->nb_hdrs && n < extra_len; i++) {
			const struct sip_hdr *h = &msg->hdr[i];

			if (h->type != SIP_H_PROXY_REQUIRE)
				continue;
			n += (size_t)snprintf(extra + n, extra_len - n, "%s%.*s",
					      first ? "" : ", ", h->value.len,
					      sip_span_ptr(msg, h->value));
			first = 0;
		}
		if (n + 3 > extra_len)
			return 400;
		memcpy(extra + n, "\r\n", 3);
		return 420;
	}
	return 0;
}

static struct txn *
txn_lookup(struct txn_ctx *tc, const uint64_t key[2])
{
	void *data;

	return rte_hash_lookup_data(tc->hash, key, &data) >= 0 ? data : NULL;
}

/* A new transaction for request m; NULL when a pool is exhausted. */
static struct txn *
txn_new(struct txn_ctx *tc, struct rte_mbuf *m, const struct dp_net_rx *rx,
	const struct sip_msg *msg, const uint64_t key[2])
{
	struct txn *t;
	uint32_t slot;

	if (dp_pool_used(&tc->txns) >= tc->max_txns)
		return NULL;
	t = dp_pool_get(&tc->txns);
	if (t == NULL)
		return NULL;
	memcpy(t->key, key, sizeof(t->key));
	if (rte_hash_add_key_data(tc->hash, t->key, t) < 0) {
		dp_pool_put(&tc->txns, t);
		return NULL;
	}
	slot = dp_pool_idx(&tc->txns, t);
	t->gen = ++tc->gens[slot];
	tmr_node_init(&t->tmr, TMR_TXN);
	t->orig = m;
	t->pl_off = (uint16_t)rx->payload_off;
	t->pl_len = msg->len;
	t->tail_off = msg->headers.off;
	t->method = msg->method_id;
	t->up_mac = rx->src_mac;
	sip_build_reply_dest(msg, rx->src_ip, rx->src_port, &t->up_ip,
			     &t->up_port);
	tc->c.cnt->v[SHM_CNT_TM_INUSE_TRANSACTIONS]++;
	SHM_CNT_INC(tc->c.cnt, TM_TRANSACTIONS);
	return t;
}

/* Stateful forwarding of a request that opens a transaction: INVITE
 * (forked) or any other method (one branch). */
static void
request_new(struct txn_ctx *tc, struct rte_mbuf *m, const struct dp_net_rx *rx,
	    struct sip_msg *msg, const uint64_t key[2])
{
	const int invite = msg->method_id == SIP_M_INVITE;
	const struct dp_route *route = NULL;
	char extra[256];
	struct sip_span cut = { 0, 0 };
	uint32_t lh = 0, hop_ip = 0;
	uint16_t hop_port = 0, st;
	struct txn *t;
	int in_dialog = msg->to.tag.len > 0, routed;

	st = request_checks(tc, msg, &lh, extra, sizeof(extra));
	if (st == 483 && msg->method_id == SIP_M_OPTIONS)
		st = 200; /* RFC 3261 16.3 item 2: answer it ourselves */
	if (st != 0)
		goto answer;
	if (msg->method_id == SIP_M_REGISTER) {
		/* The registrar lives in the control plane (sipfork-cp);
		 * until it takes REGISTERs, say so and when to retry. */
		st = 503;
		snprintf(extra, sizeof(extra), "Retry-After: 30\r\n");
		goto answer;
	}
	/* In-dialog, or a route set beyond us (a preloaded outbound
	 * route, RFC 3261 16.6 item 7): loose routing, one next hop. */
	routed = in_dialog || msg->nb_route > 1 ||
		 (msg->nb_route == 1 &&
		  !uri_is_us(tc, msg, &msg->route[0].uri));
	if (routed) {
		if (next_hop(tc, msg, &hop_ip, &hop_port, &cut) < 0) {
			st = 404;
			goto answer;
		}
	} else {
		if (msg->nb_route > 0 && uri_is_us(tc, msg, &msg->route[0].uri))
			cut = sip_build_route_cut(msg);
		route = dp_route_lookup(tc->c.routes, msg);
		if (route == NULL) {
			/* OPTIONS to us is a keep-alive ping. */
			st = msg->method_id == SIP_M_OPTIONS &&
					     uri_is_us(tc, msg, &msg->ruri)
				     ? 200 : 404;
			goto answer;
		}
		if (!invite) {
			/* Non-INVITE is not forked: the first target. */
			hop_ip = route->groups[0].t[0].ip;
			hop_port = route->groups[0].t[0].port;
			route = NULL;
		}
	}
	if (m->nb_segs != 1) {
		st = 513; /* the PMD split it; we fork single buffers */
		goto answer;
	}
	t = txn_new(tc, m, rx, msg, key);
	if (t == NULL) {
		SHM_CNT_INC(tc->c.cnt, TM_POOL_503);
		st = 503;
		snprintf(extra, sizeof(extra), "Retry-After: 5\r\n");
		goto answer;
	}
	t->route = route;
	t->hop_ip = hop_ip;
	t->hop_port = hop_port;
	t->loop = lh;
	t->cut_off = cut.off;
	t->cut_len = cut.len;
	if (invite)
		t->flags |= TXN_F_INVITE;
	if (invite && !in_dialog)
		t->flags |= TXN_F_RR;
	if (routed)
		t->flags |= TXN_F_NO_RURI;
	if (msg->max_forwards < 0)
		t->flags |= TXN_F_ADD_MF;
	else
		sip_build_mf_dec(rte_pktmbuf_mtod_offset(m, char *,
							 rx->payload_off),
				 msg);
	if (invite)
		txn_reply_local(tc, t, 100, msg); /* 16.2: at once */
	if (fork_group(tc, t, msg) == 0)
		txn_branch_done(tc, t); /* nothing started: final now */
	return;

answer:
	reply_stateless(tc, rx, msg, st, st == 420 || st == 503 ? extra : NULL);
	rte_pktmbuf_free(m);
}

/* ACK: absorbs a non-2xx final of ours, else (ACK for 2xx) is relayed
 * statelessly along the route set (RFC 3261 16.7 item 10, 16.11). */
static void
ack_in(struct txn_ctx *tc, struct rte_mbuf *m, const struct dp_net_rx *rx,
       struct sip_msg *msg, const uint64_t key[2])
{
	struct txn *t = txn_lookup(tc, key);
	struct sip_build_req r = { 0 };
	char branch[BR_ID_LEN + 1];
	struct br_id id = { 0 };
	struct sip_span cut;
	uint32_t ip;
	uint16_t port;
	int n;

	(void)rx; /* an ACK goes where its route set says, not back */
	if (t != NULL && (t->flags & TXN_F_INVITE) &&
	    t->final_status >= 300) {
		if (t->state == TS_COMPLETED)
			arm_wait(tc, t);
		SHM_CNT_INC(tc->c.cnt, SL_RECEIVED_ACKS);
		rte_pktmbuf_free(m);
		return;
	}
	/* The ACK for a final we sent without a transaction carries our To
	 * tag, and one whose route ends here has nowhere to go: absorbed. */
	if (is_our_tag(msg) || msg->max_forwards == 0 ||
	    next_hop(tc, msg, &ip, &port, &cut) < 0) {
		SHM_CNT_INC(tc->c.cnt, SL_RECEIVED_ACKS);
		SHM_CNT_INC(tc->c.cnt, DROP_REQUESTS);
		rte_pktmbuf_free(m);
		return;
	}
	/* A stateless branch must be the same for every retransmission of
	 * the ACK (RFC 3261 16.11): derive it from the incoming one. */
	id.worker = 0xff;
	id.slot = dp_crc(sip_span_ptr(msg, msg->via[0].branch),
			       msg->via[0].branch.len, 0x4ac) & 0xffffff;
	id.loop = loop_hash(msg);
	br_id_format(branch, &id);
	r.method = msg->method;
	r.ruri = sip_span_ptr(msg, msg->ruri.all);
	r.ruri_len = msg->ruri.all.len;
	r.hostport = tc->our_hostport;
	r.hostport_len = tc->our_hostport_len;
	r.branch = branch;
	r.branch_len = BR_ID_LEN;
	r.add_mf = msg->max_forwards < 0;
	n = sip_build_relay(tc->buf, DP_NET_MAX_PAYLOAD, msg, &r, cut);
	rte_pktmbuf_free(m);
	if (n < 0) {
		SHM_CNT_INC(tc->c.cnt, NET_TX_TOO_BIG);
		return;
	}
	m = txn_payload_mbuf(tc, tc->buf, (uint32_t)n);
	if (m == NULL || txn_frame(tc, m, ip, port, NULL) < 0)
		return;
	SHM_CNT_INC(tc->c.cnt, FWD_REQUESTS);
	SHM_CNT_INC(tc->c.cnt, TM_STATELESS_FWD);
	txn_tx(tc, m);
}

/* CANCEL from upstream (RFC 3261 16.10): 200 to it, CANCEL every pending
 * branch; the branches' 487s make the final response. */
static void
cancel_in(struct txn_ctx *tc, struct rte_mbuf *m, const struct dp_net_rx *rx,
	  struct sip_msg *msg, const uint64_t key[2])
{
	struct txn *t = txn_lookup(tc, key);

	if (t == NULL || !(t->flags & TXN_F_INVITE)) {
		reply_stateless(tc, rx, msg, 481, NULL);
		rte_pktmbuf_free(m);
		return;
	}
	reply_stateless(tc, rx, msg, 200, NULL);
	if (t->state == TS_PROCEEDING && !(t->flags & TXN_F_CANCELLED)) {
		t->flags |= TXN_F_CANCELLED;
		br_cancel_all(tc, t);
	}
	rte_pktmbuf_free(m);
}

static void
request_in(struct txn_ctx *tc, struct rte_mbuf *m, const struct dp_net_rx *rx,
	   struct sip_msg *msg)
{
	uint64_t key[2];
	struct txn *t;

	txn_key(msg, key);
	switch (msg->method_id) {
	case SIP_M_ACK:
		ack_in(tc, m, rx, msg, key);
		return;
	case SIP_M_CANCEL:
		cancel_in(tc, m, rx, msg, key);
		return;
	default:
		break;
	}
	t = txn_lookup(tc, key);
	if (t != NULL) {
		/* A retransmission (RFC 3261 17.2.1/17.2.2): the last
		 * response again, if there is one yet. */
		/* RFC 6026: once a 2xx went up, the caller's retransmission
		 * is absorbed, not answered with a stale provisional. */
		if (t->last_resp != NULL && t->state != TS_ACCEPTED) {
			txn_tx_kept(tc, t->last_resp);
			SHM_CNT_INC(tc->c.cnt, TM_RETRANSMISSIONS);
		}
		SHM_CNT_INC(tc->c.cnt, DROP_REQUESTS);
		rte_pktmbuf_free(m);
		return;
	}
	request_new(tc, m, rx, msg, key);
}

static void
response_in(struct txn_ctx *tc, struct rte_mbuf *m, const struct dp_net_rx *rx,
	    struct sip_msg *msg)
{
	const struct sip_via *v = &msg->via[0];
	struct br_id id;
	struct txn *t;
	struct br *b;

	if (br_id_parse(sip_span_ptr(msg, v->branch), v->branch.len, &id) < 0 ||
	    id.worker != tc->c.worker) {
		SHM_CNT_INC(tc->c.cnt, DROP_REPLIES);
		rte_pktmbuf_free(m);
		return;
	}
	/* Slot, generation and index are guessable by any callee; the loop
	 * hash (Request-URI, From tag, Call-ID, CSeq) is known only to the
	 * parties of this call, so a forged final for another call does
	 * not match. */
	t = txn_from_slot(tc, id.slot, id.gen);
	if (t != NULL && t->loop != id.loop)
		t = NULL;
	b = t != NULL ? br_of_id(tc, t, id.slot, id.chunk, id.br) : NULL;
	if (b == NULL) {
		/* Late 2xx for a transaction gone: still the caller's. */
		if (msg->status >= 200 && msg->status < 300 &&
		    msg->cseq_method_id == SIP_M_INVITE)
			relay_stateless(tc, m, rx, msg);
		else {
			SHM_CNT_INC(tc->c.cnt, DROP_REPLIES);
			rte_pktmbuf_free(m);
		}
		return;
	}
	br_response(tc, t, b, m, rx, msg);
}

void
txn_input(struct txn_ctx *tc, struct rte_mbuf *m, const struct dp_net_rx *rx,
	  struct sip_msg *msg, enum sip_err err)
{
	if (err != SIP_E_OK) {
		SHM_CNT_INC(tc->c.cnt, BAD_MSG_HDR);
		if (msg->is_request && sip_err_status(err) != 0) {
			SHM_CNT_INC(tc->c.cnt, RCV_REQUESTS);
			SHM_CNT_INC(tc->c.cnt, ERR_REQUESTS);
			reply_stateless(tc, rx, msg, sip_err_status(err), NULL);
		} else if (msg->is_request) {
			SHM_CNT_INC(tc->c.cnt, RCV_REQUESTS);
			SHM_CNT_INC(tc->c.cnt, ERR_REQUESTS);
			SHM_CNT_INC(tc->c.cnt, DROP_REQUESTS);
		} else {
			SHM_CNT_INC(tc->c.cnt, RCV_REPLIES);
			SHM_CNT_INC(tc->c.cnt, ERR_REPLIES);
			SHM_CNT_INC(tc->c.cnt, DROP_REPLIES);
		}
		rte_pktmbuf_free(m);
		return;
	}
	if (msg->is_request) {
		SHM_CNT_INC(tc->c.cnt, RCV_REQUESTS);
		request_in(tc, m, rx, msg);
	} else {
		SHM_CNT_INC(tc->c.cnt, RCV_REPLIES);
		response_in(tc, m, rx, msg);
	}
}

int
txn_owner(const struct txn_ctx *tc, const struct sip_msg *msg)
{
	struct br_id id;

	(void)tc;
	if (msg->is_request || msg->nb_via == 0 ||
	    br_id_parse(sip_span_ptr(msg, msg->via[0].branch),
			msg->via[0].branch.len, &id) < 0)
		return -1;
	return id.worker;
}

static void
tick_cb(struct tmr_node *n, void *ctx)
{
	struct txn_ctx *tc = ctx;

	if (n->kind == TMR_TXN)
		txn_timer(tc, container_of(n, struct txn, tmr));
	else
		br_timer(tc, container_of(n, struct br, tmr));
}

uint32_t
txn_tick(struct txn_ctx *tc, uint64_t now, uint32_t max)
{
	return tmr_advance(tc->wheel, now, max, tick_cb, tc);
}

void
txn_mem_stats(const struct txn_ctx *tc, struct shm_mem_stats *txns,
	      struct shm_mem_stats *chunks)
{
	dp_pool_stats(&tc->txns, txns);
	dp_pool_stats(&tc->chunks, chunks);
}

uint32_t
txn_inuse(const struct txn_ctx *tc)
{
	return dp_pool_used(&tc->txns);
}

uint64_t
txn_state_bytes(const struct txn_ctx *tc, uint32_t k)
{
	uint32_t chunks = (k + tc->chunk_size - 1) / tc->chunk_size;

	return tc->txns.elt_size + (uint64_t)chunks * tc->chunks.elt_size;
}

uint64_t
txn_branch_bytes(const struct txn_ctx *tc)
{
	return tc->chunks.elt_size / tc->chunk_size;
}
