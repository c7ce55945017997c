/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Byte builders for what the proxy writes (see sip_build.h).  Every
 * writer checks its capacity first; on overflow the whole call reports
 * -ENOSPC and the caller drops the message and counts it.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>

#include "sip_build.h"

/* An append-only writer over a caller's buffer. */
struct wr {
	char *p;
	uint32_t n;
	uint32_t cap;
	int full;
};

static void
put(struct wr *w, const void *s, uint32_t len)
{
	if (w->full || w->n + len > w->cap) {
		w->full = 1;
		return;
	}
	memcpy(w->p + w->n, s, len);
	w->n += len;
}

#define PUTS(w, lit) put((w), (lit), sizeof(lit) - 1)

static void
put_span(struct wr *w, const struct sip_msg *msg, struct sip_span s)
{
	put(w, sip_span_ptr(msg, s), s.len);
}

static void
put_u32(struct wr *w, uint32_t v)
{
	char d[10];
	int i = 10;

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	put(w, d + i, (uint32_t)(10 - i));
}

static int
done(const struct wr *w)
{
	return w->full ? -ENOSPC : (int)w->n;
}

/* Decimal digits of v at out, no NUL; @return how many.  Called once per
 * branch (its Request-URI): printf's machinery costs ten times more. */
static int
dec(char *out, uint32_t v)
{
	char d[10];
	int n = 0, i;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		out[i] = d[n - 1 - i];
	return n;
}

int
sip_build_hostport(char *out, uint32_t ip, uint16_t port)
{
	const uint8_t *b = (const uint8_t *)&ip;
	char *p = out;
	int i;

	for (i = 0; i < 4; i++) {
		p += dec(p, b[i]);
		*p++ = i < 3 ? '.' : ':';
	}
	p += dec(p, port);
	*p = '\0';
	return (int)(p - out);
}

int
sip_build_ipv4(const struct sip_msg *msg, struct sip_span s, uint32_t *ip)
{
	const char *p = sip_span_ptr(msg, s), *e = p + s.len;
	uint8_t o[4];
	int i;

	for (i = 0; i < 4; i++) {
		uint32_t v = 0, digits = 0;

		while (p < e && *p >= '0' && *p <= '9' && digits < 4) {
			v = v * 10 + (uint32_t)(*p++ - '0');
			digits++;
		}
		if (digits == 0 || v > 255)
			return -1;
		o[i] = (uint8_t)v;
		if (i < 3 && (p >= e || *p++ != '.'))
			return -1;
	}
	if (p != e)
		return -1;
	memcpy(ip, o, 4);
	return 0;
}

void
sip_build_reply_dest(const struct sip_msg *req, uint32_t src_ip,
		     uint16_t src_port, uint32_t *ip, uint16_t *port)
{
	const struct sip_via *v = &req->via[0];

	*ip = src_ip;
	*port = v->port ? v->port : 5060;
	if (v->has_rport) {
		*port = src_port;
		return;
	}
	if (v->received.len > 0 && sip_build_ipv4(req, v->received, ip) == 0)
		return;
	if (sip_build_ipv4(req, v->host, ip) < 0)
		*ip = src_ip; /* a name we cannot resolve: where it came from */
}

static void
put_via(struct wr *w, const struct sip_build_req *r)
{
	PUTS(w, "Via: SIP/2.0/UDP ");
	put(w, r->hostport, r->hostport_len);
	PUTS(w, ";branch=");
	put(w, r->branch, r->branch_len);
	PUTS(w, "\r\n");
}

int
sip_build_head(char *out, uint32_t cap, const struct sip_msg *msg,
	       const struct sip_build_req *r)
{
	struct wr w = { out, 0, cap, 0 };

	put_span(&w, msg, r->method);
	PUTS(&w, " ");
	put(&w, r->ruri, r->ruri_len);
	PUTS(&w, " SIP/2.0\r\n");
	put_via(&w, r);
	if (r->rr) {
		PUTS(&w, "Record-Route: <sip:");
		put(&w, r->hostport, r->hostport_len);
		PUTS(&w, ";lr>\r\n");
	}
	if (r->add_mf)
		PUTS(&w, "Max-Forwards: 70\r\n");
	return done(&w);
}

/* Copy a header line, leaving out the part of it inside cut. */
static void
put_line_cut(struct wr *w, const struct sip_msg *msg, struct sip_span line,
	     struct sip_span cut)
{
	uint32_t l0 = line.off, l1 = l0 + line.len;
	uint32_t c0 = cut.off, c1 = c0 + cut.len;

	if (cut.len == 0 || c1 <= l0 || c0 >= l1) {
		put_span(w, msg, line);
		return;
	}
	if (c0 > l0)
		put(w, msg->buf + l0, c0 - l0);
	if (c1 < l1)
		put(w, msg->buf + c1, l1 - c1);
}

