/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TMR_INLINE_H
#define TMR_INLINE_H

/**
 * @file
 * The timer operations a transaction runs on every message: arm, re-arm,
 * stop.  They are inline because the transaction code calls them from the
 * packet path in another translation unit, and each is a few loads and
 * stores.  Include tmr.h, not this file.
 *
 * Concurrency: as for tmr.h, the wheel and its nodes belong to one lcore;
 * nothing here is atomic.
 *
 * Lists are circular and doubly linked through struct tmr_node sentinels
 * in tmr_wheel.head[], so the first and last nodes need no special case
 * when linking or unlinking.  When an unlink leaves a list empty, the
 * node's neighbour is the sentinel, whose place in head[] gives the
 * occupancy bit to clear.  So a node need not know its list for stop,
 * and a whole level-0 slot moves to the due list in O(1); the list index
 * a node keeps in its flags is therefore stale once it is due, and
 * tmr_arm() trusts it for upper levels only.
 */

#include <stddef.h>
#include <stdint.h>

#include "tmr.h"

/*
 * The list a node expiring at @p expire belongs to, seen from w->cur.  A
 * node goes to the lowest level whose span covers its distance from the
 * cursor, in the slot its absolute expiry selects.  At level 0 the cursor
 * reaches that slot at exactly the expiry tick.  At a level of slot width
 * W (2^8, 2^14, 2^20 ticks) the node was filed W to 64 W ticks ahead, so
 * the first tick at or after the cursor that is a multiple of W with the
 * node's slot number is the start of the W-block holding its expiry:
 * the slot cascades no later than the expiry, and the node is re-filed
 * by its exact expiry one level down or more.  Beyond the span, which
 * happens only while tmr_advance() is held back by its max, the node
 * goes to level 3 anyway and is re-filed there on each wrap until it
 * comes into range: extra work, never an early expiry.
 */
static inline uint32_t
tmr_list_of(const struct tmr_wheel *w, uint64_t expire)
{
	uint64_t delta = expire - w->cur;

	if (expire < w->cur)
		return TMR_IDX_LATE;
	if (delta < (UINT64_C(1) << TMR_L0_BITS))
		return expire & (TMR_L0_SLOTS - 1);
	if (delta < (UINT64_C(1) << (TMR_L0_BITS + TMR_LN_BITS)))
		return TMR_L0_SLOTS +
		       ((expire >> TMR_L0_BITS) & (TMR_LN_SLOTS - 1));
	if (delta < (UINT64_C(1) << (TMR_L0_BITS + 2 * TMR_LN_BITS)))
		return TMR_L0_SLOTS + TMR_LN_SLOTS +
		       ((expire >> (TMR_L0_BITS + TMR_LN_BITS)) &
			(TMR_LN_SLOTS - 1));
	return TMR_L0_SLOTS + 2 * TMR_LN_SLOTS +
	       ((expire >> (TMR_L0_BITS + 2 * TMR_LN_BITS)) &
		(TMR_LN_SLOTS - 1));
}

/* Append @p n to list @p idx and mark it armed. */
static inline void
tmr_link(struct tmr_wheel *w, struct tmr_node *n, uint32_t idx)
{
	struct tmr_node *h = &w->head[idx];
	struct tmr_node *tail = h->prev;

	n->next = h;
	n->prev = tail;
	n->flags = TMR_F_ARMED | idx << TMR_F_LIST_SHIFT;
	tail->next = n;
	h->prev = n;
	w->occ[idx >> 6] |= UINT64_C(1) << (idx & 63);
}

/* Take @p n off its list; its own links are left stale for the caller. */
static inline void
tmr_unlink(struct tmr_wheel *w, struct tmr_node *n)
{
	struct tmr_node *next = n->next;
	struct tmr_node *prev = n->prev;
	uint32_t idx;

	prev->next = next;
	next->prev = prev;
	/* Only the sentinel is left: the list is empty now. */
	if (prev == next) {
		idx = (uint32_t)(prev - w->head);
		w->occ[idx >> 6] &= ~(UINT64_C(1) << (idx & 63));
	}
}

/**
 * Whether a node is armed (waiting on a wheel, or due but not yet run).
 *
 * @param n  the node
 * @return 1 if armed, 0 if idle
 */
static inline int
tmr_armed(const struct tmr_node *n)
{
	return n->next != NULL;
}

/**
 * Arm a node to fire @p delay ticks after tmr_now(), or move it there if
 * it is already armed (the old deadline is forgotten).
 *
 * Delays above TMR_MAX_DELAY (2^26 - 1 ticks) are clamped to it.  A delay
 * of 0 fires on the next tmr_advance() call.  O(1).
 *
 * @param w      the wheel of the calling lcore
 * @param n      the node, idle or armed on @p w
 * @param delay  ticks from tmr_now()
 */
static inline void
tmr_arm(struct tmr_wheel *w, struct tmr_node *n, uint64_t delay)
{
	uint64_t expire;
	uint32_t idx;

	if (delay > TMR_MAX_DELAY)
		delay = TMR_MAX_DELAY;
	expire = w->now + delay;
	idx = tmr_list_of(w, expire);
	if (n->next != NULL) {
		/*
		 * Order within an upper-level slot does not matter (the
		 * cascade re-files by expiry), so a long timer re-armed into
		 * the slot it is already on, say Timer C on a 180, stays put
		 * and its neighbours' cache lines are not touched.  The list
		 * in flags is exact for upper-level slots only.
		 */
		if (idx >= TMR_L0_SLOTS && idx < TMR_SLOTS &&
		    n->flags >> TMR_F_LIST_SHIFT == idx) {
			n->expire = expire;
			return;
		}
		tmr_unlink(w, n);
	} else {
		w->pending++;
	}
	n->expire = expire;
	tmr_link(w, n, idx);
}

/**
 * Disarm a node.  A no-op on an idle node, so a transaction can stop all
 * of its timers without tracking which are running.  O(1).
 *
 * @param w  the wheel of the calling lcore
 * @param n  the node, idle or armed on @p w
 */
static inline void
tmr_stop(struct tmr_wheel *w, struct tmr_node *n)
{
	if (n->next == NULL)
		return;
	tmr_unlink(w, n);
	n->next = NULL;
	n->prev = NULL;
	n->flags = 0;
	w->pending--;
}

/**
 * The wheel's clock.
 *
 * @param w  the wheel
 * @return the highest tick given to tmr_advance() or tmr_wheel_init()
 */
static inline uint64_t
tmr_now(const struct tmr_wheel *w)
{
	return w->now;
}

/**
 * How many nodes are armed on a wheel, including due ones not yet run.
 *
 * @param w  the wheel
 * @return the number of armed nodes
 */
static inline uint32_t
tmr_pending(const struct tmr_wheel *w)
{
	return w->pending;
}

#endif /* TMR_INLINE_H */
