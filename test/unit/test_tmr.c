/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the timing wheel (dataplane/tmr.c), driven by a virtual
 * clock: the tests choose every tick passed to tmr_advance(), so "fires
 * exactly at its tick" is checked exactly.  Single-threaded; no DPDK.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "tmr.h"

/* RFC 3261 timer values in ticks of 1 ms. */
#define T1 500
#define T2 4000

/* A timer under test. */
struct ev {
	struct tmr_node node; /* the node under test */
	uint64_t want;        /* tick it must fire at (ticks) */
	uint32_t fired;       /* times its callback ran */
	uint64_t fired_at;    /* the now of the call that ran it (ticks) */
	uint64_t interval;    /* Timer A style re-arm interval (ticks) */
	struct ev *victim;    /* another timer its callback stops, or NULL */
};

/* What the callbacks saw during a test. */
struct rec {
	struct tmr_wheel *w; /* the wheel under test */
	uint64_t now;        /* the now of the current call (ticks) */
	uint64_t last;       /* expiry of the previous callback this call */
	uint64_t count;      /* callbacks run */
	uint64_t early;      /* callbacks before the node's expiry */
	uint64_t unordered;  /* callbacks out of expiry order in a call */
	uint64_t wrong;      /* callbacks whose expiry was not ev.want */
	uint64_t still_armed; /* callbacks on a node still marked armed */
};

#define EV_OF(n) ((struct ev *)((char *)(n) - offsetof(struct ev, node)))

/* Static, so the wheel gets its 64-byte alignment without an allocator. */
static struct tmr_wheel wheel;

static uint64_t rng_state;