/* The common body of CANCEL and ACK (RFC 3261 9.1, 17.1.1.3). */
static int
hop_request(char *out, uint32_t cap, const char *method, uint32_t mlen,
	    const struct sip_msg *inv, const struct sip_msg *to_from,
	    const struct sip_build_req *r, struct sip_span cut)
{
	struct wr w = { out, 0, cap, 0 };
	uint8_t i;

	put(&w, method, mlen);
	PUTS(&w, " ");
	put(&w, r->ruri, r->ruri_len);
	PUTS(&w, " SIP/2.0\r\n");
	put_via(&w, r);
	PUTS(&w, "Max-Forwards: 70\r\n");
	for (i = 0; i < inv->nb_hdrs; i++) {
		const struct sip_hdr *h = &inv->hdr[i];

		if (h->type == SIP_H_ROUTE)
			put_line_cut(&w, inv, h->line, cut);
		else if (h->type == SIP_H_FROM || h->type == SIP_H_CALL_ID)
			put_span(&w, inv, h->line);
	}
	for (i = 0; i < to_from->nb_hdrs; i++)
		if (to_from->hdr[i].type == SIP_H_TO)
			put_span(&w, to_from, to_from->hdr[i].line);
	PUTS(&w, "CSeq: ");
	put_u32(&w, inv->cseq);
	PUTS(&w, " ");
	put(&w, method, mlen);
	PUTS(&w, "\r\nContent-Length: 0\r\n\r\n");
	return done(&w);
}

int
sip_build_cancel(char *out, uint32_t cap, const struct sip_msg *inv,
		 const struct sip_build_req *r, struct sip_span cut)
{
	return hop_request(out, cap, "CANCEL", 6, inv, inv, r, cut);
}

int
sip_build_ack(char *out, uint32_t cap, const struct sip_msg *inv,
	      const struct sip_msg *resp, const struct sip_build_req *r,
	      struct sip_span cut)
{
	return hop_request(out, cap, "ACK", 3, inv, resp, r, cut);
}

int
sip_build_relay(char *out, uint32_t cap, const struct sip_msg *req,
		const struct sip_build_req *r, struct sip_span cut)
{
	struct wr w = { out, 0, cap, 0 };
	int n = sip_build_head(out, cap, req, r);
	uint8_t i;

	if (n < 0)
		return n;
	w.n = (uint32_t)n;
	for (i = 0; i < req->nb_hdrs; i++) {
		const struct sip_hdr *h = &req->hdr[i];

		if (h->type == SIP_H_MAX_FORWARDS && req->max_forwards > 0) {
			PUTS(&w, "Max-Forwards: ");
			put_u32(&w, (uint32_t)req->max_forwards - 1);
			PUTS(&w, "\r\n");
		} else {
			put_line_cut(&w, req, h->line, cut);
		}
	}
	PUTS(&w, "\r\n");
	put_span(&w, req, req->body);
	return done(&w);
}

void
sip_build_mf_dec(char *payload, const struct sip_msg *msg)
{
	char *d = payload + msg->mf_value.off;
	uint32_t v = (uint32_t)msg->max_forwards - 1;
	int i;

	for (i = msg->mf_value.len - 1; i >= 0; i--) {
		d[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

struct sip_span
sip_build_route_cut(const struct sip_msg *msg)
{
	struct sip_span none = { 0, 0 };
	uint8_t i;

	if (msg->nb_route == 0)
		return none;
	for (i = 0; i < msg->nb_hdrs; i++) {
		const struct sip_hdr *h = &msg->hdr[i];
		struct sip_span cut;

		if (h->type != SIP_H_ROUTE)
			continue;
		if (msg->nb_route > 1 &&
		    msg->route[1].all.off < h->line.off + h->line.len) {
			cut.off = msg->route[0].all.off;
			cut.len = (uint16_t)(msg->route[1].all.off - cut.off);
			return cut;
		}
		return h->line;
	}
	return none;
}

int
sip_build_strip_via(struct rte_mbuf *m, uint32_t pl_off,
		    const struct sip_msg *msg)
{
	const struct sip_via *v = &msg->via[0];
	struct sip_span cut;
	char *base;

	if (m->nb_segs != 1 || pl_off + msg->len > m->data_len ||
	    msg->nb_via == 0)
		return -EINVAL;
	rte_pktmbuf_adj(m, (uint16_t)pl_off);
	if (m->data_len > msg->len)
		rte_pktmbuf_trim(m, (uint16_t)(m->data_len - msg->len));
	if (msg->nb_via > 1 && msg->via[1].hdr == v->hdr) {
		cut.off = v->all.off;
		cut.len = (uint16_t)(msg->via[1].all.off - v->all.off);
	} else {
		cut = msg->hdr[v->hdr].line;
	}
	/* What precedes our Via is short (the status line, rarely a
	 * header): move it forward over the cut instead of the rest back. */
	base = rte_pktmbuf_mtod(m, char *);
	memmove(base + cut.len, base, cut.off);
	rte_pktmbuf_adj(m, cut.len);
	return 0;
}
