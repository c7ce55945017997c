/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUnit suite for sip_reply: responses built for several requests are
 * parsed again with sip_parse and compared with the request: status, the
 * Via chain byte for byte, From, To and its tag, Call-ID, CSeq.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <CUnit/Basic.h>

#include "sip_parse.h"
#include "sip_reply.h"

#ifndef SIPFORK_TESTDATA
#define SIPFORK_TESTDATA "../shared/testdata"
#endif

#define TAG "sf12345678"

static struct sip_msg req, rsp;
static char out[8192];

static const char options[] =
	"OPTIONS sip:198.18.0.1 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bK-1;rport\r\n"
	"Max-Forwards: 70\r\n"
	"v: SIP/2.0/UDP p1.example.com;branch=z9hG4bK-2 ,\r\n"
	"   SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bK-3;"
	"received=192.0.2.1\r\n"
	"Via:SIP/2.0/UDP p3.example.com;branch=z9hG4bK-4\r\n"
	"f: \"Caller\" <sip:caller@example.com>;tag=abc\r\n"
	"t: sip:198.18.0.1;user=ip\r\n"
	"i: call-1@198.51.100.7\r\n"
	"CSeq: 4711 OPTIONS\r\n"
	"Contact: <sip:caller@198.51.100.7:5070>\r\n"
	"l: 0\r\n\r\n";

static const char invite_tagged[] =
	"INVITE sip:bob@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bK-inv\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:alice@example.com>;tag=a1\r\n"
	"To: Bob <sip:bob@example.com>;tag=b2\r\n"
	"Call-ID: dialog-1@example.com\r\n"
	"CSeq: 2 INVITE\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 4\r\n\r\n"
	"v=0\n";

static void
parse_req(const char *text, size_t len)
{
	CU_ASSERT_EQUAL_FATAL(sip_parse(text, (uint32_t)len, &req), SIP_E_OK);
}

static int
build_and_parse(uint16_t status, const char *reason,
		const struct sip_reply_opts *opts)
{
	int n = sip_reply_build(&req, status, reason, opts, out, sizeof(out));

	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL_FATAL(sip_parse(out, (uint32_t)n, &rsp), SIP_E_OK);
	CU_ASSERT_FALSE(rsp.is_request);
	CU_ASSERT_EQUAL(rsp.status, status);
	CU_ASSERT_EQUAL(rsp.len, n);
	CU_ASSERT_EQUAL(rsp.content_length, 0);
	return n;
}

static int
span_eq2(const struct sip_msg *a, struct sip_span sa,
	 const struct sip_msg *b, struct sip_span sb)
{
	return sa.len == sb.len &&
	       memcmp(a->buf + sa.off, b->buf + sb.off, sa.len) == 0;
}

/* Via chain, From, Call-ID and CSeq identical to the request's. */
static void
assert_copied(void)
{
	unsigned int i;

	CU_ASSERT_EQUAL_FATAL(rsp.nb_via, req.nb_via);
	for (i = 0; i < req.nb_via; i++) {
		CU_ASSERT(span_eq2(&rsp, rsp.via[i].all, &req, req.via[i].all));
		CU_ASSERT(span_eq2(&rsp, rsp.via[i].branch, &req,
				   req.via[i].branch));
	}
	CU_ASSERT(span_eq2(&rsp, rsp.from.all, &req, req.from.all));
	CU_ASSERT(span_eq2(&rsp, rsp.from.tag, &req, req.from.tag));
	CU_ASSERT(span_eq2(&rsp, rsp.call_id, &req, req.call_id));
	CU_ASSERT_EQUAL(rsp.cseq, req.cseq);
	CU_ASSERT(span_eq2(&rsp, rsp.cseq_method, &req, req.cseq_method));
	CU_ASSERT(span_eq2(&rsp, rsp.to.uri.all, &req, req.to.uri.all));
}

