/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUnit suite for the zero-copy SIP parser (dataplane/sip_parse.h).
 *
 * Three parts:
 *  - the 49 RFC 4475 torture messages, read from SIPFORK_TESTDATA, each
 *    with the outcome the RFC asks for (rfc_cases[] below), and field
 *    checks for the messages whose point is a tricky field;
 *  - small hand-written messages (unit_cases[]) for one grammar rule each;
 *  - robustness: every byte-prefix of every torture message, sizes at
 *    the 64 KiB limit, and the capacity limits of struct sip_msg.
 *
 * Every buffer handed to sip_parse() is malloc'd at exactly its length,
 * so an ASan build reports any read past the end.  struct sip_msg is
 * filled with 0xA5 before each parse: the API promises absent fields are
 * {0, 0}, and callers reuse one scratch sip_msg per packet of a burst, so
 * a field the parser forgets to reset must show up here.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "sip_parse.h"

#ifndef SIPFORK_TESTDATA
#error "SIPFORK_TESTDATA must name the shared testdata directory"
#endif

#define RFC_DIR SIPFORK_TESTDATA "/rfc4475"
#define POISON 0xA5
#define CLAMPED_EXPIRY 4294967295u /* 2^32-1, RFC 3261 10.2.1.1 */

/*
 * Assertion helpers.  CUnit's own CU_ASSERT_EQUAL prints only the
 * expression; these print both values too, so a failure report names
 * the field, what the RFC expects and what the parser gave.
 */
