/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client transactions of a proxied request (RFC 3261 17.1, 16.7, 16.8):
 * the branch set in chunks, responses from downstream, retransmission and
 * timeout timers, hop-by-hop CANCEL and ACK, and best-response choice.
 *
 * Concurrency: the owner lcore only (see txn_priv.h).
 */

#include <string.h>

#include <rte_common.h>

#include "br_id.h"
#include "sip_build.h"
#include "txn_priv.h"

enum br_pick
br_best(uint16_t best, uint16_t cand)
{
	uint16_t bc = best / 100, cc = cand / 100;

	if (best == 0)
		return BR_TAKE;
	/* RFC 3261 16.7 step 6: any 6xx, else the lowest class. */
	if (bc == 6 || cc == 6)
		return bc == 6 ? BR_KEEP : BR_TAKE;
	if (cc != bc)
		return cc < bc ? BR_TAKE : BR_KEEP;
	/* Same class: the first real answer stands, but a 408 (usually our
	 * own timeout) or a 503 (sent up as 500 anyway) gives way. */
	return (best == 408 || best == 503) && cand != best ? BR_TAKE
							    : BR_KEEP;
}

/* The chunk after ch, or NULL. */
static struct br *
chunk_next(const struct txn_ctx *tc, const struct br *ch)
{
	return ch[0].next_chunk ? dp_pool_at(&tc->chunks, ch[0].next_chunk - 1)
				: NULL;
}

/* Branches used in the chunk whose first branch index is first. */
static uint16_t
chunk_used(const struct txn_ctx *tc, const struct txn *t, uint32_t first)
{
	return (uint16_t)RTE_MIN(tc->chunk_size, (uint32_t)t->nb_br - first);
}

struct br *
br_add(struct txn_ctx *tc, struct txn *t)
{
	uint16_t idx = t->nb_br, slot = (uint16_t)(idx % tc->chunk_size);
	struct br *b;

	if (slot == 0) {
		struct br *ch = dp_pool_get(&tc->chunks);

		if (ch == NULL)
			return NULL;
		if (t->tail != NULL)
			t->tail[0].next_chunk = dp_pool_idx(&tc->chunks, ch) + 1;
		else
			t->chunks = ch;
		t->tail = ch;
	}
	b = &t->tail[slot];
	memset(b, 0, sizeof(*b));
	tmr_node_init(&b->tmr, TMR_BR);
	b->idx = idx;
	b->txn_slot = dp_pool_idx(&tc->txns, t);
	t->nb_br++;
	SHM_CNT_INC(tc->c.cnt, TM_TOTAL_BRANCHES);
	if (t->nb_br > tc->c.cnt->v[SHM_CNT_TM_MAX_BRANCHES_SEEN])
		tc->c.cnt->v[SHM_CNT_TM_MAX_BRANCHES_SEEN] = t->nb_br;
	return b;
}

struct br *
br_of_id(const struct txn_ctx *tc, const struct txn *t, uint32_t slot,
	 uint32_t chunk, uint16_t idx)
{
	struct br *ch = dp_pool_at(&tc->chunks, chunk);
	struct br *b;

	if (ch == NULL || idx >= t->nb_br)
		return NULL;
	b = &ch[idx % tc->chunk_size];
	/* The chunk slot came off the wire: it must be this branch's. */
	return b->txn_slot == slot && b->idx == idx ? b : NULL;
}

static struct txn *
br_txn(const struct txn_ctx *tc, const struct br *b)
{
	return dp_pool_at(&tc->txns, b->txn_slot);
}

void
br_send(struct txn_ctx *tc, struct br *b)
{
	txn_tx_kept(tc, b->req);
	SHM_CNT_INC(tc->c.cnt, FWD_REQUESTS);
}

/* The branch has its final answer (or timed out): no timer, no frame. */
static void
br_finish(struct txn_ctx *tc, struct txn *t, struct br *b, uint16_t status)
{
	tmr_stop(tc->wheel, &b->tmr);
	rte_pktmbuf_free(b->req);
	b->req = NULL;
	b->state = BR_DONE;
	b->status = status;
	t->nb_pending--;
	tc->active_branches--;
	tc->c.cnt->v[SHM_CNT_TM_ACTIVE_BRANCHES]--;
}