/* The response's header line of a name, or NULL. */
static const struct sip_hdr *
find_hdr(const char *name)
{
	unsigned int i;

	/* strncasecmp, not sip_span_ieq: the latter wants a lower-case
	 * name (it lowers only the buffer's side). */
	for (i = 0; i < rsp.nb_hdrs; i++)
		if (rsp.hdr[i].name.len == strlen(name) &&
		    strncasecmp(rsp.buf + rsp.hdr[i].name.off, name,
				rsp.hdr[i].name.len) == 0)
			return &rsp.hdr[i];
	return NULL;
}

static void
test_options_200(void)
{
	struct sip_reply_opts o = { .to_tag = TAG };
	unsigned int i, via_lines = 0;

	parse_req(options, sizeof(options) - 1);
	build_and_parse(200, NULL, &o);
	CU_ASSERT(strncmp(out, "SIP/2.0 200 OK\r\n", 16) == 0);
	assert_copied();
	CU_ASSERT_EQUAL(rsp.nb_via, 4);
	CU_ASSERT(sip_span_eq(&rsp, rsp.to.tag, TAG));
	CU_ASSERT(sip_span_eq(&rsp, rsp.to.params, "user=ip;tag=" TAG));
	/* The folded Via line comes back byte for byte, fold included. */
	CU_ASSERT_PTR_NOT_NULL(strstr(out,
		"v: SIP/2.0/UDP p1.example.com;branch=z9hG4bK-2 ,\r\n"
		"   SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bK-3;"
		"received=192.0.2.1\r\n"));
	for (i = 0; i < rsp.nb_hdrs; i++)
		via_lines += rsp.hdr[i].type == SIP_H_VIA;
	CU_ASSERT_EQUAL(via_lines, 3);
	/* Nothing of the request beyond what a response copies. */
	CU_ASSERT_PTR_NULL(find_hdr("Contact"));
	CU_ASSERT_PTR_NULL(find_hdr("Max-Forwards"));
	CU_ASSERT_PTR_NULL(find_hdr("Server"));
}

static void
test_tagged_to_kept(void)
{
	struct sip_reply_opts o = { .to_tag = TAG };

	parse_req(invite_tagged, sizeof(invite_tagged) - 1);
	build_and_parse(481, NULL, &o);
	assert_copied();
	CU_ASSERT(sip_span_eq(&rsp, rsp.to.tag, "b2"));
	CU_ASSERT(span_eq2(&rsp, rsp.to.all, &req, req.to.all));
	CU_ASSERT(sip_span_eq(&rsp, rsp.reason,
			      "Call/Transaction Does Not Exist"));
	/* The request body is not copied. */
	CU_ASSERT_EQUAL(rsp.body.len, 0);
	CU_ASSERT_PTR_NULL(strstr(out, "v=0"));
}

static void
test_100_has_no_tag(void)
{
	struct sip_reply_opts o = { .to_tag = TAG };

	parse_req(options, sizeof(options) - 1);
	build_and_parse(100, NULL, &o);
	assert_copied();
	CU_ASSERT_EQUAL(rsp.to.tag.len, 0);
	CU_ASSERT(sip_span_eq(&rsp, rsp.reason, "Trying"));
	/* Any other status gets it, provisional or final. */
	build_and_parse(180, NULL, &o);
	CU_ASSERT(sip_span_eq(&rsp, rsp.to.tag, TAG));
	/* And none when the caller gives none. */
	build_and_parse(200, NULL, NULL);
	CU_ASSERT_EQUAL(rsp.to.tag.len, 0);
}

