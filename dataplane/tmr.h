/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TMR_H
#define TMR_H

/**
 * @file
 * Per-lcore hierarchical hashed timing wheel for the RFC 3261 transaction
 * timers (A to K and time-to-delete).
 *
 * Concurrency: each worker lcore owns one struct tmr_wheel (reached from
 * its per-lcore state) and is the only thread that reads or writes it or
 * any struct tmr_node armed on it.  There are no locks and no atomics; a
 * node must never be armed on two wheels, and a transaction that moves to
 * another lcore has to be stopped on the old wheel first (by the old
 * lcore).  Other threads (telemetry) may read the plain counters and
 * tolerate torn or stale values.
 *
 * Time is counted in ticks (1 ms in sipfork).  The wheel knows nothing of
 * the TSC: the caller converts cycles to ticks and passes the result to
 * tmr_advance(), which is why this module builds without DPDK.
 *
 * Layout: four levels of 256, 64, 64 and 64 slots, 1, 2^8, 2^14 and
 * 2^20 ticks per slot, so the wheel spans 2^26 ticks (about 18.6 hours at
 * 1 ms).  Longer delays are clamped to TMR_MAX_DELAY: RFC 3261 needs at
 * most a few minutes (Timer C), and a silent clamp costs nothing on the
 * fast path, whereas an error code would have to be checked by every
 * caller.  A timer is filed by its absolute expiry tick; when the level-0
 * index wraps, the due slot of the next level is re-filed by each node's
 * exact expiry, so every timer fires at exactly its tick whatever level
 * it went through.
 *
 * Arm, re-arm and stop are O(1) and inline (see tmr_inline.h).
 * tmr_advance() skips empty slots with per-level occupancy bitmaps, so a
 * jump of hours costs a handful of bit scans rather than one loop per
 * tick.  What it does not bound is a cascade: re-filing one upper slot
 * moves every node in it at once.  With SIP delays of at most 32 s most
 * nodes are stopped (final response received) long before their slot
 * cascades, so the burst stays small; bounding it would need a second
 * cursor per level and was not worth the complexity.
 */

#include <stdint.h>

/** Slots at level 0 (1 tick each). */
#define TMR_L0_SLOTS 256
/** Slots at each of levels 1 to 3. */
#define TMR_LN_SLOTS 64
/** Levels in the wheel. */
#define TMR_LEVELS 4
/** Bits of the expiry tick that select the slot at level 0. */
#define TMR_L0_BITS 8
/** Bits of the expiry tick that select the slot at levels 1 to 3. */
#define TMR_LN_BITS 6
/** Ticks the wheel spans: 2^(8 + 3 * 6). */
#define TMR_RANGE (UINT64_C(1) << (TMR_L0_BITS + 3 * TMR_LN_BITS))
/** Longest delay in ticks; tmr_arm() clamps longer ones to this. */
#define TMR_MAX_DELAY (TMR_RANGE - 1)

/** Slot lists of all levels: 256 + 3 * 64. */
#define TMR_SLOTS (TMR_L0_SLOTS + (TMR_LEVELS - 1) * TMR_LN_SLOTS)
/** List index of the expired nodes that tmr_advance() is running. */
#define TMR_IDX_DUE TMR_SLOTS
/** List index of nodes armed for a tick the wheel has already run. */
#define TMR_IDX_LATE (TMR_SLOTS + 1)
/** All lists: the slots plus the due and late lists. */
#define TMR_LISTS (TMR_SLOTS + 2)
/** 64-bit words of the occupancy bitmap, one bit per list. */
#define TMR_OCC_WORDS ((TMR_LISTS + 63) / 64)

/** tmr_node.flags: the node is on one of the wheel's lists. */
#define TMR_F_ARMED 0x1u
/** tmr_node.flags: the list the node was last linked to, from this bit. */
#define TMR_F_LIST_SHIFT 16

/**
 * A timer.  Embed it in the object it times (transaction, branch) and
 * find that object back with container_of in the callback; the wheel
 * never allocates.  Initialise it with tmr_node_init() before first use.
 */