/* A status we made up (timeout, no buffer): it may still be the best. */
static void
br_local_status(struct txn *t, uint16_t status)
{
	if (br_best(t->best_status, status) == BR_TAKE) {
		rte_pktmbuf_free(t->best);
		t->best = NULL;
		t->best_status = status;
	}
}

void
br_free_all(struct txn_ctx *tc, struct txn *t)
{
	struct br *ch = t->chunks, *next;
	uint32_t first = 0;
	uint16_t i, n;

	for (; ch != NULL; ch = next, first += tc->chunk_size) {
		next = chunk_next(tc, ch);
		n = chunk_used(tc, t, first);
		for (i = 0; i < n; i++)
			if (ch[i].state != BR_DONE)
				br_finish(tc, t, &ch[i], 0);
		dp_pool_put(&tc->chunks, ch);
	}
	t->chunks = t->tail = NULL;
}

/* Arm the branch timer for its next retransmission or its deadline,
 * whichever comes first. */
static void
br_arm(struct txn_ctx *tc, struct br *b, uint64_t interval)
{
	uint32_t now = (uint32_t)tmr_now(tc->wheel);
	int32_t left = (int32_t)(b->t_end - now);

	tmr_arm(tc->wheel, &b->tmr,
		left <= 0 ? 0 : RTE_MIN(interval, (uint64_t)left));
}

/* A hop-by-hop request on branch b: CANCEL, or ACK for resp. */
static struct rte_mbuf *
br_hop_request(struct txn_ctx *tc, struct txn *t, struct br *b,
	       const struct sip_msg *resp)
{
	struct sip_msg *inv = tc->scratch;
	struct sip_build_req r;
	char ruri[FORK_RURI_MAX], branch[BR_ID_LEN];
	struct sip_span cut = { t->cut_off, t->cut_len };
	struct rte_mbuf *m;
	int n;

	if (txn_reparse(tc, t, inv) < 0)
		return NULL;
	fork_build_req(tc, t, b, inv, &r, ruri, branch);
	n = resp == NULL ? sip_build_cancel(tc->buf, DP_NET_MAX_PAYLOAD, inv,
					    &r, cut)
			 : sip_build_ack(tc->buf, DP_NET_MAX_PAYLOAD, inv, resp,
					 &r, cut);
	if (n < 0)
		return NULL;
	m = txn_payload_mbuf(tc, tc->buf, (uint32_t)n);
	if (m == NULL || txn_frame(tc, m, b->ip, b->port, NULL) < 0)
		return NULL;
	return m;
}

static void
br_send_cancel(struct txn_ctx *tc, struct txn *t, struct br *b)
{
	struct rte_mbuf *m = br_hop_request(tc, t, b, NULL);

	if (m == NULL)
		return; /* Timer B/C still ends the branch */
	rte_pktmbuf_free(b->req);
	b->req = m;
	b->flags |= BR_F_CANCEL_SENT;
	b->flags &= ~BR_F_CANCEL_WANTED & 7;
	br_send(tc, b);
	/* The CANCEL is a non-INVITE transaction of its own: Timer E
	 * retransmits it, and 64*T1 bounds the wait for the 487. */
	b->a_shift = 0;
	b->t_end = (uint32_t)(tmr_now(tc->wheel) + 64ull * tc->t1);
	br_arm(tc, b, tc->t1);
}

static void
br_send_ack(struct txn_ctx *tc, struct txn *t, struct br *b,
	    const struct sip_msg *resp)
{
	struct rte_mbuf *m = br_hop_request(tc, t, b, resp);

	if (m != NULL) {
		txn_tx(tc, m);
		SHM_CNT_INC(tc->c.cnt, FWD_REQUESTS);
	}
}