#define EQ(got, want)                                                          \
	do {                                                                   \
		long long g_ = (long long)(got);                               \
		long long w_ = (long long)(want);                              \
		CU_assertImplementation(g_ == w_, __LINE__, #got " == " #want, \
					__FILE__, "", CU_FALSE);               \
		if (g_ != w_)                                                  \
			printf("\n    %s:%d: %s = %lld, want %lld", __FILE__,  \
			       __LINE__, #got, g_, w_);                        \
	} while (0)

#define ERR_IS(got, want)                                                      \
	do {                                                                   \
		enum sip_err g_ = (got);                                       \
		enum sip_err w_ = (want);                                      \
		CU_assertImplementation(g_ == w_, __LINE__, #got " == " #want, \
					__FILE__, "", CU_FALSE);               \
		if (g_ != w_)                                                  \
			printf("\n    %s:%d: got %s, want %s", __FILE__,       \
			       __LINE__, err_name(g_), err_name(w_));          \
	} while (0)

/* SPAN_IS takes a literal so that sizeof counts embedded NULs. */
#define SPAN_IS(m, s, lit)                                                     \
	CU_assertImplementation(                                               \
		span_is((m), (s), (lit), sizeof(lit) - 1, #s, __LINE__),       \
		__LINE__, #s " == " #lit, __FILE__, "", CU_FALSE)

#define SPAN_IS_STR(m, s, str)                                                 \
	CU_assertImplementation(                                               \
		span_is((m), (s), (str), strlen(str), #s, __LINE__), __LINE__, \
		#s " == " #str, __FILE__, "", CU_FALSE)

#define PARAM_IS(m, params, name, lit)                                         \
	CU_assertImplementation(param_is((m), (params), (name), (lit),         \
					 sizeof(lit) - 1, __LINE__),           \
				__LINE__, #params "[" #name "] == " #lit,      \
				__FILE__, "", CU_FALSE)

#define PARAM_FLAG(m, params, name)                                            \
	CU_assertImplementation(                                               \
		param_is((m), (params), (name), "", 0, __LINE__), __LINE__,    \
		#params " has flag " #name, __FILE__, "", CU_FALSE)

static const char *
err_name(enum sip_err e)
{
	/* Not sip_err_name(): a broken one must not hide other failures. */
	static const char *const names[] = {
#define SIP_ERR(sym, status, text) #sym,
#include "sip_errors.def"
#undef SIP_ERR
	};

	if ((unsigned int)e >= sizeof(names) / sizeof(names[0]))
		return "(out of range)";
	return names[e];
}

static void
print_bytes(const char *p, size_t n)
{
	size_t i;

	putchar('\'');
	for (i = 0; i < n && i < 120; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			putchar(c);
		else
			printf("\\x%02x", c);
	}
	if (n > 120)
		printf("...(%zu bytes)", n);
	putchar('\'');
}

/*
 * The buffer of the last fx parse.  Spans are read through it rather than
 * through msg->buf, and only after a bounds check, so that a wrong span
 * fails an assertion instead of crashing the whole suite under ASan.
 */
static const char *g_buf;
static uint32_t g_buf_len;

static int
span_is(const struct sip_msg *m, struct sip_span s, const char *want, size_t n,
	const char *what, int line)
{
	int in = (uint32_t)s.off + s.len <= g_buf_len;

	(void)m;
	if (in && s.len == n && (n == 0 || memcmp(g_buf + s.off, want, n) == 0))
		return 1;
	printf("\n    line %d: %s = ", line, what);
	if (in)
		print_bytes(g_buf + s.off, s.len);
	else
		printf("{%u,%u} (outside the %u-byte buffer)", s.off, s.len,
		       g_buf_len);
	printf(", want ");
	print_bytes(want, n);
	return 0;
}

static int
param_is(const struct sip_msg *m, struct sip_span params, const char *name,
	 const char *want, size_t n, int line)
{
	struct sip_span v = {0, 0};

	if ((uint32_t)params.off + params.len > g_buf_len) {
		printf("\n    line %d: params {%u,%u} outside the buffer", line,
		       params.off, params.len);
		return 0;
	}
	if (!sip_param_find(m, params, name, &v)) {
		printf("\n    line %d: param '%s' not found in ", line, name);
		print_bytes(g_buf + params.off, params.len);
		return 0;
	}
	return span_is(m, v, want, n, name, line);
}

/* Offset of the first occurrence of needle in the buffer, or -1. */
static long
find(const char *buf, uint32_t len, const char *needle)
{
	size_t n = strlen(needle);
	uint32_t i;

	for (i = 0; n <= len && i <= len - n; i++)
		if (memcmp(buf + i, needle, n) == 0)
			return (long)i;
	return -1;
}

/* Index of the header line whose name is exactly name, or -1. */
static int
hdr_find(const struct sip_msg *m, const char *name)
{
	size_t n = strlen(name);
	int i;

	for (i = 0; i < m->nb_hdrs && i < SIP_MAX_HDRS; i++)
		if (m->hdr[i].name.len == n &&
		    (uint32_t)m->hdr[i].name.off + n <= g_buf_len &&
		    memcmp(g_buf + m->hdr[i].name.off, name, n) == 0)
			return i;
	return -1;
}

/*
 * Bounds walk over every span of a parsed message: everything the parser
 * hands out must lie inside the buffer it was given.
 */
static int
span_in(struct sip_span s, uint32_t len)
{
	return (uint32_t)s.off + s.len <= len;
}

static int
uri_in(const struct sip_uri *u, uint32_t len)
{
	return span_in(u->all, len) && span_in(u->user, len) &&
	       span_in(u->password, len) && span_in(u->host, len) &&
	       span_in(u->params, len) && span_in(u->headers, len);
}

static int
naddr_in(const struct sip_naddr *a, uint32_t len)
{
	return span_in(a->all, len) && span_in(a->display, len) &&
	       span_in(a->params, len) && span_in(a->tag, len) &&
	       uri_in(&a->uri, len);
}

static int
msg_in_bounds(const struct sip_msg *m, uint32_t len)
{
	int i;

	if (m->len > len || m->nb_hdrs > SIP_MAX_HDRS ||
	    m->nb_via > SIP_MAX_VIA || m->nb_contact > SIP_MAX_CONTACT ||
	    m->nb_route > SIP_MAX_ROUTE || m->nb_rr > SIP_MAX_ROUTE)
		return 0;
	if (!span_in(m->start_line, len) || !span_in(m->method, len) ||
	    !uri_in(&m->ruri, len) || !span_in(m->reason, len) ||
	    !span_in(m->headers, len) || !span_in(m->call_id, len) ||
	    !span_in(m->cseq_method, len) || !span_in(m->mf_value, len) ||
	    !span_in(m->content_type, len) || !span_in(m->body, len) ||
	    !naddr_in(&m->from, len) || !naddr_in(&m->to, len))
		return 0;
	if ((uint32_t)m->body.off + m->body.len > m->len)
		return 0;
	for (i = 0; i < m->nb_hdrs; i++)
		if (!span_in(m->hdr[i].line, len) ||
		    !span_in(m->hdr[i].name, len) ||
		    !span_in(m->hdr[i].value, len) ||
		    m->hdr[i].type >= SIP_H__COUNT)
			return 0;
	for (i = 0; i < m->nb_via; i++) {
		const struct sip_via *v = &m->via[i];

		if (!span_in(v->all, len) || !span_in(v->transport, len) ||
		    !span_in(v->host, len) || !span_in(v->params, len) ||
		    !span_in(v->branch, len) || !span_in(v->received, len) ||
		    !span_in(v->rport, len) || v->hdr >= m->nb_hdrs)
			return 0;
	}
	for (i = 0; i < m->nb_contact; i++)
		if (!naddr_in(&m->contact[i].addr, len))
			return 0;
	for (i = 0; i < m->nb_route; i++)
		if (!naddr_in(&m->route[i], len))
			return 0;
	for (i = 0; i < m->nb_rr; i++)
		if (!naddr_in(&m->rr[i], len))
			return 0;
	return 1;
}

/*
 * One parse of one buffer.  The buffer is an exact-size copy, the message
 * struct is poisoned first, and both are freed by fx_free().
 */
struct fx {
	char *buf;
	uint32_t len;
	struct sip_msg *m;
	enum sip_err err;
};

static int
fx_parse_mem(struct fx *f, const char *data, uint32_t len)
{
	f->len = len;
	f->buf = malloc(len ? len : 1);
	f->m = malloc(sizeof(*f->m));
	if (f->buf == NULL || f->m == NULL) {
		CU_FAIL("out of memory");
		return 0;
	}
	memcpy(f->buf, data, len);
	memset(f->m, POISON, sizeof(*f->m));
	g_buf = f->buf;
	g_buf_len = len;
	f->err = sip_parse(f->buf, len, f->m);
	return 1;
}

static char *
read_file(const char *name, uint32_t *len)
{
	char path[512];
	char *buf = NULL;
	FILE *fp;
	long n;

	snprintf(path, sizeof(path), "%s/%s", RFC_DIR, name);
	fp = fopen(path, "rb");
	if (fp == NULL)
		goto fail;
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) <= 0 ||
	    fseek(fp, 0, SEEK_SET) != 0)
		goto close;
	buf = malloc((size_t)n);
	if (buf == NULL)
		goto close;
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
		goto close;
	}
	*len = (uint32_t)n;
close:
	fclose(fp);
fail:
	if (buf == NULL)
		printf("\n    cannot read %s", path);
	return buf;
}

/* Parse an RFC 4475 file; 1 when it was read and gave the wanted code. */
static int
fx_file(struct fx *f, const char *name, enum sip_err want)
{
	uint32_t len = 0;
	char *data;
	int ok;

	memset(f, 0, sizeof(*f));
	data = read_file(name, &len);
	CU_ASSERT_PTR_NOT_NULL(data);
	if (data == NULL)
		return 0;
	ok = fx_parse_mem(f, data, len);
	free(data);
	if (!ok)
		return 0;
	ERR_IS(f->err, want);
	if (f->err != want) {
		printf(" [%s, err_off %u]", name, f->m->err_off);
		return 0;
	}
	if (want == SIP_E_OK) {
		CU_ASSERT(msg_in_bounds(f->m, f->len));
		CU_ASSERT_PTR_EQUAL(f->m->buf, f->buf);
	}
	return 1;
}

static void
fx_free(struct fx *f)
{
	free(f->buf);
	free(f->m);
	f->buf = NULL;
	f->m = NULL;
}

/* "pre" + n times "unit" + "suf", for the long values of longreq. */
static const char *
rep(char *dst, size_t cap, const char *pre, const char *unit, int n,
    const char *suf)
{
	size_t used = 0;
	int i;

	used += (size_t)snprintf(dst + used, cap - used, "%s", pre);
	for (i = 0; i < n && used < cap; i++)
		used += (size_t)snprintf(dst + used, cap - used, "%s", unit);
	if (used < cap)
		snprintf(dst + used, cap - used, "%s", suf);
	return dst;
}

/* ------------------------------------------------------------------ */
/* RFC 4475: what each message must yield, and who acts on it.        */
/* ------------------------------------------------------------------ */

enum who {
	BY_NONE,   /* valid and unremarkable: forwarded as received */
	BY_PARSER, /* sip_parse() refuses it; status = sip_err_status() */
	BY_TXN,	   /* parses; the transaction layer decides */
	BY_CORE,   /* parses; proxy core / registrar / routing decides */
};

struct rfc_case {
	const char *file;
	enum sip_err err; /* what sip_parse() must return */
	uint16_t status;  /* what this element answers; 0 = no answer */
	enum who who;
	const char *why;
};

/*
 * The decisions.  Status 0 means the element sends no response of its
 * own: it forwards the message, or (for responses) drops it, since a
 * response that fails to parse is discarded (RFC 3261 16.7, 18.1.2).
 * Where RFC 4475 lets an element be liberal, the comment says which way
 * sipfork goes.  Section numbers are RFC 4475's.
 */
static const struct rfc_case rfc_cases[] = {
	/* 3.1.1 valid syntax: every parser must accept these. */
	{"wsinv.dat", SIP_E_OK, 0, BY_NONE,
	 "3.1.1.1 LWS, folding, compact forms: forwarded unchanged"},
	{"intmeth.dat", SIP_E_OK, 404, BY_CORE,
	 "3.1.1.2 odd but legal tokens: routing answers 404 if unknown"},
	{"esc01.dat", SIP_E_OK, 0, BY_NONE,
	 "3.1.1.3 %HEX kept in spans; routing unescapes when comparing"},
	{"escnull.dat", SIP_E_OK, 200, BY_CORE,
	 "3.1.1.4 registrar binds two contacts; %00 never ends a string"},
	{"esc02.dat", SIP_E_OK, 0, BY_CORE,
	 "3.1.1.5 RE%47IST%45R is an unknown method, routed by R-URI"},
	{"lwsdisp.dat", SIP_E_OK, 0, BY_NONE,
	 "3.1.1.6 token display name glued to '<' accepted"},
	{"longreq.dat", SIP_E_OK, 0, BY_NONE,
	 "3.1.1.7 34 Via values and long tokens fit the limits"},
	{"dblreq.dat", SIP_E_OK, 200, BY_CORE,
	 "3.1.1.8 REGISTER handled; trailing INVITE octets ignored"},
	{"semiuri.dat", SIP_E_OK, 0, BY_NONE,
	 "3.1.1.9 user part 'user;par=u%40example.net'"},
	{"transports.dat", SIP_E_OK, 0, BY_NONE,
	 "3.1.1.10 SCTP, TLS and unknown transports accepted"},
	{"mpart01.dat", SIP_E_OK, 0, BY_NONE,
	 "3.1.1.11 binary multipart body framed by Content-Length"},
	{"unreason.dat", SIP_E_OK, 0, BY_NONE,
	 "3.1.1.12 UTF-8 reason phrase: response forwarded"},
	{"noreason.dat", SIP_E_OK, 0, BY_TXN,
	 "3.1.1.13 empty reason; a 100 is absorbed (RFC 3261 16.7)"},

	/* 3.1.2 invalid syntax. */
	{"badinv01.dat", SIP_E_VIA, 400, BY_PARSER,
	 "3.1.2.1 ';;,;,,' in Via (first bad field)"},
	{"clerr.dat", SIP_E_BODY_TRUNCATED, 400, BY_PARSER,
	 "3.1.2.2 Content-Length 9999 over UDP"},
	{"ncl.dat", SIP_E_CONTENT_LENGTH, 400, BY_PARSER,
	 "3.1.2.3 Content-Length -999"},
	{"scalar02.dat", SIP_E_CSEQ, 400, BY_PARSER,
	 "3.1.2.4 CSeq > 2^32-1 (MF/expires alone would be tolerated)"},
	{"scalarlg.dat", SIP_E_CSEQ, 0, BY_PARSER,
	 "3.1.2.5 response with CSeq > 2^32-1: dropped"},
	{"quotbal.dat", SIP_E_TO, 400, BY_PARSER,
	 "3.1.2.6 unterminated quote in To display name"},
	{"ltgtruri.dat", SIP_E_REQUEST_URI, 400, BY_PARSER,
	 "3.1.2.7 <> around the Request-URI"},
	{"lwsruri.dat", SIP_E_REQUEST_URI, 400, BY_PARSER,
	 "3.1.2.8 LWS inside the Request-URI (not a 505)"},
	{"lwsstart.dat", SIP_E_START_LINE_SP, 400, BY_PARSER,
	 "3.1.2.9 double SP between start-line elements"},
	{"trws.dat", SIP_E_START_LINE_SP, 400, BY_PARSER,
	 "3.1.2.10 SP after SIP-Version"},
	{"escruri.dat", SIP_E_OK, 400, BY_CORE,
	 "3.1.2.11 ?headers in R-URI: parsed, core answers 400 rather "
	 "than rebuild the start line without them"},
	{"baddate.dat", SIP_E_OK, 0, BY_NONE,
	 "3.1.2.12 Date is never parsed: forwarded unchanged (16.3)"},
	{"regbadct.dat", SIP_E_CONTACT, 400, BY_PARSER,
	 "3.1.2.13 addr-spec Contact with '?': must be in <>"},
	{"badaspec.dat", SIP_E_TO, 400, BY_PARSER,
	 "3.1.2.14 spaces inside <> of To"},
	{"baddn.dat", SIP_E_FROM, 400, BY_PARSER,
	 "3.1.2.15 unquoted ',' in From display name (From comes first)"},
	{"badvers.dat", SIP_E_VERSION, 505, BY_PARSER, "3.1.2.16 SIP/7.0"},
	{"mismatch01.dat", SIP_E_CSEQ_METHOD, 400, BY_PARSER,
	 "3.1.2.17 OPTIONS with CSeq INVITE"},
	{"mismatch02.dat", SIP_E_UNKNOWN_METHOD_CSEQ, 501, BY_PARSER,
	 "3.1.2.18 unknown method + CSeq mismatch: 501 preferred"},
	{"bigcode.dat", SIP_E_STATUS_CODE, 0, BY_PARSER,
	 "3.1.2.19 status 4294967301: response dropped"},

	/* 3.2 transaction layer. */
	{"badbranch.dat", SIP_E_OK, 400, BY_TXN,
	 "3.2.1 branch is a bare z9hG4bK: stateless 400"},

	/* 3.3 application layer. */
	{"insuf.dat", SIP_E_MISSING_HEADER, 400, BY_PARSER,
	 "3.3.1 no Call-ID, From, To"},
	{"unkscm.dat", SIP_E_OK, 416, BY_CORE,
	 "3.3.2 unknown R-URI scheme: 416, never route on To"},
	{"novelsc.dat", SIP_E_OK, 416, BY_CORE, "3.3.3 soap.beep R-URI: 416"},
	{"unksm2.dat", SIP_E_OK, 400, BY_CORE,
	 "3.3.4 registrar: To must be a SIP or SIPS AOR"},
	{"bext01.dat", SIP_E_OK, 420, BY_CORE,
	 "3.3.5 Proxy-Require unsupported: 420 with Unsupported"},
	{"invut.dat", SIP_E_OK, 0, BY_NONE,
	 "3.3.6 unknown body type: proxy forwards (a UAS says 415)"},
	{"regaut01.dat", SIP_E_OK, 200, BY_CORE,
	 "3.3.7 registrar without auth ignores Authorization (else 401)"},
	{"multi01.dat", SIP_E_DUP_HEADER, 400, BY_PARSER,
	 "3.3.8 second CSeq (then Call-ID, To, From, Max-Forwards)"},
	{"mcl01.dat", SIP_E_DUP_HEADER, 400, BY_PARSER,
	 "3.3.9 two Content-Length values"},
	{"bcast.dat", SIP_E_OK, 0, BY_CORE,
	 "3.3.10 next hop 255.255.255.255: response dropped"},
	{"zeromf.dat", SIP_E_OK, 483, BY_CORE,
	 "3.3.11 Max-Forwards 0: 483 (RFC 3261 16.3 step 3)"},
	{"cparam01.dat", SIP_E_OK, 200, BY_CORE,
	 "3.3.12 ;unknownparam is a contact-param, not a URI param"},
	{"cparam02.dat", SIP_E_OK, 200, BY_CORE,
	 "3.3.13 ;unknownparam inside <> is a URI param"},
	{"regescrt.dat", SIP_E_OK, 200, BY_CORE,
	 "3.3.14 binding keeps the escaped ?Route= header"},
	{"sdp01.dat", SIP_E_OK, 0, BY_NONE,
	 "3.3.15 Accept without sdp: proxy forwards (a UAS says 406)"},

	/* 3.4 backward compatibility. */
	{"inv2543.dat", SIP_E_OK, 0, BY_TXN,
	 "3.4.1 no branch, tag, Max-Forwards, Content-Length: RFC 2543 "
	 "transaction matching"},
};

#define NB_RFC_CASES (sizeof(rfc_cases) / sizeof(rfc_cases[0]))

static void
test_rfc4475_outcomes(void)
{
	size_t i;

	for (i = 0; i < NB_RFC_CASES; i++) {
		const struct rfc_case *c = &rfc_cases[i];
		struct fx f;

		if (!fx_file(&f, c->file, c->err)) {
			fx_free(&f);
			continue;
		}
		/*
		 * For a request the parser refuses, the answer is the one
		 * sip_errors.def gives; responses are dropped, not answered.
		 */
		if (c->who == BY_PARSER && f.len > 4 &&
		    memcmp(f.buf, "SIP/", 4) != 0)
			EQ(sip_err_status(c->err), c->status);
		if (c->err != SIP_E_OK)
			CU_ASSERT(f.m->err_off <= f.len);
		fx_free(&f);
	}
}

/* The table covers exactly the files INDEX.tsv lists. */
static void
test_rfc4475_index_covered(void)
{
	uint32_t len = 0, pos, nb = 0;
	char *idx = read_file("INDEX.tsv", &len);
	size_t i;

	CU_ASSERT_PTR_NOT_NULL(idx);
	if (idx == NULL)
		return;
	for (pos = 0; pos < len;) {
		uint32_t end = pos, tab;

		while (end < len && idx[end] != '\n')
			end++;
		for (tab = pos; tab < end && idx[tab] != '\t'; tab++)
			;
		if (tab - pos > 4 && memcmp(idx + tab - 4, ".dat", 4) == 0) {
			int found = 0;

			nb++;
			for (i = 0; i < NB_RFC_CASES; i++)
				if (strlen(rfc_cases[i].file) == tab - pos &&
				    memcmp(rfc_cases[i].file, idx + pos,
					   tab - pos) == 0)
					found = 1;
			CU_ASSERT(found);
			if (!found)
				printf("\n    %.*s has no row",
				       (int)(tab - pos), idx + pos);
		}
		pos = end + 1;
	}
	EQ(nb, 49);
	free(idx);
}

/* ------------------------------------------------------------------ */
/* RFC 4475 per-message field checks.                                 */
/* ------------------------------------------------------------------ */

static void
test_wsinv(void)
{
	struct fx f;
	const struct sip_msg *m;
	int h;

	if (!fx_file(&f, "wsinv.dat", SIP_E_OK))
		goto out;
	m = f.m;
	EQ(m->is_request, 1);
	SPAN_IS(m, m->method, "INVITE");
	EQ(m->method_id, SIP_M_INVITE);
	SPAN_IS(m, m->start_line,
		"INVITE sip:vivekg@chair-dnrc.example.com;unknownparam "
		"SIP/2.0");
	EQ(m->ruri.scheme, SIP_SCHEME_SIP);
	SPAN_IS(m, m->ruri.all,
		"sip:vivekg@chair-dnrc.example.com;unknownparam");
	SPAN_IS(m, m->ruri.user, "vivekg");
	SPAN_IS(m, m->ruri.host, "chair-dnrc.example.com");
	SPAN_IS(m, m->ruri.params, "unknownparam");
	EQ(m->ruri.port, 0);
	EQ(m->ruri.lr, 0);
	EQ(m->headers.off, find(f.buf, f.len, "TO :"));

	/* 14 header lines, names as written, compact and odd case kept. */
	EQ(m->nb_hdrs, 14);
	SPAN_IS(m, m->hdr[0].name, "TO");
	EQ(m->hdr[0].type, SIP_H_TO);
	SPAN_IS(m, m->hdr[1].name, "from");
	EQ(m->hdr[1].type, SIP_H_FROM);
	SPAN_IS(m, m->hdr[2].name, "MaX-fOrWaRdS");
	EQ(m->hdr[2].type, SIP_H_MAX_FORWARDS);
	SPAN_IS(m, m->hdr[4].name, "Content-Length");
	EQ(m->hdr[4].type, SIP_H_CONTENT_LENGTH);
	SPAN_IS(m, m->hdr[5].name, "cseq");
	EQ(m->hdr[5].type, SIP_H_CSEQ);
	SPAN_IS(m, m->hdr[6].name, "Via");
	EQ(m->hdr[6].type, SIP_H_VIA);
	SPAN_IS(m, m->hdr[12].name, "v");
	EQ(m->hdr[12].type, SIP_H_VIA);
	SPAN_IS(m, m->hdr[13].name, "m");
	EQ(m->hdr[13].type, SIP_H_CONTACT);

	/* "s :" is compact Subject with an empty value: kept, unknown. */
	SPAN_IS(m, m->hdr[7].name, "s");
	EQ(m->hdr[7].type, SIP_H_OTHER);
	EQ(m->hdr[7].value.len, 0);

	/* Unknown headers: value spans with the fold inside, untouched. */
	SPAN_IS(m, m->hdr[8].name, "NewFangledHeader");
	EQ(m->hdr[8].type, SIP_H_OTHER);
	SPAN_IS(m, m->hdr[8].value,
		"newfangled value\r\n continued newfangled value");
	SPAN_IS(m, m->hdr[8].line,
		"NewFangledHeader:   newfangled value\r\n"
		" continued newfangled value\r\n");
	SPAN_IS(m, m->hdr[9].name, "UnknownHeaderWithUnusualValue");
	SPAN_IS(m, m->hdr[9].value, ";;,,;;,;");

	/* To: addr-spec form, LWS around ';' and '=' of the tag. */
	EQ(m->to.display.len, 0);
	EQ(m->to.uri.scheme, SIP_SCHEME_SIP);
	SPAN_IS(m, m->to.uri.user, "vivekg");
	SPAN_IS(m, m->to.uri.host, "chair-dnrc.example.com");
	EQ(m->to.uri.params.len, 0);
	SPAN_IS(m, m->to.tag, "1918181833n");
	PARAM_IS(m, m->to.params, "tag", "1918181833n");

	/* From: escapes in the quoted display name kept byte for byte. */
	SPAN_IS(m, m->from.display, "\"J Rosenberg \\\\\\\"\"");
	SPAN_IS(m, m->from.uri.user, "jdrosen");
	SPAN_IS(m, m->from.uri.host, "example.com");
	SPAN_IS(m, m->from.tag, "98asjd8");

	/* Leading zeros: 0068 and 0009. */
	EQ(m->max_forwards, 68);
	SPAN_IS(m, m->mf_value, "0068");
	EQ(m->flags & SIP_F_MF_OVERLARGE, 0);
	SPAN_IS(m, m->call_id, "wsinv.ndaksdj@192.0.2.1");
	EQ(m->cseq, 9);
	SPAN_IS(m, m->cseq_method, "INVITE");
	EQ(m->cseq_method_id, SIP_M_INVITE);

	/* Three Via values: one folded line, two in a compact line. */
	EQ(m->nb_via, 3);
	SPAN_IS(m, m->via[0].transport, "UDP");
	SPAN_IS(m, m->via[0].host, "192.0.2.2");
	EQ(m->via[0].port, 0);
	SPAN_IS(m, m->via[0].branch, "390skdjuw");
	EQ(m->via[0].hdr, 6);
	EQ(m->via[0].has_rport, 0);
	EQ(m->via[0].received.len, 0);
	SPAN_IS(m, m->via[1].transport, "TCP");
	SPAN_IS(m, m->via[1].host, "spindle.example.com");
	EQ(m->via[1].port, 0);
	SPAN_IS(m, m->via[1].branch, "z9hG4bK9ikj8");
	EQ(m->via[1].hdr, 12);
	SPAN_IS(m, m->via[2].transport, "UDP");
	SPAN_IS(m, m->via[2].host, "192.168.255.111");
	SPAN_IS(m, m->via[2].branch, "z9hG4bK30239");
	EQ(m->via[2].hdr, 12);

	/* Route with lr among unknown URI params. */
	EQ(m->nb_route, 1);
	SPAN_IS(m, m->route[0].uri.host, "services.example.com");
	EQ(m->route[0].uri.lr, 1);
	SPAN_IS(m, m->route[0].uri.params,
		"lr;unknownwith=value;unknown-no-value");
	PARAM_IS(m, m->route[0].uri.params, "unknownwith", "value");
	PARAM_FLAG(m, m->route[0].uri.params, "unknown-no-value");
	EQ(m->nb_rr, 0);

	/* m: quoted display with escaped quotes, q=0.33 after a fold. */
	EQ(m->nb_contact, 1);
	SPAN_IS(m, m->contact[0].addr.display, "\"Quoted string \\\"\\\"\"");
	SPAN_IS(m, m->contact[0].addr.uri.user, "jdrosen");
	SPAN_IS(m, m->contact[0].addr.uri.host, "example.com");
	EQ(m->contact[0].has_q, 1);
	EQ(m->contact[0].q, 330);
	EQ(m->contact[0].has_expires, 0);
	PARAM_IS(m, m->contact[0].addr.params, "newparam", "newvalue");
	PARAM_FLAG(m, m->contact[0].addr.params, "secondparam");
	PARAM_IS(m, m->contact[0].addr.params, "q", "0.33");

	SPAN_IS(m, m->content_type, "application/sdp");
	EQ(m->content_length, 150);
	EQ(m->body.off, 851);
	EQ(m->body.len, 150);
	EQ(m->len, 1001);
	EQ(m->flags, 0);
	EQ(m->has_expires, 0);
	EQ(m->nb_proxy_require, 0);
	EQ(m->nb_require, 0);
	h = hdr_find(m, "Content-Type");
	CU_ASSERT(h >= 0);
	if (h >= 0)
		EQ(m->hdr[h].type, SIP_H_CONTENT_TYPE);
out:
	fx_free(&f);
}

static void
test_intmeth(void)
{
	static const char ext_value[] = "\xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c"
					"\xe9\x9b\xbb";
	static const char from_param[] = "\"\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe"
					 "\xd1\x82\xd0\xb0\xd1\x8e\xd1\x89"
					 "\xd0\xb8\xd0\xb9\"";
	struct fx f;
	const struct sip_msg *m;
	int h;

	if (!fx_file(&f, "intmeth.dat", SIP_E_OK))
		goto out;
	m = f.m;
	/* Every token character is legal in a method; % is no escape. */
	SPAN_IS(m, m->method, "!interesting-Method0123456789_*+`.%indeed'~");
	EQ(m->method_id, SIP_M_UNKNOWN);
	SPAN_IS(m, m->ruri.user,
		"1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
	SPAN_IS(m, m->ruri.password,
		"&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
	SPAN_IS(m, m->ruri.host, "example.com");
	EQ(m->ruri.port, 0);
	EQ(m->ruri.params.len, 0);
	EQ(m->ruri.headers.len, 0);

	EQ(m->nb_via, 1);
	SPAN_IS(m, m->via[0].transport, "TCP");
	SPAN_IS(m, m->via[0].branch, "z9hG4bK-.!%66*_+`'~");

	/* quoted-pairs of BEL, NUL and DEL, kept as received. */
	SPAN_IS(m, m->to.display, "\"BEL:\\\x07 NUL:\\\0 DEL:\\\x7f\"");
	SPAN_IS(m, m->to.uri.user,
		"1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
	SPAN_IS(m, m->to.uri.host, "example.com");
	EQ(m->to.tag.len, 0);

	/* Several unquoted tokens as display name; odd param names. */
	SPAN_IS(m, m->from.display, "token1~` token2'+_ token3*%!.-");
	SPAN_IS(m, m->from.uri.user, "mundane");
	SPAN_IS(m, m->from.tag, "_token~1'+`*%!-.");
	CU_assertImplementation(
		param_is(m, m->from.params, "fromParam''~+*_!.-%", from_param,
			 sizeof(from_param) - 1, __LINE__),
		__LINE__, "From fromParam''~+*_!.-% quoted UTF-8", __FILE__, "",
		CU_FALSE);

	/* Call-ID: word characters with no grouping or escape meaning. */
	SPAN_IS(m, m->call_id, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
	EQ(m->cseq, 139122385);
	SPAN_IS(m, m->cseq_method,
		"!interesting-Method0123456789_*+`.%indeed'~");
	EQ(m->cseq_method_id, SIP_M_UNKNOWN);
	EQ(m->max_forwards, 255);
	EQ(m->flags & SIP_F_MF_OVERLARGE, 0);

	h = hdr_find(m, "extensionHeader-!.%*+_`'~");
	CU_ASSERT(h >= 0);
	if (h >= 0) {
		EQ(m->hdr[h].type, SIP_H_OTHER);
		CU_assertImplementation(
			span_is(m, m->hdr[h].value, ext_value,
				sizeof(ext_value) - 1, "extensionHeader value",
				__LINE__),
			__LINE__, "extension header UTF-8 value", __FILE__, "",
			CU_FALSE);
	}
	EQ(m->content_length, 0);
	EQ(m->body.len, 0);
out:
	fx_free(&f);
}

static void
test_esc01(void)
{
	struct fx f;
	const struct sip_msg *m;

	if (!fx_file(&f, "esc01.dat", SIP_E_OK))
		goto out;
	m = f.m;
	/* Escapes stay escaped: the user part holds "sips%3Auser%40..." */
	SPAN_IS(m, m->ruri.user, "sips%3Auser%40example.com");
	SPAN_IS(m, m->ruri.host, "example.net");
	SPAN_IS(m, m->to.uri.user, "%75se%72");
	SPAN_IS(m, m->to.uri.host, "example.com");
	SPAN_IS(m, m->from.uri.user, "I%20have%20spaces");
	SPAN_IS(m, m->from.uri.host, "example.net");
	SPAN_IS(m, m->from.tag, "938");
	EQ(m->max_forwards, 87);
	/* i: and C: compact forms. */
	SPAN_IS(m, m->call_id, "esc01.239409asdfakjkn23onasd0-3234");
	SPAN_IS(m, m->content_type, "application/sdp");
	EQ(m->cseq, 234234);
	EQ(m->cseq_method_id, SIP_M_INVITE);
	EQ(m->nb_contact, 1);
	SPAN_IS(m, m->contact[0].addr.uri.user, "cal%6Cer");
	SPAN_IS(m, m->contact[0].addr.uri.host, "host5.example.net");
	SPAN_IS(m, m->contact[0].addr.uri.params,
		"%6C%72;n%61me=v%61lue%25%34%31");
	/* "value%41", not "valueA": unescaping is never recursive. */
	PARAM_IS(m, m->contact[0].addr.uri.params, "n%61me",
		 "v%61lue%25%34%31");
	EQ(m->content_length, 150);
	EQ(m->body.len, 150);
out:
	fx_free(&f);
}

static void
test_escnull(void)
{
	struct fx f;
	const struct sip_msg *m;

	if (!fx_file(&f, "escnull.dat", SIP_E_OK))
		goto out;
	m = f.m;
	EQ(m->method_id, SIP_M_REGISTER);
	SPAN_IS(m, m->to.uri.user, "null-%00-null");
	SPAN_IS(m, m->from.uri.user, "null-%00-null");
	SPAN_IS(m, m->from.tag, "839923423");
	/* Two distinct contacts: %00 is not the end of the user part. */
	EQ(m->nb_contact, 2);
	SPAN_IS(m, m->contact[0].addr.uri.user, "%00");
	SPAN_IS(m, m->contact[1].addr.uri.user, "%00%00");
	SPAN_IS(m, m->contact[1].addr.uri.host, "host5.example.com");
	EQ(m->content_length, 0);
	EQ(m->body.len, 0);
out:
	fx_free(&f);
}

static void
test_esc02(void)
{
	struct fx f;
	const struct sip_msg *m;
	int h;

	if (!fx_file(&f, "esc02.dat", SIP_E_OK))
		goto out;
	m = f.m;
	/* RE%47IST%45R is not REGISTER: % is no escape in a method. */
	SPAN_IS(m, m->method, "RE%47IST%45R");
	EQ(m->method_id, SIP_M_UNKNOWN);
	SPAN_IS(m, m->cseq_method, "RE%47IST%45R");
	EQ(m->cseq_method_id, SIP_M_UNKNOWN);
	EQ(m->cseq, 29344);
	EQ(m->ruri.user.len, 0);
	SPAN_IS(m, m->ruri.host, "registrar.example.com");
	SPAN_IS(m, m->to.display, "\"%Z%45\"");
	SPAN_IS(m, m->from.display, "\"%Z%45\"");
	SPAN_IS(m, m->from.tag, "f232jadfj23");
	SPAN_IS(m, m->via[0].branch, "z9hG4bK209%fzsnel234");
	/* Two Contact values, not three: C%6Fntact is another header. */
	EQ(m->nb_contact, 2);
	SPAN_IS(m, m->contact[0].addr.uri.user, "alias1");
	SPAN_IS(m, m->contact[1].addr.uri.user, "alias3");
	SPAN_IS(m, m->contact[1].addr.uri.host, "host3.example.com");
	h = hdr_find(m, "C%6Fntact");
	CU_ASSERT(h >= 0);
	if (h >= 0) {
		EQ(m->hdr[h].type, SIP_H_OTHER);
		SPAN_IS(m, m->hdr[h].value, "<sip:alias2@host2.example.com>");
	}
out:
	fx_free(&f);
}

static void
test_lwsdisp(void)
{
	struct fx f;
	const struct sip_msg *m;

	if (!fx_file(&f, "lwsdisp.dat", SIP_E_OK))
		goto out;
	m = f.m;
	SPAN_IS(m, m->from.display, "caller");
	SPAN_IS(m, m->from.uri.user, "caller");
	SPAN_IS(m, m->from.uri.host, "example.com");
	SPAN_IS(m, m->from.tag, "323");
	EQ(m->cseq, 60);
	EQ(m->method_id, SIP_M_OPTIONS);
out:
	fx_free(&f);
}

static void
test_longreq(void)
{
	char want[512], host[64];
	struct fx f;
	const struct sip_msg *m;
	int i, h;

	if (!fx_file(&f, "longreq.dat", SIP_E_OK))
		goto out;
	m = f.m;
	SPAN_IS_STR(m, m->to.display,
		    rep(want, sizeof(want), "\"I have a user name of ",
			"extreme", 10, " proportion\""));
	EQ(m->to.uri.port, 6000);
	PARAM_IS(m, m->to.uri.params, "unknownparam1",
		 "verylonglonglonglonglonglonglonglonglonglonglonglonglong"
		 "longlonglonglonglonglonglongvalue");
	PARAM_IS(m, m->to.uri.params,
		 "longparamnamenamenamenamenamenamenamenamenamenamenamename"
		 "namenamenamenamenamenamenamenamenamenamenamenamename",
		 "shortvalue");
	PARAM_FLAG(m, m->to.uri.params,
		   "verylonglonglonglonglonglonglonglonglonglonglonglonglong"
		   "longlonglonglonglonglonglonglonglonglonglonglong"
		   "ParameterNameWithNoValue");
	EQ(m->to.tag.len, 0);

	SPAN_IS_STR(
		m, m->from.uri.user,
		rep(want, sizeof(want), "", "amazinglylongcallername", 5, ""));
	SPAN_IS_STR(m, m->from.tag,
		    rep(want, sizeof(want), "1", "298", 50, "2424"));
	PARAM_FLAG(m, m->from.params,
		   rep(want, sizeof(want), "unknownValueless", "paramname", 10,
		       ""));
	SPAN_IS_STR(m, m->call_id,
		    rep(want, sizeof(want), "longreq.one", "really", 20,
			"longcallid"));
	EQ(m->cseq, 3882340);

	h = hdr_find(m,
		     rep(want, sizeof(want), "Unknown-", "Long", 20, "-Name"));
	CU_ASSERT(h >= 0);
	if (h >= 0)
		EQ(m->hdr[h].value.len, 306);

	/* 34 Via values over 34 lines in every spelling of "Via"/"v". */
	EQ(m->nb_via, 34);
	for (i = 0; i < 33 && i < m->nb_via; i++) {
		snprintf(host, sizeof(host), "sip%d.example.com", 33 - i);
		SPAN_IS(m, m->via[i].transport, "TCP");
		SPAN_IS_STR(m, m->via[i].host, host);
		EQ(m->via[i].branch.len, 0);
	}
	if (m->nb_via == 34) {
		SPAN_IS(m, m->via[33].host, "host.example.com");
		SPAN_IS(m, m->via[33].received, "192.0.2.5");
		SPAN_IS_STR(m, m->via[33].branch,
			    rep(want, sizeof(want), "very", "long", 50,
				"branchvalue"));
	}
	EQ(m->max_forwards, 70);
	EQ(m->nb_contact, 1);
	SPAN_IS_STR(
		m, m->contact[0].addr.uri.user,
		rep(want, sizeof(want), "", "amazinglylongcallername", 5, ""));
	EQ(m->content_length, 150);
	EQ(m->body.len, 150);
	EQ(m->len, f.len);
out:
	fx_free(&f);
}

static void
test_dblreq(void)
{
	struct fx f;
	const struct sip_msg *m;

	if (!fx_file(&f, "dblreq.dat", SIP_E_OK))
		goto out;
	m = f.m;
	/* The REGISTER is the message; the INVITE after it is noise. */
	EQ(m->method_id, SIP_M_REGISTER);
	SPAN_IS(m, m->call_id, "dblreq.0ha0isndaksdj99sdfafnl3lk233412");
	EQ(m->cseq, 8);
	EQ(m->cseq_method_id, SIP_M_REGISTER);
	EQ(m->nb_via, 1);
	SPAN_IS(m, m->via[0].branch, "z9hG4bKkdjuw23492");
	EQ(m->nb_contact, 1);
	SPAN_IS(m, m->contact[0].addr.uri.host, "host.example.com");
	EQ(m->max_forwards, 8);
	EQ(m->content_length, 0);
	EQ(m->body.len, 0);
	EQ(m->body.off, 300);
	EQ(m->len, 300);
	CU_ASSERT(m->flags & SIP_F_TRAILING_BYTES);
	EQ(m->nb_hdrs, 8);
out:
	fx_free(&f);
}

static void
test_semiuri(void)
{
	struct fx f;
	const struct sip_msg *m;
	int h;

	if (!fx_file(&f, "semiuri.dat", SIP_E_OK))
		goto out;
	m = f.m;
	/* ';' belongs to the user part when it comes before '@'. */
	SPAN_IS(m, m->ruri.user, "user;par=u%40example.net");
	SPAN_IS(m, m->ruri.host, "example.com");
	EQ(m->ruri.params.len, 0);
	EQ(m->max_forwards, 3);
	h = hdr_find(m, "Accept");
	CU_ASSERT(h >= 0);
	if (h >= 0)
		SPAN_IS(m, m->hdr[h].value,
			"application/sdp, application/pkcs7-mime,\r\n"
			"        multipart/mixed, multipart/signed,\r\n"
			"        message/sip, message/sipfrag");
out:
	fx_free(&f);
}

static void
test_transports(void)
{
	static const char *const tr[] = {"UDP", "SCTP", "TLS", "UNKNOWN",
					 "TCP"};
	char host[32];
	struct fx f;
	const struct sip_msg *m;
	int i;

	if (!fx_file(&f, "transports.dat", SIP_E_OK))
		goto out;
	m = f.m;
	EQ(m->nb_via, 5);
	for (i = 0; i < 5 && i < m->nb_via; i++) {
		snprintf(host, sizeof(host), "t%d.example.com", i + 1);
		SPAN_IS_STR(m, m->via[i].transport, tr[i]);
		SPAN_IS_STR(m, m->via[i].host, host);
		EQ(m->via[i].hdr, 6 + i);
	}
	SPAN_IS(m, m->via[3].branch, "z9hG4bKasd0f3en");
	SPAN_IS(m, m->call_id, "transports.kijh4akdnaqjkwendsasfdj");
out:
	fx_free(&f);
}

static void
test_mpart01(void)
{
	struct fx f;
	const struct sip_msg *m;

	if (!fx_file(&f, "mpart01.dat", SIP_E_OK))
		goto out;
	m = f.m;
	EQ(m->method_id, SIP_M_MESSAGE);
	EQ(m->nb_via, 1);
	SPAN_IS(m, m->via[0].host, "127.0.0.1");
	EQ(m->via[0].port, 5070);
	SPAN_IS(m, m->via[0].branch,
		"z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-");
	EQ(m->via[0].has_rport, 1);
	EQ(m->via[0].rport.len, 0);
	EQ(m->nb_route, 1);
	SPAN_IS(m, m->route[0].uri.host, "127.0.0.1");
	EQ(m->route[0].uri.port, 5080);
	EQ(m->route[0].uri.user.len, 0);
	EQ(m->route[0].uri.lr, 0);
	EQ(m->nb_contact, 1);
	EQ(m->contact[0].addr.uri.port, 5070);
	SPAN_IS(m, m->content_type,
		"multipart/mixed;boundary=7a9cbec02ceef655");
	/* The binary part holds NULs and bare LFs: framing is by length. */
	EQ(m->content_length, 553);
	EQ(m->body.off, 737);
	EQ(m->body.len, 553);
	EQ(m->len, 1290);
	EQ(m->flags & SIP_F_TRAILING_BYTES, 0);
	CU_ASSERT(memchr(f.buf + 737, '\0', 553) != NULL);
out:
	fx_free(&f);
}

static void
test_unreason(void)
{
	struct fx f;
	const struct sip_msg *m;
	long eol;

	if (!fx_file(&f, "unreason.dat", SIP_E_OK))
		goto out;
	m = f.m;
	EQ(m->is_request, 0);
	EQ(m->status, 200);
	EQ(m->method.len, 0);
	/* The reason is everything after "200 " up to CRLF, UTF-8 and all. */
	eol = find(f.buf, f.len, "\r\n");
	EQ(m->reason.off, 12);
	EQ(m->reason.off + m->reason.len, eol);
	CU_ASSERT(m->reason.len > 14 &&
		  memcmp(f.buf + m->reason.off, "= 2**3 * 5**2 ", 14) == 0);
	EQ(m->cseq, 35);
	EQ(m->cseq_method_id, SIP_M_INVITE);
	SPAN_IS(m, m->to.tag, "2229");
	SPAN_IS(m, m->from.tag, "11141343");
	EQ(m->content_length, 154);
	EQ(m->body.len, 154);
out:
	fx_free(&f);
}

static void
test_noreason(void)
{
	struct fx f;
	const struct sip_msg *m;

	if (!fx_file(&f, "noreason.dat", SIP_E_OK))
		goto out;
	m = f.m;
	EQ(m->is_request, 0);
	EQ(m->status, 100);
	EQ(m->reason.len, 0);
	SPAN_IS(m, m->start_line, "SIP/2.0 100 ");
	SPAN_IS(m, m->to.tag, "902jndnke3");
	SPAN_IS(m, m->from.tag, "39ansfi3");
	EQ(m->cseq_method_id, SIP_M_INVITE);
	SPAN_IS(m, m->via[0].branch, "z9hG4bK2398ndaoe");
out:
	fx_free(&f);
}

/* The error must point into the line that carries the problem. */
static void
err_in_line(const struct fx *f, const char *line_start)
{
	long start = find(f->buf, f->len, line_start);
	long end;

	CU_ASSERT(start >= 0);
	if (start < 0)
		return;
	end = start + find(f->buf + start, f->len - (uint32_t)start, "\r\n");
	CU_ASSERT(f->m->err_off >= start && f->m->err_off <= end + 2);
	if (f->m->err_off < start || f->m->err_off > end + 2)
		printf("\n    err_off %u not in [%ld, %ld] ('%s')",
		       f->m->err_off, start, end + 2, line_start);
}

static void
test_scalar02(void)
{
	static const char big[] = "36893488147419103232";
	struct fx f;
	char *copy;
	long at;

	if (fx_file(&f, "scalar02.dat", SIP_E_CSEQ)) {
		err_in_line(&f, "CSeq: 3689");
		/* Fields before the error are valid: the start line. */
		EQ(f.m->method_id, SIP_M_REGISTER);
	}

	/*
	 * The same message with CSeq fixed: the RFC lets an element treat
	 * the overlarge Max-Forwards as absent and clamp the expiries, and
	 * the parser must then accept it and say what it did.
	 */
	if (f.buf != NULL) {
		at = find(f.buf, f.len, big);
		CU_ASSERT(at > 0);
		copy = malloc(f.len);
		if (at > 0 && copy != NULL) {
			uint32_t n = (uint32_t)at;
			struct fx g;
			const struct sip_msg *m;

			memcpy(copy, f.buf, n);
			copy[n++] = '1';
			memcpy(copy + n, f.buf + at + sizeof(big) - 1,
			       f.len - (uint32_t)at - (sizeof(big) - 1));
			n += f.len - (uint32_t)at - (sizeof(big) - 1);
			if (fx_parse_mem(&g, copy, n)) {
				m = g.m;
				ERR_IS(g.err, SIP_E_OK);
				if (g.err == SIP_E_OK) {
					EQ(m->cseq, 1);
					CU_ASSERT(m->flags &
						  SIP_F_MF_OVERLARGE);
					CU_ASSERT(m->flags &
						  SIP_F_EXPIRES_OVERLARGE);
					EQ(m->max_forwards, 255);
					EQ(m->has_expires, 1);
					EQ(m->expires, CLAMPED_EXPIRY);
					EQ(m->nb_contact, 1);
					EQ(m->contact[0].has_expires, 1);
					EQ(m->contact[0].expires,
					   CLAMPED_EXPIRY);
				}
			}
			fx_free(&g);
		}
		free(copy);
	}
	fx_free(&f);
}

static void
test_scalarlg(void)
{
	struct fx f;

	if (fx_file(&f, "scalarlg.dat", SIP_E_CSEQ)) {
		err_in_line(&f, "CSeq: 9292");
		EQ(f.m->is_request, 0);
		EQ(f.m->status, 503);
	}
	fx_free(&f);
}

static void
test_zeromf(void)
{
	struct fx f;

	if (fx_file(&f, "zeromf.dat", SIP_E_OK)) {
		EQ(f.m->max_forwards, 0);
		SPAN_IS(f.m, f.m->mf_value, "0");
		EQ(f.m->flags, 0);
	}
	fx_free(&f);
}

static void
test_bcast(void)
{
	struct fx f;
	const struct sip_msg *m;

	if (!fx_file(&f, "bcast.dat", SIP_E_OK))
		goto out;
	m = f.m;
	EQ(m->is_request, 0);
	EQ(m->status, 200);
	SPAN_IS(m, m->reason, "OK");
	EQ(m->nb_via, 2);
	SPAN_IS(m, m->via[0].host, "192.0.2.198");
	SPAN_IS(m, m->via[1].host, "255.255.255.255");
	SPAN_IS(m, m->via[1].branch, "z9hG4bK1saber23");
	EQ(m->via[1].hdr, 1);
	EQ(m->body.len, 154);
out:
	fx_free(&f);
}

static void
test_cparam01(void)
{
	struct fx f;
	const struct sip_msg *m;

	if (!fx_file(&f, "cparam01.dat", SIP_E_OK))
		goto out;
	m = f.m;
	/* Without <>, ";unknownparam" is a contact-param (RFC 3261 20.10). */
	EQ(m->nb_contact, 1);
	SPAN_IS(m, m->contact[0].addr.uri.all,
		"sip:+19725552222@gw1.example.net");
	SPAN_IS(m, m->contact[0].addr.uri.user, "+19725552222");
	SPAN_IS(m, m->contact[0].addr.uri.host, "gw1.example.net");
	EQ(m->contact[0].addr.uri.params.len, 0);
	SPAN_IS(m, m->contact[0].addr.params, "unknownparam");
	PARAM_FLAG(m, m->contact[0].addr.params, "unknownparam");
	EQ(m->contact[0].has_expires, 0);
	EQ(m->contact[0].has_q, 0);
out:
	fx_free(&f);
}

static void
test_cparam02(void)
{
	struct fx f;
	const struct sip_msg *m;

	if (!fx_file(&f, "cparam02.dat", SIP_E_OK))
		goto out;
	m = f.m;
	EQ(m->nb_contact, 1);
	SPAN_IS(m, m->contact[0].addr.uri.all,
		"sip:+19725552222@gw1.example.net;unknownparam");
	SPAN_IS(m, m->contact[0].addr.uri.params, "unknownparam");
	EQ(m->contact[0].addr.params.len, 0);
out:
	fx_free(&f);
}

static void
test_inv2543(void)
{
	struct fx f;
	const struct sip_msg *m;

	if (!fx_file(&f, "inv2543.dat", SIP_E_OK))
		goto out;
	m = f.m;
	EQ(m->nb_via, 1);
	SPAN_IS(m, m->via[0].host, "iftgw.example.com");
	EQ(m->via[0].branch.len, 0);
	EQ(m->from.tag.len, 0);
	EQ(m->to.tag.len, 0);
	EQ(m->max_forwards, -1);
	EQ(m->mf_value.len, 0);
	/* No Content-Length over UDP: the body is the rest (RFC 3261 18.3). */
	EQ(m->content_length, -1);
	EQ(m->body.off, 340);
	EQ(m->body.len, 105);
	EQ(m->len, 445);
	EQ(m->flags, 0);
	SPAN_IS(m, m->from.uri.params, "user=phone");
	EQ(m->from.params.len, 0);
	/* addr-spec To: ";user=phone" is a header param here. */
	SPAN_IS(m, m->to.uri.user, "+16505552222");
	SPAN_IS(m, m->to.uri.host, "ss1.example.net");
	EQ(m->to.uri.params.len, 0);
	SPAN_IS(m, m->to.params, "user=phone");
	EQ(m->nb_rr, 1);
	SPAN_IS(m, m->rr[0].uri.user, "UserB");
	SPAN_IS(m, m->rr[0].uri.host, "example.com");
	PARAM_IS(m, m->rr[0].uri.params, "maddr", "ss1.example.com");
	EQ(m->rr[0].uri.lr, 0);
	EQ(m->cseq, 56);
out:
	fx_free(&f);
}

static void
test_regescrt(void)
{
	struct fx f;
	const struct sip_msg *m;

	if (!fx_file(&f, "regescrt.dat", SIP_E_OK))
		goto out;
	m = f.m;
	/* "M:" compact Contact; the escaped header stays in the URI. */
	EQ(m->nb_contact, 1);
	SPAN_IS(m, m->contact[0].addr.uri.user, "user");
	SPAN_IS(m, m->contact[0].addr.uri.host, "example.com");
	SPAN_IS(m, m->contact[0].addr.uri.headers,
		"Route=%3Csip:sip.example.com%3E");
	SPAN_IS(m, m->contact[0].addr.uri.all,
		"sip:user@example.com?Route=%3Csip:sip.example.com%3E");
	EQ(m->content_length, 0);
out:
	fx_free(&f);
}

/* The remaining messages that parse, checked for the field that matters. */
static void
test_rfc4475_other_fields(void)
{
	struct fx f;
	int h;

	if (fx_file(&f, "badbranch.dat", SIP_E_OK))
		SPAN_IS(f.m, f.m->via[0].branch, "z9hG4bK");
	fx_free(&f);

	if (fx_file(&f, "unkscm.dat", SIP_E_OK)) {
		EQ(f.m->ruri.scheme, SIP_SCHEME_OTHER);
		SPAN_IS(f.m, f.m->ruri.all,
			"nobodyKnowsThisScheme:totallyopaquecontent");
		EQ(f.m->ruri.host.len, 0);
		/* Routing must not fall back on the SIP URI in To. */
		EQ(f.m->to.uri.scheme, SIP_SCHEME_SIP);
	}
	fx_free(&f);

	if (fx_file(&f, "novelsc.dat", SIP_E_OK)) {
		EQ(f.m->ruri.scheme, SIP_SCHEME_OTHER);
		SPAN_IS(f.m, f.m->ruri.all, "soap.beep://192.0.2.103:3002");
		EQ(f.m->ruri.port, 0);
	}
	fx_free(&f);

	if (fx_file(&f, "unksm2.dat", SIP_E_OK)) {
		EQ(f.m->to.uri.scheme, SIP_SCHEME_OTHER);
		SPAN_IS(f.m, f.m->to.uri.all, "isbn:2983792873");
		EQ(f.m->from.uri.scheme, SIP_SCHEME_OTHER);
		SPAN_IS(f.m, f.m->from.uri.all, "http://www.example.com");
		SPAN_IS(f.m, f.m->from.tag, "3234233");
		EQ(f.m->nb_contact, 1);
		EQ(f.m->contact[0].addr.uri.scheme, SIP_SCHEME_OTHER);
		SPAN_IS(f.m, f.m->contact[0].addr.uri.all, "name:John_Smith");
	}
	fx_free(&f);

	if (fx_file(&f, "bext01.dat", SIP_E_OK)) {
		EQ(f.m->nb_proxy_require, 1);
		EQ(f.m->nb_require, 1);
		h = hdr_find(f.m, "Proxy-Require");
		CU_ASSERT(h >= 0);
		if (h >= 0) {
			EQ(f.m->hdr[h].type, SIP_H_PROXY_REQUIRE);
			SPAN_IS(f.m, f.m->hdr[h].value,
				"noProxiesSupportThis, "
				"norDoAnyProxiesSupportThis");
		}
		h = hdr_find(f.m, "Require");
		CU_ASSERT(h >= 0);
		if (h >= 0)
			EQ(f.m->hdr[h].type, SIP_H_REQUIRE);
		SPAN_IS(f.m, f.m->via[0].transport, "TLS");
	}
	fx_free(&f);

	if (fx_file(&f, "escruri.dat", SIP_E_OK)) {
		SPAN_IS(f.m, f.m->ruri.user, "user");
		SPAN_IS(f.m, f.m->ruri.host, "example.com");
		SPAN_IS(f.m, f.m->ruri.headers, "Route=%3Csip:example.com%3E");
	}
	fx_free(&f);

	if (fx_file(&f, "baddate.dat", SIP_E_OK)) {
		h = hdr_find(f.m, "Date");
		CU_ASSERT(h >= 0);
		if (h >= 0)
			SPAN_IS(f.m, f.m->hdr[h].value,
				"Fri, 01 Jan 2010 16:00:00 EST");
	}
	fx_free(&f);

	if (fx_file(&f, "invut.dat", SIP_E_OK)) {
		SPAN_IS(f.m, f.m->content_type, "application/unknownformat");
		EQ(f.m->body.len, 40);
	}
	fx_free(&f);

	if (fx_file(&f, "regaut01.dat", SIP_E_OK)) {
		h = hdr_find(f.m, "Authorization");
		CU_ASSERT(h >= 0);
		if (h >= 0)
			SPAN_IS(f.m, f.m->hdr[h].value,
				"NoOneKnowsThisScheme opaque-data=here");
		EQ(f.m->content_length, 0);
	}
	fx_free(&f);

	if (fx_file(&f, "sdp01.dat", SIP_E_OK))
		EQ(f.m->body.len, 150);
	fx_free(&f);
}

/* The refused messages: where the error points, what is still valid. */
static void
test_rfc4475_error_positions(void)
{
	struct fx f;
	uint32_t len = 0;
	char *data, *fixed;

	if (fx_file(&f, "badinv01.dat", SIP_E_VIA))
		err_in_line(&f, "Via: ");
	fx_free(&f);
	if (fx_file(&f, "quotbal.dat", SIP_E_TO))
		err_in_line(&f, "To: ");
	fx_free(&f);
	if (fx_file(&f, "regbadct.dat", SIP_E_CONTACT))
		err_in_line(&f, "Contact: ");
	fx_free(&f);
	if (fx_file(&f, "badaspec.dat", SIP_E_TO)) {
		err_in_line(&f, "To: ");
		/* From came before the error and is a valid name-addr. */
		SPAN_IS(f.m, f.m->from.display, "\"Bell, Alexander\"");
		SPAN_IS(f.m, f.m->from.tag, "433423");
	}
	fx_free(&f);
	if (fx_file(&f, "ncl.dat", SIP_E_CONTENT_LENGTH))
		err_in_line(&f, "Content-Length: -999");
	fx_free(&f);
	if (fx_file(&f, "multi01.dat", SIP_E_DUP_HEADER))
		err_in_line(&f, "CSeq: 59");
	fx_free(&f);
	if (fx_file(&f, "mcl01.dat", SIP_E_DUP_HEADER))
		err_in_line(&f, "Content-Length: 5");
	fx_free(&f);
	if (fx_file(&f, "mismatch02.dat", SIP_E_UNKNOWN_METHOD_CSEQ)) {
		SPAN_IS(f.m, f.m->method, "NEWMETHOD");
		EQ(f.m->method_id, SIP_M_UNKNOWN);
	}
	fx_free(&f);
	if (fx_file(&f, "mismatch01.dat", SIP_E_CSEQ_METHOD))
		EQ(f.m->method_id, SIP_M_OPTIONS);
	fx_free(&f);
	if (fx_file(&f, "badvers.dat", SIP_E_VERSION))
		CU_ASSERT(f.m->err_off < 41);
	fx_free(&f);

	/*
	 * baddn.dat ends without the empty line (as in the RFC's archive),
	 * so check the From verdict on a properly terminated copy too.
	 */
	if (fx_file(&f, "baddn.dat", SIP_E_FROM))
		err_in_line(&f, "From: ");
	fx_free(&f);
	data = read_file("baddn.dat", &len);
	fixed = data ? malloc(len + 2) : NULL;
	if (fixed != NULL) {
		memcpy(fixed, data, len);
		memcpy(fixed + len, "\r\n", 2);
		if (fx_parse_mem(&f, fixed, len + 2))
			ERR_IS(f.err, SIP_E_FROM);
		fx_free(&f);
	}
	free(fixed);
	free(data);
}

/* ------------------------------------------------------------------ */
/* Hand-written messages, one rule each.                              */
/* ------------------------------------------------------------------ */

#define RL "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
#define H_VIA "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK77ef\r\n"
#define H_MF "Max-Forwards: 70\r\n"
#define H_TO "To: Bob <sip:bob@biloxi.example.com>\r\n"
#define H_FROM "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
#define H_CID "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
#define H_CSEQ "CSeq: 314159 INVITE\r\n"
#define H_CL0 "Content-Length: 0\r\n"
#define CRLF "\r\n"
#define BASE H_VIA H_MF H_TO H_FROM H_CID H_CSEQ
#define REG_RL "REGISTER sip:registrar.biloxi.example.com SIP/2.0\r\n"
#define REG_BASE                                                               \
	H_VIA H_MF "To: <sip:bob@biloxi.example.com>\r\n"                      \
		   "From: <sip:bob@biloxi.example.com>;tag=456248\r\n" H_CID   \
		   "CSeq: 1826 REGISTER\r\n"

typedef void (*check_cb)(const struct sip_msg *m);

struct unit_case {
	const char *name;
	const char *text;
	enum sip_err err;
	check_cb check; /* field checks when err is SIP_E_OK, or NULL */
};

static void
check_compact(const struct sip_msg *m)
{
	static const struct {
		const char *name;
		enum sip_hdr_type type;
	} want[] = {
		{"v", SIP_H_VIA},
		{"f", SIP_H_FROM},
		{"t", SIP_H_TO},
		{"i", SIP_H_CALL_ID},
		{"CSeq", SIP_H_CSEQ},
		{"m", SIP_H_CONTACT},
		{"c", SIP_H_CONTENT_TYPE},
		{"k", SIP_H_OTHER},
		{"s", SIP_H_OTHER},
		{"e", SIP_H_OTHER},
		{"l", SIP_H_CONTENT_LENGTH},
	};
	size_t i;

	EQ(m->nb_hdrs, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < sizeof(want) / sizeof(want[0]) && i < m->nb_hdrs; i++) {
		SPAN_IS_STR(m, m->hdr[i].name, want[i].name);
		EQ(m->hdr[i].type, want[i].type);
	}
	EQ(m->nb_via, 1);
	SPAN_IS(m, m->via[0].branch, "z9hG4bKa1");
	SPAN_IS(m, m->from.tag, "f1");
	SPAN_IS(m, m->to.uri.user, "bob");
	SPAN_IS(m, m->call_id, "abc@host");
	EQ(m->nb_contact, 1);
	SPAN_IS(m, m->contact[0].addr.uri.host, "192.0.2.4");
	SPAN_IS(m, m->content_type, "application/sdp");
	SPAN_IS(m, m->hdr[7].value, "100rel");
	SPAN_IS(m, m->hdr[8].value, "lunch");
	SPAN_IS(m, m->hdr[9].value, "gzip");
	EQ(m->content_length, 5);
	SPAN_IS(m, m->body, "v=0\r\n");
	EQ(m->max_forwards, -1);
}

static void
check_case(const struct sip_msg *m)
{
	EQ(m->nb_via, 1);
	SPAN_IS(m, m->from.tag, "9");
	SPAN_IS(m, m->to.uri.user, "bob");
	SPAN_IS(m, m->call_id, "ci@h");
	EQ(m->cseq, 7);
	EQ(m->max_forwards, 69);
	EQ(m->nb_contact, 1);
	EQ(m->content_length, 0);
	EQ(m->hdr[0].type, SIP_H_VIA);
	EQ(m->hdr[6].type, SIP_H_CONTACT);
	EQ(m->hdr[7].type, SIP_H_CONTENT_LENGTH);
	SPAN_IS(m, m->hdr[7].name, "content-LENGTH");
}

static void
check_fold(const struct sip_msg *m)
{
	int h = hdr_find(m, "Subject");

	/* Folds with SP and with HTAB stay in the value span. */
	CU_ASSERT(h >= 0);
	if (h >= 0)
		SPAN_IS(m, m->hdr[h].value, "lunch\r\n at\r\n\tnoon");
	SPAN_IS(m, m->to.uri.user, "bob");
	SPAN_IS(m, m->to.tag, "t1");
	SPAN_IS(m, m->from.display, "\"Alice\r\n Liddell\"");
	SPAN_IS(m, m->from.tag, "f2");
	EQ(m->cseq, 4);
	EQ(m->cseq_method_id, SIP_M_INVITE);
	EQ(m->max_forwards, 70);
}

static void
check_lws(const struct sip_msg *m)
{
	EQ(m->nb_via, 1);
	SPAN_IS(m, m->via[0].transport, "UDP");
	SPAN_IS(m, m->via[0].host, "pc33.atlanta.example.com");
	EQ(m->via[0].port, 5060);
	SPAN_IS(m, m->via[0].branch, "z9hG4bKlws");
	EQ(m->via[0].has_rport, 1);
	SPAN_IS(m, m->from.tag, "77");
	SPAN_IS(m, m->to.tag, "88");
	EQ(m->cseq, 5);
	SPAN_IS(m, m->cseq_method, "INVITE");
	EQ(m->max_forwards, 10);
	EQ(m->nb_contact, 1);
	EQ(m->contact[0].has_expires, 1);
	EQ(m->contact[0].expires, 30);
	EQ(m->contact[0].has_q, 1);
	EQ(m->contact[0].q, 700);
	SPAN_IS(m, m->content_type, "application / sdp");
	EQ(m->content_length, 0);
}

static void
check_star(const struct sip_msg *m)
{
	CU_ASSERT(m->flags & SIP_F_CONTACT_STAR);
	EQ(m->nb_contact, 0);
	EQ(m->has_expires, 1);
	EQ(m->expires, 0);
}

static void
check_contacts(const struct sip_msg *m)
{
	EQ(m->nb_contact, 5);
	if (m->nb_contact != 5)
		return;
	SPAN_IS(m, m->contact[0].addr.uri.user, "a");
	EQ(m->contact[0].has_expires, 1);
	EQ(m->contact[0].expires, 60);
	EQ(m->contact[0].has_q, 1);
	EQ(m->contact[0].q, 500);
	SPAN_IS(m, m->contact[1].addr.display, "\"B\"");
	SPAN_IS(m, m->contact[1].addr.uri.user, "b");
	EQ(m->contact[1].has_expires, 0);
	EQ(m->contact[1].has_q, 1);
	EQ(m->contact[1].q, 1000);
	/* A comma inside a quoted display name does not split values. */
	SPAN_IS(m, m->contact[2].addr.display, "\"Doe, John\"");
	SPAN_IS(m, m->contact[2].addr.uri.user, "jd");
	EQ(m->contact[2].has_q, 1);
	EQ(m->contact[2].q, 1);
	/* addr-spec Contact: ;expires is a contact-param. */
	SPAN_IS(m, m->contact[3].addr.uri.user, "c");
	EQ(m->contact[3].addr.uri.params.len, 0);
	EQ(m->contact[3].has_expires, 1);
	EQ(m->contact[3].expires, 0);
	EQ(m->contact[3].has_q, 0);
	SPAN_IS(m, m->contact[4].addr.uri.user, "d");
	EQ(m->contact[4].has_q, 1);
	EQ(m->contact[4].q, 0);
	EQ(m->has_expires, 1);
	EQ(m->expires, 3600);
	EQ(m->flags & SIP_F_CONTACT_STAR, 0);
}

static void
check_routes(const struct sip_msg *m)
{
	EQ(m->nb_route, 5);
	if (m->nb_route == 5) {
		SPAN_IS(m, m->route[0].uri.host, "p1.example.com");
		EQ(m->route[0].uri.lr, 1);
		SPAN_IS(m, m->route[1].uri.host, "p2.example.com");
		EQ(m->route[1].uri.port, 5070);
		EQ(m->route[1].uri.lr, 1);
		SPAN_IS(m, m->route[2].uri.host, "p3.example.com");
		EQ(m->route[2].uri.lr, 0);
		/* "lrx" is another parameter; "LR" is lr (any case). */
		EQ(m->route[3].uri.lr, 0);
		EQ(m->route[4].uri.lr, 1);
		SPAN_IS(m, m->route[4].display, "\"edge\"");
	}
	EQ(m->nb_rr, 2);
	if (m->nb_rr == 2) {
		SPAN_IS(m, m->rr[0].uri.host, "rr1.example.com");
		EQ(m->rr[0].uri.lr, 1);
		PARAM_IS(m, m->rr[0].uri.params, "transport", "tcp");
		SPAN_IS(m, m->rr[1].uri.host, "rr2.example.com");
		EQ(m->rr[1].uri.lr, 1);
		PARAM_IS(m, m->rr[1].params, "ftag", "x1");
	}
}

static void
check_rport(const struct sip_msg *m)
{
	EQ(m->nb_via, 3);
	if (m->nb_via != 3)
		return;
	EQ(m->via[0].has_rport, 1);
	EQ(m->via[0].rport.len, 0);
	EQ(m->via[0].port, 5060);
	SPAN_IS(m, m->via[0].branch, "z9hG4bKr0");
	EQ(m->via[1].has_rport, 1);
	SPAN_IS(m, m->via[1].rport, "5070");
	SPAN_IS(m, m->via[1].received, "192.0.2.9");
	SPAN_IS(m, m->via[1].branch, "z9hG4bKr1");
	EQ(m->via[1].port, 0);
	EQ(m->via[2].has_rport, 0);
	EQ(m->via[2].rport.len, 0);
	PARAM_IS(m, m->via[2].params, "maddr", "224.2.0.1");
	PARAM_IS(m, m->via[2].params, "ttl", "16");
}

static void
check_ipv6(const struct sip_msg *m)
{
	SPAN_IS(m, m->ruri.host, "[2001:db8::1]");
	EQ(m->ruri.port, 5060);
	SPAN_IS(m, m->ruri.user, "bob");
	SPAN_IS(m, m->via[0].host, "[2001:db8::9]");
	EQ(m->via[0].port, 5062);
	SPAN_IS(m, m->via[0].received, "2001:db8::7");
	SPAN_IS(m, m->contact[0].addr.uri.host, "[2001:db8::2]");
	EQ(m->contact[0].addr.uri.port, 0);
	SPAN_IS(m, m->route[0].uri.host, "[2001:db8::3]");
	EQ(m->route[0].uri.port, 5080);
	EQ(m->route[0].uri.lr, 1);
}

static void
check_response(const struct sip_msg *m)
{
	EQ(m->is_request, 0);
	EQ(m->status, 180);
	SPAN_IS(m, m->reason, "Ringing");
	EQ(m->method.len, 0);
	EQ(m->ruri.all.len, 0);
	EQ(m->cseq, 314159);
	SPAN_IS(m, m->cseq_method, "INVITE");
	EQ(m->cseq_method_id, SIP_M_INVITE);
	SPAN_IS(m, m->to.tag, "a6c85cf");
	EQ(m->nb_via, 2);
	EQ(m->nb_rr, 1);
}

static void
check_response_486(const struct sip_msg *m)
{
	EQ(m->status, 486);
	SPAN_IS(m, m->reason, "Busy Here");
	/* A response's CSeq method names the request; no mismatch check. */
	SPAN_IS(m, m->cseq_method, "FOO");
	EQ(m->cseq_method_id, SIP_M_UNKNOWN);
}

static void
check_cl_absent(const struct sip_msg *m)
{
	EQ(m->content_length, -1);
	SPAN_IS(m, m->body, "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n");
	EQ(m->flags & SIP_F_TRAILING_BYTES, 0);
}

static void
check_cl_short(const struct sip_msg *m)
{
	EQ(m->content_length, 3);
	SPAN_IS(m, m->body, "v=0");
	EQ(m->len, m->body.off + 3);
	CU_ASSERT(m->flags & SIP_F_TRAILING_BYTES);
}

static void
check_mf_overlarge(const struct sip_msg *m)
{
	/* RFC 4475 3.1.2.4 lets an element be liberal; we read it as 255,
	 * the largest legal value, so a proxy rewrites its digits in place
	 * rather than adding a second Max-Forwards.  The span stays. */
	CU_ASSERT(m->flags & SIP_F_MF_OVERLARGE);
	EQ(m->max_forwards, 255);
	EQ(m->mf_value.len, 3);
}

static void
check_mf_255(const struct sip_msg *m)
{
	EQ(m->max_forwards, 255);
	EQ(m->flags & SIP_F_MF_OVERLARGE, 0);
}

static void
check_expires_overlarge(const struct sip_msg *m)
{
	CU_ASSERT(m->flags & SIP_F_EXPIRES_OVERLARGE);
	EQ(m->has_expires, 1);
	EQ(m->expires, CLAMPED_EXPIRY);
	EQ(m->contact[0].has_expires, 1);
	EQ(m->contact[0].expires, CLAMPED_EXPIRY);
}

static void
check_expires_max(const struct sip_msg *m)
{
	EQ(m->flags & SIP_F_EXPIRES_OVERLARGE, 0);
	EQ(m->expires, CLAMPED_EXPIRY);
}

/*
 * RFC 3261 10.2.1.1: a malformed expiry (an RFC 2543 date, say) is
 * treated as 3600, not refused.  Reporting it absent is fine only while
 * the registrar's default is that same 3600, so either form passes.
 */
static void
check_expires_malformed(const struct sip_msg *m)
{
	CU_ASSERT(m->has_expires == 0 || m->expires == 3600);
	CU_ASSERT(m->contact[0].has_expires == 0 ||
		  m->contact[0].expires == 3600);
	EQ(m->flags & SIP_F_EXPIRES_OVERLARGE, 0);
}

static void
check_tel(const struct sip_msg *m)
{
	EQ(m->ruri.scheme, SIP_SCHEME_TEL);
	SPAN_IS(m, m->ruri.all, "tel:+12015550123");
	SPAN_IS(m, m->ruri.user, "+12015550123");
}

static void
check_sips(const struct sip_msg *m)
{
	EQ(m->ruri.scheme, SIP_SCHEME_SIPS);
	SPAN_IS(m, m->ruri.host, "biloxi.example.com");
	SPAN_IS(m, m->ruri.params, "transport=tcp;user=phone");
	PARAM_IS(m, m->ruri.params, "user", "phone");
	EQ(m->ruri.lr, 0);
}

static void
check_scheme_case(const struct sip_msg *m)
{
	EQ(m->ruri.scheme, SIP_SCHEME_SIP);
	SPAN_IS(m, m->ruri.host, "biloxi.example.com");
	SPAN_IS(m, m->via[0].transport, "udp");
	SPAN_IS(m, m->via[0].host, "pc33.atlanta.example.com");
}

static void
check_version_case(const struct sip_msg *m)
{
	EQ(m->method_id, SIP_M_INVITE);
}

static void
check_params(const struct sip_msg *m)
{
	struct sip_span v;

	PARAM_IS(m, m->to.params, "tag", "abc");
	PARAM_IS(m, m->to.params, "TAG", "abc");
	PARAM_FLAG(m, m->to.params, "foo");
	PARAM_IS(m, m->to.params, "bar", "baz");
	PARAM_IS(m, m->to.params, "q", "0.5");
	/* Whole names only: a prefix or an extension of a name is absent. */
	EQ(sip_param_find(m, m->to.params, "ta", &v), 0);
	EQ(sip_param_find(m, m->to.params, "tagx", &v), 0);
	EQ(sip_param_find(m, m->to.params, "fo", &v), 0);
	EQ(sip_param_find(m, m->to.params, "baz", &v), 0);
	EQ(sip_param_find(m, m->to.params, "", &v), 0);
	EQ(sip_param_find(m, m->from.params, "foo", &v), 0);
	EQ(sip_param_find(m, m->call_id, "zzz", &v), 0);
	PARAM_IS(m, m->ruri.params, "transport", "udp");
	PARAM_FLAG(m, m->ruri.params, "lr");
	EQ(m->ruri.lr, 1);
	/* The value of the first "tag" is the one the span names. */
	SPAN_IS(m, m->to.tag, "abc");
}

static void
check_empty_unknown(const struct sip_msg *m)
{
	int h = hdr_find(m, "X-Empty");

	CU_ASSERT(h >= 0);
	if (h >= 0) {
		EQ(m->hdr[h].value.len, 0);
		EQ(m->hdr[h].type, SIP_H_OTHER);
	}
}

static void
check_two_proxy_require(const struct sip_msg *m)
{
	EQ(m->nb_proxy_require, 2);
	EQ(m->nb_require, 0);
}

static void
check_cseq_max(const struct sip_msg *m)
{
	EQ(m->cseq, 2147483647);
}

static const struct unit_case unit_cases[] = {
	{"compact forms v f t i m c k s e l",
	 RL "v: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKa1\r\n"
	    "f: <sip:alice@atlanta.example.com>;tag=f1\r\n"
	    "t: <sip:bob@biloxi.example.com>\r\n"
	    "i: abc@host\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "m: <sip:alice@192.0.2.4>\r\n"
	    "c: application/sdp\r\n"
	    "k: 100rel\r\n"
	    "s: lunch\r\n"
	    "e: gzip\r\n"
	    "l: 5\r\n" CRLF "v=0\r\n",
	 SIP_E_OK, check_compact},
	{"header names ignore case",
	 RL "vIA: SIP/2.0/UDP h.example.com;branch=z9hG4bKc\r\n"
	    "FROM: <sip:alice@a.example.com>;tag=9\r\n"
	    "tO: <sip:bob@b.example.com>\r\n"
	    "CALL-ID: ci@h\r\n"
	    "cseq: 7 INVITE\r\n"
	    "max-FORWARDS: 69\r\n"
	    "CoNtAcT: <sip:alice@192.0.2.4>\r\n"
	    "content-LENGTH: 0\r\n" CRLF,
	 SIP_E_OK, check_case},
	{"folded values",
	 RL H_VIA H_MF
	 "To:\r\n <sip:bob@biloxi.example.com>\r\n\t;tag=t1\r\n"
	 "From: \"Alice\r\n Liddell\" <sip:alice@a.example.com>\r\n"
	 " ;tag=f2\r\n" H_CID "CSeq: 4\r\n INVITE\r\n"
	 "Subject: lunch\r\n at\r\n\tnoon\r\n" H_CL0 CRLF,
	 SIP_E_OK, check_fold},
	{"LWS around : = / ;",
	 RL "Via  :  SIP / 2.0 / UDP pc33.atlanta.example.com : 5060 ;"
	    " branch = z9hG4bKlws ; rport\r\n"
	    "Max-Forwards\t:\t10\r\n"
	    "To : <sip:bob@biloxi.example.com> ; tag = 88\r\n"
	    "From:<sip:alice@a.example.com>;tag =77\r\n" H_CID
	    "CSeq :   5   INVITE\r\n"
	    "Contact: <sip:alice@192.0.2.4> ; expires = 30 ; q = 0.7\r\n"
	    "Content-Type: application / sdp\r\n"
	    "Content-Length :  0\r\n" CRLF,
	 SIP_E_OK, check_lws},
	{"Contact: * with Expires: 0",
	 REG_RL REG_BASE "Contact: *\r\nExpires: 0\r\n" H_CL0 CRLF, SIP_E_OK,
	 check_star},
	{"Contact: * mixed with a URI",
	 REG_RL REG_BASE
	 "Contact: *, <sip:bob@192.0.2.4>\r\nExpires: 0\r\n" H_CL0 CRLF,
	 SIP_E_CONTACT, NULL},
	{"Contacts over lines with expires and q",
	 REG_RL REG_BASE "Contact: <sip:a@192.0.2.1>;expires=60;q=0.5, \"B\" "
			 "<sip:b@192.0.2.2>;q=1.0\r\n"
			 "m: \"Doe, John\" <sip:jd@192.0.2.5>;q=0.001,\r\n"
			 " sip:c@192.0.2.3;expires=0\r\n"
			 "Contact: <sip:d@192.0.2.6>;q=0\r\n"
			 "Expires: 3600\r\n" H_CL0 CRLF,
	 SIP_E_OK, check_contacts},
	{"Route and Record-Route lists with lr",
	 RL BASE
	 "Route: <sip:p1.example.com;lr>,<sip:p2.example.com:5070;lr>\r\n"
	 "Route: <sip:p3.example.com>, <sip:p4.example.com;lrx>\r\n"
	 "Route: \"edge\" <sip:p5.example.com;transport=tcp;LR>\r\n"
	 "Record-Route: <sip:rr1.example.com;transport=tcp;lr>,\r\n"
	 " <sip:rr2.example.com;lr>;ftag=x1\r\n" H_CL0 CRLF,
	 SIP_E_OK, check_routes},
	{"Route without <> is malformed",
	 RL BASE "Route: sip:p1.example.com;lr\r\n" H_CL0 CRLF, SIP_E_ROUTE,
	 NULL},
	{"Record-Route without <> is malformed",
	 RL BASE "Record-Route: sip:p1.example.com;lr\r\n" H_CL0 CRLF,
	 SIP_E_RECORD_ROUTE, NULL},
	{"rport with and without value",
	 RL "Via: SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bKr0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.2;received=192.0.2.9;rport=5070;"
	    "branch=z9hG4bKr1,\r\n"
	    " SIP/2.0/UDP 192.0.2.3;branch=z9hG4bKr2;ttl=16;"
	    "maddr=224.2.0.1\r\n" H_MF H_TO H_FROM H_CID H_CSEQ H_CL0 CRLF,
	 SIP_E_OK, check_rport},
	{"IPv6 references",
	 "INVITE sip:bob@[2001:db8::1]:5060 SIP/2.0\r\n"
	 "Via: SIP/2.0/UDP [2001:db8::9]:5062;branch=z9hG4bK6;"
	 "received=2001:db8::7\r\n" H_MF H_TO H_FROM H_CID H_CSEQ
	 "Contact: <sip:alice@[2001:db8::2]>\r\n"
	 "Route: <sip:[2001:db8::3]:5080;lr>\r\n" H_CL0 CRLF,
	 SIP_E_OK, check_ipv6},
	{"IPv6 without brackets in the R-URI",
	 "INVITE sip:bob@2001:db8::1 SIP/2.0\r\n" BASE H_CL0 CRLF,
	 SIP_E_REQUEST_URI, NULL},
	{"response 180",
	 "SIP/2.0 180 Ringing\r\n"
	 "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK2d4790.1\r\n" H_VIA
	 "Record-Route: <sip:p1.example.com;lr>\r\n"
	 "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n" H_FROM H_CID
		 H_CSEQ "Contact: <sip:bob@192.0.2.4>\r\n" H_CL0 CRLF,
	 SIP_E_OK, check_response},
	{"response 486 with another CSeq method",
	 "SIP/2.0 486 Busy Here\r\n" H_VIA H_TO H_FROM H_CID
	 "CSeq: 2 FOO\r\n" H_CL0 CRLF,
	 SIP_E_OK, check_response_486},
	{"status code of two digits",
	 "SIP/2.0 18 Ringing\r\n" H_VIA H_TO H_FROM H_CID H_CSEQ H_CL0 CRLF,
	 SIP_E_STATUS_CODE, NULL},
	{"status code 099",
	 "SIP/2.0 099 Low\r\n" H_VIA H_TO H_FROM H_CID H_CSEQ H_CL0 CRLF,
	 SIP_E_STATUS_CODE, NULL},
	{"status code 700",
	 "SIP/2.0 700 High\r\n" H_VIA H_TO H_FROM H_CID H_CSEQ H_CL0 CRLF,
	 SIP_E_STATUS_CODE, NULL},
	{"no empty line after the headers", RL BASE H_CL0, SIP_E_NO_HEADER_END,
	 NULL},
	{"headers cut mid-line", RL BASE "Content-Len", SIP_E_NO_HEADER_END,
	 NULL},
	{"Content-Length absent over UDP",
	 RL BASE CRLF "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n", SIP_E_OK,
	 check_cl_absent},
	{"Content-Length shorter than the rest",
	 RL BASE "Content-Length: 3\r\n" CRLF "v=0\r\n", SIP_E_OK,
	 check_cl_short},
	{"Content-Length not a number", RL BASE "Content-Length: five\r\n" CRLF,
	 SIP_E_CONTENT_LENGTH, NULL},
	{"Max-Forwards over 255 is read as 255",
	 RL H_VIA "Max-Forwards: 300\r\n" H_TO H_FROM H_CID H_CSEQ H_CL0 CRLF,
	 SIP_E_OK, check_mf_overlarge},
	{"Max-Forwards 255",
	 RL H_VIA "Max-Forwards: 255\r\n" H_TO H_FROM H_CID H_CSEQ H_CL0 CRLF,
	 SIP_E_OK, check_mf_255},
	{"Max-Forwards not a number",
	 RL H_VIA "Max-Forwards: ten\r\n" H_TO H_FROM H_CID H_CSEQ H_CL0 CRLF,
	 SIP_E_MAX_FORWARDS, NULL},
	{"expiries over 2^32-1 are clamped",
	 REG_RL REG_BASE "Contact: <sip:bob@192.0.2.4>;expires=4294967296\r\n"
			 "Expires: 99999999999999999999\r\n" H_CL0 CRLF,
	 SIP_E_OK, check_expires_overlarge},
	{"Expires 2^32-1 is in range",
	 REG_RL REG_BASE "Expires: 4294967295\r\n" H_CL0 CRLF, SIP_E_OK,
	 check_expires_max},
	{"malformed expiries are not refused",
	 REG_RL REG_BASE
	 "Contact: <sip:bob@192.0.2.4>;expires=soon\r\n"
	 "Expires: Fri, 01 Jan 2010 16:00:00 GMT\r\n" H_CL0 CRLF,
	 SIP_E_OK, check_expires_malformed},
	{"tel: Request-URI",
	 "INVITE tel:+12015550123 SIP/2.0\r\n" BASE H_CL0 CRLF, SIP_E_OK,
	 check_tel},
	{"sips: Request-URI",
	 "INVITE sips:biloxi.example.com;transport=tcp;user=phone "
	 "SIP/2.0\r\n" BASE H_CL0 CRLF,
	 SIP_E_OK, check_sips},
	{"R-URI port over 65535",
	 "INVITE sip:bob@biloxi.example.com:99999 SIP/2.0\r\n" BASE H_CL0 CRLF,
	 SIP_E_REQUEST_URI, NULL},
	{"SIP-Version is case-insensitive (RFC 3261 7.1)",
	 "INVITE sip:bob@biloxi.example.com sip/2.0\r\n" BASE H_CL0 CRLF,
	 SIP_E_OK, check_version_case},
	{"URI scheme is case-insensitive (RFC 3261 19.1.4)",
	 "INVITE SIP:bob@biloxi.example.com SIP/2.0\r\n"
	 "Via: sip/2.0/udp pc33.atlanta.example.com;branch=z9hG4bKlc\r\n" H_MF
		 H_TO H_FROM H_CID H_CSEQ H_CL0 CRLF,
	 SIP_E_OK, check_scheme_case},
	{"CSeq method is case-sensitive (RFC 3261 20.16)",
	 RL H_VIA H_MF H_TO H_FROM H_CID "CSeq: 1 invite\r\n" H_CL0 CRLF,
	 SIP_E_CSEQ_METHOD, NULL},
	{"SIP/2.1 is not supported",
	 "INVITE sip:bob@biloxi.example.com SIP/2.1\r\n" BASE H_CL0 CRLF,
	 SIP_E_VERSION, NULL},
	{"method with a non-token character",
	 "INV@ITE sip:bob@biloxi.example.com SIP/2.0\r\n" BASE H_CL0 CRLF,
	 SIP_E_METHOD, NULL},
	{"ACK must carry CSeq method ACK",
	 "ACK sip:bob@biloxi.example.com SIP/2.0\r\n" BASE H_CL0 CRLF,
	 SIP_E_CSEQ_METHOD, NULL},
	{"CSeq without method",
	 RL H_VIA H_MF H_TO H_FROM H_CID "CSeq: 1\r\n" H_CL0 CRLF, SIP_E_CSEQ,
	 NULL},
	{"CSeq 2^31-1",
	 RL H_VIA H_MF H_TO H_FROM H_CID
	 "CSeq: 2147483647 INVITE\r\n" H_CL0 CRLF,
	 SIP_E_OK, check_cseq_max},
	{"CSeq 2^32",
	 RL H_VIA H_MF H_TO H_FROM H_CID
	 "CSeq: 4294967296 INVITE\r\n" H_CL0 CRLF,
	 SIP_E_CSEQ, NULL},
	{"Via without transport",
	 RL
	 "Via: SIP/2.0 pc33.atlanta.example.com;branch=z9hG4bKx\r\n" H_MF H_TO
		 H_FROM H_CID H_CSEQ H_CL0 CRLF,
	 SIP_E_VIA, NULL},
	{"Via port over 65535",
	 RL "Via: SIP/2.0/UDP pc33.atlanta.example.com:70000;branch=z9hG4bKx"
	    "\r\n" H_MF H_TO H_FROM H_CID H_CSEQ H_CL0 CRLF,
	 SIP_E_VIA, NULL},
	{"empty Call-ID",
	 RL H_VIA H_MF H_TO H_FROM "Call-ID: \r\n" H_CSEQ H_CL0 CRLF,
	 SIP_E_CALL_ID, NULL},
	{"Call-ID with a space inside",
	 RL H_VIA H_MF H_TO H_FROM
	 "Call-ID: abc def@host\r\n" H_CSEQ H_CL0 CRLF,
	 SIP_E_CALL_ID, NULL},
	{"empty To", RL H_VIA H_MF "To: \r\n" H_FROM H_CID H_CSEQ H_CL0 CRLF,
	 SIP_E_TO, NULL},
	{"From with unterminated <",
	 RL H_VIA H_MF H_TO
	 "From: <sip:alice@a.example.com;tag=1\r\n" H_CID H_CSEQ H_CL0 CRLF,
	 SIP_E_FROM, NULL},
	{"continuation line before any header",
	 RL " folded\r\n" BASE H_CL0 CRLF, SIP_E_HEADER_FOLD, NULL},
	{"space inside a header name", RL BASE "Bad Name: x\r\n" H_CL0 CRLF,
	 SIP_E_HEADER_NAME, NULL},
	{"header line without colon", RL BASE "NoColonHere\r\n" H_CL0 CRLF,
	 SIP_E_HEADER_NAME, NULL},
	{"missing Via", RL H_MF H_TO H_FROM H_CID H_CSEQ H_CL0 CRLF,
	 SIP_E_MISSING_HEADER, NULL},
	{"missing CSeq", RL H_VIA H_MF H_TO H_FROM H_CID H_CL0 CRLF,
	 SIP_E_MISSING_HEADER, NULL},
	{"duplicate To", RL BASE "To: <sip:carol@c.example.com>\r\n" H_CL0 CRLF,
	 SIP_E_DUP_HEADER, NULL},
	{"duplicate Max-Forwards", RL BASE "Max-Forwards: 5\r\n" H_CL0 CRLF,
	 SIP_E_DUP_HEADER, NULL},
	{"empty unknown header", RL BASE "X-Empty:\r\n" H_CL0 CRLF, SIP_E_OK,
	 check_empty_unknown},
	{"two Proxy-Require lines",
	 RL BASE "Proxy-Require: foo\r\nProxy-Require: bar\r\n" H_CL0 CRLF,
	 SIP_E_OK, check_two_proxy_require},
	{"sip_param_find",
	 "INVITE sip:bob@biloxi.example.com;transport=udp;lr SIP/2.0\r\n" H_VIA
		 H_MF
	 "To: <sip:bob@biloxi.example.com>;tag=abc ; foo ;Bar = baz;q=0.5\r\n"
	 "From: <sip:alice@a.example.com;foo=1>;tag=3\r\n" H_CID H_CSEQ H_CL0
		 CRLF,
	 SIP_E_OK, check_params},
	{"empty datagram", "", SIP_E_EMPTY, NULL},
};

#define NB_UNIT_CASES (sizeof(unit_cases) / sizeof(unit_cases[0]))

static void
test_unit_cases(void)
{
	size_t i;

	for (i = 0; i < NB_UNIT_CASES; i++) {
		const struct unit_case *c = &unit_cases[i];
		struct fx f;

		if (!fx_parse_mem(&f, c->text, (uint32_t)strlen(c->text))) {
			fx_free(&f);
			continue;
		}
		ERR_IS(f.err, c->err);
		if (f.err != c->err)
			printf(" [case '%s', err_off %u]", c->name,
			       f.m->err_off);
		if (f.err == SIP_E_OK && c->err == SIP_E_OK) {
			CU_ASSERT(msg_in_bounds(f.m, f.len));
			if (c->check != NULL) {
				unsigned int before =
					CU_get_number_of_failures();

				c->check(f.m);
				if (CU_get_number_of_failures() != before)
					printf(" [case '%s']", c->name);
			}
		}
		fx_free(&f);
	}
}

/* ------------------------------------------------------------------ */
/* Robustness and limits.                                             */
/* ------------------------------------------------------------------ */

/*
 * Every byte-prefix of a message is a datagram the parser may see.  It
 * must return some code without reading past the end (ASan checks the
 * exact-size copy), and what it hands out for an OK result must be in
 * bounds.
 */
static void
prefixes_of(const char *name, int expect_no_ok_before_end)
{
	uint32_t len = 0, n;
	char *data = read_file(name, &len);
	struct sip_msg *m = malloc(sizeof(*m));
	unsigned int bad_code = 0, bad_bounds = 0, early_ok = 0;

	CU_ASSERT_PTR_NOT_NULL(data);
	if (data == NULL || m == NULL)
		goto out;
	for (n = 0; n <= len; n++) {
		char *buf = malloc(n ? n : 1);
		enum sip_err e;

		if (buf == NULL)
			break;
		memcpy(buf, data, n);
		memset(m, POISON, sizeof(*m));
		e = sip_parse(buf, n, m);
		if ((unsigned int)e >= SIP_E__COUNT)
			bad_code++;
		else if (e == SIP_E_OK && !msg_in_bounds(m, n))
			bad_bounds++;
		if (e == SIP_E_OK && n < len && expect_no_ok_before_end)
			early_ok++;
		if (n == 0)
			ERR_IS(e, SIP_E_EMPTY);
		free(buf);
	}
	EQ(bad_code, 0);
	EQ(bad_bounds, 0);
	EQ(early_ok, 0);
	if (bad_code || bad_bounds || early_ok)
		printf(" [%s]", name);
out:
	free(m);
	free(data);
}

static void
test_prefixes_wsinv(void)
{
	uint32_t len = 0, n;
	char *data = read_file("wsinv.dat", &len);
	struct sip_msg *m = malloc(sizeof(*m));
	unsigned int not_truncated = 0;

	/* Content-Length is 150: no prefix is a whole message. */
	prefixes_of("wsinv.dat", 1);

	/* Once the headers are complete, the body is short by CL. */
	if (data != NULL && m != NULL) {
		for (n = 851; n < len; n++) {
			char *buf = malloc(n);

			if (buf == NULL)
				break;
			memcpy(buf, data, n);
			if (sip_parse(buf, n, m) != SIP_E_BODY_TRUNCATED)
				not_truncated++;
			free(buf);
		}
		EQ(not_truncated, 0);
	}
	free(m);
	free(data);
}

static void
test_prefixes_all(void)
{
	size_t i;

	for (i = 0; i < NB_RFC_CASES; i++)
		prefixes_of(rfc_cases[i].file, 0);
}

/* A datagram of exactly n bytes: a valid request whose body fills it. */
static char *
sized_message(uint32_t n)
{
	static const char head[] = RL BASE CRLF;
	char *buf = malloc(n);

	if (buf == NULL || n < sizeof(head))
		return buf;
	memcpy(buf, head, sizeof(head) - 1);
	memset(buf + sizeof(head) - 1, 'x', n - (sizeof(head) - 1));
	return buf;
}

static void
test_size_limits(void)
{
	struct sip_msg *m = malloc(sizeof(*m));
	char *buf;

	if (m == NULL)
		return;
	buf = sized_message(65535);
	if (buf != NULL) {
		memset(m, POISON, sizeof(*m));
		ERR_IS(sip_parse(buf, 65535, m), SIP_E_OK);
		EQ(m->len, 65535);
		EQ(m->body.off + m->body.len, 65535);
		free(buf);
	}
	buf = sized_message(65536);
	if (buf != NULL) {
		ERR_IS(sip_parse(buf, 65536, m), SIP_E_TOO_LONG);
		free(buf);
	}
	buf = malloc(1);
	if (buf != NULL) {
		ERR_IS(sip_parse(buf, 0, m), SIP_E_EMPTY);
		free(buf);
	}
	free(m);
}

/* Build RL BASE + extra + CRLF into an exact-size buffer and parse it. */
static enum sip_err
parse_with(const char *extra, size_t extra_len, struct sip_msg *m)
{
	static const char head[] = RL BASE;
	size_t n = sizeof(head) - 1 + extra_len + 2;
	char *buf = malloc(n);
	enum sip_err e;

	if (buf == NULL)
		return SIP_E__COUNT;
	memcpy(buf, head, sizeof(head) - 1);
	memcpy(buf + sizeof(head) - 1, extra, extra_len);
	memcpy(buf + n - 2, "\r\n", 2);
	memset(m, POISON, sizeof(*m));
	e = sip_parse(buf, (uint32_t)n, m);
	free(buf);
	return e;
}

/* extra = count lines or values of "fmt" (with %d), joined by sep. */
static size_t
repeat_into(char *dst, size_t cap, const char *prefix, const char *fmt,
	    const char *sep, int count, const char *suffix)
{
	size_t used = (size_t)snprintf(dst, cap, "%s", prefix);
	int i;

	for (i = 0; i < count && used < cap; i++) {
		if (i > 0)
			used += (size_t)snprintf(dst + used, cap - used, "%s",
						 sep);
		used += (size_t)snprintf(dst + used, cap - used, fmt, i);
	}
	if (used < cap)
		used += (size_t)snprintf(dst + used, cap - used, "%s", suffix);
	return used < cap ? used : cap;
}

static void
test_capacity_limits(void)
{
	size_t cap = 64 * 1024, n;
	char *x = malloc(cap);
	struct sip_msg *m = malloc(sizeof(*m));
	/* BASE holds 6 header lines and 1 Via of its own. */
	int free_hdrs = SIP_MAX_HDRS - 6;

	if (x == NULL || m == NULL)
		goto out;

	/* Exactly at each limit parses; one more is refused, not cut. */
	n = repeat_into(x, cap, "", "X-H%d: v\r\n", "", free_hdrs, "");
	ERR_IS(parse_with(x, n, m), SIP_E_OK);
	EQ(m->nb_hdrs, SIP_MAX_HDRS);
	n = repeat_into(x, cap, "", "X-H%d: v\r\n", "", free_hdrs + 1, "");
	ERR_IS(parse_with(x, n, m), SIP_E_TOO_MANY_HEADERS);

	n = repeat_into(x, cap, "Via: ", "SIP/2.0/UDP h%d.example.com", ",",
			SIP_MAX_VIA - 1, "\r\n");
	ERR_IS(parse_with(x, n, m), SIP_E_OK);
	EQ(m->nb_via, SIP_MAX_VIA);
	n = repeat_into(x, cap, "Via: ", "SIP/2.0/UDP h%d.example.com", ",",
			SIP_MAX_VIA, "\r\n");
	ERR_IS(parse_with(x, n, m), SIP_E_TOO_MANY_VIA);

	n = repeat_into(x, cap, "Contact: ", "<sip:u%d@192.0.2.1>", ",",
			SIP_MAX_CONTACT, "\r\n");
	ERR_IS(parse_with(x, n, m), SIP_E_OK);
	EQ(m->nb_contact, SIP_MAX_CONTACT);
	n = repeat_into(x, cap, "Contact: ", "<sip:u%d@192.0.2.1>", ",",
			SIP_MAX_CONTACT + 1, "\r\n");
	ERR_IS(parse_with(x, n, m), SIP_E_TOO_MANY_CONTACT);

	n = repeat_into(x, cap, "Route: ", "<sip:p%d.example.com;lr>", ",",
			SIP_MAX_ROUTE, "\r\n");
	ERR_IS(parse_with(x, n, m), SIP_E_OK);
	EQ(m->nb_route, SIP_MAX_ROUTE);
	n = repeat_into(x, cap, "Route: ", "<sip:p%d.example.com;lr>", ",",
			SIP_MAX_ROUTE + 1, "\r\n");
	ERR_IS(parse_with(x, n, m), SIP_E_TOO_MANY_ROUTE);
	n = repeat_into(x, cap, "Record-Route: ", "<sip:p%d.example.com;lr>",
			",", SIP_MAX_ROUTE + 1, "\r\n");
	ERR_IS(parse_with(x, n, m), SIP_E_TOO_MANY_ROUTE);
out:
	free(m);
	free(x);
}

/* ------------------------------------------------------------------ */
/* Small API functions.                                               */
/* ------------------------------------------------------------------ */

static void
test_method_from(void)
{
	static const char *const names[SIP_M__COUNT] = {
		[SIP_M_INVITE] = "INVITE",   [SIP_M_ACK] = "ACK",
		[SIP_M_BYE] = "BYE",	     [SIP_M_CANCEL] = "CANCEL",
		[SIP_M_OPTIONS] = "OPTIONS", [SIP_M_REGISTER] = "REGISTER",
		[SIP_M_PRACK] = "PRACK",     [SIP_M_SUBSCRIBE] = "SUBSCRIBE",
		[SIP_M_NOTIFY] = "NOTIFY",   [SIP_M_PUBLISH] = "PUBLISH",
		[SIP_M_INFO] = "INFO",	     [SIP_M_REFER] = "REFER",
		[SIP_M_MESSAGE] = "MESSAGE", [SIP_M_UPDATE] = "UPDATE",
	};
	int i;

	for (i = SIP_M_INVITE; i < SIP_M__COUNT; i++) {
		EQ(sip_method_from(names[i], (uint32_t)strlen(names[i])), i);
		CU_ASSERT_STRING_EQUAL(sip_method_name((enum sip_method)i),
				       names[i]);
	}
	CU_ASSERT_STRING_EQUAL(sip_method_name(SIP_M_UNKNOWN), "");
	/* Methods are case-sensitive (RFC 3261 7.1): "invite" is unknown. */
	EQ(sip_method_from("invite", 6), SIP_M_UNKNOWN);
	EQ(sip_method_from("INVITEX", 7), SIP_M_UNKNOWN);
	EQ(sip_method_from("INVITE", 5), SIP_M_UNKNOWN);
	EQ(sip_method_from("INV", 3), SIP_M_UNKNOWN);
	EQ(sip_method_from("", 0), SIP_M_UNKNOWN);
	EQ(sip_method_from("RE%47IST%45R", 12), SIP_M_UNKNOWN);
	EQ(sip_method_from("NEWMETHOD", 9), SIP_M_UNKNOWN);
}

static void
test_err_table(void)
{
	static const struct {
		enum sip_err err;
		const char *name;
		uint16_t status;
		const char *text;
	} want[] = {
#define SIP_ERR(sym, st, tx) {SIP_E_##sym, #sym, st, tx},
#include "sip_errors.def"
#undef SIP_ERR
	};
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CU_ASSERT_STRING_EQUAL(sip_err_name(want[i].err), want[i].name);
		CU_ASSERT_STRING_EQUAL(sip_err_text(want[i].err), want[i].text);
		EQ(sip_err_status(want[i].err), want[i].status);
	}
	/* The statuses RFC 3261 and RFC 4475 tie to specific failures. */
	EQ(sip_err_status(SIP_E_OK), 0);
	EQ(sip_err_status(SIP_E_VERSION), 505);
	EQ(sip_err_status(SIP_E_TOO_MANY_VIA), 483);
	EQ(sip_err_status(SIP_E_UNKNOWN_METHOD_CSEQ), 501);
}

static void
test_span_ieq(void)
{
	struct fx f;

	if (!fx_parse_mem(&f, RL BASE H_CL0 CRLF,
			  (uint32_t)strlen(RL BASE H_CL0 CRLF)))
		goto out;
	ERR_IS(f.err, SIP_E_OK);
	if (f.err == SIP_E_OK) {
		EQ(sip_span_ieq(f.m, f.m->cseq_method, "invite"), 1);
		EQ(sip_span_ieq(f.m, f.m->cseq_method, "INVITE"), 1);
		EQ(sip_span_ieq(f.m, f.m->cseq_method, "INVIT"), 0);
		EQ(sip_span_ieq(f.m, f.m->cseq_method, "INVITES"), 0);
		EQ(sip_span_eq(f.m, f.m->cseq_method, "invite"), 0);
	}
out:
	fx_free(&f);
}

static CU_TestInfo sip_parse_tests[] = {
	{"rfc4475: outcome of each message", test_rfc4475_outcomes},
	{"rfc4475: table covers INDEX.tsv", test_rfc4475_index_covered},
	{"rfc4475: wsinv", test_wsinv},
	{"rfc4475: intmeth", test_intmeth},
	{"rfc4475: esc01", test_esc01},
	{"rfc4475: escnull", test_escnull},
	{"rfc4475: esc02", test_esc02},
	{"rfc4475: lwsdisp", test_lwsdisp},
	{"rfc4475: longreq", test_longreq},
	{"rfc4475: dblreq", test_dblreq},
	{"rfc4475: semiuri", test_semiuri},
	{"rfc4475: transports", test_transports},
	{"rfc4475: mpart01", test_mpart01},
	{"rfc4475: unreason", test_unreason},
	{"rfc4475: noreason", test_noreason},
	{"rfc4475: scalar02", test_scalar02},
	{"rfc4475: scalarlg", test_scalarlg},
	{"rfc4475: zeromf", test_zeromf},
	{"rfc4475: bcast", test_bcast},
	{"rfc4475: cparam01", test_cparam01},
	{"rfc4475: cparam02", test_cparam02},
	{"rfc4475: inv2543", test_inv2543},
	{"rfc4475: regescrt", test_regescrt},
	{"rfc4475: other accepted messages", test_rfc4475_other_fields},
	{"rfc4475: where refusals point", test_rfc4475_error_positions},
	{"hand-written messages", test_unit_cases},
	{"every prefix of wsinv", test_prefixes_wsinv},
	{"every prefix of the other messages", test_prefixes_all},
	{"64 KiB limit and empty input", test_size_limits},
	{"header, Via, Contact, Route capacities", test_capacity_limits},
	{"sip_method_from / sip_method_name", test_method_from},
	{"sip_err_name / text / status", test_err_table},
	{"sip_span_ieq", test_span_ieq},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"sip_parse", NULL, NULL, NULL, NULL, sip_parse_tests},
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	unsigned int failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return (int)CU_get_error();
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		CU_cleanup_registry();
		return (int)CU_get_error();
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures > 0 ? 1 : 0;
}
