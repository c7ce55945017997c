/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The message walk: start line, header lines (with folding), dispatch of
 * each known header to its grammar in sip_parse_hdr.c, then the body by
 * the UDP rules of RFC 3261 18.3.  One pass over the bytes; nothing is
 * copied or allocated.  Only fields a caller may read are initialised:
 * the per-entry arrays are valid up to their nb_* counts, which keeps a
 * parse from touching the ~4 KB of struct sip_msg it does not need.
 */

#include <stddef.h>
#include <string.h>

#include "sip_parse_priv.h"

/* Generated from the classes of RFC 3261 25.1 (see sip_parse_priv.h). */
const uint8_t sip_cc[256] = {
	[9] = CC_LWS,
	[10] = CC_LWS,
	[13] = CC_LWS,
	[' '] = CC_LWS,
	['!'] = CC_TOKEN | CC_URIC | CC_WORD | CC_PVAL,
	['"'] = CC_WORD,
	['#'] = CC_URIC,
	['$'] = CC_URIC,
	['%'] = CC_TOKEN | CC_URIC | CC_WORD | CC_PVAL,
	['&'] = CC_URIC,
	['\''] = CC_TOKEN | CC_URIC | CC_WORD | CC_PVAL,
	['('] = CC_URIC | CC_WORD,
	[')'] = CC_URIC | CC_WORD,
	['*'] = CC_TOKEN | CC_URIC | CC_WORD | CC_PVAL,
	['+'] = CC_TOKEN | CC_URIC | CC_WORD | CC_PVAL,
	[','] = CC_URIC,
	['-'] = CC_TOKEN | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['.'] = CC_TOKEN | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['/'] = CC_URIC | CC_WORD,
	['0'] = CC_TOKEN | CC_DIGIT | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['1'] = CC_TOKEN | CC_DIGIT | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['2'] = CC_TOKEN | CC_DIGIT | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['3'] = CC_TOKEN | CC_DIGIT | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['4'] = CC_TOKEN | CC_DIGIT | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['5'] = CC_TOKEN | CC_DIGIT | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['6'] = CC_TOKEN | CC_DIGIT | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['7'] = CC_TOKEN | CC_DIGIT | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['8'] = CC_TOKEN | CC_DIGIT | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['9'] = CC_TOKEN | CC_DIGIT | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	[':'] = CC_URIC | CC_WORD | CC_PVAL,
	[';'] = CC_URIC,
	['<'] = CC_WORD,
	['='] = CC_URIC,
	['>'] = CC_WORD,
	['?'] = CC_URIC | CC_WORD,
	['@'] = CC_URIC,
	['A'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['B'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['C'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['D'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['E'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['F'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['G'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['H'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['I'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['J'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['K'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['L'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['M'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['N'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['O'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['P'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['Q'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['R'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['S'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['T'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['U'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['V'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['W'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['X'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['Y'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['Z'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['['] = CC_URIC | CC_WORD | CC_PVAL,
	['\\'] = CC_WORD,
	[']'] = CC_URIC | CC_WORD | CC_PVAL,
	['_'] = CC_TOKEN | CC_URIC | CC_WORD | CC_PVAL,
	['`'] = CC_TOKEN | CC_WORD | CC_PVAL,
	['a'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['b'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['c'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['d'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['e'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['f'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['g'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['h'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['i'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['j'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['k'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['l'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['m'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['n'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['o'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['p'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['q'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['r'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['s'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['t'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['u'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['v'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['w'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['x'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['y'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['z'] = CC_TOKEN | CC_ALPHA | CC_HOST | CC_URIC | CC_WORD | CC_PVAL,
	['{'] = CC_WORD,
	['}'] = CC_WORD,
	['~'] = CC_TOKEN | CC_URIC | CC_WORD | CC_PVAL,
};

static const struct {
	const char *name;
	uint16_t status;
	const char *text;
} sip_err_tab[SIP_E__COUNT] = {
#define SIP_ERR(sym, st, txt) [SIP_E_##sym] = { #sym, st, txt },
#include "sip_errors.def"
#undef SIP_ERR
};

const char *
sip_err_name(enum sip_err err)
{
	return (unsigned)err < SIP_E__COUNT ? sip_err_tab[err].name : "?";
}

const char *
sip_err_text(enum sip_err err)
{
	return (unsigned)err < SIP_E__COUNT ? sip_err_tab[err].text : "?";
}

uint16_t
sip_err_status(enum sip_err err)
{
	return (unsigned)err < SIP_E__COUNT ? sip_err_tab[err].status : 0;
}

static const char *const method_names[SIP_M__COUNT] = {
	[SIP_M_UNKNOWN] = "",        [SIP_M_INVITE] = "INVITE",
	[SIP_M_ACK] = "ACK",         [SIP_M_BYE] = "BYE",
	[SIP_M_CANCEL] = "CANCEL",   [SIP_M_OPTIONS] = "OPTIONS",
	[SIP_M_REGISTER] = "REGISTER", [SIP_M_PRACK] = "PRACK",
	[SIP_M_SUBSCRIBE] = "SUBSCRIBE", [SIP_M_NOTIFY] = "NOTIFY",
	[SIP_M_PUBLISH] = "PUBLISH", [SIP_M_INFO] = "INFO",
	[SIP_M_REFER] = "REFER",     [SIP_M_MESSAGE] = "MESSAGE",
	[SIP_M_UPDATE] = "UPDATE",
};

const char *
sip_method_name(enum sip_method m)
{
	return (unsigned)m < SIP_M__COUNT ? method_names[m] : "";
}

enum sip_method
sip_method_from(const char *s, uint32_t len)
{
	/* Methods are case-sensitive (RFC 3261 7.1); the first letter and
	 * the length pick the one candidate to compare. */
	enum sip_method c = SIP_M_UNKNOWN;

	if (len < 3 || len > 9)
		return SIP_M_UNKNOWN;
	switch (s[0]) {
	case 'I': c = len == 6 ? SIP_M_INVITE : SIP_M_INFO; break;
	case 'A': c = SIP_M_ACK; break;
	case 'B': c = SIP_M_BYE; break;
	case 'C': c = SIP_M_CANCEL; break;
	case 'O': c = SIP_M_OPTIONS; break;
	case 'R': c = len == 8 ? SIP_M_REGISTER : SIP_M_REFER; break;
	case 'P': c = len == 5 ? SIP_M_PRACK : SIP_M_PUBLISH; break;
	case 'S': c = SIP_M_SUBSCRIBE; break;
	case 'N': c = SIP_M_NOTIFY; break;
	case 'M': c = SIP_M_MESSAGE; break;
	case 'U': c = SIP_M_UPDATE; break;
	default: return SIP_M_UNKNOWN;
	}
	if (strlen(method_names[c]) == len && memcmp(s, method_names[c], len) == 0)
		return c;
	return SIP_M_UNKNOWN;
}

int
sip_span_ieq(const struct sip_msg *msg, struct sip_span s, const char *str)
{
	return ieq_any(msg->buf, s.off, s.len, str, (uint32_t)strlen(str));
}

int
sip_param_find(const struct sip_msg *msg, struct sip_span params,
	       const char *name, struct sip_span *value)
{
	const char *b = msg->buf;
	uint32_t p = params.off, e = (uint32_t)params.off + params.len;
	uint32_t nlen = (uint32_t)strlen(name);

	while (p < e) {
		uint32_t n0, n1, v0, v1;
		int quoted = 0;

		while (p < e && (cc_is(b[p], CC_LWS) || b[p] == ';'))
			p++;
		n0 = p;
		while (p < e && cc_is(b[p], CC_TOKEN))
			p++;
		n1 = p;
		while (p < e && cc_is(b[p], CC_LWS))
			p++;
		v0 = v1 = n1;
		if (p < e && b[p] == '=') {
			p++;
			while (p < e && cc_is(b[p], CC_LWS))
				p++;
			v0 = p;
			while (p < e && (quoted || b[p] != ';')) {
				if (b[p] == '"')
					quoted = !quoted;
				else if (quoted && b[p] == '\\')
					p++;
				p++;
			}
			if (p > e)
				p = e;
			v1 = p;
			while (v1 > v0 && cc_is(b[v1 - 1], CC_LWS))
				v1--;
		}
		if (n1 > n0 && ieq_any(b, n0, n1 - n0, name, nlen)) {
			*value = span(v0, v1 - v0);
			return 1;
		}
		if (n1 == n0 && p < e && b[p] != ';')
			p++; /* not a parameter at all: step over it */
	}
	return 0;
}

/* ---- start line ------------------------------------------------------ */

/* @return 0 for SIP/2.0, 1 for another SIP/x.y, -1 when not a version. */
static int
version_kind(const char *b, uint32_t p, uint32_t e)
{
	struct scan s = { b, p + 4, e };
	uint64_t v;

	if (e - p < 7 || !ieq(b, p, 4, "sip/", 4))
		return -1;
	if (sip_digits(&s, &v) < 0 || scan_peek(&s) != '.')
		return -1;
	s.p++;
	if (sip_digits(&s, &v) < 0 || s.p != e)
		return -1;
	return (e - p == 7 && b[p + 4] == '2' && b[p + 6] == '0') ? 0 : 1;
}

static enum sip_err
status_line(struct sip_msg *m, uint32_t p, uint32_t e)
{
	const char *b = m->buf;
	const char *sp = memchr(b + p, ' ', e - p);
	uint32_t v1 = sp ? (uint32_t)(sp - b) : e, c0 = v1 + 1;
	int vk = version_kind(b, p, v1);

	m->is_request = 0;
	if (vk < 0 || sp == NULL)
		return SIP_E_START_LINE;
	if (vk > 0)
		return SIP_E_VERSION;
	/* Status-Code is exactly 3DIGIT followed by SP (or, leniently, by
	 * the end of the line when the reason phrase is missing). */
	if (e - c0 < 3 || !cc_is(b[c0], CC_DIGIT) ||
	    !cc_is(b[c0 + 1], CC_DIGIT) || !cc_is(b[c0 + 2], CC_DIGIT) ||
	    (c0 + 3 < e && b[c0 + 3] != ' '))
		return SIP_E_STATUS_CODE;
	m->status = (uint16_t)((b[c0] - '0') * 100 + (b[c0 + 1] - '0') * 10 +
			       (b[c0 + 2] - '0'));
	if (m->status < 100 || m->status > 699)
		return SIP_E_STATUS_CODE;
	m->reason = c0 + 3 < e ? span(c0 + 4, e - c0 - 4) : span(e, 0);
	for (uint32_t i = c0 + 4; i < e; i++)
		if (b[i] == '\r' || b[i] == '\n' || b[i] == '\0')
			return SIP_E_REASON;
	return SIP_E_OK;
}

static enum sip_err
request_line(struct sip_msg *m, uint32_t p, uint32_t e)
{
	const char *b = m->buf;
	struct scan s = { b, p, e };
	const char *sp;
	uint32_t u0, u1, r0;
	enum sip_err r;
	int vk;

	m->is_request = 1;
	if (scan_run(&s, CC_TOKEN) == 0 || scan_peek(&s) != ' ')
		return scan_end(&s) ? SIP_E_START_LINE : SIP_E_METHOD;
	m->method = span(p, s.p - p);
	m->method_id = sip_method_from(b + p, s.p - p);
	u0 = s.p + 1;
	if (u0 < e && b[u0] == ' ')
		return SIP_E_START_LINE_SP;
	sp = memchr(b + u0, ' ', e - u0);
	if (sp == NULL)
		return SIP_E_START_LINE;
	u1 = (uint32_t)(sp - b);
	r0 = u1 + 1;
	if (r0 < e && b[r0] == ' ')
		return SIP_E_START_LINE_SP;
	sp = memchr(b + r0, ' ', e - r0);
	if (sp != NULL) {
		uint32_t v1 = (uint32_t)(sp - b), i;

		/* Trailing blanks after a good version are a spacing error
		 * (RFC 4475 trws); anything else means the URI held LWS. */
		for (i = v1; i < e && (b[i] == ' ' || b[i] == '\t'); i++)
			;
		if (i == e && version_kind(b, r0, v1) >= 0)
			return SIP_E_START_LINE_SP;
		return SIP_E_REQUEST_URI;
	}
	vk = version_kind(b, r0, e);
	if (vk < 0)
		return SIP_E_START_LINE;
	r = sip_uri_parse(b, u0, u1, &m->ruri);
	if (r != SIP_E_OK)
		return r;
	return vk > 0 ? SIP_E_VERSION : SIP_E_OK;
}

/* ---- headers --------------------------------------------------------- */

/* Header name (already known to be a token) to its type, compact forms
 * included; dispatch on length first so most names cost one compare. */
static enum sip_hdr_type
hdr_type(const char *b, uint32_t p, uint32_t n)
{
#define IS(str) ieq(b, p, n, str, sizeof(str) - 1)
	switch (n) {
	case 1:
		switch (lower(b[p])) {
		case 'v': return SIP_H_VIA;
		case 'f': return SIP_H_FROM;
		case 't': return SIP_H_TO;
		case 'i': return SIP_H_CALL_ID;
		case 'm': return SIP_H_CONTACT;
		case 'l': return SIP_H_CONTENT_LENGTH;
		case 'c': return SIP_H_CONTENT_TYPE;
		default: return SIP_H_OTHER;
		}
	case 2: return IS("to") ? SIP_H_TO : SIP_H_OTHER;
	case 3: return IS("via") ? SIP_H_VIA : SIP_H_OTHER;
	case 4:
		if (IS("from"))
			return SIP_H_FROM;
		return IS("cseq") ? SIP_H_CSEQ : SIP_H_OTHER;
	case 5: return IS("route") ? SIP_H_ROUTE : SIP_H_OTHER;
	case 7:
		switch (lower(b[p])) {
		case 'c':
			if (IS("call-id"))
				return SIP_H_CALL_ID;
			return IS("contact") ? SIP_H_CONTACT : SIP_H_OTHER;
		case 'e': return IS("expires") ? SIP_H_EXPIRES : SIP_H_OTHER;
		case 'r': return IS("require") ? SIP_H_REQUIRE : SIP_H_OTHER;
		default: return SIP_H_OTHER;
		}
	case 12:
		switch (lower(b[p])) {
		case 'm':
			return IS("max-forwards") ? SIP_H_MAX_FORWARDS
						  : SIP_H_OTHER;
		case 'c':
			return IS("content-type") ? SIP_H_CONTENT_TYPE
						  : SIP_H_OTHER;
		case 'r':
			return IS("record-route") ? SIP_H_RECORD_ROUTE
						  : SIP_H_OTHER;
		default: return SIP_H_OTHER;
		}
	case 13:
		return IS("proxy-require") ? SIP_H_PROXY_REQUIRE : SIP_H_OTHER;
	case 14:
		return IS("content-length") ? SIP_H_CONTENT_LENGTH
					    : SIP_H_OTHER;
	default:
		return SIP_H_OTHER;
	}
#undef IS
}

/* Single-value headers: a second occurrence is an error (RFC 4475 3.3.8,
 * 3.3.9), tracked as one bit per type while the walk runs. */
#define SINGLE_MASK ((1u << SIP_H_FROM) | (1u << SIP_H_TO) |              \
		     (1u << SIP_H_CALL_ID) | (1u << SIP_H_CSEQ) |         \
		     (1u << SIP_H_MAX_FORWARDS) | (1u << SIP_H_EXPIRES) | \
		     (1u << SIP_H_CONTENT_LENGTH) |                       \
		     (1u << SIP_H_CONTENT_TYPE))

/* A whole value of 1*DIGIT; @return 0 or -1. */
static int
value_number(struct scan *s, uint64_t *v)
{
	return (sip_digits(s, v) == 0 && scan_end(s)) ? 0 : -1;
}

static enum sip_err
hdr_value(struct sip_msg *m, enum sip_hdr_type t, struct scan *s,
	  uint8_t idx)
{
	uint64_t v;

	switch (t) {
	case SIP_H_VIA:
		return sip_hdr_via(s, m, idx);
	case SIP_H_FROM:
		return sip_hdr_naddr(s, &m->from, SIP_E_FROM);
	case SIP_H_TO:
		return sip_hdr_naddr(s, &m->to, SIP_E_TO);
	case SIP_H_CALL_ID:
		/* callid = word [ "@" word ]: no LWS inside. */
		if (scan_end(s))
			return SIP_E_CALL_ID;
		m->call_id = span(s->p, s->e - s->p);
		for (uint32_t i = s->p; i < s->e; i++)
			if (!cc_is(s->b[i], CC_WORD) && s->b[i] != '@')
				return SIP_E_CALL_ID;
		return SIP_E_OK;
	case SIP_H_CSEQ:
		return sip_hdr_cseq(s, m);
	case SIP_H_MAX_FORWARDS:
		m->mf_value = span(s->p, s->e - s->p);
		if (value_number(s, &v) < 0)
			return SIP_E_MAX_FORWARDS;
		/* RFC 4475 3.1.2.4: an overlarge value may be taken as
		 * absent.  We take it as 255, the largest legal value: a
		 * proxy then rewrites the digits in place ("300" becomes
		 * "254") instead of adding a second Max-Forwards. */
		if (v > 255) {
			m->flags |= SIP_F_MF_OVERLARGE;
			v = 255;
		}
		m->max_forwards = (int16_t)v;
		return SIP_E_OK;
	case SIP_H_CONTACT:
		return sip_hdr_contact(s, m);
	case SIP_H_EXPIRES:
		/* A malformed Expires (an RFC 2543 date, say) counts as
		 * absent, so the registrar applies its default (RFC 3261
		 * 20.19); an overlarge one is clamped. */
		if (value_number(s, &v) == 0) {
			if (v > UINT32_MAX) {
				v = UINT32_MAX;
				m->flags |= SIP_F_EXPIRES_OVERLARGE;
			}
			m->expires = (uint32_t)v;
			m->has_expires = 1;
		}
		return SIP_E_OK;
	case SIP_H_ROUTE:
		return sip_hdr_routes(s, m->route, &m->nb_route, SIP_E_ROUTE);
	case SIP_H_RECORD_ROUTE:
		return sip_hdr_routes(s, m->rr, &m->nb_rr,
				      SIP_E_RECORD_ROUTE);
	case SIP_H_CONTENT_LENGTH:
		if (value_number(s, &v) < 0)
			return SIP_E_CONTENT_LENGTH;
		/* Larger than any datagram: surely more than we hold. */
		m->content_length = v > 65535 ? 65536 : (int32_t)v;
		return SIP_E_OK;
	case SIP_H_CONTENT_TYPE:
		/* media-type = m-type SLASH m-subtype *( SEMI m-parameter ) */
		m->content_type = span(s->p, s->e - s->p);
		if (scan_run(s, CC_TOKEN) == 0)
			return SIP_E_CONTENT_TYPE;
		scan_lws(s);
		if (scan_peek(s) != '/')
			return SIP_E_CONTENT_TYPE;
		s->p++;
		scan_lws(s);
		return scan_run(s, CC_TOKEN) ? SIP_E_OK : SIP_E_CONTENT_TYPE;
	case SIP_H_PROXY_REQUIRE:
		m->nb_proxy_require++;
		return SIP_E_OK;
	case SIP_H_REQUIRE:
		m->nb_require++;
		return SIP_E_OK;
	default:
		return SIP_E_OK;
	}
}

/* One header line: name [p, ...), content ends at ce, line at le. */
static enum sip_err
header(struct sip_msg *m, uint32_t p, uint32_t ce, uint32_t le,
       uint32_t *seen)
{
	const char *b = m->buf;
	struct scan s = { b, p, ce };
	struct sip_hdr *h;
	enum sip_hdr_type t;
	uint32_t n, ve;

	n = scan_run(&s, CC_TOKEN);
	if (n == 0)
		return SIP_E_HEADER_NAME;
	t = hdr_type(b, p, n);
	while (s.p < ce && (b[s.p] == ' ' || b[s.p] == '\t'))
		s.p++;
	if (scan_peek(&s) != ':')
		return SIP_E_HEADER_NAME;
	s.p++;
	scan_lws(&s);
	for (ve = ce; ve > s.p && cc_is(b[ve - 1], CC_LWS); ve--)
		;
	s.e = ve;
	if (m->nb_hdrs >= SIP_MAX_HDRS)
		return SIP_E_TOO_MANY_HEADERS;
	h = &m->hdr[m->nb_hdrs];
	h->line = span(p, le - p);
	h->name = span(p, n);
	h->value = span(s.p, ve - s.p);
	h->type = (uint8_t)t;
	if ((SINGLE_MASK >> t) & 1) {
		if (*seen & (1u << t))
			return SIP_E_DUP_HEADER;
		*seen |= 1u << t;
	}
	return hdr_value(m, t, &s, m->nb_hdrs++);
}

static void
msg_init(struct sip_msg *m, const char *buf)
{
	/* Everything before the header array, then the scalars after it:
	 * the arrays themselves are only read up to their counts. */
	memset(m, 0, offsetof(struct sip_msg, hdr));
	m->buf = buf;
	m->nb_via = 0;
	memset(&m->from, 0, offsetof(struct sip_msg, nb_contact) -
				    offsetof(struct sip_msg, from));
	m->max_forwards = -1;
	m->nb_contact = 0;
	m->has_expires = 0;
	m->nb_route = 0;
	m->nb_rr = 0;
	m->content_length = -1;
	m->content_type = span(0, 0);
	m->nb_proxy_require = 0;
	m->nb_require = 0;
	m->body = span(0, 0);
	m->err_off = 0;
}

static enum sip_err
fail(struct sip_msg *m, enum sip_err err, uint32_t off)
{
	m->err_off = (uint16_t)(off > 65535 ? 65535 : off);
	return err;
}

/* Mandatory fields (RFC 3261 8.1.1) and the CSeq method rule (8.1.1.5);
 * a response must carry the same set to be matched and relayed. */
static enum sip_err
msg_check(const struct sip_msg *m, uint32_t seen)
{
	const uint32_t need = (1u << SIP_H_FROM) | (1u << SIP_H_TO) |
			      (1u << SIP_H_CALL_ID) | (1u << SIP_H_CSEQ);

	if (m->nb_via == 0 || (seen & need) != need)
		return SIP_E_MISSING_HEADER;
	if (m->is_request &&
	    (m->method.len != m->cseq_method.len ||
	     memcmp(m->buf + m->method.off, m->buf + m->cseq_method.off,
		    m->method.len) != 0))
		return m->method_id == SIP_M_UNKNOWN ? SIP_E_UNKNOWN_METHOD_CSEQ
						     : SIP_E_CSEQ_METHOD;
	return SIP_E_OK;
}

enum sip_err
sip_parse(const char *buf, uint32_t len, struct sip_msg *m)
{
	uint32_t p = 0, seen = 0, ce, hend;
	enum sip_err r, deferred = SIP_E_OK;
	const char *nl;

	msg_init(m, buf);
	if (len > 65535)
		return fail(m, SIP_E_TOO_LONG, 0);
	/* RFC 3261 7.5: CRLFs before the start line are ignored; a datagram
	 * of nothing else is a keep-alive, not a message. */
	while (p < len && (buf[p] == '\r' || buf[p] == '\n'))
		p++;
	if (p == len)
		return fail(m, SIP_E_EMPTY, p);

	nl = memchr(buf + p, '\n', len - p);
	if (nl == NULL)
		return fail(m, SIP_E_NO_HEADER_END, len);
	ce = (uint32_t)(nl - buf);
	if (ce > p && buf[ce - 1] == '\r')
		ce--;
	m->start_line = span(p, ce - p);
	r = (len - p > 4 && ieq(buf, p, 4, "sip/", 4)) ?
		    status_line(m, p, ce) : request_line(m, p, ce);
	/* A request of another SIP version is still walked to the end: its
	 * 505 must copy the Via chain and the dialog headers (8.2.6). */
	if (r == SIP_E_VERSION && m->is_request)
		deferred = r;
	else if (r != SIP_E_OK)
		return fail(m, r, p);

	p = (uint32_t)(nl - buf) + 1;
	m->headers.off = (uint16_t)p;
	for (;;) {
		uint32_t q;

		if (p >= len)
			return fail(m, SIP_E_NO_HEADER_END, p);
		if (buf[p] == '\n' ||
		    (buf[p] == '\r' && p + 1 < len && buf[p + 1] == '\n'))
			break;
		if (buf[p] == ' ' || buf[p] == '\t')
			return fail(m, SIP_E_HEADER_FOLD, p);
		/* The logical line runs on while the next one starts with
		 * white space (folding, RFC 3261 7.3.1). */
		q = p;
		for (;;) {
			nl = memchr(buf + q, '\n', len - q);
			if (nl == NULL)
				return fail(m, SIP_E_NO_HEADER_END, len);
			q = (uint32_t)(nl - buf) + 1;
			if (q < len && (buf[q] == ' ' || buf[q] == '\t'))
				continue;
			break;
		}
		ce = q - 1;
		if (ce > p && buf[ce - 1] == '\r')
			ce--;
		r = header(m, p, ce, q, &seen);
		if (r != SIP_E_OK)
			return fail(m, r, p);
		p = q;
	}
	hend = p;
	m->headers.len = (uint16_t)(hend - m->headers.off);
	p += buf[p] == '\n' ? 1 : 2;

	r = msg_check(m, seen);
	if (r != SIP_E_OK)
		return fail(m, r, hend);
	if (deferred != SIP_E_OK)
		return fail(m, deferred, m->start_line.off);

	/* RFC 3261 18.3: over UDP the body is Content-Length octets, the
	 * rest of the datagram when absent; octets beyond are discarded
	 * and a length beyond the datagram is an error. */
	if (m->content_length >= 0) {
		if ((uint32_t)m->content_length > len - p)
			return fail(m, SIP_E_BODY_TRUNCATED, p);
		if ((uint32_t)m->content_length < len - p)
			m->flags |= SIP_F_TRAILING_BYTES;
		m->body = span(p, (uint32_t)m->content_length);
	} else {
		m->body = span(p, len - p);
	}
	m->len = (uint16_t)(p + m->body.len);
	return SIP_E_OK;
}
