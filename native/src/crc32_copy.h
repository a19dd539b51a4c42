// CRC-32 (zlib/IEEE 802.3, reflected polynomial 0xEDB88320) folded into a memcpy.
//
// Why: the recorder needs the CRC-32 of every frame it writes (MCAP chunk CRCs). Computing it in a
// second pass re-reads 1.2 MB per frame from memory; computing it while the ring copy has the bytes
// in registers costs almost nothing on top of the copy. The chunk CRC is then assembled from the
// per-frame values with crc32_combine (src/engine/record/crc32-combine.ts), never re-reading bytes.
#pragma once
#include <cstddef>
#include <cstdint>

namespace specula {

/**
 * Copy `n` bytes from `src` to `dst` (non-overlapping) and return the CRC-32 of those bytes
 * continued from `crc` — the same value as zlib's crc32(crc, src, n) (start a new CRC with 0).
 * Uses PCLMULQDQ folding when the CPU has it (checked once), a slice-by-8 table otherwise.
 */
uint32_t CopyCrc32(uint8_t* dst, const uint8_t* src, size_t n, uint32_t crc);

/** CRC-32 without copying (same value as zlib's crc32(crc, p, n)). */
uint32_t Crc32(const uint8_t* p, size_t n, uint32_t crc);

}  // namespace specula
