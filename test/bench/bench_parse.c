/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipfork-bench-parse: nanoseconds per sip_parse() call on one core.
 *
 *   sipfork-bench-parse [--json] [--rounds N] [--iters N] [--cpu N]
 *                       [WSINV_FILE]
 *
 * Two messages: a ~700-byte carrier INVITE with SDP (built in) and the
 * RFC 4475 "wsinv" torture message (read from WSINV_FILE, by default
 * SIPFORK_TESTDATA/rfc4475/wsinv.dat).  Each is parsed ITERS times per
 * round; a round is timed with CLOCK_MONOTONIC and the median, minimum
 * and maximum of the per-message time over the rounds are printed, one
 * line per message.  The process pins itself to one CPU first so the
 * rounds do not migrate.  The budget for the INVITE is 500 ns median.
 */

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sip_parse.h"

#ifndef SIPFORK_TESTDATA
#define SIPFORK_TESTDATA "../shared/testdata"
#endif

#define DEFAULT_ROUNDS 15
#define DEFAULT_ITERS 200000
#define MAX_ROUNDS 1000

/*
 * A carrier-style INVITE as an SBC hands it on: two Vias (one with
 * received/rport filled in), Record-Route, display names and tags,
 * P-Asserted-Identity and a G.711 + telephone-event offer.  Sixteen
 * header lines of that kind already take ~560 bytes, so the SDP that
 * fits in the 700-byte budget is the plain offer without a=rtpmap for
 * the static payload types.
 */
static const char invite[] =
	"INVITE sip:4155550123@10.0.0.2 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK5e1a;rport\r\n"
	"Via: SIP/2.0/UDP 10.0.0.9;received=10.0.0.9;rport=5060;"
	"branch=z9hG4bK77c\r\n"
	"Max-Forwards: 69\r\n"
	"Record-Route: <sip:10.0.0.1;lr>\r\n"
	"From: \"Alice\" <sip:2125550100@10.0.0.9>;tag=a5f1\r\n"
	"To: \"Bob\" <sip:4155550123@10.0.0.2>;tag=b7e2\r\n"
	"Call-ID: 3c26700f@10.0.0.9\r\n"
	"CSeq: 102 INVITE\r\n"
	"Contact: <sip:2125550100@10.0.0.9>\r\n"
	"Allow: INVITE, ACK, BYE\r\n"
	"Supported: timer\r\n"
	"P-Asserted-Identity: <sip:2125550100@10.0.0.9>\r\n"
	"User-Agent: SBC/4.2\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 147\r\n"
	"\r\n"
	"v=0\r\n"
	"o=- 4858 1 IN IP4 10.0.0.9\r\n"
	"s=-\r\n"
	"c=IN IP4 10.0.0.9\r\n"
	"t=0 0\r\n"
	"m=audio 16384 RTP/AVP 0 8 101\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n";

/* The target is quoted for a ~700-byte INVITE: keep it in that band. */
_Static_assert(sizeof(invite) - 1 >= 690 && sizeof(invite) - 1 <= 710,
	       "the benchmark INVITE must be 690-710 bytes");

struct result {
	const char *name;
	uint32_t bytes;
	double median_ns;
	double min_ns;
	double max_ns;
};

/* Read by nothing; written so the parses cannot be proven dead. */
static volatile uint64_t sink;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Time rounds x iters parses of buf.  Every result feeds the sink and
 * the compiler barrier keeps each call in the loop, so the loop measures
 * exactly what the dataplane does per packet.
 */
static int
bench(const char *name, const char *buf, uint32_t len, int rounds, long iters,
      struct result *r)
{
	static struct sip_msg msg;
	double per[MAX_ROUNDS];
	uint64_t acc = 0;
	enum sip_err err;
	long i;
	int k;

