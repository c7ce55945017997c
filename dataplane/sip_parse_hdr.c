/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header-value grammars of RFC 3261 section 25: URIs, name-addr lists,
 * Via, Contact, Route/Record-Route and CSeq.  Each works on a value that
 * sip_parse.c has already cut out of its header line, where any CR or LF
 * left inside is line folding and so counts as linear white space.
 */

#include <string.h>

#include "sip_parse_priv.h"

int
sip_digits(struct scan *s, uint64_t *val)
{
	uint64_t v = 0;
	uint32_t start = s->p;

	while (s->p < s->e && cc_is(s->b[s->p], CC_DIGIT)) {
		uint64_t d = (uint64_t)(s->b[s->p] - '0');

		/* Saturate: callers only compare against 2^32-1 and less. */
		v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
		s->p++;
	}
	*val = v;
	return s->p > start ? 0 : -1;
}

/*
 * One generic-param: token [ EQUAL ( token / host / quoted-string ) ].
 * On entry s->p is just past the ';' (and any LWS after it).
 * @return 0, or -1 on a malformed parameter.
 */
static int
param_one(struct scan *s, struct sip_span *name, struct sip_span *val)
{
	uint32_t n0 = s->p, q;

	if (scan_run(s, CC_TOKEN) == 0)
		return -1;
	*name = span(n0, s->p - n0);
	*val = span(s->p, 0);
	q = s->p;
	scan_lws(s);
	if (scan_peek(s) != '=') {
		s->p = q; /* a flag: give the LWS back to the caller */
		return 0;
	}
	s->p++;
	scan_lws(s);
	if (scan_peek(s) == '"') {
		uint32_t v0 = s->p++;

		while (s->p < s->e && s->b[s->p] != '"')
			s->p += (s->b[s->p] == '\\') ? 2 : 1;
		if (s->p >= s->e)
			return -1;
		s->p++;
		*val = span(v0, s->p - v0);
		return 0;
	}
	q = s->p;
	if (scan_run(s, CC_PVAL) == 0)
		return -1;
	*val = span(q, s->p - q);
	return 0;
}

/*
 * Header parameters after a URI or sent-by: *( SEMI generic-param ).
 * Stops before a ',' (next list element) or at the end.  Calls back for
 * each name so the caller can pick out tag, branch, expires, q...
 * @return 0, or -1 on a malformed list (";;" or a stray character).
 */
typedef void (*param_cb)(void *ctx, const char *b, struct sip_span name,
			 struct sip_span val);

static int
params_list(struct scan *s, struct sip_span *all, param_cb cb, void *ctx)
{
	uint32_t first = 0, last = 0;

	for (;;) {
		struct sip_span name, val;

		scan_lws(s);
		if (scan_end(s) || scan_peek(s) == ',')
			break;
		if (scan_peek(s) != ';')
			return -1;
		s->p++;
		scan_lws(s);
		if (param_one(s, &name, &val) < 0)
			return -1;
		if (first == 0)
			first = name.off;
		last = s->p;
		if (cb != NULL)
			cb(ctx, s->b, name, val);
	}
	*all = first ? span(first, last - first) : span(0, 0);
	return 0;
}

/* Host: "[" IPv6 "]" or hostname / IPv4.  @return 0 or -1. */
static int
host_scan(struct scan *s, struct sip_span *host)
{
	uint32_t h0 = s->p;

	if (scan_peek(s) == '[') {
		s->p++;
		while (s->p < s->e && (cc_is(s->b[s->p], CC_HOST) ||
				       s->b[s->p] == ':'))
			s->p++;
		if (scan_peek(s) != ']')
			return -1;
		s->p++;
	} else if (scan_run(s, CC_HOST) == 0) {
		return -1;
	}
	*host = span(h0, s->p - h0);
	return 0;
}