struct tmr_node {
	struct tmr_node *next; /**< slot list; NULL when idle */
	struct tmr_node *prev; /**< slot list; NULL when idle */
	uint64_t expire;       /**< absolute tick it fires at (ticks) */
	uint32_t kind;         /**< caller's tag: which timer this is */
	uint32_t flags;        /**< internal: TMR_F_ARMED, list index */
};

_Static_assert(sizeof(struct tmr_node) == 32,
	       "tmr_node is embedded in every transaction and branch");

/**
 * One lcore's timing wheel: 14,528 bytes, cache-line aligned, allocated
 * from that lcore's NUMA node and written only by that lcore.  The
 * bookkeeping sits in the first two cache lines.  The list heads are full
 * tmr_node sentinels, two to a cache line, so unlinking a node never
 * needs to know which list it is on.
 */
struct tmr_wheel {
	_Alignas(64) uint64_t now; /**< latest tick given to advance (ticks) */
	uint64_t cur;     /**< next tick whose level-0 slot is unrun (ticks) */
	uint32_t pending; /**< armed nodes, due ones included */
	uint32_t rsvd;    /**< padding; zero */
	uint64_t occ[TMR_OCC_WORDS]; /**< bit per list: list not empty */
	uint64_t fired;    /**< callbacks run since init */
	uint64_t cascaded; /**< nodes re-filed from upper levels since init */
	/** Sentinels: level 0, levels 1 to 3, then the due and late lists. */
	_Alignas(64) struct tmr_node head[TMR_LISTS];
};

_Static_assert(sizeof(struct tmr_wheel) == 14528,
	       "update the size quoted in the tmr_wheel comment");

/**
 * Called by tmr_advance() for each expired timer.  The node is already
 * idle when the callback runs, so the callback may re-arm it, free the
 * object around it, or arm and stop any other node on the same wheel.
 * It must not call tmr_advance() or tmr_wheel_init() on that wheel.
 *
 * @param n    the timer that expired
 * @param ctx  the ctx given to tmr_advance()
 */
typedef void (*tmr_expire_cb)(struct tmr_node *n, void *ctx);

/**
 * Empty a wheel and set its clock.  Nodes that were armed on it are
 * forgotten, not stopped: re-initialise them with tmr_node_init().
 *
 * @param w    the wheel
 * @param now  the current tick
 */
void
tmr_wheel_init(struct tmr_wheel *w, uint64_t now);

/**
 * Make a node idle and tag it.  Call once before the node is first armed
 * (never on an armed node: the wheel would keep pointing at it).
 *
 * @param n     the node
 * @param kind  caller's tag, stored in n->kind for the callback
 */
void
tmr_node_init(struct tmr_node *n, uint32_t kind);

/**
 * Run the timers that have expired by tick @p now, at most @p max of them.
 *
 * Timers fire in non-decreasing order of expiry tick, each at exactly its
 * tick: never before, and never in a later call than the first one whose
 * @p now reaches it unless @p max held it back.  Timers beyond @p max stay
 * armed and due, and run first on the next call: a loop that passes a
 * small @p max spreads a burst of expiries over several iterations.
 *
 * Callbacks run with tmr_now() already at @p now, so a delay armed in a
 * callback counts from @p now, not from the expiry that ran late.  A node
 * armed for tick @p now once this call has run that tick (delay 0 from a
 * callback, or between two calls at the same tick) fires on the next
 * call: a callback re-arming itself with delay 0 runs once per call
 * instead of spinning.
 *
 * @param w    the wheel
 * @param now  the current tick; a tick below tmr_now() is taken as
 *             tmr_now() (the clock never runs backwards)
 * @param max  the most callbacks to run in this call
 * @param cb   the callback, run once per expired node
 * @param ctx  passed to @p cb
 * @return the number of callbacks run (at most @p max)
 */
uint32_t
tmr_advance(struct tmr_wheel *w, uint64_t now, uint32_t max,
	    tmr_expire_cb cb, void *ctx);

/* tmr_arm(), tmr_stop(), tmr_armed(), tmr_now() and tmr_pending(). */
#include "tmr_inline.h"

#endif /* TMR_H */
