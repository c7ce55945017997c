/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef REF_CKSUM_H
#define REF_CKSUM_H

/*
 * The Internet checksum the obvious, slow way (RFC 1071, 16-bit words in
 * network order), for the suites to hold the dataplane's fast chain sums
 * to.  Deliberately nothing like dp_net's code, so they cannot share a
 * mistake.
 */

#include <stddef.h>
#include <stdint.h>

/* Add len bytes at p to sum, big-endian words, a last odd byte high. */
static inline uint32_t
ref_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* Fold the carries back in: the one's complement sum in 16 bits. */
static inline uint16_t
ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

#endif /* REF_CKSUM_H */
