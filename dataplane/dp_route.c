/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Static route table: the [route NAME] sections, hashed by name with open
 * addressing.  Built once at start, read-only afterwards, so any number
 * of lcores read it without synchronisation.
 */

#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "dp_route.h"

struct dp_route_table {
	uint32_t mask;            /* slots - 1, slots a power of two */
	uint32_t *slot;           /* route index + 1, 0 when empty */
	uint32_t nb;              /* routes */
	struct dp_route *routes;  /* nb entries */
	char **names;             /* nb owned names */
	uint32_t *name_len;       /* nb lengths, bytes */
	struct dp_target_group *groups; /* all groups, one allocation */
	struct dp_target *targets;      /* all targets, one allocation */
};

static uint32_t
name_hash(const char *s, uint32_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (len--) {
		h ^= (uint8_t)*s++;
		h *= 16777619u;
	}
	return h;
}

struct dp_route_table *
dp_route_table_from_cfg(const struct cfg *cfg)
{
	struct dp_route_table *t = calloc(1, sizeof(*t));
	uint32_t i, g, k, nb_g = 0, nb_t = 0, slots = 8;
	struct dp_target_group *gp;
	struct dp_target *tp;

	if (t == NULL)
		return NULL;
	for (i = 0; i < cfg->nb_routes; i++) {
		nb_g += cfg->routes[i].nb_groups;
		for (g = 0; g < cfg->routes[i].nb_groups; g++)
			nb_t += cfg->routes[i].groups[g].nb_targets;
	}
	while (slots < 2 * cfg->nb_routes)
		slots <<= 1;
	t->mask = slots - 1;
	t->nb = cfg->nb_routes;
	t->slot = calloc(slots, sizeof(*t->slot));
	t->routes = calloc(t->nb + 1, sizeof(*t->routes));
	t->names = calloc(t->nb + 1, sizeof(*t->names));
	t->name_len = calloc(t->nb + 1, sizeof(*t->name_len));
	t->groups = calloc(nb_g + 1, sizeof(*t->groups));
	t->targets = calloc(nb_t + 1, sizeof(*t->targets));
	if (!t->slot || !t->routes || !t->names || !t->name_len ||
	    !t->groups || !t->targets)
		goto free_table;
	gp = t->groups;
	tp = t->targets;
	for (i = 0; i < t->nb; i++) {
		const struct cfg_route *cr = &cfg->routes[i];
		struct dp_route *r = &t->routes[i];
		uint32_t h;

		t->names[i] = strdup(cr->name);
		if (t->names[i] == NULL)
			goto free_table;
		t->name_len[i] = (uint32_t)strlen(cr->name);
		r->name = t->names[i];
		r->nb_groups = cr->nb_groups;
		r->groups = gp;
		r->failover = DP_FAILOVER_ANY;
		for (g = 0; g < cr->nb_groups; g++, gp++) {
			gp->nb = cr->groups[g].nb_targets;
			gp->t = tp;
			for (k = 0; k < gp->nb; k++, tp++) {
				tp->ip = cr->groups[g].targets[k].ip;
				tp->port = cr->groups[g].targets[k].port;
			}
		}
		h = name_hash(t->names[i], t->name_len[i]) & t->mask;
		while (t->slot[h] != 0)
			h = (h + 1) & t->mask;
		t->slot[h] = i + 1;
	}
	return t;

free_table:
	dp_route_table_free(t);
	return NULL;
}

void
dp_route_table_free(struct dp_route_table *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	for (i = 0; t->names && i < t->nb; i++)
		free(t->names[i]);
	free(t->names);
	free(t->name_len);
	free(t->slot);
	free(t->routes);
	free(t->groups);
	free(t->targets);
	free(t);
}

const struct dp_route *
dp_route_find(const struct dp_route_table *t, const char *name, uint32_t len)
{
	uint32_t h = name_hash(name, len) & t->mask, idx;

	while ((idx = t->slot[h]) != 0) {
		if (t->name_len[idx - 1] == len &&
		    memcmp(t->names[idx - 1], name, len) == 0)
			return &t->routes[idx - 1];
		h = (h + 1) & t->mask;
	}
	return NULL;
}

const struct dp_route *
dp_route_lookup(const struct dp_route_table *t, const struct sip_msg *msg)
{
	const struct sip_uri *u = &msg->ruri;
	const struct dp_route *r;
	char key[256];
	uint32_t n;

	if (u->user.len == 0 || t->nb == 0)
		return NULL;
	/* user@host, as the AOR of a REGISTER would name it. */
	n = (uint32_t)u->user.len + 1 + u->host.len;
	if (u->host.len > 0 && n <= sizeof(key)) {
		memcpy(key, sip_span_ptr(msg, u->user), u->user.len);
		key[u->user.len] = '@';
		memcpy(key + u->user.len + 1, sip_span_ptr(msg, u->host),
		       u->host.len);
		r = dp_route_find(t, key, n);
		if (r != NULL)
			return r;
	}
	return dp_route_find(t, sip_span_ptr(msg, u->user), u->user.len);
}