void
br_cancel_all(struct txn_ctx *tc, struct txn *t)
{
	struct br *ch;
	uint32_t first = 0;
	uint16_t i, n;

	if (!(t->flags & TXN_F_INVITE))
		return;
	for (ch = t->chunks; ch != NULL;
	     ch = chunk_next(tc, ch), first += tc->chunk_size) {
		n = chunk_used(tc, t, first);
		for (i = 0; i < n; i++) {
			struct br *b = &ch[i];

			if (b->state == BR_DONE || (b->flags & BR_F_CANCEL_SENT))
				continue;
			/* RFC 3261 9.1: no CANCEL before a provisional.  Stop
			 * asking it to ring, and wait briefly for one: a
			 * callee silent for 4*T1 more is ended locally, so a
			 * large fork answered fast does not linger 32 s. */
			if (b->state == BR_PROCEEDING) {
				br_send_cancel(tc, t, b);
			} else {
				uint32_t end = (uint32_t)(tmr_now(tc->wheel) +
							  4ull * tc->t1);

				b->flags |= BR_F_CANCEL_WANTED;
				if ((int32_t)(end - b->t_end) < 0)
					b->t_end = end;
				br_arm(tc, b, UINT32_MAX);
			}
		}
	}
}

static void
drop_reply(struct txn_ctx *tc, struct rte_mbuf *m)
{
	SHM_CNT_INC(tc->c.cnt, DROP_REPLIES);
	rte_pktmbuf_free(m);
}

void
br_response(struct txn_ctx *tc, struct txn *t, struct br *b,
	    struct rte_mbuf *m, const struct dp_net_rx *rx,
	    struct sip_msg *msg)
{
	const int invite = (t->flags & TXN_F_INVITE) != 0;
	uint16_t st = msg->status;

	if (msg->cseq_method_id == SIP_M_CANCEL) {
		/* The answer to our CANCEL: stop resending it and wait for
		 * the INVITE's 487 until t_end. */
		if (st >= 200 && (b->flags & BR_F_CANCEL_SENT) &&
		    b->state != BR_DONE) {
			b->flags |= BR_F_CANCEL_DONE;
			br_arm(tc, b, UINT32_MAX);
		}
		drop_reply(tc, m);
		return;
	}
	if (b->state == BR_DONE) {
		/* A branch we ended without its CANCEL (it never rang) rings
		 * late: CANCEL it now, once (RFC 3261 9.1), so it stops. */
		if (invite && st < 200 && (b->flags & BR_F_CANCEL_WANTED) &&
		    !(b->flags & BR_F_CANCEL_SENT)) {
			struct rte_mbuf *c = br_hop_request(tc, t, b, NULL);

			b->flags |= BR_F_CANCEL_SENT;
			if (c != NULL) {
				txn_tx(tc, c);
				SHM_CNT_INC(tc->c.cnt, FWD_REQUESTS);
			}
		}
		/* Retransmitted finals get our ACK again; any 2xx is the
		 * caller's (RFC 3261 16.7 step 5), late or repeated. */
		if (invite && st >= 300)
			br_send_ack(tc, t, b, msg);
		if (invite && st >= 200 && st < 300)
			txn_relay_up(tc, t, m, rx, msg, 0);
		else
			drop_reply(tc, m);
		return;
	}
	if (st < 200) {
		int calling = b->state == BR_CALLING;

		if (calling)
			b->state = BR_PROCEEDING;
		if (b->flags & BR_F_CANCEL_WANTED)
			br_send_cancel(tc, t, b);
		else if (!(b->flags & BR_F_CANCEL_SENT)) {
			/* INVITE: Timer C, counted from the forwarding,
			 * restarts on each provisional but 100 (16.6 item
			 * 11, 16.7 step 2); non-INVITE: Timer E goes to T2. */
			if (invite && st > 100) {
				b->t_end = (uint32_t)(tmr_now(tc->wheel) +
						      tc->timer_c);
				br_arm(tc, b, UINT32_MAX);
			} else if (invite) {
				if (calling)
					b->t_end += tc->timer_c - tc->timer_b;
				br_arm(tc, b, UINT32_MAX);
			} else {
				br_arm(tc, b, tc->t2);
			}
		}
		/* 100 is hop-by-hop; others go up while nothing final has. */
		if (st > 100 && t->final_status == 0)
			txn_relay_up(tc, t, m, rx, msg, invite);
		else
			drop_reply(tc, m);
		return;
	}