/* splitmix64: seeded, so every run checks the same timers. */
static uint64_t
rng(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void
rec_init(struct rec *r, struct tmr_wheel *w)
{
	*r = (struct rec){ .w = w };
}

static void
ev_cb(struct tmr_node *n, void *arg)
{
	struct rec *r = arg;
	struct ev *e = EV_OF(n);

	if (n->expire > r->now)
		r->early++;
	if (n->expire < r->last)
		r->unordered++;
	if (n->expire != e->want)
		r->wrong++;
	if (tmr_armed(n) || n->next != NULL || n->flags != 0)
		r->still_armed++;
	r->last = n->expire;
	r->count++;
	e->fired++;
	e->fired_at = r->now;
}

static uint32_t
advance(struct rec *r, uint64_t now, uint32_t max)
{
	r->now = now > tmr_now(r->w) ? now : tmr_now(r->w);
	r->last = 0;
	return tmr_advance(r->w, now, max, ev_cb, r);
}

static void
ev_arm(struct tmr_wheel *w, struct ev *e, uint64_t delay)
{
	uint64_t d = delay > TMR_MAX_DELAY ? TMR_MAX_DELAY : delay;

	e->want = tmr_now(w) + d;
	tmr_arm(w, &e->node, delay);
}

static void
check_clean(const struct rec *r)
{
	CU_ASSERT_EQUAL(r->early, 0);
	CU_ASSERT_EQUAL(r->unordered, 0);
	CU_ASSERT_EQUAL(r->wrong, 0);
	CU_ASSERT_EQUAL(r->still_armed, 0);
}

/* With nothing armed, no list may still be marked occupied: a stale bit
 * would not break expiry, but would make tmr_advance() visit empty slots. */
static void
check_empty(const struct tmr_wheel *w)
{
	size_t i;

	CU_ASSERT_EQUAL(tmr_pending(w), 0);
	for (i = 0; i < TMR_OCC_WORDS; i++)
		CU_ASSERT_EQUAL(w->occ[i], 0);
}

static void
test_node_init(void)
{
	struct tmr_wheel *w = &wheel;
	struct tmr_node n;

	CU_ASSERT_EQUAL(sizeof(struct tmr_node), 32);
	CU_ASSERT_EQUAL(sizeof(struct tmr_wheel), 14528);
	CU_ASSERT_EQUAL(TMR_RANGE, UINT64_C(1) << 26);
	tmr_node_init(&n, 7);
	CU_ASSERT_EQUAL(n.kind, 7);
	CU_ASSERT_PTR_NULL(n.next);
	CU_ASSERT_PTR_NULL(n.prev);
	CU_ASSERT_FALSE(tmr_armed(&n));
	tmr_wheel_init(w, 42);
	CU_ASSERT_EQUAL(tmr_now(w), 42);
	CU_ASSERT_EQUAL(tmr_pending(w), 0);
	/* Stopping an idle node is a no-op. */
	tmr_stop(w, &n);
	CU_ASSERT_EQUAL(tmr_pending(w), 0);
	tmr_arm(w, &n, 10);
	CU_ASSERT_TRUE(tmr_armed(&n));
	CU_ASSERT_EQUAL(n.kind, 7);
	CU_ASSERT_EQUAL(n.expire, 52);
	CU_ASSERT_EQUAL(tmr_pending(w), 1);
	tmr_stop(w, &n);
	CU_ASSERT_FALSE(tmr_armed(&n));
	CU_ASSERT_PTR_NULL(n.next);
	CU_ASSERT_EQUAL(tmr_pending(w), 0);
}

/* One timer per delay, around every level boundary, from several bases. */
static void
test_single_exact(void)
{
	static const uint64_t delays[] = {
		0, 1, 2, 254, 255, 256, 257, 511, 512, 1000,
		16383, 16384, 16385, 32000, 180000,
		(1 << 20) - 1, 1 << 20, (1 << 20) + 1, 5000000,
		TMR_MAX_DELAY - 1, TMR_MAX_DELAY,
	};
	static const uint64_t bases[] = {
		0, 1, 255, 256, 12345, (1 << 20) - 1, (UINT64_C(1) << 26) - 3,
		UINT64_C(0x123456789a),
	};
	struct tmr_wheel *w = &wheel;
	struct rec r;
	struct ev e = { 0 };
	size_t i, j;

	for (j = 0; j < sizeof(bases) / sizeof(bases[0]); j++) {
		for (i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
			uint64_t d = delays[i];

			tmr_wheel_init(w, bases[j]);
			rec_init(&r, w);
			tmr_node_init(&e.node, 1);
			e.fired = 0;
			ev_arm(w, &e, d);
			if (d > 1)
				CU_ASSERT_EQUAL(advance(&r, e.want - d / 2,
							UINT32_MAX), 0);
			if (d > 0)
				CU_ASSERT_EQUAL(advance(&r, e.want - 1,
							UINT32_MAX), 0);
			CU_ASSERT_EQUAL(e.fired, 0);
			CU_ASSERT_TRUE(tmr_armed(&e.node));
			CU_ASSERT_EQUAL(advance(&r, e.want, UINT32_MAX), 1);
			CU_ASSERT_EQUAL(e.fired, 1);
			CU_ASSERT_EQUAL(e.fired_at, e.want);
			CU_ASSERT_EQUAL(tmr_pending(w), 0);
			CU_ASSERT_EQUAL(advance(&r, e.want + (1 << 27),
						UINT32_MAX), 0);
			CU_ASSERT_EQUAL(e.fired, 1);
			check_clean(&r);
		}
	}
}

/* The same timers, one tick at a time across the whole span of levels. */
static void
test_tick_by_tick(void)
{
	static const uint64_t delays[] = { 0, 1, 255, 256, 300, 16383, 16384,
					   16385, 20000, 70000 };
	enum { N = sizeof(delays) / sizeof(delays[0]) };
	struct tmr_wheel *w = &wheel;
	struct ev e[N] = { 0 };
	struct rec r;
	uint64_t t;
	size_t i;

	tmr_wheel_init(w, 777);
	rec_init(&r, w);
	for (i = 0; i < N; i++) {
		tmr_node_init(&e[i].node, (uint32_t)i);
		ev_arm(w, &e[i], delays[i]);
	}
	for (t = 777; t <= 777 + 70001; t++)
		advance(&r, t, UINT32_MAX);
	for (i = 0; i < N; i++) {
		CU_ASSERT_EQUAL(e[i].fired, 1);
		CU_ASSERT_EQUAL(e[i].fired_at, e[i].want);
	}
	CU_ASSERT_EQUAL(r.count, N);
	check_clean(&r);
}

enum { MANY = 100000, MANY_SPAN = 10000000 };

static struct ev many[MANY];

/* Arm MANY timers, half of them within SIP's 32 s, all within 10^7. */
static void
many_arm(struct tmr_wheel *w, uint64_t base, uint64_t seed)
{
	size_t i;

	rng_state = seed;
	tmr_wheel_init(w, base);
	for (i = 0; i < MANY; i++) {
		uint64_t d = (i & 1) ? rng() % (MANY_SPAN + 1)
				     : rng() % (64 * T1 + 1);

		many[i] = (struct ev){ 0 };
		tmr_node_init(&many[i].node, (uint32_t)i);
		ev_arm(w, &many[i], d);
	}
	CU_ASSERT_EQUAL(tmr_pending(w), MANY);
}

static void
test_many_exact(void)
{
	struct tmr_wheel *w = &wheel;
	uint64_t base = 1234567;
	uint64_t t, bad = 0;
	struct rec r;
	size_t i;

	many_arm(w, base, 1);
	rec_init(&r, w);
	for (t = base; t <= base + MANY_SPAN; t++)
		advance(&r, t, UINT32_MAX);
	for (i = 0; i < MANY; i++)
		if (many[i].fired != 1 || many[i].fired_at != many[i].want)
			bad++;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(r.count, MANY);
	CU_ASSERT_EQUAL(tmr_pending(w), 0);
	CU_ASSERT_EQUAL(w->fired, MANY);
	check_empty(w);
	check_clean(&r);
}

/* The same timers under jumps of 1 tick to 2 minutes. */
static void
test_many_jumps(void)
{
	struct tmr_wheel *w = &wheel;
	uint64_t base = 99, t = 99, prev, bad = 0, behind = 0;
	uint64_t due;
	struct rec r;
	size_t i;

	many_arm(w, base, 2);
	rec_init(&r, w);
	/* Delay 0 timers, due at the base tick itself. */
	advance(&r, base, UINT32_MAX);
	while (t <= base + MANY_SPAN + 1) {
		prev = t;
		switch (rng() % 4) {
		case 0:
			t += 1;
			break;
		case 1:
			t += 1 + rng() % 300;
			break;
		case 2:
			t += 1 + rng() % 20000;
			break;
		default:
			t += 1 + rng() % 120000;
			break;
		}
		r.count = 0;
		advance(&r, t, UINT32_MAX);
		/* Everything due by t, and nothing else, has fired. */
		due = 0;
		for (i = 0; i < MANY; i++) {
			if (many[i].want > prev && many[i].want <= t)
				due++;
			if (many[i].want <= t && many[i].fired != 1)
				behind++;
		}
		if (due != r.count)
			bad++;
	}
	for (i = 0; i < MANY; i++)
		CU_ASSERT_EQUAL_FATAL(many[i].fired, 1);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(behind, 0);
	check_empty(w);
	check_clean(&r);
}

static void
test_stop(void)
{
	static const uint64_t delays[] = { 0, 5, 300, 20000, 2000000 };
	enum { N = sizeof(delays) / sizeof(delays[0]) };
	struct tmr_wheel *w = &wheel;
	struct ev keep[N] = { 0 }, drop[N] = { 0 };
	struct rec r;
	size_t i;

	tmr_wheel_init(w, 1000);
	rec_init(&r, w);
	for (i = 0; i < N; i++) {
		tmr_node_init(&keep[i].node, 1);
		tmr_node_init(&drop[i].node, 2);
		ev_arm(w, &keep[i], delays[i]);
		ev_arm(w, &drop[i], delays[i]);
	}
	CU_ASSERT_EQUAL(tmr_pending(w), 2 * N);
	for (i = 0; i < N; i++) {
		tmr_stop(w, &drop[i].node);
		CU_ASSERT_FALSE(tmr_armed(&drop[i].node));
		/* A second stop is a no-op. */
		tmr_stop(w, &drop[i].node);
	}
	CU_ASSERT_EQUAL(tmr_pending(w), N);
	advance(&r, 1000 + 3000000, UINT32_MAX);
	for (i = 0; i < N; i++) {
		CU_ASSERT_EQUAL(keep[i].fired, 1);
		CU_ASSERT_EQUAL(drop[i].fired, 0);
	}
	CU_ASSERT_EQUAL(tmr_pending(w), 0);
	check_clean(&r);
}

static void
test_rearm(void)
{
	struct tmr_wheel *w = &wheel;
	struct ev a = { 0 }, b = { 0 }, c = { 0 };
	struct rec r;
	uint64_t t;

	tmr_wheel_init(w, 0);
	rec_init(&r, w);
	tmr_node_init(&a.node, 1);
	tmr_node_init(&b.node, 2);
	tmr_node_init(&c.node, 3);
	/* Later: the old deadline must not fire. */
	ev_arm(w, &a, 100);
	/* Sooner. */
	ev_arm(w, &b, 100000);
	/* Within the same level-1 slot: the node stays on its list. */
	ev_arm(w, &c, 20000);
	advance(&r, 50, UINT32_MAX);
	ev_arm(w, &a, 300);
	ev_arm(w, &b, 10);
	ev_arm(w, &c, 20000);
	CU_ASSERT_EQUAL(tmr_pending(w), 3);
	for (t = 51; t <= 200000; t++)
		advance(&r, t, UINT32_MAX);
	CU_ASSERT_EQUAL(a.fired, 1);
	CU_ASSERT_EQUAL(a.fired_at, 350);
	CU_ASSERT_EQUAL(b.fired, 1);
	CU_ASSERT_EQUAL(b.fired_at, 60);
	CU_ASSERT_EQUAL(c.fired, 1);
	CU_ASSERT_EQUAL(c.fired_at, 20050);
	CU_ASSERT_EQUAL(tmr_pending(w), 0);
	check_clean(&r);
}

/* A due node, held back by max, re-armed before it ran. */
static void
test_rearm_due(void)
{
	struct tmr_wheel *w = &wheel;
	struct ev a = { 0 }, b = { 0 };
	struct rec r;

	tmr_wheel_init(w, 0);
	rec_init(&r, w);
	tmr_node_init(&a.node, 1);
	tmr_node_init(&b.node, 2);
	ev_arm(w, &a, 10);
	ev_arm(w, &b, 10);
	CU_ASSERT_EQUAL(advance(&r, 10, 1), 1);
	CU_ASSERT_EQUAL(a.fired, 1);
	CU_ASSERT_TRUE(tmr_armed(&b.node));
	/* 266 lands on the same level-0 slot as tick 10 did. */
	ev_arm(w, &b, 256);
	CU_ASSERT_EQUAL(advance(&r, 265, UINT32_MAX), 0);
	CU_ASSERT_EQUAL(b.fired, 0);
	CU_ASSERT_EQUAL(advance(&r, 266, UINT32_MAX), 1);
	CU_ASSERT_EQUAL(b.fired_at, 266);
	/* The same with an upper-level delay. */
	ev_arm(w, &a, 0);
	ev_arm(w, &b, 0);
	CU_ASSERT_EQUAL(advance(&r, 266, 1), 1);
	ev_arm(w, &b, 30000);
	CU_ASSERT_EQUAL(advance(&r, 266 + 29999, UINT32_MAX), 0);
	CU_ASSERT_EQUAL(advance(&r, 266 + 30000, UINT32_MAX), 1);
	CU_ASSERT_EQUAL(b.fired_at, 266 + 30000);
	CU_ASSERT_EQUAL(tmr_pending(w), 0);
	check_clean(&r);
}

/*
 * Retransmission then timeout, as a client transaction runs them: the
 * retransmit timer re-arms itself from its callback with a doubling
 * interval capped at T2 (500, 1500, 3500, 7500, 11500, ...), and the
 * timeout timer (64*T1) stops it from its own callback.  RFC 3261 caps
 * the interval for Timer E; the brief applies the same cap to Timer A.
 */
enum { KIND_RETX = 1, KIND_TIMEOUT = 2 };

static uint64_t retx_at[32];
static uint32_t retx_n;

static void
sip_cb(struct tmr_node *n, void *arg)
{
	struct rec *r = arg;
	struct ev *e = EV_OF(n);

	ev_cb(n, arg);
	if (n->kind == KIND_RETX) {
		if (retx_n < 32)
			retx_at[retx_n] = r->now;
		retx_n++;
		e->interval = e->interval * 2 > T2 ? T2 : e->interval * 2;
		ev_arm(r->w, e, e->interval);
	} else if (e->victim != NULL) {
		tmr_stop(r->w, &e->victim->node);
	}
}

static void
test_rearm_in_cb(void)
{
	static const uint64_t want[] = { 500,   1500,  3500,  7500,  11500,
					 15500, 19500, 23500, 27500, 31500 };
	struct tmr_wheel *w = &wheel;
	struct ev a = { 0 }, b = { 0 };
	struct rec r;
	uint64_t t;
	uint32_t i;

	tmr_wheel_init(w, 0);
	rec_init(&r, w);
	retx_n = 0;
	tmr_node_init(&a.node, KIND_RETX);
	tmr_node_init(&b.node, KIND_TIMEOUT);
	a.interval = T1;
	ev_arm(w, &a, T1);
	b.victim = &a;
	ev_arm(w, &b, 64 * T1);
	for (t = 1; t <= 100000; t++) {
		r.now = t;
		r.last = 0;
		tmr_advance(w, t, UINT32_MAX, sip_cb, &r);
	}
	CU_ASSERT_EQUAL(retx_n, 10);
	for (i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(retx_at[i], want[i]);
	CU_ASSERT_EQUAL(b.fired, 1);
	CU_ASSERT_EQUAL(b.fired_at, 32000);
	CU_ASSERT_FALSE(tmr_armed(&a.node));
	CU_ASSERT_EQUAL(tmr_pending(w), 0);
	check_clean(&r);
}

/* A callback stops a node due at the same tick, and one due later. */
static void
test_stop_in_cb(void)
{
	struct tmr_wheel *w = &wheel;
	struct ev x = { 0 }, y = { 0 }, z = { 0 }, q = { 0 };
	struct rec r;

	tmr_wheel_init(w, 0);
	rec_init(&r, w);
	tmr_node_init(&x.node, KIND_TIMEOUT);
	tmr_node_init(&y.node, KIND_TIMEOUT);
	tmr_node_init(&z.node, KIND_TIMEOUT);
	tmr_node_init(&q.node, KIND_TIMEOUT);
	ev_arm(w, &x, 10);
	ev_arm(w, &y, 10); /* behind x on the same slot */
	ev_arm(w, &q, 10);
	ev_arm(w, &z, 40000);
	x.victim = &y;
	q.victim = &z;
	r.now = 10;
	CU_ASSERT_EQUAL(tmr_advance(w, 10, UINT32_MAX, sip_cb, &r), 2);
	CU_ASSERT_EQUAL(x.fired, 1);
	CU_ASSERT_EQUAL(y.fired, 0);
	CU_ASSERT_EQUAL(q.fired, 1);
	CU_ASSERT_FALSE(tmr_armed(&y.node));
	CU_ASSERT_FALSE(tmr_armed(&z.node));
	CU_ASSERT_EQUAL(tmr_pending(w), 0);
	r.now = 100000;
	CU_ASSERT_EQUAL(tmr_advance(w, 100000, UINT32_MAX, sip_cb, &r), 0);
	check_clean(&r);
}

static void
zero_cb(struct tmr_node *n, void *arg)
{
	struct rec *r = arg;

	r->count++;
	tmr_arm(r->w, n, 0);
}

/* A callback re-arming itself with delay 0 runs once per call. */
static void
test_rearm_zero_in_cb(void)
{
	struct tmr_wheel *w = &wheel;
	struct tmr_node n;
	struct rec r;

	tmr_wheel_init(w, 5);
	rec_init(&r, w);
	tmr_node_init(&n, 0);
	tmr_arm(w, &n, 0);
	CU_ASSERT_EQUAL(tmr_advance(w, 5, UINT32_MAX, zero_cb, &r), 1);
	CU_ASSERT_TRUE(tmr_armed(&n));
	CU_ASSERT_EQUAL(n.expire, 5);
	/* Delay 0 fires on the next call, even at the same tick. */
	CU_ASSERT_EQUAL(tmr_advance(w, 5, UINT32_MAX, zero_cb, &r), 1);
	/*
	 * A later clock: it runs for tick 5 (armed last call), is re-armed
	 * for tick 9, which this call has not reached yet, so it runs for 9
	 * too, and stops there.
	 */
	CU_ASSERT_EQUAL(tmr_advance(w, 9, UINT32_MAX, zero_cb, &r), 2);
	CU_ASSERT_EQUAL(n.expire, 9);
	CU_ASSERT_EQUAL(tmr_advance(w, 9, UINT32_MAX, zero_cb, &r), 1);
	CU_ASSERT_EQUAL(r.count, 5);
	tmr_stop(w, &n);
	CU_ASSERT_EQUAL(tmr_advance(w, 9, UINT32_MAX, zero_cb, &r), 0);
	CU_ASSERT_EQUAL(tmr_pending(w), 0);
	/* Armed with delay 0 outside a callback, after the tick has run. */
	tmr_arm(w, &n, 0);
	CU_ASSERT_EQUAL(tmr_advance(w, 9, 0, zero_cb, &r), 0);
	CU_ASSERT_EQUAL(tmr_advance(w, 9, UINT32_MAX, zero_cb, &r), 1);
	tmr_stop(w, &n);
}

enum { BATCH = 1000, BATCH_MAX = 64 };

static struct ev batch[BATCH];

static void
test_batching(void)
{
	struct tmr_wheel *w = &wheel;
	uint32_t calls = 0, got, total = 0;
	struct rec r;
	size_t i;

	tmr_wheel_init(w, 100);
	rec_init(&r, w);
	for (i = 0; i < BATCH; i++) {
		batch[i] = (struct ev){ 0 };
		tmr_node_init(&batch[i].node, 0);
		ev_arm(w, &batch[i], 50);
	}
	CU_ASSERT_EQUAL(advance(&r, 149, BATCH_MAX), 0);
	while ((got = advance(&r, 150, BATCH_MAX)) != 0) {
		calls++;
		total += got;
		CU_ASSERT_EQUAL(got,
				calls < 16 ? BATCH_MAX : BATCH % BATCH_MAX);
		CU_ASSERT_EQUAL(tmr_pending(w), BATCH - total);
	}
	CU_ASSERT_EQUAL(calls, 16);
	CU_ASSERT_EQUAL(total, BATCH);
	for (i = 0; i < BATCH; i++) {
		CU_ASSERT_EQUAL(batch[i].fired, 1);
		CU_ASSERT_EQUAL(batch[i].fired_at, 150);
	}
	check_clean(&r);

	/* Spread over two ticks and a later clock: still in tick order, and
	 * a stopped leftover does not run. */
	for (i = 0; i < BATCH; i++) {
		batch[i].fired = 0;
		ev_arm(w, &batch[i], 1 + (i & 1));
	}
	CU_ASSERT_EQUAL(advance(&r, 500, BATCH_MAX), BATCH_MAX);
	tmr_stop(w, &batch[BATCH - 1].node);
	total = BATCH_MAX;
	calls = 1;
	while ((got = advance(&r, 500 + calls, BATCH_MAX)) != 0) {
		total += got;
		calls++;
	}
	CU_ASSERT_EQUAL(total, BATCH - 1);
	CU_ASSERT_EQUAL(batch[BATCH - 1].fired, 0);
	check_empty(w);
	check_clean(&r);
}

/* An idle or sparse wheel jumps far ahead without walking every tick. */
static void
test_big_jump(void)
{
	static const uint64_t delays[] = { 1, 300, 20000, 1 << 21, 5000000,
					   TMR_MAX_DELAY };
	enum { N = sizeof(delays) / sizeof(delays[0]) };
	struct tmr_wheel *w = &wheel;
	struct ev e[N] = { 0 };
	uint64_t t;
	struct rec r;
	size_t i;

	tmr_wheel_init(w, 3);
	rec_init(&r, w);
	/* 2^40 ticks: a walk of one loop per tick would never finish. */
	t = 3 + (UINT64_C(1) << 40);
	CU_ASSERT_EQUAL(advance(&r, t, UINT32_MAX), 0);
	CU_ASSERT_EQUAL(tmr_now(w), t);
	for (i = 0; i < N; i++) {
		tmr_node_init(&e[i].node, 0);
		ev_arm(w, &e[i], delays[i]);
	}
	/* 10 s idle, then 2^40 ticks, in one call each. */
	CU_ASSERT_EQUAL(advance(&r, t + 10000, UINT32_MAX), 2);
	CU_ASSERT_EQUAL(advance(&r, t + (UINT64_C(1) << 40), UINT32_MAX),
			N - 2);
	for (i = 0; i < N; i++)
		CU_ASSERT_EQUAL(e[i].fired, 1);
	/* Each node is re-filed at most once per level it came down. */
	CU_ASSERT_TRUE(w->cascaded <= 3 * N);
	/* The clock never runs backwards. */
	CU_ASSERT_EQUAL(advance(&r, 5, UINT32_MAX), 0);
	CU_ASSERT_EQUAL(tmr_now(w), t + (UINT64_C(1) << 40));
	check_clean(&r);
}

static void
test_clamp(void)
{
	static const uint64_t delays[] = { TMR_MAX_DELAY + 1,
					   UINT64_C(1) << 40, UINT64_MAX };
	struct tmr_wheel *w = &wheel;
	struct ev e = { 0 };
	struct rec r;
	size_t i;

	for (i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
		tmr_wheel_init(w, 1000);
		rec_init(&r, w);
		tmr_node_init(&e.node, 0);
		e.fired = 0;
		ev_arm(w, &e, delays[i]);
		CU_ASSERT_EQUAL(e.node.expire, 1000 + TMR_MAX_DELAY);
		CU_ASSERT_EQUAL(advance(&r, 1000 + TMR_MAX_DELAY - 1,
					UINT32_MAX), 0);
		CU_ASSERT_EQUAL(advance(&r, 1000 + TMR_MAX_DELAY, UINT32_MAX),
				1);
		CU_ASSERT_EQUAL(e.fired_at, 1000 + TMR_MAX_DELAY);
		check_clean(&r);
	}
}

/*
 * The cursor held far behind the clock by max: a node armed then may lie
 * beyond the wheel's span as seen from the cursor.  It must still fire at
 * exactly its tick, after the backlog.
 */
static void
test_lagging_cursor(void)
{
	struct tmr_wheel *w = &wheel;
	struct ev back[10] = { 0 }, far = { 0 }, near = { 0 }, zero = { 0 };
	uint64_t now;
	struct rec r;
	size_t i;

	tmr_wheel_init(w, 0);
	rec_init(&r, w);
	for (i = 0; i < 10; i++) {
		tmr_node_init(&back[i].node, 0);
		ev_arm(w, &back[i], 5);
	}
	now = 5 + (UINT64_C(1) << 27);
	CU_ASSERT_EQUAL(advance(&r, now, 1), 1);
	tmr_node_init(&far.node, 0);
	tmr_node_init(&near.node, 0);
	tmr_node_init(&zero.node, 0);
	ev_arm(w, &far, TMR_MAX_DELAY);
	ev_arm(w, &near, 1000);
	/* Delay 0 lands on the wheel proper, and runs after the backlog. */
	ev_arm(w, &zero, 0);
	CU_ASSERT_EQUAL(advance(&r, now, 3), 3);
	CU_ASSERT_EQUAL(zero.fired, 0);
	CU_ASSERT_EQUAL(advance(&r, now, UINT32_MAX), 7);
	CU_ASSERT_EQUAL(zero.fired_at, now);
	CU_ASSERT_EQUAL(advance(&r, near.want - 1, UINT32_MAX), 0);
	CU_ASSERT_EQUAL(advance(&r, near.want, UINT32_MAX), 1);
	CU_ASSERT_EQUAL(near.fired_at, near.want);
	CU_ASSERT_EQUAL(advance(&r, far.want - 1, UINT32_MAX), 0);
	CU_ASSERT_EQUAL(advance(&r, far.want, UINT32_MAX), 1);
	CU_ASSERT_EQUAL(far.fired_at, far.want);
	CU_ASSERT_EQUAL(tmr_pending(w), 0);
	check_clean(&r);
}

static void
test_pending(void)
{
	struct tmr_wheel *w = &wheel;
	struct ev e[100] = { 0 };
	struct rec r;
	size_t i;

	tmr_wheel_init(w, 0);
	rec_init(&r, w);
	for (i = 0; i < 100; i++) {
		tmr_node_init(&e[i].node, 0);
		ev_arm(w, &e[i], i * 1000);
	}
	CU_ASSERT_EQUAL(tmr_pending(w), 100);
	/* Re-arming an armed node does not count it twice. */
	for (i = 0; i < 100; i += 2)
		ev_arm(w, &e[i], i * 1000 + 7);
	CU_ASSERT_EQUAL(tmr_pending(w), 100);
	for (i = 1; i < 100; i += 4)
		tmr_stop(w, &e[i].node);
	CU_ASSERT_EQUAL(tmr_pending(w), 75);
	/* Fired: e[0] (7) and e[2] (2007); e[1] was stopped. */
	CU_ASSERT_EQUAL(advance(&r, 2500, UINT32_MAX), 2);
	CU_ASSERT_EQUAL(tmr_pending(w), 73);
	/* Due but held back by max still counts as pending. */
	CU_ASSERT_EQUAL(advance(&r, 50000, 10), 10);
	CU_ASSERT_EQUAL(tmr_pending(w), 63);
	advance(&r, 200000, UINT32_MAX);
	CU_ASSERT_EQUAL(tmr_pending(w), 0);
	check_clean(&r);
}

/*
 * Random arms, re-arms, stops and advances, from inside callbacks too,
 * checked against a plain array model of which nodes are armed and when
 * they expire.
 */
enum { FZ_NODES = 512, FZ_OPS = 400000 };

struct fz {
	struct tmr_wheel *w;
	uint64_t now;                /* the now of the current call */
	uint64_t last;               /* previous expiry this call */
	uint8_t armed[FZ_NODES];     /* model: armed */
	uint8_t in_cb[FZ_NODES];     /* armed by a callback this call */
	uint64_t expire[FZ_NODES];   /* model: expiry tick */
	uint32_t pending;            /* model: armed count */
	uint64_t errors;             /* disagreements with the model */
};

static struct tmr_node fz_node[FZ_NODES];

static uint64_t
fz_delay(void)
{
	switch (rng() % 8) {
	case 0:
		return 0;
	case 1:
		return rng() % 4;
	case 2:
		return rng() % 300;
	case 3:
		return rng() % 20000;
	case 4:
		return rng() % 2000000;
	case 5:
		return rng() % (TMR_MAX_DELAY + 1);
	case 6:
		return TMR_MAX_DELAY + rng() % 1000;
	default:
		return rng() % 64;
	}
}

static void
fz_arm(struct fz *f, uint32_t i, int from_cb)
{
	uint64_t d = fz_delay();

	if (!f->armed[i])
		f->pending++;
	f->armed[i] = 1;
	f->in_cb[i] = (uint8_t)from_cb;
	f->expire[i] = f->now + (d > TMR_MAX_DELAY ? TMR_MAX_DELAY : d);
	tmr_arm(f->w, &fz_node[i], d);
}

static void
fz_stop(struct fz *f, uint32_t i)
{
	if (f->armed[i])
		f->pending--;
	f->armed[i] = 0;
	tmr_stop(f->w, &fz_node[i]);
}

static void
fz_cb(struct tmr_node *n, void *arg)
{
	struct fz *f = arg;
	uint32_t i = (uint32_t)(n - fz_node);

	if (!f->armed[i] || f->expire[i] != n->expire ||
	    n->expire > f->now || n->expire < f->last || tmr_armed(n))
		f->errors++;
	f->last = n->expire;
	f->armed[i] = 0;
	f->pending--;
	switch (rng() % 8) {
	case 0:
		fz_arm(f, i, 1);
		break;
	case 1:
		fz_arm(f, (uint32_t)(rng() % FZ_NODES), 1);
		break;
	case 2:
		fz_stop(f, (uint32_t)(rng() % FZ_NODES));
		break;
	default:
		break;
	}
}

static void
test_model_fuzz(void)
{
	static const uint32_t maxes[] = { 1, 3, 64, UINT32_MAX };
	static struct fz f;
	uint32_t op, i, max, got;
	uint64_t t;

	rng_state = 42;
	f = (struct fz){ .w = &wheel, .now = 1000 };
	tmr_wheel_init(f.w, f.now);
	for (i = 0; i < FZ_NODES; i++)
		tmr_node_init(&fz_node[i], i);
	for (op = 0; op < FZ_OPS; op++) {
		i = (uint32_t)(rng() % FZ_NODES);
		switch (rng() % 4) {
		case 0:
			fz_arm(&f, i, 0);
			break;
		case 1:
			fz_stop(&f, i);
			break;
		default:
			switch (rng() % 4) {
			case 0:
				t = 0;
				break;
			case 1:
				t = 1;
				break;
			case 2:
				t = rng() % 1000;
				break;
			default:
				t = rng() % 3000000;
				break;
			}
			f.now += t;
			f.last = 0;
			memset(f.in_cb, 0, sizeof(f.in_cb));
			max = maxes[rng() % 4];
			got = tmr_advance(f.w, f.now, max, fz_cb, &f);
			if (got > max)
				f.errors++;
			if (got == max)
				break;
			/* Not held back: nothing due may be left over except
			 * what callbacks armed for this very tick. */
			for (i = 0; i < FZ_NODES; i++)
				if (f.armed[i] && f.expire[i] <= f.now &&
				    !(f.in_cb[i] && f.expire[i] == f.now))
					f.errors++;
			break;
		}
		if (tmr_pending(f.w) != f.pending)
			f.errors++;
		if (f.errors != 0)
			break;
	}
	CU_ASSERT_EQUAL(f.errors, 0);
	if (f.errors != 0)
		printf("\n  model mismatch at op %u\n", op);
	for (i = 0; i < FZ_NODES; i++) {
		CU_ASSERT_EQUAL(tmr_armed(&fz_node[i]), f.armed[i]);
		tmr_stop(f.w, &fz_node[i]);
	}
	check_empty(f.w);
}

static CU_TestInfo tmr_tests[] = {
	{ "node init, sizes, arm/stop basics", test_node_init },
	{ "single timer fires exactly at its tick", test_single_exact },
	{ "level boundaries, tick by tick", test_tick_by_tick },
	{ "100k random timers, tick by tick", test_many_exact },
	{ "100k random timers, random jumps", test_many_jumps },
	{ "stop before expiry", test_stop },
	{ "re-arm moves the deadline", test_rearm },
	{ "re-arm a due node held back by max", test_rearm_due },
	{ "re-arm in callback (T1 doubling, T2 cap)", test_rearm_in_cb },
	{ "stop other nodes in callback", test_stop_in_cb },
	{ "delay 0 re-armed in callback", test_rearm_zero_in_cb },
	{ "max batching", test_batching },
	{ "big jumps of now", test_big_jump },
	{ "delays beyond range are clamped", test_clamp },
	{ "cursor lagging behind now", test_lagging_cursor },
	{ "pending counts", test_pending },
	{ "random ops against a model", test_model_fuzz },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "tmr", NULL, NULL, NULL, NULL, tmr_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return CU_get_error();
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		CU_cleanup_registry();
		return CU_get_error();
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() +
		 CU_get_run_summary()->nTestsFailed;
	CU_cleanup_registry();
	return failed != 0;
}
