/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timing wheel: initialisation and expiry (the cold and the batched half;
 * arm and stop are in tmr_inline.h).
 *
 * Concurrency: a wheel and the nodes armed on it are read and written by
 * their owning lcore only, callbacks included.  No locks, no atomics.
 *
 * The cursor w->cur trails the clock w->now: ticks below cur have been
 * run (their level-0 slot moved to the due list), ticks from cur to now
 * are still to run.  After a call that max did not cut short, cur is
 * now + 1; it stays further behind only while max holds back a burst.
 * Every node on the wheel proper has expire >= cur.  A node armed for an
 * earlier tick, which can only be tick `now` once it has run, goes to the
 * late list, and the next call runs it first.
 */

#include <stddef.h>
#include <stdint.h>

#include "tmr.h"

/* Shift of the slot number in the expiry tick, per level. */
#define TMR_SHIFT(l) ((l) == 0 ? 0 : TMR_L0_BITS + ((l) - 1) * TMR_LN_BITS)
/* First list index of a level. */
#define TMR_BASE(l) ((l) == 0 ? 0 : TMR_L0_SLOTS + ((l) - 1) * TMR_LN_SLOTS)
/* Sentinel for "no event": later than any clock. */
#define TMR_NEVER UINT64_MAX

void
tmr_wheel_init(struct tmr_wheel *w, uint64_t now)
{
	uint32_t i;

	w->now = now;
	/* Tick `now` itself has not run yet, so a delay of 0 goes to level 0
	 * and fires on the first advance. */
	w->cur = now;
	w->pending = 0;
	w->rsvd = 0;
	for (i = 0; i < TMR_OCC_WORDS; i++)
		w->occ[i] = 0;
	w->fired = 0;
	w->cascaded = 0;
	for (i = 0; i < TMR_LISTS; i++) {
		w->head[i].next = &w->head[i];
		w->head[i].prev = &w->head[i];
		w->head[i].expire = 0;
		/* Sentinels carry their index to make dumps readable. */
		w->head[i].kind = i;
		w->head[i].flags = 0;
	}
}

void
tmr_node_init(struct tmr_node *n, uint32_t kind)
{
	n->next = NULL;
	n->prev = NULL;
	n->expire = 0;
	n->kind = kind;
	n->flags = 0;
}

static inline uint64_t
tmr_rotr(uint64_t x, unsigned int r)
{
	return (x >> (r & 63)) | (x << ((64 - r) & 63));
}

static inline int
tmr_occupied(const struct tmr_wheel *w, uint32_t idx)
{
	return (w->occ[idx >> 6] >> (idx & 63)) & 1;
}

/*
 * Distance in ticks from w->cur to the first non-empty level-0 slot, or
 * TMR_NEVER.  Level-0 nodes expire within 255 ticks of the cursor, so the
 * first set bit at or after the cursor's slot, wrapping round, is the
 * earliest of them.
 */
static uint64_t
tmr_l0_next(const struct tmr_wheel *w)
{
	uint32_t start = w->cur & (TMR_L0_SLOTS - 1);
	uint32_t word = start >> 6;
	uint64_t bits = w->occ[word] & (~UINT64_C(0) << (start & 63));
	uint32_t i;

	/* The last round looks at the start word again, whole: its bits at
	 * or after the start are known to be clear by then. */
	for (i = 0; i <= TMR_L0_SLOTS / 64; i++) {
		if (bits != 0)
			return ((word << 6) + (uint32_t)__builtin_ctzll(bits) -
				start) & (TMR_L0_SLOTS - 1);
		word = (word + 1) & (TMR_L0_SLOTS / 64 - 1);
		bits = w->occ[word];
	}
	return TMR_NEVER;
}

/*
 * The first tick >= w->cur at which a non-empty slot of level @p l (1 to
 * 3) cascades, or TMR_NEVER.  Slot s of level l cascades at every tick
 * that is a multiple of the level's slot width and whose slot number is
 * s; tmr_list_of() explains why that is never after the expiry of any
 * node in the slot.
 */
static uint64_t
tmr_ln_next(const struct tmr_wheel *w, unsigned int l)
{
	unsigned int shift = TMR_SHIFT(l);
	uint64_t bits = w->occ[TMR_BASE(l) >> 6];
	uint64_t first; /* first slot-width boundary >= cur, in slot widths */

	if (bits == 0)
		return TMR_NEVER;
	first = (w->cur + (UINT64_C(1) << shift) - 1) >> shift;
	bits = tmr_rotr(bits, (unsigned int)(first & (TMR_LN_SLOTS - 1)));
	return (first + (uint64_t)__builtin_ctzll(bits)) << shift;
}