/* ":" port, 1..5 digits, at most 65535; colon already consumed. */
static int
port_scan(struct scan *s, uint16_t *port)
{
	uint32_t d0 = s->p;
	uint64_t v;

	if (sip_digits(s, &v) < 0 || s->p - d0 > 5 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/*
 * uri-parameters in [p, e): 1*( pname [ "=" pvalue ] ) joined by ';'.
 * The bytes are already known to be URI characters; only empty names
 * are wrong here.  Notes "lr", the one parameter routing needs at once.
 */
static int
uri_params(const char *b, uint32_t p, uint32_t e, struct sip_uri *u)
{
	while (p <= e) {
		const char *semi = memchr(b + p, ';', e - p);
		uint32_t se = semi ? (uint32_t)(semi - b) : e;
		const char *eq = memchr(b + p, '=', se - p);
		uint32_t ne = eq ? (uint32_t)(eq - b) : se;

		if (ne == p)
			return -1;
		if (ieq(b, p, ne - p, "lr", 2))
			u->lr = 1;
		p = se + 1;
	}
	return 0;
}

enum sip_err
sip_uri_parse(const char *b, uint32_t p, uint32_t e, struct sip_uri *u)
{
	struct scan s = { b, p, e };
	uint32_t sch, at;
	const char *atp;

	memset(u, 0, sizeof(*u));
	u->all = span(p, e - p);
	if (p >= e || !cc_is(b[p], CC_ALPHA))
		return SIP_E_REQUEST_URI;
	while (s.p < e && (cc_is(b[s.p], CC_ALPHA | CC_DIGIT) ||
			   b[s.p] == '+' || b[s.p] == '-' || b[s.p] == '.'))
		s.p++;
	if (scan_peek(&s) != ':')
		return SIP_E_REQUEST_URI;
	sch = s.p - p;
	s.p++;
	/* Every byte of any URI must be a URI character: no LWS, <, >, ".
	 * The same pass notes the first '@': it cannot appear unescaped in
	 * host, params or headers, so it ends the userinfo even when the
	 * user part holds ';' or '?' (RFC 4475 intmeth, semiuri). */
	atp = NULL;
	for (uint32_t i = s.p; i < e; i++) {
		if (!cc_is(b[i], CC_URIC))
			return SIP_E_REQUEST_URI;
		if (b[i] == '@' && atp == NULL)
			atp = b + i;
	}
	if (ieq(b, p, sch, "sip", 3))
		u->scheme = SIP_SCHEME_SIP;
	else if (ieq(b, p, sch, "sips", 4))
		u->scheme = SIP_SCHEME_SIPS;
	else if (ieq(b, p, sch, "tel", 3))
		u->scheme = SIP_SCHEME_TEL;
	else
		return s.p < e ? SIP_E_OK : SIP_E_REQUEST_URI;

	if (u->scheme == SIP_SCHEME_TEL) {
		const char *semi = memchr(b + s.p, ';', e - s.p);
		uint32_t ue = semi ? (uint32_t)(semi - b) : e;

		if (ue == s.p)
			return SIP_E_REQUEST_URI;
		u->user = span(s.p, ue - s.p);
		if (semi)
			u->params = span(ue + 1, e - ue - 1);
		return SIP_E_OK;
	}

	if (atp != NULL) {
		const char *colon;

		at = (uint32_t)(atp - b);
		if (at == s.p)
			return SIP_E_REQUEST_URI;
		colon = memchr(b + s.p, ':', at - s.p);
		if (colon != NULL) {
			uint32_t c = (uint32_t)(colon - b);

			u->user = span(s.p, c - s.p);
			u->password = span(c + 1, at - c - 1);
		} else {
			u->user = span(s.p, at - s.p);
		}
		s.p = at + 1;
	}
	if (host_scan(&s, &u->host) < 0)
		return SIP_E_REQUEST_URI;
	if (scan_peek(&s) == ':') {
		s.p++;
		if (port_scan(&s, &u->port) < 0)
			return SIP_E_REQUEST_URI;
	}
	if (scan_peek(&s) == ';') {
		const char *q = memchr(b + s.p, '?', e - s.p);
		uint32_t pe = q ? (uint32_t)(q - b) : e;

		if (uri_params(b, s.p + 1, pe, u) < 0)
			return SIP_E_REQUEST_URI;
		u->params = span(s.p + 1, pe - s.p - 1);
		s.p = pe;
	}
	if (scan_peek(&s) == '?') {
		if (s.p + 1 >= e)
			return SIP_E_REQUEST_URI;
		u->headers = span(s.p + 1, e - s.p - 1);
		s.p = e;
	}
	return s.p == e ? SIP_E_OK : SIP_E_REQUEST_URI;
}

/* ---- name-addr / addr-spec ---------------------------------------- */

struct naddr_ctx {
	struct sip_naddr *na;
	struct sip_contact *ct; /* non-NULL for Contact */
	int bad;                /* a known param had a bad value */
	int need_angle;         /* name-addr only (Route, Record-Route) */
	int overlarge;          /* an expires > 2^32-1 was clamped */
};

static void
naddr_param_cb(void *ctx, const char *b, struct sip_span name,
	       struct sip_span val)
{
	struct naddr_ctx *c = ctx;

	if (ieq(b, name.off, name.len, "tag", 3)) {
		c->na->tag = val;
		return;
	}
	if (c->ct == NULL)
		return;
	if (ieq(b, name.off, name.len, "expires", 7)) {
		struct scan s = { b, val.off, (uint32_t)val.off + val.len };
		uint64_t v;

		/* RFC 3261 10.2.1.1 lets a registrar treat a malformed
		 * expires as absent (its default); an overlarge one is
		 * clamped to the largest legal value (RFC 4475 3.1.2.4). */
		if (sip_digits(&s, &v) == 0 && s.p == s.e) {
			if (v > UINT32_MAX) {
				v = UINT32_MAX;
				c->overlarge = 1;
			}
			c->ct->expires = (uint32_t)v;
			c->ct->has_expires = 1;
		}
	} else if (ieq(b, name.off, name.len, "q", 1)) {
		/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
		uint32_t i = val.off, e = (uint32_t)val.off + val.len;
		uint32_t q, mul = 100;

		if (i >= e || (b[i] != '0' && b[i] != '1')) {
			c->bad = 1;
			return;
		}
		q = (uint32_t)(b[i++] - '0') * 1000;
		if (i < e && b[i] == '.') {
			for (i++; i < e && mul > 0 && cc_is(b[i], CC_DIGIT);
			     i++, mul /= 10)
				q += (uint32_t)(b[i] - '0') * mul;
		}
		if (i != e || q > 1000) {
			c->bad = 1;
			return;
		}
		c->ct->q = (uint16_t)q;
		c->ct->has_q = 1;
	}
}

/*
 * display-name: quoted-string, or *(token LWS).  Leaves s->p on the '<'
 * when a display name or '<' is found; returns 1 for addr-spec (no '<'),
 * 0 for name-addr, -1 on error.
 */
static int
display_scan(struct scan *s, struct sip_naddr *na)
{
	uint32_t d0 = s->p, dend;

	if (scan_peek(s) == '"') {
		s->p++;
		while (s->p < s->e && s->b[s->p] != '"')
			s->p += (s->b[s->p] == '\\') ? 2 : 1;
		if (s->p >= s->e)
			return -1; /* unbalanced quote */
		s->p++;
		na->display = span(d0, s->p - d0);
		scan_lws(s);
		return scan_peek(s) == '<' ? 0 : -1;
	}
	if (scan_peek(s) == '<')
		return 0;
	/* A bare token directly followed by ':' is a URI scheme. */
	scan_run(s, CC_TOKEN);
	if (s->p > d0 && scan_peek(s) == ':') {
		s->p = d0;
		return 1;
	}
	dend = s->p;
	for (;;) {
		uint32_t q = s->p;

		scan_lws(s);
		if (scan_peek(s) == '<')
			break;
		if (s->p == q || scan_run(s, CC_TOKEN) == 0)
			return -1; /* a non-token character, e.g. ',' */
		dend = s->p;
	}
	if (dend == d0)
		return -1;
	na->display = span(d0, dend - d0);
	return 0;
}

/* One name-addr or addr-spec with its header params; stops before ','. */
static enum sip_err
naddr_one(struct scan *s, struct sip_naddr *na, struct naddr_ctx *ctx,
	  enum sip_err err)
{
	uint32_t a0, u0, ue;
	int kind;

	memset(na, 0, sizeof(*na));
	scan_lws(s);
	a0 = s->p;
	kind = display_scan(s, na);
	if (kind < 0 || (kind == 1 && ctx->need_angle))
		return err;
	if (kind == 0) {
		const char *gt;

		u0 = s->p + 1;
		gt = memchr(s->b + u0, '>', s->e - u0);
		if (gt == NULL)
			return err;
		ue = (uint32_t)(gt - s->b);
		s->p = ue + 1;
	} else {
		/* addr-spec: ';' starts header params and ',' the next
		 * value, so neither can be part of this URI (RFC 3261 20). */
		u0 = s->p;
		while (s->p < s->e && s->b[s->p] != ';' &&
		       s->b[s->p] != ',' && !cc_is(s->b[s->p], CC_LWS)) {
			if (s->b[s->p] == '?')
				return err; /* needs name-addr form */
			s->p++;
		}
		ue = s->p;
	}
	if (sip_uri_parse(s->b, u0, ue, &na->uri) != SIP_E_OK)
		return err;
	ctx->na = na;
	if (params_list(s, &na->params, naddr_param_cb, ctx) < 0 ||
	    ctx->bad)
		return err;
	na->all = span(a0, s->p - a0);
	return SIP_E_OK;
}

enum sip_err
sip_hdr_naddr(struct scan *s, struct sip_naddr *na, enum sip_err err)
{
	struct naddr_ctx ctx = { 0 };
	enum sip_err r = naddr_one(s, na, &ctx, err);

	if (r != SIP_E_OK)
		return r;
	scan_lws(s);
	return scan_end(s) ? SIP_E_OK : err;
}

/*
 * Comma-separated list of naddr.  slot() hands out the i-th element and
 * may point ctx at its container (Contact keeps expires and q there).
 */
typedef struct sip_naddr *(*naddr_slot_cb)(void *owner, uint8_t i,
					    struct naddr_ctx *ctx);

static enum sip_err
naddr_list(struct scan *s, naddr_slot_cb slot, void *owner, uint8_t *nb,
	   uint8_t max, struct naddr_ctx *ctx, enum sip_err err,
	   enum sip_err too_many)
{
	for (;;) {
		struct sip_naddr *na;
		enum sip_err r;

		if (*nb >= max)
			return too_many;
		na = slot(owner, *nb, ctx);
		r = naddr_one(s, na, ctx, err);
		if (r != SIP_E_OK)
			return r;
		(*nb)++;
		scan_lws(s);
		if (scan_end(s))
			return SIP_E_OK;
		if (scan_peek(s) != ',')
			return err;
		s->p++;
	}
}

static struct sip_naddr *
contact_slot(void *owner, uint8_t i, struct naddr_ctx *ctx)
{
	struct sip_contact *ct = &((struct sip_msg *)owner)->contact[i];

	ct->has_expires = 0;
	ct->has_q = 0;
	ctx->ct = ct;
	return &ct->addr;
}

enum sip_err
sip_hdr_contact(struct scan *s, struct sip_msg *m)
{
	struct naddr_ctx ctx = { 0 };
	enum sip_err r;

	scan_lws(s);
	if (scan_peek(s) == '*') {
		struct scan t = *s;

		t.p++;
		scan_lws(&t);
		if (scan_end(&t)) {
			/* "*" may not share the header with bindings. */
			if (m->nb_contact > 0)
				return SIP_E_CONTACT;
			m->flags |= SIP_F_CONTACT_STAR;
			return SIP_E_OK;
		}
	}
	if (m->flags & SIP_F_CONTACT_STAR)
		return SIP_E_CONTACT;
	r = naddr_list(s, contact_slot, m, &m->nb_contact,
		       SIP_MAX_CONTACT, &ctx, SIP_E_CONTACT,
		       SIP_E_TOO_MANY_CONTACT);
	if (ctx.overlarge)
		m->flags |= SIP_F_EXPIRES_OVERLARGE;
	return r;
}

static struct sip_naddr *
route_slot(void *owner, uint8_t i, struct naddr_ctx *ctx)
{
	(void)ctx;
	return &((struct sip_naddr *)owner)[i];
}

enum sip_err
sip_hdr_routes(struct scan *s, struct sip_naddr *arr, uint8_t *nb,
	       enum sip_err err)
{
	/* route-param and rec-route are name-addr only (RFC 3261 25.1):
	 * without <>, ";lr" would be a header parameter, not the URI's. */
	struct naddr_ctx ctx = { .need_angle = 1 };

	return naddr_list(s, route_slot, arr, nb, SIP_MAX_ROUTE, &ctx, err,
			  SIP_E_TOO_MANY_ROUTE);
}

/* ---- Via ------------------------------------------------------------ */

static void
via_param_cb(void *ctx, const char *b, struct sip_span name,
	     struct sip_span val)
{
	struct sip_via *v = ctx;

	if (ieq(b, name.off, name.len, "branch", 6))
		v->branch = val;
	else if (ieq(b, name.off, name.len, "received", 8))
		v->received = val;
	else if (ieq(b, name.off, name.len, "rport", 5)) {
		v->rport = val;
		v->has_rport = 1;
	}
}

/* SLASH = SWS "/" SWS; @return 0 or -1. */
static int
slash(struct scan *s)
{
	scan_lws(s);
	if (scan_peek(s) != '/')
		return -1;
	s->p++;
	scan_lws(s);
	return 0;
}

/* sent-protocol = protocol-name SLASH protocol-version SLASH transport;
 * @return 0 or -1. */
static int
via_protocol(struct scan *s, struct sip_via *v)
{
	uint32_t t0;

	if (scan_run(s, CC_TOKEN) == 0 || slash(s) < 0 ||
	    scan_run(s, CC_TOKEN) == 0 || slash(s) < 0)
		return -1;
	t0 = s->p;
	if (scan_run(s, CC_TOKEN) == 0)
		return -1;
	v->transport = span(t0, s->p - t0);
	return 0;
}

enum sip_err
sip_hdr_via(struct scan *s, struct sip_msg *m, uint8_t hdr)
{
	for (;;) {
		struct sip_via *v;
		uint32_t v0, q;

		if (m->nb_via >= SIP_MAX_VIA)
			return SIP_E_TOO_MANY_VIA;
		v = &m->via[m->nb_via];
		memset(v, 0, sizeof(*v));
		v->hdr = hdr;
		scan_lws(s);
		v0 = s->p;
		if (via_protocol(s, v) < 0)
			return SIP_E_VIA;
		q = s->p;
		scan_lws(s);
		if (s->p == q || host_scan(s, &v->host) < 0)
			return SIP_E_VIA;
		q = s->p;
		scan_lws(s);
		if (scan_peek(s) == ':') {
			s->p++;
			scan_lws(s);
			if (port_scan(s, &v->port) < 0)
				return SIP_E_VIA;
		} else {
			s->p = q;
		}
		if (params_list(s, &v->params, via_param_cb, v) < 0)
			return SIP_E_VIA;
		v->all = span(v0, s->p - v0);
		m->nb_via++;
		scan_lws(s);
		if (scan_end(s))
			return SIP_E_OK;
		if (scan_peek(s) != ',')
			return SIP_E_VIA;
		s->p++;
	}
}

/* ---- CSeq ----------------------------------------------------------- */

enum sip_err
sip_hdr_cseq(struct scan *s, struct sip_msg *m)
{
	uint64_t n;
	uint32_t q;

	if (sip_digits(s, &n) < 0 || n > UINT32_MAX)
		return SIP_E_CSEQ;
	q = s->p;
	scan_lws(s);
	if (s->p == q)
		return SIP_E_CSEQ;
	q = s->p;
	if (scan_run(s, CC_TOKEN) == 0)
		return SIP_E_CSEQ;
	m->cseq = (uint32_t)n;
	m->cseq_method = span(q, s->p - q);
	m->cseq_method_id = sip_method_from(s->b + q, s->p - q);
	scan_lws(s);
	return scan_end(s) ? SIP_E_OK : SIP_E_CSEQ;
}