	br_finish(tc, t, b, st);
	if (invite && st >= 300)
		br_send_ack(tc, t, b, msg);
	if (st < 300) {
		/* A 2xx goes up at once (16.7 step 5); one that cannot go
		 * up (only our Via, no route back) ends its branch as a
		 * 502 instead of ending the fork. */
		if (txn_relay_up(tc, t, m, rx, msg, !invite) == 0)
			txn_final_2xx(tc, t, st);
		else
			br_local_status(t, 502);
		txn_branch_done(tc, t);
		return;
	}
	if (t->final_status == 0 && br_best(t->best_status, st) == BR_TAKE &&
	    msg->nb_via >= 2 &&
	    sip_build_strip_via(m, rx->payload_off, msg) == 0) {
		rte_pktmbuf_free(t->best);
		t->best = m;
		t->best_status = st;
	} else {
		/* One that cannot be relayed (only our Via: RFC 3261 16.7
		 * step 3) still counts; we send our own with its status. */
		if (t->final_status == 0 && msg->nb_via < 2)
			br_local_status(t, st);
		drop_reply(tc, m);
	}
	if (st >= 600 && !(t->flags & TXN_F_6XX)) {
		t->flags |= TXN_F_6XX; /* 16.7 step 5: 6xx ends forking */
		br_cancel_all(tc, t);
	}
	txn_branch_done(tc, t);
}

void
br_timer(struct txn_ctx *tc, struct br *b)
{
	struct txn *t = br_txn(tc, b);
	const int invite = (t->flags & TXN_F_INVITE) != 0;
	uint32_t now = (uint32_t)tmr_now(tc->wheel);
	uint64_t interval;

	if (b->state == BR_DONE)
		return;
	if ((int32_t)(b->t_end - now) <= 0) {
		/* Timer C on a ringing branch: CANCEL it and give the
		 * callee 64*T1 to send its 487 (RFC 3261 16.8). */
		if (invite && b->state == BR_PROCEEDING &&
		    !(b->flags & BR_F_CANCEL_SENT)) {
			br_send_cancel(tc, t, b);
			if (b->flags & BR_F_CANCEL_SENT)
				return;
		}
		/* A branch to cancel that never rang ends here as if it had
		 * answered 487 (br_cancel_all); otherwise Timer B/F, or no
		 * 487 after our CANCEL: a 408. */
		if (b->flags & BR_F_CANCEL_WANTED) {
			br_finish(tc, t, b, 487);
			br_local_status(t, 487);
		} else {
			SHM_CNT_INC(tc->c.cnt, TM_TIMEOUTS);
			br_finish(tc, t, b, 408);
			br_local_status(t, 408);
		}
		txn_branch_done(tc, t);
		return;
	}
	if (b->flags & (BR_F_CANCEL_DONE | BR_F_CANCEL_WANTED)) {
		br_arm(tc, b, UINT32_MAX); /* no more asking it to ring */
		return;
	}
	if (b->state == BR_PROCEEDING && invite &&
	    !(b->flags & BR_F_CANCEL_SENT)) {
		br_arm(tc, b, UINT32_MAX); /* only Timer C runs */
		return;
	}
	/* Timer A (INVITE, doubling without cap), Timer E (non-INVITE
	 * and CANCEL, capped at T2; T2 once proceeding). */
	br_send(tc, b);
	SHM_CNT_INC(tc->c.cnt, TM_RETRANSMISSIONS);
	if (b->a_shift < 20)
		b->a_shift++;
	interval = (uint64_t)tc->t1 << b->a_shift;
	if (!invite || (b->flags & BR_F_CANCEL_SENT))
		interval = RTE_MIN(interval, (uint64_t)tc->t2);
	if (!invite && b->state == BR_PROCEEDING)
		interval = tc->t2;
	br_arm(tc, b, interval);
}