/*
 * Re-file every node of list @p idx by its exact expiry, seen from the
 * current cursor.  The list is detached first because a node far beyond
 * the span (see tmr_list_of) may land in the very slot being emptied.
 */
static void
tmr_cascade(struct tmr_wheel *w, uint32_t idx)
{
	struct tmr_node *h = &w->head[idx];
	struct tmr_node *n = h->next;
	struct tmr_node *next;

	h->next = h;
	h->prev = h;
	w->occ[idx >> 6] &= ~(UINT64_C(1) << (idx & 63));
	/* The detached chain still ends at h; each next is read before the
	 * node is linked elsewhere. */
	while (n != h) {
		next = n->next;
		tmr_link(w, n, tmr_list_of(w, n->expire));
		w->cascaded++;
		n = next;
	}
}

/* Append all of list @p from to list @p to, in O(1). */
static void
tmr_splice(struct tmr_wheel *w, uint32_t from, uint32_t to)
{
	struct tmr_node *src = &w->head[from];
	struct tmr_node *dst = &w->head[to];

	if (src->next == src)
		return;
	src->next->prev = dst->prev;
	dst->prev->next = src->next;
	src->prev->next = dst;
	dst->prev = src->prev;
	src->next = src;
	src->prev = src;
	w->occ[from >> 6] &= ~(UINT64_C(1) << (from & 63));
	w->occ[to >> 6] |= UINT64_C(1) << (to & 63);
}

/*
 * Run the wheel forward to its next event no later than w->now: cascade
 * the upper slots due at that tick, top level first, then move its
 * level-0 slot to the due list.  A node coming down never lands in a
 * lower slot that is due at this same tick: that slot covers the next W
 * ticks, and a node that close goes lower still.  Empty stretches are
 * skipped in one go: with nothing to do before tick t, the cursor jumps
 * straight to t (or past w->now), so an idle lcore waking after hours
 * costs a few bit scans per occupied slot, not one loop per tick.
 */
static void
tmr_step(struct tmr_wheel *w)
{
	uint64_t t = TMR_NEVER;
	uint64_t d;
	unsigned int l;

	d = tmr_l0_next(w);
	if (d != TMR_NEVER)
		t = w->cur + d;
	for (l = 1; l < TMR_LEVELS; l++) {
		d = tmr_ln_next(w, l);
		if (d < t)
			t = d;
	}
	if (t > w->now) {
		w->cur = w->now + 1;
		return;
	}
	w->cur = t;
	for (l = TMR_LEVELS - 1; l > 0; l--) {
		uint32_t idx;

		if ((t & ((UINT64_C(1) << TMR_SHIFT(l)) - 1)) != 0)
			continue;
		idx = (uint32_t)(TMR_BASE(l) +
				 ((t >> TMR_SHIFT(l)) & (TMR_LN_SLOTS - 1)));
		if (tmr_occupied(w, idx))
			tmr_cascade(w, idx);
	}
	tmr_splice(w, t & (TMR_L0_SLOTS - 1), TMR_IDX_DUE);
	w->cur = t + 1;
}

uint32_t
tmr_advance(struct tmr_wheel *w, uint64_t now, uint32_t max,
	    tmr_expire_cb cb, void *ctx)
{
	struct tmr_node *due = &w->head[TMR_IDX_DUE];
	struct tmr_node *n;
	uint32_t fired = 0;

	if (now > w->now)
		w->now = now;
	/*
	 * Nodes armed late expire at the tick before the cursor, which is
	 * no earlier than anything left on the due list, so appending keeps
	 * the firing order.  Those a callback arms below stay on the late
	 * list until the next call: that is what stops a callback that
	 * re-arms itself with delay 0 from running forever.
	 */
	tmr_splice(w, TMR_IDX_LATE, TMR_IDX_DUE);
	while (fired < max) {
		if (due->next == due) {
			if (w->cur > w->now)
				break;
			tmr_step(w);
			continue;
		}
		n = due->next;
		tmr_unlink(w, n);
		n->next = NULL;
		n->prev = NULL;
		n->flags = 0;
		w->pending--;
		fired++;
		cb(n, ctx);
	}
	w->fired += fired;
	return fired;
}
