/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_ROUTE_H
#define DP_ROUTE_H

/**
 * @file
 * Where an INVITE goes: the one lookup the transaction layer asks, "which
 * groups of targets does this Request-URI fork to?".
 *
 * Today the table is built once from the [route NAME] sections of the
 * configuration.  The control plane will publish tables of the same shape
 * (registrations, hunt groups, drouting) behind this interface.  A
 * struct dp_route stays valid for the life of every transaction that
 * holds it: the static table lives as long as the process, and a
 * published one will be freed only after a grace period longer than any
 * transaction.
 */

#include <stdint.h>

#include "sip_parse.h"

struct cfg;

/** One destination of a branch. */
struct dp_target {
	uint32_t ip;   /**< IPv4, network order */
	uint16_t port; /**< UDP port, host order */
};

/** Targets forked to in parallel. */
struct dp_target_group {
	uint32_t nb;                    /**< entries in t, >= 1 */
	const struct dp_target *t;      /**< in configured order */
};

/** When the next group starts after a group ended without a 2xx. */
enum dp_failover {
	DP_FAILOVER_ANY = 0, /**< any final non-2xx (hunt groups, routes) */
	DP_FAILOVER_CODES,   /**< only [drouting] failover_codes */
};

/** A routing result: serial groups of parallel targets. */
struct dp_route {
	const char *name;        /**< the matched name, for logs */
	uint32_t nb_groups;      /**< entries in groups, >= 1 */
	const struct dp_target_group *groups; /**< serial order */
	uint8_t failover;        /**< enum dp_failover */
};

/** A lookup table of routes by name; opaque. */
struct dp_route_table;

/**
 * Build the table from the configuration's [route NAME] sections.
 *
 * @param cfg  a loaded configuration; the table copies what it needs
 * @return the table (hugepage memory is not needed: it is read-only
 *   after build), or NULL on allocation failure
 */
struct dp_route_table *dp_route_table_from_cfg(const struct cfg *cfg);

/** Free a table built by dp_route_table_from_cfg(). */
void dp_route_table_free(struct dp_route_table *t);

/**
 * Find the route of a request: "user@host" of the Request-URI first,
 * then the bare "user" (a name that matches that user in any domain).
 *
 * @param t    the table
 * @param msg  a parsed request with a sip:/sips:/tel: Request-URI
 * @return the route, or NULL when no route has that name
 */
const struct dp_route *dp_route_lookup(const struct dp_route_table *t,
				       const struct sip_msg *msg);

/** @return the route named exactly name[0..len), or NULL. */
const struct dp_route *dp_route_find(const struct dp_route_table *t,
				     const char *name, uint32_t len);

#endif /* DP_ROUTE_H */