static void
test_extra_and_server(void)
{
	struct sip_reply_opts o = {
		.to_tag = TAG,
		.extra = "Retry-After: 5\r\nUnsupported: foo, bar\r\n",
		.server = "sipfork/0.1.0",
	};
	const struct sip_hdr *h;

	parse_req(options, sizeof(options) - 1);
	build_and_parse(503, NULL, &o);
	assert_copied();
	CU_ASSERT(sip_span_eq(&rsp, rsp.reason, "Service Unavailable"));
	h = find_hdr("Retry-After");
	CU_ASSERT_FATAL(h != NULL);
	CU_ASSERT(sip_span_eq(&rsp, h->value, "5"));
	h = find_hdr("Unsupported");
	CU_ASSERT_FATAL(h != NULL);
	CU_ASSERT(sip_span_eq(&rsp, h->value, "foo, bar"));
	h = find_hdr("Server");
	CU_ASSERT_FATAL(h != NULL);
	CU_ASSERT(sip_span_eq(&rsp, h->value, "sipfork/0.1.0"));
	/* Content-Length: 0 ends the headers. */
	CU_ASSERT(strstr(out, "Content-Length: 0\r\n\r\n") ==
		  out + strlen(out) - 21);
}

static void
test_reason(void)
{
	parse_req(options, sizeof(options) - 1);
	build_and_parse(400, "malformed Via", NULL);
	CU_ASSERT(sip_span_eq(&rsp, rsp.reason, "malformed Via"));
	build_and_parse(505, NULL, NULL);
	CU_ASSERT(sip_span_eq(&rsp, rsp.reason, "Version Not Supported"));
	build_and_parse(499, NULL, NULL);
	CU_ASSERT(sip_span_eq(&rsp, rsp.reason, "Client Error"));
	CU_ASSERT_STRING_EQUAL(sip_reply_reason(483), "Too Many Hops");
	CU_ASSERT_STRING_EQUAL(sip_reply_reason(420), "Bad Extension");
	CU_ASSERT_STRING_EQUAL(sip_reply_reason(699), "Global Failure");
	CU_ASSERT_EQUAL(sip_reply_build(&req, 400, "a\r\nX: y", NULL, out,
					sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(sip_reply_build(&req, 99, NULL, NULL, out,
					sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(sip_reply_build(&req, 700, NULL, NULL, out,
					sizeof(out)), -EINVAL);
}

/* Every capacity below the length is refused, never overrun. */
static void
test_enospc(void)
{
	struct sip_reply_opts o = { .to_tag = TAG, .server = "sipfork" };
	char small[1024];
	int full, cap;

	parse_req(options, sizeof(options) - 1);
	full = sip_reply_build(&req, 200, NULL, &o, out, sizeof(out));
	CU_ASSERT_FATAL(full > 0 && full < (int)sizeof(small));
	for (cap = 0; cap < full; cap++) {
		memset(small, 'Z', sizeof(small));
		CU_ASSERT_EQUAL(sip_reply_build(&req, 200, NULL, &o, small,
						(size_t)cap), -ENOSPC);
		CU_ASSERT_EQUAL(small[cap], 'Z');
	}
	CU_ASSERT_EQUAL(sip_reply_build(&req, 200, NULL, &o, small,
					(size_t)full), full);
	CU_ASSERT(memcmp(small, out, (size_t)full) == 0);
}

/* A request refused by the parser is answerable only with its headers. */
static void
test_possible(void)
{
	static const char no_cseq[] =
		"OPTIONS sip:x@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK-x\r\n"
		"From: <sip:a@example.com>;tag=1\r\n"
		"To: <sip:x@example.com>\r\n"
		"Call-ID: nocseq\r\n\r\n";
	static const char bad_cl[] =
		"OPTIONS sip:x@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK-y\r\n"
		"From: <sip:a@example.com>;tag=1\r\n"
		"To: <sip:x@example.com>\r\n"
		"Call-ID: badcl\r\n"
		"CSeq: 1 OPTIONS\r\n"
		"Content-Length: abc\r\n\r\n";
	struct sip_reply_opts o = { .to_tag = TAG };
	enum sip_err err;
	int n;

	err = sip_parse(no_cseq, sizeof(no_cseq) - 1, &req);
	CU_ASSERT_NOT_EQUAL(err, SIP_E_OK);
	CU_ASSERT_FALSE(sip_reply_possible(&req));
	CU_ASSERT_EQUAL(sip_reply_build(&req, 400, NULL, NULL, out,
					sizeof(out)), -EINVAL);

	/* Everything a response needs came before the bad header. */
	err = sip_parse(bad_cl, sizeof(bad_cl) - 1, &req);
	CU_ASSERT_EQUAL(err, SIP_E_CONTENT_LENGTH);
	CU_ASSERT_TRUE(sip_reply_possible(&req));
	n = sip_reply_build(&req, sip_err_status(err), sip_err_text(err), &o,
			    out, sizeof(out));
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL_FATAL(sip_parse(out, (uint32_t)n, &rsp), SIP_E_OK);
	CU_ASSERT_EQUAL(rsp.status, 400);
	CU_ASSERT(sip_span_eq(&rsp, rsp.reason, "malformed Content-Length"));
	CU_ASSERT(sip_span_eq(&rsp, rsp.call_id, "badcl"));
	CU_ASSERT(sip_span_eq(&rsp, rsp.to.tag, TAG));
}

/* Every RFC 4475 request that parses gets a response that parses, with
 * its Via chain, From, Call-ID and CSeq intact. */
static void
test_rfc4475_requests(void)
{
	static char buf[65536];
	static const char *files[] = {
		"wsinv.dat", "intmeth.dat", "esc01.dat", "escnull.dat",
		"esc02.dat", "lwsdisp.dat", "longreq.dat", "dblreq.dat",
		"semiuri.dat", "transports.dat", "mpart01.dat", "unreason.dat",
		"noreason.dat", "escruri.dat", "unkscm.dat", "novelsc.dat",
		"unksm2.dat", "bext01.dat", "cparam01.dat", "cparam02.dat",
		"regaut01.dat", "regescrt.dat", "sdp01.dat", "inv2543.dat",
		"mismatch01.dat", "mismatch02.dat", "bigcode.dat", "zeromf.dat",
	};
	struct sip_reply_opts o = { .to_tag = TAG, .server = "sipfork" };
	unsigned int i, answered = 0;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[512];
		FILE *f;
		size_t len;
		int n;

		snprintf(path, sizeof(path), "%s/rfc4475/%s", SIPFORK_TESTDATA,
			 files[i]);
		f = fopen(path, "rb");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		if (sip_parse(buf, (uint32_t)len, &req) != SIP_E_OK ||
		    !req.is_request)
			continue;
		n = sip_reply_build(&req, 503, NULL, &o, out, sizeof(out));
		CU_ASSERT_FATAL(n > 0);
		CU_ASSERT_EQUAL(sip_parse(out, (uint32_t)n, &rsp), SIP_E_OK);
		if (rsp.status != 503)
			fprintf(stderr, "%s: reply does not parse\n", files[i]);
		assert_copied();
		answered++;
	}
	/* Most of the valid-syntax group is requests that parse. */
	CU_ASSERT(answered >= 15);
}

static const struct {
	const char *name;
	CU_TestFunc fn;
} cases[] = {
	{ "OPTIONS 200: Via chain, To tag, compact forms", test_options_200 },
	{ "a To tag already there is kept", test_tagged_to_kept },
	{ "100 Trying has no To tag", test_100_has_no_tag },
	{ "extra lines and Server", test_extra_and_server },
	{ "reason phrases and bad arguments", test_reason },
	{ "ENOSPC at every short capacity", test_enospc },
	{ "answerable after a parse error", test_possible },
	{ "RFC 4475 requests answered", test_rfc4475_requests },
};

int
main(void)
{
	CU_pSuite suite;
	unsigned int i, failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	suite = CU_add_suite("sip_reply", NULL, NULL);
	for (i = 0; suite != NULL && i < sizeof(cases) / sizeof(cases[0]);
	     i++)
		CU_add_test(suite, cases[i].name, cases[i].fn);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
