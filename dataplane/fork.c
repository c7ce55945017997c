/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * From a routing result to running branches: one serial group at a time,
 * every target of the group in parallel (RFC 3261 16.5, 16.6).
 *
 * Zero-copy replication: a branch's frame is a small header mbuf (Ethernet,
 * IPv4, UDP, the new request line, our Via, our Record-Route) chained to
 * indirect clones of the received request from its first header line to
 * its end, the same bytes for every branch.  Max-Forwards was already
 * decremented in place in that shared buffer (txn.c), and a Route naming
 * us is skipped by cloning the parts before and after it.  Retransmission
 * sends the same chain again (txn_tx_kept).
 *
 * Concurrency: the owner lcore only (see txn_priv.h).
 */

#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "br_id.h"
#include "sip_build.h"
#include "txn_priv.h"

uint32_t
fork_ruri(const struct txn_ctx *tc, const struct txn *t, const struct br *b,
	  const struct sip_msg *msg, char *out)
{
	const struct sip_uri *u = &msg->ruri;
	uint32_t n = 0;

	(void)tc;
	if ((t->flags & TXN_F_NO_RURI) || u->all.len + 0u > FORK_RURI_MAX - 32) {
		uint32_t len = RTE_MIN((uint32_t)u->all.len, FORK_RURI_MAX);

		memcpy(out, sip_span_ptr(msg, u->all), len);
		return len;
	}
	/* The target becomes the host; the user part stays, so a gateway
	 * or device sees the number that was dialled. */
	memcpy(out, "sip:", 4);
	n = 4;
	if (u->user.len > 0) {
		memcpy(out + n, sip_span_ptr(msg, u->user), u->user.len);
		n += u->user.len;
		out[n++] = '@';
	}
	n += (uint32_t)sip_build_hostport(out + n, b->ip, b->port);
	return n;
}

void
fork_build_req(const struct txn_ctx *tc, const struct txn *t,
	       const struct br *b, const struct sip_msg *msg,
	       struct sip_build_req *r, char *ruri, char *branch)
{
	struct br_id id;

	id.worker = tc->c.worker;
	id.slot = dp_pool_idx(&tc->txns, t);
	id.gen = t->gen;
	id.br = b->idx;
	id.chunk = dp_pool_idx(&tc->chunks, b - b->idx % tc->chunk_size);
	id.loop = t->loop;
	br_id_format(branch, &id);
	r->method = msg->method;
	r->ruri = ruri;
	r->ruri_len = fork_ruri(tc, t, b, msg, ruri);
	r->hostport = tc->our_hostport;
	r->hostport_len = tc->our_hostport_len;
	r->branch = branch;
	r->branch_len = BR_ID_LEN;
	r->rr = (t->flags & TXN_F_RR) != 0;
	r->add_mf = (t->flags & TXN_F_ADD_MF) != 0;
}

/* An indirect clone of payload bytes [from, to) of the original. */
static struct rte_mbuf *
tail_piece(struct txn_ctx *tc, struct txn *t, uint32_t from, uint32_t to)
{
	struct rte_mbuf *c = rte_pktmbuf_clone(t->orig, tc->c.clone_pool);

	if (c == NULL)
		return NULL;
	rte_pktmbuf_adj(c, (uint16_t)(t->pl_off + from));
	rte_pktmbuf_trim(c, (uint16_t)(c->data_len - (to - from)));
	return c;
}

/* Chain a piece to the head; the head owns it afterwards, or it is
 * freed.  @return 0 or -1. */
static int
add_piece(struct rte_mbuf *head, struct rte_mbuf *piece)
{
	if (piece == NULL)
		return -1;
	if (rte_pktmbuf_chain(head, piece) < 0) {
		rte_pktmbuf_free(piece);
		return -1;
	}
	return 0;
}

