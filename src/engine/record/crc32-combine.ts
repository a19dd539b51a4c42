/**
 * CRC-32 (zlib's polynomial 0xEDB88320, reflected) arithmetic for assembling a CRC from parts:
 * `crc32Combine(crcA, crcB, lenB)` is the CRC of A‖B given the CRCs of A and B and B's length —
 * zlib's crc32_combine, computed as crcA · x^(8·lenB) + crcB in GF(2)[x] mod P.
 *
 * Why: the recorder gets each frame's CRC from the native ring copy (ReadInfo.crc32) and needs the
 * CRC of the whole chunk record section (MCAP `uncompressed_crc`): combining per-frame CRCs costs
 * ~64 carry-less steps per message instead of re-reading 1.2 MB.
 */
const POLY = 0xedb88320;

/** a(x) · b(x) mod P(x), both in the reflected bit order zlib uses (bit 31 = x^0). */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** X2N[k] = x^(2^k) mod P. */
const X2N = new Uint32Array(32);
X2N[0] = 0x40000000; // x^1
for (let k = 1; k < 32; k++) X2N[k] = multModP(X2N[k - 1], X2N[k - 1]);

/**
 * The operator that shifts a CRC over `len` bytes: x^(8·len) mod P. Precompute it once per length
 * (frames of a channel all have the same size) and use `crc32Shift`.
 */
export function crc32ShiftOp(len: number): number {
  if (!Number.isSafeInteger(len) || len < 0) throw new RangeError(`crc32ShiftOp: length must be a non-negative safe integer, got ${len}`);
  let p = 0x80000000; // x^0
  let k = 3; // 8·len = len · 2^3
  let n = len;
  while (n > 0) {
    if (n % 2 === 1) p = multModP(X2N[k & 31], p);
    n = Math.floor(n / 2);
    k++;
  }
  return p >>> 0;
}

/** CRC of A‖B from crcA, crcB and `op` = crc32ShiftOp(length of B). */
export function crc32Shift(crcA: number, crcB: number, op: number): number {
  return (multModP(op, crcA >>> 0) ^ crcB) >>> 0;
}

/** zlib's crc32_combine: the CRC-32 of A‖B from crc32(A), crc32(B) and B's length. */
export function crc32Combine(crcA: number, crcB: number, lenB: number): number {
  return crc32Shift(crcA, crcB, crc32ShiftOp(lenB));
}
