/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_HASH_H
#define DP_HASH_H

/**
 * @file
 * CRC32-C over bytes at any address.  rte_hash_crc() reads whole words
 * through casts, which is undefined behaviour on the unaligned spans of a
 * SIP message (UBSan reports it); loading each word with memcpy is the
 * defined way, and compiles to the same unaligned load on x86.
 */

#include <stdint.h>
#include <string.h>

#include <rte_hash_crc.h>

/** @return the CRC32-C of len bytes at p, continuing from init. */
static inline uint32_t
dp_crc(const void *p, uint32_t len, uint32_t init)
{
	const uint8_t *b = p;
	uint64_t w;

	for (; len >= 8; b += 8, len -= 8) {
		memcpy(&w, b, 8);
		init = rte_hash_crc_8byte(w, init);
	}
	for (; len > 0; b++, len--)
		init = rte_hash_crc_1byte(*b, init);
	return init;
}

#endif /* DP_HASH_H */