/* The frame of branch b, ready to send, or NULL (no buffer). */
static struct rte_mbuf *
branch_frame(struct txn_ctx *tc, struct txn *t, struct br *b,
	     const struct sip_msg *msg)
{
	char ruri[FORK_RURI_MAX], branch[BR_ID_LEN];
	struct rte_mbuf *h = rte_pktmbuf_alloc(tc->c.hdr_pool);
	struct sip_build_req r;
	uint32_t end = t->pl_len;
	int n;

	if (h == NULL) {
		SHM_CNT_INC(tc->c.cnt, NET_TX_NOMBUF);
		return NULL;
	}
	fork_build_req(tc, t, b, msg, &r, ruri, branch);
	n = sip_build_head(rte_pktmbuf_mtod(h, char *),
			   rte_pktmbuf_tailroom(h), msg, &r);
	if (n == -ENOSPC) {
		/* A Request-URI too long for a header mbuf: a packet mbuf
		 * has room for any we build (FORK_RURI_MAX). */
		rte_pktmbuf_free(h);
		h = rte_pktmbuf_alloc(tc->c.pkt_pool);
		if (h == NULL) {
			SHM_CNT_INC(tc->c.cnt, NET_TX_NOMBUF);
			return NULL;
		}
		n = sip_build_head(rte_pktmbuf_mtod(h, char *),
				   rte_pktmbuf_tailroom(h), msg, &r);
	}
	if (n < 0 || rte_pktmbuf_append(h, (uint16_t)n) == NULL)
		goto free_head;
	if (t->cut_len > 0) {
		if (add_piece(h, tail_piece(tc, t, t->tail_off, t->cut_off)) ||
		    add_piece(h, tail_piece(tc, t, t->cut_off + t->cut_len,
					    end)))
			goto free_head;
	} else if (add_piece(h, tail_piece(tc, t, t->tail_off, end))) {
		goto free_head;
	}
	if (txn_frame_sum(tc, h, b->ip, b->port, NULL, t->tail_len,
			  t->tail_sum) < 0)
		return NULL; /* txn_frame_sum freed the chain */
	return h;

free_head:
	SHM_CNT_INC(tc->c.cnt, NET_TX_NOMBUF);
	rte_pktmbuf_free(h);
	return NULL;
}

/* The raw sum of the shared tail, once per transaction: every branch
 * frame adds it instead of summing the same bytes again. */
static void
tail_sum(struct txn *t)
{
	uint32_t a = t->tail_off, e = t->pl_len, c = t->cut_off + t->cut_len;
	uint32_t sum;
	uint16_t part;

	if (t->cut_len == 0) {
		t->tail_sum = dp_net_raw_cksum_chain(t->orig, t->pl_off + a,
						     e - a);
		t->tail_len = (uint16_t)(e - a);
		return;
	}
	/* Two pieces around the cut; the second starts at an odd offset
	 * of the tail when the first has an odd length. */
	sum = dp_net_raw_cksum_chain(t->orig, t->pl_off + a, t->cut_off - a);
	part = dp_net_raw_cksum_chain(t->orig, t->pl_off + c, e - c);
	sum += ((t->cut_off - a) & 1) ? rte_bswap16(part) : part;
	t->tail_sum = __rte_raw_cksum_reduce(sum);
	t->tail_len = (uint16_t)(e - a - t->cut_len);
}

int
fork_group(struct txn_ctx *tc, struct txn *t, struct sip_msg *msg)
{
	struct dp_target hop = { t->hop_ip, t->hop_port };
	const struct dp_target *tg = &hop;
	uint32_t nb = 1, i;
	uint64_t now = tmr_now(tc->wheel);
	int started = 0;

	if (t->route != NULL) {
		tg = t->route->groups[t->grp].t;
		nb = t->route->groups[t->grp].nb;
	}
	t->grp_first = t->nb_br;
	if (t->tail_len == 0)
		tail_sum(t);
	for (i = 0; i < nb; i++) {
		struct br *b;

		/* max_branches guards against a runaway table, not a
		 * design limit: count what it cut. */
		if (t->nb_br >= tc->max_branches) {
			SHM_CNT_INC(tc->c.cnt, TM_BRANCH_LIMIT);
			break;
		}
		b = br_add(tc, t);
		if (b == NULL) {
			SHM_CNT_INC(tc->c.cnt, TM_POOL_503);
			if (t->best_status == 0)
				t->best_status = 503;
			break;
		}
		b->ip = tg[i].ip;
		b->port = tg[i].port;
		b->req = branch_frame(tc, t, b, msg);
		if (b->req == NULL) {
			b->state = BR_DONE;
			b->status = 503;
			if (br_best(t->best_status, 503) == BR_TAKE)
				t->best_status = 503;
			continue;
		}
		b->state = BR_CALLING;
		b->t_end = (uint32_t)(now + tc->timer_b);
		t->nb_pending++;
		tc->active_branches++;
		tc->c.cnt->v[SHM_CNT_TM_ACTIVE_BRANCHES]++;
		br_send(tc, b);
		tmr_arm(tc->wheel, &b->tmr, tc->t1);
		started++;
	}
	return started;
}
