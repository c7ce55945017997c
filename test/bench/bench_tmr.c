/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Micro-benchmark of the timing wheel: cycles per arm, re-arm, stop and
 * fired timer with 100K and 1M timers pending, to compare with rte_timer
 * (see NOTES-DPDK.md, "Timers").  Single-threaded, no EAL; pin it with
 * taskset for stable figures.
 *
 * Each round arms N nodes with delays drawn like SIP timers (up to 64*T1,
 * 32 s of 1 ms ticks), re-arms all of them with new delays, stops them
 * all, arms them again and then advances the clock one tick at a time
 * until all have fired.  "fire" is the whole cost of advancing divided by
 * the number fired, so it includes cascades and empty ticks.  Nodes are
 * visited in array order (the figures in NOTES-DPDK.md were taken that
 * way) and then in a random order, which is closer to transactions spread
 * over a large table.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <x86intrin.h>

#include "tmr.h"

/* Rounds per figure; the median is printed. */
#define ROUNDS 9
/* Longest delay drawn: Timer B/F/H, 64 * T1 at 1 ms ticks. */
#define MAX_DELAY 32000

static uint64_t rng_state = 1;

/* splitmix64, so runs are comparable. */
static uint64_t
rng(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void
fire_cb(struct tmr_node *n, void *ctx)
{
	uint64_t *count = ctx;

	(void)n;
	(*count)++;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static uint64_t
median(uint64_t *v)
{
	qsort(v, ROUNDS, sizeof(v[0]), cmp_u64);
	return v[ROUNDS / 2];
}

/* Cycles per op, times 10, so one decimal survives integer division. */
static uint64_t
per_op(uint64_t cycles, uint64_t ops)
{
	return ops == 0 ? 0 : cycles * 10 / ops;
}

static void
run(uint32_t n, const uint32_t *order, const char *label)
{
	struct tmr_wheel *w;
	struct tmr_node *nodes;
	uint32_t *delay;
	uint64_t arm[ROUNDS], reset[ROUNDS], stop[ROUNDS], fire[ROUNDS];
	uint64_t t0, fired, now, cascaded = 0;
	uint32_t i, r;

	w = aligned_alloc(64, sizeof(*w));
	nodes = aligned_alloc(64, (size_t)n * sizeof(*nodes));
	/* Two delays per node (arm, re-arm), drawn before timing. */
	delay = malloc((size_t)n * 2 * sizeof(*delay));
	if (w == NULL || nodes == NULL || delay == NULL) {
		fprintf(stderr, "bench_tmr: out of memory\n");
		exit(1);
	}
	for (i = 0; i < n; i++)
		tmr_node_init(&nodes[i], 0);
	for (i = 0; i < 2 * n; i++)
		delay[i] = 1 + (uint32_t)(rng() % MAX_DELAY);

	for (r = 0; r < ROUNDS; r++) {
		/* An unaligned start, different each round. */
		now = 1000003 * (uint64_t)(r + 1);
		tmr_wheel_init(w, now);

		t0 = __rdtsc();
		for (i = 0; i < n; i++)
			tmr_arm(w, &nodes[order[i]], delay[i]);
		arm[r] = per_op(__rdtsc() - t0, n);

		t0 = __rdtsc();
		for (i = 0; i < n; i++)
			tmr_arm(w, &nodes[order[i]], delay[n + i]);
		reset[r] = per_op(__rdtsc() - t0, n);

		t0 = __rdtsc();
		for (i = 0; i < n; i++)
			tmr_stop(w, &nodes[order[i]]);
		stop[r] = per_op(__rdtsc() - t0, n);

		for (i = 0; i < n; i++)
			tmr_arm(w, &nodes[order[i]], delay[i]);
		fired = 0;
		t0 = __rdtsc();
		while (tmr_pending(w) != 0) {
			now++;
			tmr_advance(w, now, UINT32_MAX, fire_cb, &fired);
		}
		fire[r] = per_op(__rdtsc() - t0, fired);
		cascaded += w->cascaded;
		if (fired != n) {
			fprintf(stderr, "bench_tmr: fired %lu of %u\n",
				(unsigned long)fired, n);
			exit(1);
		}
	}
	printf("tmr pending=%u%s arm=%lu.%lu reset=%lu.%lu stop=%lu.%lu "
	       "fire=%lu.%lu cycles/op (median of %d)\n",
	       n, label, (unsigned long)median(arm) / 10,
	       (unsigned long)median(arm) % 10,
	       (unsigned long)median(reset) / 10,
	       (unsigned long)median(reset) % 10,
	       (unsigned long)median(stop) / 10,
	       (unsigned long)median(stop) % 10,
	       (unsigned long)median(fire) / 10,
	       (unsigned long)median(fire) % 10, ROUNDS);
	printf("    %.2f cascades per fired timer\n",
	       (double)cascaded / ((double)n * ROUNDS));
	free(delay);
	free(nodes);
	free(w);
}

int
main(void)
{
	static const uint32_t sizes[] = { 100000, 1000000 };
	uint32_t *order;
	uint32_t i, j, tmp;
	size_t s;

	printf("tmr_wheel %zu bytes, tmr_node %zu bytes, delays 1..%u ticks\n",
	       sizeof(struct tmr_wheel), sizeof(struct tmr_node), MAX_DELAY);
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		order = malloc(sizes[s] * sizeof(*order));
		if (order == NULL) {
			fprintf(stderr, "bench_tmr: out of memory\n");
			return 1;
		}
		for (i = 0; i < sizes[s]; i++)
			order[i] = i;
		run(sizes[s], order, "");
		/* Fisher-Yates: the same nodes, visited in random order. */
		for (i = sizes[s] - 1; i > 0; i--) {
			j = (uint32_t)(rng() % (i + 1));
			tmp = order[i];
			order[i] = order[j];
			order[j] = tmp;
		}
		run(sizes[s], order, " order=random");
		free(order);
	}
	return 0;
}
