/**
 * The one frame header of Specula.
 *
 * The same 64-byte little-endian header travels with every frame: in each shared-memory ring slot
 * (written by the native driver connector, mirrored by `native/src/frame_header.h`), in every
 * recording message, and at the start of every display frame sent to the renderer. Because every hop
 * sees the same channel, sequence number and acquisition time, every hop can be timed and every gap
 * detected.
 *
 * Layout (byte offsets, all little-endian):
 * | off | type | field |
 * |----:|------|-------|
 * |   0 | u32  | magic `FRAME_MAGIC` ("SPFH") |
 * |   4 | u16  | header version (`FRAME_HEADER_VERSION`) |
 * |   6 | u16  | header size in bytes (`FRAME_HEADER_BYTES`) |
 * |   8 | u32  | channel id |
 * |  12 | u32  | flags (`FrameFlag`) |
 * |  16 | u64  | sequence number (per channel, starts at 1, +1 per acquired frame) |
 * |  24 | u64  | acquired at, CLOCK_MONOTONIC ns (driver) |
 * |  32 | u64  | written to ring at, CLOCK_MONOTONIC ns |
 * |  40 | u32  | lines (rows) |
 * |  44 | u32  | samples per line (columns) |
 * |  48 | u16  | dtype (`DType`) |
 * |  50 | u16  | reserved (0) |
 * |  52 | u32  | payload bytes (lines * samples * dtype size) |
 * |  56 | u64  | reserved (0) |
 *
 * u64 fields are read as two u32 halves into a JS number (exact below 2^53: sequences and
 * nanosecond monotonic times of a machine up 104 days), so reading a header allocates nothing.
 */

/** "SPFH" read as a little-endian u32. */
export const FRAME_MAGIC = 0x48465053;
export const FRAME_HEADER_VERSION = 1;
export const FRAME_HEADER_BYTES = 64;

/** Byte offsets of the header fields (mirrored in native/src/frame_header.h). */
export const FH = {
  magic: 0,
  version: 4,
  headerBytes: 6,
  channel: 8,
  flags: 12,
  seq: 16,
  tAcquiredNs: 24,
  tRingWriteNs: 32,
  lines: 40,
  samples: 44,
  dtype: 48,
  reserved0: 50,
  payloadBytes: 52,
  reserved1: 56,
} as const;

/** Sample types a frame payload may carry. Values are stable: they are stored in files. */
export enum DType {
  U8 = 1,
  U16 = 2,
  F32 = 3,
  F64 = 4,
}

/** Bytes per sample of each dtype. */
export function dtypeSize(d: DType): number {
  switch (d) {
    case DType.U8:
      return 1;
    case DType.U16:
      return 2;
    case DType.F32:
      return 4;
    case DType.F64:
      return 8;
    default:
      throw new RangeError(`dtype: unknown dtype code ${String(d)}`);
  }
}

/** NumPy descr string of each dtype (little-endian), used by .npy export. */
export const DTYPE_NUMPY: Record<DType, string> = {
  [DType.U8]: '|u1',
  [DType.U16]: '<u2',
  [DType.F32]: '<f4',
  [DType.F64]: '<f8',
};

/** Bit flags of `FrameHeader.flags`. Values are stable: they are stored in files. */
export enum FrameFlag {
  /** Produced by the built-in simulated device. */
  Simulated = 1 << 0,
  /** Fed from a recording by the replay driver. */
  Replay = 1 << 1,
  /** A reference channel (e.g. the hum pickup used by the NLMS canceller), not for display. */
  Reference = 1 << 2,
  /** The producer lost frames before this one (sequence jumped at the source). */
  SourceGap = 1 << 3,
  /** The consumer was overrun: the slot it wanted was rewritten before it could copy it. */
  Overrun = 1 << 4,
  /** A display frame produced from a frozen/held input (the UI froze it, not the device). */
  Held = 1 << 5,
}

/** A decoded frame header. Plain numbers; decode into a reused object to stay allocation-free. */
export interface FrameHeader {
  channel: number;
  flags: number;
  seq: number;
  tAcquiredNs: number;
  tRingWriteNs: number;
  lines: number;
  samples: number;
  dtype: DType;
  payloadBytes: number;
}

/** A fresh zeroed header object (allocate once, then decode into it). */
export function newFrameHeader(): FrameHeader {
  return { channel: 0, flags: 0, seq: 0, tAcquiredNs: 0, tRingWriteNs: 0, lines: 0, samples: 0, dtype: DType.U16, payloadBytes: 0 };
}

const TWO32 = 4294967296;

function readU64(v: DataView, off: number): number {
  return v.getUint32(off + 4, true) * TWO32 + v.getUint32(off, true);
}

