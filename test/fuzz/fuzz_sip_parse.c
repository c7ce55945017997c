/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for sip_parse().
 *
 * The input is copied into a malloc'd buffer of exactly its size, so ASan
 * reports a read even one byte past the datagram.  For an accepted
 * message every span the parser hands out is checked to lie inside that
 * buffer, and sip_param_find() is run over each parameter span; any
 * violation aborts, which libFuzzer records as a crash.  The message
 * struct is poisoned before each parse so that a field the parser forgets
 * to set shows up as an out-of-bounds span rather than stale data.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One message struct, reused like the dataplane's per-lcore scratch. */
static struct sip_msg msg;

static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_sip_parse: %s\n", what);
	abort();
}

static void
span_in(struct sip_span s, uint32_t len, const char *what)
{
	if ((uint32_t)s.off + s.len > len)
		fail(what);
}

static void
uri_in(const struct sip_uri *u, uint32_t len)
{
	span_in(u->all, len, "uri.all");
	span_in(u->user, len, "uri.user");
	span_in(u->password, len, "uri.password");
	span_in(u->host, len, "uri.host");
	span_in(u->params, len, "uri.params");
	span_in(u->headers, len, "uri.headers");
	if (u->scheme > SIP_SCHEME_TEL)
		fail("uri.scheme");
}

static void
naddr_in(const struct sip_naddr *a, uint32_t len)
{
	span_in(a->all, len, "naddr.all");
	span_in(a->display, len, "naddr.display");
	span_in(a->params, len, "naddr.params");
	span_in(a->tag, len, "naddr.tag");
	uri_in(&a->uri, len);
}

/*
 * sip_param_find() must stay inside the span it is given, and a value
 * it returns must lie inside that span too.
 */
static void
params_probe(const struct sip_msg *m, struct sip_span params)
{
	static const char *const names[] = {
		"tag",	 "branch",   "lr",    "expires",   "q",
		"rport", "received", "maddr", "transport", "user",
		"TAG",	 "x",	     "",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct sip_span v = {0, 0};

		if (sip_param_find(m, params, names[i], &v) &&
		    (v.off < params.off ||
		     (uint32_t)v.off + v.len >
			     (uint32_t)params.off + params.len))
			fail("sip_param_find value outside its params");
	}
}

static void
check_ok(const struct sip_msg *m, const char *buf, uint32_t len)
{
	int i;

	if (m->buf != buf)
		fail("msg.buf");
	if (m->len > len || m->nb_hdrs > SIP_MAX_HDRS ||
	    m->nb_via > SIP_MAX_VIA || m->nb_contact > SIP_MAX_CONTACT ||
	    m->nb_route > SIP_MAX_ROUTE || m->nb_rr > SIP_MAX_ROUTE)
		fail("counts");
	span_in(m->start_line, len, "start_line");
	span_in(m->method, len, "method");
	span_in(m->reason, len, "reason");
	span_in(m->headers, len, "headers");
	span_in(m->call_id, len, "call_id");
	span_in(m->cseq_method, len, "cseq_method");
	span_in(m->mf_value, len, "mf_value");
	span_in(m->content_type, len, "content_type");
	span_in(m->body, len, "body");
	if ((uint32_t)m->body.off + m->body.len > m->len)
		fail("body beyond msg.len");
	if (m->is_request && m->method_id >= SIP_M__COUNT)
		fail("method_id");
	if (!m->is_request && (m->status < 100 || m->status > 699))
		fail("status");
	uri_in(&m->ruri, len);
	naddr_in(&m->from, len);
	naddr_in(&m->to, len);
	for (i = 0; i < m->nb_hdrs; i++) {
		span_in(m->hdr[i].line, len, "hdr.line");
		span_in(m->hdr[i].name, len, "hdr.name");
		span_in(m->hdr[i].value, len, "hdr.value");
		if (m->hdr[i].type >= SIP_H__COUNT)
			fail("hdr.type");
	}
	for (i = 0; i < m->nb_via; i++) {
		const struct sip_via *v = &m->via[i];

		span_in(v->all, len, "via.all");
		span_in(v->transport, len, "via.transport");
		span_in(v->host, len, "via.host");
		span_in(v->params, len, "via.params");
		span_in(v->branch, len, "via.branch");
		span_in(v->received, len, "via.received");
		span_in(v->rport, len, "via.rport");
		if (v->hdr >= m->nb_hdrs)
			fail("via.hdr");
		params_probe(m, v->params);
	}
	for (i = 0; i < m->nb_contact; i++) {
		naddr_in(&m->contact[i].addr, len);
		if (m->contact[i].has_q && m->contact[i].q > 1000)
			fail("contact.q");
		params_probe(m, m->contact[i].addr.params);
		params_probe(m, m->contact[i].addr.uri.params);
	}
	for (i = 0; i < m->nb_route; i++) {
		naddr_in(&m->route[i], len);
		params_probe(m, m->route[i].uri.params);
	}
	for (i = 0; i < m->nb_rr; i++) {
		naddr_in(&m->rr[i], len);
		params_probe(m, m->rr[i].params);
	}
	params_probe(m, m->ruri.params);
	params_probe(m, m->from.params);
	params_probe(m, m->to.params);
	(void)sip_span_ieq(m, m->cseq_method, "invite");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum sip_err err, again;
	uint32_t len;
	char *buf;

	/* Past 64 KiB the parser refuses by length alone; nothing to find. */
	if (size > 70000)
		return 0;
	len = (uint32_t)size;
	buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);

	memset(&msg, 0xA5, sizeof(msg));
	err = sip_parse(buf, len, &msg);
	if ((unsigned int)err >= SIP_E__COUNT)
		fail("error code out of range");
	if (sip_err_name(err) == NULL || sip_err_text(err) == NULL)
		fail("error without a name");
	if (err == SIP_E_OK)
		check_ok(&msg, buf, len);
	else if (msg.err_off > len)
		fail("err_off beyond the input");

	/* Same bytes, same verdict, whatever the struct held before. */
	memset(&msg, 0x5A, sizeof(msg));
	again = sip_parse(buf, len, &msg);
	if (again != err)
		fail("verdict depends on the previous contents of sip_msg");

	free(buf);
	return 0;
}
