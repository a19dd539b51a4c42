/**
 * Chunk compression of recordings. MCAP names two compressions, "lz4" (LZ4 *frame* format) and
 * "zstd"; Specula writes "lz4" through `lz4-napi` (Rust lz4_flex, prebuilt per platform, runs on the
 * libuv pool so compression stays off the JS thread) and reads "lz4". Uncompressed ("") is the
 * default for live recording: raw sensor noise compresses poorly (~5 %) while LZ4 costs a core at
 * ~250 MB/s here; the sample recording and exports of smooth data use lz4.
 */
import { compressFrame, decompressFrameSync } from 'lz4-napi';
import { RecordingFormatError } from './format';

export type Compression = 'none' | 'lz4';

/** Compress one chunk's records; returns the MCAP compression name and bytes. */
export async function compressChunk(c: Compression, data: Uint8Array): Promise<{ name: string; data: Uint8Array }> {
  if (c === 'none') return { name: '', data };
  if (c === 'lz4') return { name: 'lz4', data: await compressFrame(data) };
  throw new Error(`recording: unknown compression ${JSON.stringify(c)} (use none or lz4)`);
}

/** Decompress a chunk's records, checking the size the chunk header promised. */
export function decompressChunk(name: string, data: Uint8Array, uncompressedSize: number): Uint8Array {
  if (name === '') return data;
  if (name !== 'lz4') throw new RecordingFormatError(`chunk compression '${name}' is not supported by this build (supported: none, lz4)`);
  let out: Uint8Array;
  try {
    out = decompressFrameSync(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  } catch (e) {
    throw new RecordingFormatError(`lz4 chunk does not decompress: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (out.byteLength !== uncompressedSize) throw new RecordingFormatError(`lz4 chunk decompressed to ${out.byteLength} bytes, header says ${uncompressedSize}`);
  return out;
}

/** Decompress handlers in the shape @mcap/core's readers take (used by tests and tools). */
export const MCAP_DECOMPRESS_HANDLERS = {
  lz4: (buffer: Uint8Array, decompressedSize: bigint): Uint8Array => decompressChunk('lz4', buffer, Number(decompressedSize)),
};