function writeU64(v: DataView, off: number, x: number): void {
  if (!(x >= 0) || !Number.isSafeInteger(Math.floor(x))) throw new RangeError(`frame header: u64 field at ${off} out of range: ${x}`);
  const hi = Math.floor(x / TWO32);
  v.setUint32(off, x - hi * TWO32, true);
  v.setUint32(off + 4, hi, true);
}

/**
 * Encode `h` into `bytes[offset .. offset+64)`. `payloadBytes` is recomputed from geometry and
 * dtype so a header can never disagree with its own shape.
 */
export function writeFrameHeader(bytes: Uint8Array, h: FrameHeader, offset = 0): void {
  if (bytes.byteLength - offset < FRAME_HEADER_BYTES) throw new RangeError(`frame header: need ${FRAME_HEADER_BYTES} bytes at offset ${offset}, have ${bytes.byteLength - offset}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, FRAME_HEADER_BYTES);
  v.setUint32(FH.magic, FRAME_MAGIC, true);
  v.setUint16(FH.version, FRAME_HEADER_VERSION, true);
  v.setUint16(FH.headerBytes, FRAME_HEADER_BYTES, true);
  v.setUint32(FH.channel, h.channel, true);
  v.setUint32(FH.flags, h.flags >>> 0, true);
  writeU64(v, FH.seq, h.seq);
  writeU64(v, FH.tAcquiredNs, h.tAcquiredNs);
  writeU64(v, FH.tRingWriteNs, h.tRingWriteNs);
  v.setUint32(FH.lines, h.lines, true);
  v.setUint32(FH.samples, h.samples, true);
  v.setUint16(FH.dtype, h.dtype, true);
  v.setUint16(FH.reserved0, 0, true);
  v.setUint32(FH.payloadBytes, h.lines * h.samples * dtypeSize(h.dtype), true);
  v.setUint32(FH.reserved1, 0, true);
  v.setUint32(FH.reserved1 + 4, 0, true);
}

/**
 * Decode the header at `bytes[offset..]` into `out` (reused; no allocation besides the DataView,
 * which callers on hot paths avoid by passing a cached `DataView` to `readFrameHeaderView`).
 * Throws with the reason when the bytes are not a valid header.
 */
export function readFrameHeader(bytes: Uint8Array, out: FrameHeader = newFrameHeader(), offset = 0): FrameHeader {
  if (bytes.byteLength - offset < FRAME_HEADER_BYTES) throw new RangeError(`frame header: need ${FRAME_HEADER_BYTES} bytes at offset ${offset}, have ${bytes.byteLength - offset}`);
  return readFrameHeaderView(new DataView(bytes.buffer, bytes.byteOffset + offset, FRAME_HEADER_BYTES), out, 0);
}

/** Decode from a cached DataView at `offset` into `out`; allocation-free. */
export function readFrameHeaderView(v: DataView, out: FrameHeader, offset = 0): FrameHeader {
  const magic = v.getUint32(offset + FH.magic, true);
  if (magic !== FRAME_MAGIC) throw new Error(`frame header: bad magic 0x${magic.toString(16)} (expected 0x${FRAME_MAGIC.toString(16)} "SPFH")`);
  const version = v.getUint16(offset + FH.version, true);
  if (version !== FRAME_HEADER_VERSION) throw new Error(`frame header: unsupported version ${version} (this build reads ${FRAME_HEADER_VERSION})`);
  const size = v.getUint16(offset + FH.headerBytes, true);
  if (size !== FRAME_HEADER_BYTES) throw new Error(`frame header: header size ${size}, expected ${FRAME_HEADER_BYTES}`);
  out.channel = v.getUint32(offset + FH.channel, true);
  out.flags = v.getUint32(offset + FH.flags, true);
  out.seq = readU64(v, offset + FH.seq);
  out.tAcquiredNs = readU64(v, offset + FH.tAcquiredNs);
  out.tRingWriteNs = readU64(v, offset + FH.tRingWriteNs);
  out.lines = v.getUint32(offset + FH.lines, true);
  out.samples = v.getUint32(offset + FH.samples, true);
  const dt = v.getUint16(offset + FH.dtype, true);
  out.dtype = dt as DType;
  dtypeSize(out.dtype); // throws on an unknown dtype code
  out.payloadBytes = v.getUint32(offset + FH.payloadBytes, true);
  if (out.payloadBytes !== out.lines * out.samples * dtypeSize(out.dtype)) {
    throw new Error(`frame header: payloadBytes ${out.payloadBytes} disagrees with ${out.lines}x${out.samples} ${DType[out.dtype]}`);
  }
  return out;
}