	err = sip_parse(buf, len, &msg);
	if (err != SIP_E_OK) {
		fprintf(stderr, "bench: %s does not parse: %s at byte %u\n",
			name, sip_err_name(err), msg.err_off);
		return -1;
	}
	/* One untimed round warms caches and branch predictors. */
	for (i = 0; i < iters / 10; i++)
		acc += sip_parse(buf, len, &msg);
	for (k = 0; k < rounds; k++) {
		uint64_t t0 = now_ns();

		for (i = 0; i < iters; i++) {
			acc += sip_parse(buf, len, &msg) + msg.nb_hdrs;
			__asm__ volatile("" : : "r"(&msg) : "memory");
		}
		per[k] = (double)(now_ns() - t0) / (double)iters;
	}
	sink = acc;
	qsort(per, (size_t)rounds, sizeof(per[0]), cmp_double);
	r->name = name;
	r->bytes = len;
	r->min_ns = per[0];
	r->max_ns = per[rounds - 1];
	r->median_ns = rounds % 2 ? per[rounds / 2]
				  : (per[rounds / 2 - 1] + per[rounds / 2]) / 2;
	return 0;
}

static void
print_result(const struct result *r, int rounds, long iters, int json)
{
	if (json)
		printf("{\"name\":\"%s\",\"bytes\":%u,"
		       "\"ns_per_msg_median\":%.1f,\"min\":%.1f,\"max\":%.1f,"
		       "\"rounds\":%d,\"iters\":%ld}\n",
		       r->name, r->bytes, r->median_ns, r->min_ns, r->max_ns,
		       rounds, iters);
	else
		printf("parse %s bytes=%u ns_per_msg_median=%.1f min=%.1f "
		       "max=%.1f rounds=%d\n",
		       r->name, r->bytes, r->median_ns, r->min_ns, r->max_ns,
		       rounds);
}

static char *
read_all(const char *path, uint32_t *len)
{
	char *buf = NULL;
	FILE *fp = fopen(path, "rb");
	long n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) > 0 && n <= 65535 &&
	    fseek(fp, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf != NULL && fread(buf, 1, (size_t)n, fp) == (size_t)n) {
			*len = (uint32_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(fp);
	return buf;
}

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: sipfork-bench-parse [--json] [--rounds N] "
		"[--iters N] [--cpu N] [WSINV_FILE]\n"
		"  --json      one JSON object per message\n"
		"  --rounds N  timed rounds per message (default %d, max %d)\n"
		"  --iters N   parses per round (default %d)\n"
		"  --cpu N     CPU to pin to (default: the current one)\n"
		"  WSINV_FILE  RFC 4475 wsinv.dat (default %s/rfc4475/"
		"wsinv.dat)\n",
		DEFAULT_ROUNDS, MAX_ROUNDS, DEFAULT_ITERS, SIPFORK_TESTDATA);
}

static int
parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"rounds", required_argument, NULL, 'r'},
		{"iters", required_argument, NULL, 'i'},
		{"cpu", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *wsinv_path = SIPFORK_TESTDATA "/rfc4475/wsinv.dat";
	long rounds = DEFAULT_ROUNDS, iters = DEFAULT_ITERS, cpu = -1;
	struct result r;
	uint32_t wsinv_len = 0;
	char *wsinv;
	cpu_set_t set;
	int json = 0, opt, rc = 0;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 'r':
			if (parse_long(optarg, 1, MAX_ROUNDS, &rounds) < 0) {
				fprintf(stderr, "bad --rounds: %s\n", optarg);
				return 2;
			}
			break;
		case 'i':
			if (parse_long(optarg, 1, 1000000000L, &iters) < 0) {
				fprintf(stderr, "bad --iters: %s\n", optarg);
				return 2;
			}
			break;
		case 'c':
			if (parse_long(optarg, 0, CPU_SETSIZE - 1, &cpu) < 0) {
				fprintf(stderr, "bad --cpu: %s\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		wsinv_path = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "unexpected argument: %s\n", argv[optind]);
		return 2;
	}

	/* Stay on one core so no round pays for a migration. */
	if (cpu < 0)
		cpu = sched_getcpu();
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET((int)cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0)
			fprintf(stderr, "bench: cannot pin to CPU %ld: %s\n",
				cpu, strerror(errno));
	}

	wsinv = read_all(wsinv_path, &wsinv_len);
	if (wsinv == NULL) {
		fprintf(stderr, "cannot read %s\n", wsinv_path);
		return 2;
	}

	if (bench("invite", invite, sizeof(invite) - 1, (int)rounds, iters,
		  &r) == 0)
		print_result(&r, (int)rounds, iters, json);
	else
		rc = 1;
	if (bench("wsinv", wsinv, wsinv_len, (int)rounds, iters, &r) == 0)
		print_result(&r, (int)rounds, iters, json);
	else
		rc = 1;
	free(wsinv);
	return rc;
}
