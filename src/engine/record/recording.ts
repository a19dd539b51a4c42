/**
 * Random access to a Specula recording (format: ./format.ts).
 *
 * Opening reads the summary (through @mcap/core's `McapIndexedReader`) and every chunk's message
 * index records, and builds a per-channel frame table (time → chunk, offset): seeking and stepping
 * are then binary searches, never a scan of the data. A file without a usable summary (cut off by a
 * crash, or with a damaged summary) is opened by walking its top-level record headers instead (only
 * 9 bytes per record are read, chunk bodies are skipped) up to the last complete chunk.
 *
 * Every malformed input becomes a `RecordingFormatError` naming the problem; nothing here trusts a
 * length or offset read from the file before checking it against the file size.
 */
import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import zlib from 'node:zlib';
import { McapIndexedReader, Opcode, type IReadable } from '@mcap/core';
import { FRAME_HEADER_BYTES, dtypeSize, newFrameHeader, readFrameHeader, type FrameHeader } from '../../shared/frame-header';
import {
  MESSAGE_ENCODING, META_CHANNEL_PREFIX, META_SESSION, META_STATS, SCHEMA_NAME, RecordingFormatError,
  channelMetaFromMap, channelOfTopic, sessionMetaFromMap,
  type ChannelExtraMeta, type ChannelMeta, type ChannelStats, type SessionMeta,
} from './format';
import { decompressChunk } from './compression';

const MAGIC = [137, 77, 67, 65, 80, 48, 13, 10];
const td = new TextDecoder('utf-8', { fatal: false });

/** One chunk of the data section. */
export interface ChunkInfo {
  /** File offset of the chunk record (opcode byte). */
  offset: number;
  /** File offset and size of the (possibly compressed) records. */
  bodyOffset: number;
  bodyBytes: number;
  uncompressedSize: number;
  crc: number;
  compression: string;
}

/** Frames of one channel in time order. */
export interface ChannelFrames {
  meta: ChannelMeta;
  count: number;
  /** Acquisition time relative to the recording's first frame, ns. */
  timeNs: Float64Array;
  chunk: Int32Array;
  /** Offset of the message record inside the chunk's uncompressed records. */
  offset: Float64Array;
}

interface Scratch {
  chunk: number;
  buf: Buffer;
  view: Uint8Array;
  lastUse: number;
}

/** An open recording. Call `close()` when done. */
export class Recording {
  readonly path: string;
  readonly fileBytes: number;
  /** True when the file had a valid summary (properly closed or recovered). */
  readonly indexed: boolean;
  /** Why the summary could not be used, or a note on a torn tail; '' when clean. */
  readonly warning: string;
  readonly session: SessionMeta | null;
  readonly channelExtra: ReadonlyMap<number, ChannelExtraMeta>;
  /** Stored per-channel counts (null when the file was cut off before stop). */
  readonly storedStats: readonly ChannelStats[] | null;
  readonly chunks: readonly ChunkInfo[];
  readonly channels: readonly ChannelFrames[];
  /** First frame's log time, epoch ns (bigint). */
  readonly startLogTime: bigint;
  /** Time of the last frame relative to the first, ns. */
  readonly durationNs: number;
  #fh: FileHandle;
  #byChannel = new Map<number, ChannelFrames>();
  #cache: Scratch[] = [];
  #useCounter = 0;
  #hdr: FrameHeader = newFrameHeader();

  private constructor(init: {
    path: string; fh: FileHandle; fileBytes: number; indexed: boolean; warning: string; session: SessionMeta | null;
    channelExtra: Map<number, ChannelExtraMeta>; storedStats: ChannelStats[] | null; chunks: ChunkInfo[]; channels: ChannelFrames[];
    startLogTime: bigint; durationNs: number;
  }) {
    this.path = init.path;
    this.#fh = init.fh;
    this.fileBytes = init.fileBytes;
    this.indexed = init.indexed;
    this.warning = init.warning;
    this.session = init.session;
    this.channelExtra = init.channelExtra;
    this.storedStats = init.storedStats;
    this.chunks = init.chunks;
    this.channels = init.channels;
    this.startLogTime = init.startLogTime;
    this.durationNs = init.durationNs;
    for (const c of init.channels) this.#byChannel.set(c.meta.channel, c);
    for (let i = 0; i < 3; i++) this.#cache.push({ chunk: -1, buf: Buffer.alloc(0), view: new Uint8Array(0), lastUse: 0 });
  }

  /** Open and index a recording; throws RecordingFormatError naming what is wrong with the file. */
  static async open(path: string): Promise<Recording> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new RecordingFormatError(`${path}: cannot open (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String((e as Error).message)})`);
    }
    try {
      return await openWith(path, fh);
    } catch (e) {
      await fh.close().catch(() => undefined);
      if (e instanceof RecordingFormatError) throw new RecordingFormatError(e.message.startsWith(path) ? e.message : `${path}: ${e.message}`);
      throw new RecordingFormatError(`${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Frames of a device channel, or undefined when the channel is not in the recording. */
  channel(id: number): ChannelFrames | undefined {
    return this.#byChannel.get(id);
  }

  /** Index of the last frame of `ch` at or before `tNs` (−1 if none): a binary search. */
  frameAtOrBefore(ch: ChannelFrames, tNs: number): number {
    let lo = 0;
    let hi = ch.count - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ch.timeNs[mid] <= tNs) { ans = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return ans;
  }

  /**
   * Read frame `index` of `ch`: header + payload bytes, validated (CRC of its chunk, frame header,
   * geometry). The returned view points into an internal chunk cache and stays valid until a few
   * more frames from other chunks are read: copy it if it must live longer. Not reentrant: await
   * one read before starting the next.
   */
  async readFrame(ch: ChannelFrames, index: number): Promise<Uint8Array> {
    this.#checkIndex(ch, index);
    return this.#frameIn(ch, index, await this.#chunkRecords(ch.chunk[index]));
  }

  /** Synchronous `readFrame` (blocking file read), for batch tools that iterate frames in a loop. */
  readFrameSync(ch: ChannelFrames, index: number): Uint8Array {
    this.#checkIndex(ch, index);
    return this.#frameIn(ch, index, this.#chunkRecordsSync(ch.chunk[index]));
  }

  #checkIndex(ch: ChannelFrames, index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= ch.count) throw new RangeError(`recording: frame ${index} out of range 0..${ch.count - 1} for channel ${ch.meta.channel}`);
  }

  #frameIn(ch: ChannelFrames, index: number, records: Uint8Array): Uint8Array {
    const off = ch.offset[index];
    const where = `chunk ${ch.chunk[index]} offset ${off}`;
    if (off + 31 > records.byteLength) throw new RecordingFormatError(`message index points outside its chunk (${where})`);
    const dv = new DataView(records.buffer, records.byteOffset, records.byteLength);
    if (dv.getUint8(off) !== Opcode.MESSAGE) throw new RecordingFormatError(`message index points at a non-message record (${where})`);
    const len = readU64(dv, off + 1);
    if (len < 22 || off + 9 + len > records.byteLength) throw new RecordingFormatError(`message record length ${len} runs past its chunk (${where})`);
    const data = records.subarray(off + 31, off + 9 + len);
    const m = ch.meta;
    const h = this.#hdr;
    if (data.byteLength < FRAME_HEADER_BYTES) throw new RecordingFormatError(`message of ${data.byteLength} bytes is too short for a frame header (${where})`);
    try {
      readFrameHeader(data, h);
    } catch (e) {
      throw new RecordingFormatError(`bad frame header in channel ${m.channel} (${where}): ${(e as Error).message}`);
    }
    if (h.channel !== m.channel || h.lines !== m.lines || h.samples !== m.samples || h.dtype !== m.dtype) {
      throw new RecordingFormatError(`frame header (ch ${h.channel}, ${h.lines}x${h.samples}) disagrees with channel ${m.channel} metadata (${m.lines}x${m.samples}) (${where})`);
    }
    if (data.byteLength !== FRAME_HEADER_BYTES + h.payloadBytes) throw new RecordingFormatError(`message holds ${data.byteLength - FRAME_HEADER_BYTES} payload bytes, header says ${h.payloadBytes} (${where})`);
    return data;
  }

  #cached(ci: number): Uint8Array | null {
    for (const s of this.#cache) if (s.chunk === ci) { s.lastUse = ++this.#useCounter; return s.view; }
    return null;
  }

  #victim(ci: number): Scratch {
    let victim = this.#cache[0];
    for (const s of this.#cache) if (s.lastUse < victim.lastUse) victim = s;
    const c = this.chunks[ci];
    if (victim.buf.byteLength < c.bodyBytes) victim.buf = Buffer.allocUnsafe(Math.max(c.bodyBytes, victim.buf.byteLength * 2));
    victim.chunk = -1;
    return victim;
  }

  #chunkRecordsSync(ci: number): Uint8Array {
    const hit = this.#cached(ci);
    if (hit) return hit;
    const victim = this.#victim(ci);
    const c = this.chunks[ci];
    const bytesRead = readSync(this.#fh.fd, victim.buf, 0, c.bodyBytes, c.bodyOffset);
    return this.#finishChunk(ci, victim, bytesRead);
  }

  async #chunkRecords(ci: number): Promise<Uint8Array> {
    const hit = this.#cached(ci);
    if (hit) return hit;
    const victim = this.#victim(ci);
    const c = this.chunks[ci];
    const { bytesRead } = await this.#fh.read(victim.buf, 0, c.bodyBytes, c.bodyOffset);
    return this.#finishChunk(ci, victim, bytesRead);
  }

  #finishChunk(ci: number, victim: Scratch, bytesRead: number): Uint8Array {
    const c = this.chunks[ci];
    if (bytesRead !== c.bodyBytes) throw new RecordingFormatError(`chunk ${ci} at byte ${c.offset} is truncated (read ${bytesRead} of ${c.bodyBytes} bytes)`);
    const body = victim.buf.subarray(0, c.bodyBytes);
    const records = decompressChunk(c.compression, body, c.uncompressedSize);
    if (records.byteLength !== c.uncompressedSize) throw new RecordingFormatError(`chunk ${ci} at byte ${c.offset}: ${records.byteLength} record bytes, header says ${c.uncompressedSize}`);
    if (c.crc !== 0) {
      const crc = zlib.crc32(records) >>> 0;
      if (crc !== c.crc) throw new RecordingFormatError(`chunk ${ci} at byte ${c.offset} is corrupted (CRC 0x${crc.toString(16)} ≠ stored 0x${c.crc.toString(16)})`);
    }
    victim.view = records;
    victim.chunk = ci;
    victim.lastUse = ++this.#useCounter;
    return records;
  }

  async close(): Promise<void> {
    await this.#fh.close().catch(() => undefined);
  }
}

function readU64(v: DataView, off: number): number {
  const hi = v.getUint32(off + 4, true);
  if (hi >= 0x200000) return Number.MAX_SAFE_INTEGER; // absurd: callers' bound checks reject it
  return hi * 4294967296 + v.getUint32(off, true);
}

class FileReadable implements IReadable {
  constructor(private fh: FileHandle, private bytes: number) {}
  async size(): Promise<bigint> { return BigInt(this.bytes); }
  async read(offset: bigint, size: bigint): Promise<Uint8Array> {
    const o = Number(offset);
    const n = Number(size);
    if (o < 0 || n < 0 || o + n > this.bytes) throw new RecordingFormatError(`read of ${n} bytes at ${o} is past the end of the file (${this.bytes} bytes)`);
    const buf = Buffer.allocUnsafe(n);
    const { bytesRead } = await this.fh.read(buf, 0, n, o);
    if (bytesRead !== n) throw new RecordingFormatError(`short read at ${o}`);
    return buf;
  }
}

interface RawChannel { id: number; schemaId: number; topic: string; messageEncoding: string; metadata: Map<string, string> }
interface RawSchema { id: number; name: string; encoding: string }
interface Collected {
  schemas: Map<number, RawSchema>;
  channels: Map<number, RawChannel>;
  metadata: Map<string, Map<string, string>>;
  chunks: ChunkInfo[];
  /** message index entries: mcap channel id, chunk, log time, offset */
  entries: { cid: number; chunk: number; t: bigint; off: number }[];
  /** chunks that had no (complete) message index: parse their records */
  unindexedChunks: number[];
}

async function openWith(path: string, fh: FileHandle): Promise<Recording> {
  const st = await fh.stat();
  if (!st.isFile()) throw new RecordingFormatError('not a regular file');
  const size = st.size;
  if (size === 0) throw new RecordingFormatError('file is empty (0 bytes): not a recording');
  const head = Buffer.alloc(Math.min(size, 8));
  await fh.read(head, 0, head.byteLength, 0);
  if (size < 8 || !MAGIC.every((b, i) => head[i] === b)) throw new RecordingFormatError('not an MCAP file (missing MCAP magic at byte 0)');
  if (size < 8 + 9) throw new RecordingFormatError(`truncated: ${size} bytes, no MCAP header record`);

  let collected: Collected | null = null;
  let indexed = false;
  let warning = '';
  const tail = Buffer.alloc(8);
  if (size >= 8 + 9 + 29 + 8) await fh.read(tail, 0, 8, size - 8);
  if (MAGIC.every((b, i) => tail[i] === b)) {
    try {
      collected = await fromSummary(fh, size);
      indexed = true;
    } catch (e) {
      warning = `summary unusable (${(e as Error).message}); scanned the data section instead`;
    }
  } else {
    warning = 'no summary (recording was not closed: crash or still being written); read up to the last complete chunk — run `specula recover` to add the index';
  }
  if (!collected) {
    const scan = await scanDataSection(fh, size);
    collected = scan.collected;
    if (scan.tornAt >= 0) warning += ` (torn record at byte ${scan.tornAt} ignored)`;
  }
  if (collected.unindexedChunks.length) await indexChunkRecords(fh, collected);
  return build(path, fh, size, indexed, warning.trim(), collected);
}

async function fromSummary(fh: FileHandle, size: number): Promise<Collected> {
  const reader = await McapIndexedReader.Initialize({ readable: new FileReadable(fh, size) });
  const c: Collected = { schemas: new Map(), channels: new Map(), metadata: new Map(), chunks: [], entries: [], unindexedChunks: [] };
  for (const s of reader.schemasById.values()) c.schemas.set(s.id, { id: s.id, name: s.name, encoding: s.encoding });
  for (const ch of reader.channelsById.values()) c.channels.set(ch.id, { ...ch, metadata: new Map(ch.metadata) });
  for await (const m of reader.readMetadata()) c.metadata.set(m.name, m.metadata);
  for (const ci of reader.chunkIndexes) {
    const chunkOffset = Number(ci.chunkStartOffset);
    const chunkLen = Number(ci.chunkLength);
    if (chunkOffset + chunkLen > size) throw new RecordingFormatError(`chunk index points past the end of the file (chunk at ${chunkOffset})`);
    const info = await readChunkHead(fh, chunkOffset, size);
    if (!info) throw new RecordingFormatError(`chunk index points at byte ${chunkOffset}, which is not a complete chunk record`);
    const k = c.chunks.push(info) - 1;
    const idxLen = Number(ci.messageIndexLength);
    if (idxLen > 0) {
      const start = chunkOffset + chunkLen;
      if (start + idxLen > size) throw new RecordingFormatError(`message index of chunk ${k} runs past the end of the file`);
      const buf = Buffer.allocUnsafe(idxLen);
      await fh.read(buf, 0, idxLen, start);
      if (!parseMessageIndexes(buf, k, c)) throw new RecordingFormatError(`message index of chunk ${k} is malformed`);
    } else {
      c.unindexedChunks.push(k);
    }
  }
  return c;
}

/** Parse a chunk record's fixed fields at `offset`; null when the record is incomplete or not a chunk. */
async function readChunkHead(fh: FileHandle, offset: number, size: number): Promise<ChunkInfo | null> {
  const b = Buffer.alloc(9 + 8 + 8 + 8 + 4 + 4 + 64);
  const { bytesRead } = await fh.read(b, 0, Math.min(b.byteLength, size - offset), offset);
  if (bytesRead < 41) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint8(0) !== Opcode.CHUNK) return null;
  const recLen = readU64(v, 1);
  if (offset + 9 + recLen > size) return null;
  const uncompressedSize = readU64(v, 25);
  const crc = v.getUint32(33, true);
  const nameLen = v.getUint32(37, true);
  if (nameLen > 32 || 41 + nameLen + 8 > bytesRead) throw new RecordingFormatError(`chunk at byte ${offset} has a malformed compression field`);
  const compression = td.decode(b.subarray(41, 41 + nameLen));
  const bodyBytes = readU64(v, 41 + nameLen);
  const bodyOffset = offset + 41 + nameLen + 8;
  if (bodyOffset + bodyBytes !== offset + 9 + recLen) throw new RecordingFormatError(`chunk at byte ${offset}: records length ${bodyBytes} disagrees with record length ${recLen}`);
  if (compression === '' && uncompressedSize !== bodyBytes) throw new RecordingFormatError(`chunk at byte ${offset}: uncompressed chunk of ${bodyBytes} bytes claims ${uncompressedSize}`);
  if (uncompressedSize > 2 ** 31) throw new RecordingFormatError(`chunk at byte ${offset}: implausible uncompressed size ${uncompressedSize}`);
  return { offset, bodyOffset, bodyBytes, uncompressedSize, crc, compression };
}

/** Parse consecutive MessageIndex records in `buf` for chunk `k`; false when malformed. */
function parseMessageIndexes(buf: Uint8Array, k: number, c: Collected): boolean {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = 0;
  while (p < buf.byteLength) {
    if (p + 9 > buf.byteLength) return false;
    const op = v.getUint8(p);
    const len = readU64(v, p + 1);
    if (p + 9 + len > buf.byteLength) return false;
    if (op === Opcode.MESSAGE_INDEX) {
      if (len < 6) return false;
      const cid = v.getUint16(p + 9, true);
      const n = v.getUint32(p + 11, true);
      if (n % 16 !== 0 || 6 + n > len) return false;
      for (let q = p + 15; q < p + 15 + n; q += 16) {
        c.entries.push({ cid, chunk: k, t: v.getBigUint64(q, true), off: readU64(v, q + 8) });
      }
    }
    p += 9 + len;
  }
  return true;
}

/** Walk top-level records from byte 8; stops at DataEnd/Footer or at the first incomplete record. */
async function scanDataSection(fh: FileHandle, size: number): Promise<{ collected: Collected; tornAt: number }> {
  const c: Collected = { schemas: new Map(), channels: new Map(), metadata: new Map(), chunks: [], entries: [], unindexedChunks: [] };
  let p = 8;
  let tornAt = -1;
  const hb = Buffer.alloc(9);
  const hv = new DataView(hb.buffer, hb.byteOffset, 9);
  let lastChunk = -1;
  let lastChunkIndexed = true;
  let sawHeader = false;
  while (p < size) {
    if (p + 9 > size) { tornAt = p; break; }
    await fh.read(hb, 0, 9, p);
    const op = hv.getUint8(0);
    const len = readU64(hv, 1);
    if (p + 9 + len > size) { tornAt = p; break; }
    if (!sawHeader) {
      if (op !== Opcode.HEADER) throw new RecordingFormatError(`first record is opcode 0x${op.toString(16)}, expected an MCAP Header`);
      sawHeader = true;
    }
    if (op === Opcode.CHUNK) {
      if (!lastChunkIndexed) c.unindexedChunks.push(lastChunk);
      const info = await readChunkHead(fh, p, size);
      if (!info) { tornAt = p; break; }
      lastChunk = c.chunks.push(info) - 1;
      lastChunkIndexed = false;
    } else if (op === Opcode.MESSAGE_INDEX || op === Opcode.SCHEMA || op === Opcode.CHANNEL || op === Opcode.METADATA) {
      if (len > 16 * 1024 * 1024) throw new RecordingFormatError(`record at byte ${p} (opcode 0x${op.toString(16)}) claims an implausible ${len} bytes`);
      const body = Buffer.allocUnsafe(9 + len);
      await fh.read(body, 0, 9 + len, p);
      if (op === Opcode.MESSAGE_INDEX) {
        if (lastChunk < 0 || !parseMessageIndexes(body, lastChunk, c)) throw new RecordingFormatError(`malformed message index at byte ${p}`);
        lastChunkIndexed = true;
      } else {
        parseSmallRecord(op, body.subarray(9), c, p);
      }
    } else if (op === Opcode.DATA_END || op === Opcode.FOOTER) {
      break;
    } else if (op === Opcode.MESSAGE) {
      throw new RecordingFormatError(`unchunked message at byte ${p}: Specula recordings are chunked`);
    }
    p += 9 + len;
  }
  if (!lastChunkIndexed) c.unindexedChunks.push(lastChunk);
  return { collected: c, tornAt };
}

function parseSmallRecord(op: number, b: Uint8Array, c: Collected, at: number): void {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = 0;
  const need = (n: number): void => { if (p + n > b.byteLength) throw new RecordingFormatError(`record at byte ${at} (opcode 0x${op.toString(16)}) is malformed`); };
  const str = (): string => { need(4); const n = v.getUint32(p, true); p += 4; need(n); const s = td.decode(b.subarray(p, p + n)); p += n; return s; };
  const map = (): Map<string, string> => {
    need(4); const n = v.getUint32(p, true); p += 4; need(n);
    const end = p + n; const m = new Map<string, string>();
    while (p < end) { const k = str(); m.set(k, str()); }
    return m;
  };
  if (op === Opcode.SCHEMA) {
    need(2); const id = v.getUint16(p, true); p += 2;
    c.schemas.set(id, { id, name: str(), encoding: str() });
  } else if (op === Opcode.CHANNEL) {
    need(4); const id = v.getUint16(p, true); const schemaId = v.getUint16(p + 2, true); p += 4;
    const topic = str(); const messageEncoding = str();
    c.channels.set(id, { id, schemaId, topic, messageEncoding, metadata: map() });
  } else if (op === Opcode.METADATA) {
    const name = str();
    c.metadata.set(name, map());
  }
}

/** For chunks without message indexes (crash between chunk and index): walk their records. */
async function indexChunkRecords(fh: FileHandle, c: Collected): Promise<void> {
  for (const k of c.unindexedChunks) {
    const info = c.chunks[k];
    const body = Buffer.allocUnsafe(info.bodyBytes);
    await fh.read(body, 0, info.bodyBytes, info.bodyOffset);
    let recs: Uint8Array;
    try {
      recs = decompressChunk(info.compression, body, info.uncompressedSize);
    } catch {
      continue; // unreadable last chunk: ignore it, as a torn tail
    }
    const v = new DataView(recs.buffer, recs.byteOffset, recs.byteLength);
    let p = 0;
    while (p + 9 <= recs.byteLength) {
      const op = v.getUint8(p);
      const len = readU64(v, p + 1);
      if (p + 9 + len > recs.byteLength) break;
      if (op === Opcode.MESSAGE && len >= 22) c.entries.push({ cid: v.getUint16(p + 9, true), chunk: k, t: v.getBigUint64(p + 15, true), off: p });
      else if (op === Opcode.SCHEMA || op === Opcode.CHANNEL) parseSmallRecord(op, recs.subarray(p + 9, p + 9 + len), c, info.offset);
      p += 9 + len;
    }
  }
}

function build(path: string, fh: FileHandle, size: number, indexed: boolean, warning: string, c: Collected): Recording {
  // Identify our channels: every channel must use the Specula schema and encoding.
  const metas = new Map<number, ChannelMeta>(); // mcap channel id → meta
  for (const ch of c.channels.values()) {
    const schema = c.schemas.get(ch.schemaId);
    if (!schema || schema.name !== SCHEMA_NAME || ch.messageEncoding !== MESSAGE_ENCODING) {
      throw new RecordingFormatError(`not a Specula recording: channel '${ch.topic}' has schema ${JSON.stringify(schema?.name ?? '(none)')} / encoding ${JSON.stringify(ch.messageEncoding)} (expected ${SCHEMA_NAME} / ${MESSAGE_ENCODING})`);
    }
    if (channelOfTopic(ch.topic) === null) throw new RecordingFormatError(`not a Specula recording: unexpected topic ${JSON.stringify(ch.topic)}`);
    metas.set(ch.id, channelMetaFromMap(ch.topic, ch.metadata));
  }
  if (metas.size === 0) throw new RecordingFormatError('no Specula channels in the file (wrong schema, or cut off before the channel records)');
  for (const k of c.chunks) if (k.compression !== '' && k.compression !== 'lz4') throw new RecordingFormatError(`chunk compression '${k.compression}' is not supported by this build (supported: none, lz4)`);
  let t0: bigint | null = null;
  let t1: bigint | null = null;
  for (const e of c.entries) {
    if (!metas.has(e.cid)) throw new RecordingFormatError(`message index refers to unknown channel id ${e.cid}`);
    if (t0 === null || e.t < t0) t0 = e.t;
    if (t1 === null || e.t > t1) t1 = e.t;
  }
  const start = t0 ?? 0n;
  const perChannel = new Map<number, { t: number; chunk: number; off: number }[]>();
  for (const cid of metas.keys()) perChannel.set(cid, []);
  for (const e of c.entries) perChannel.get(e.cid)!.push({ t: Number(e.t - start), chunk: e.chunk, off: e.off });
  const channels: ChannelFrames[] = [];
  for (const [cid, list] of perChannel) {
    list.sort((a, b) => a.t - b.t || a.chunk - b.chunk || a.off - b.off);
    const n = list.length;
    const f: ChannelFrames = { meta: metas.get(cid)!, count: n, timeNs: new Float64Array(n), chunk: new Int32Array(n), offset: new Float64Array(n) };
    list.forEach((e, i) => { f.timeNs[i] = e.t; f.chunk[i] = e.chunk; f.offset[i] = e.off; });
    dtypeSize(f.meta.dtype);
    channels.push(f);
  }
  channels.sort((a, b) => a.meta.channel - b.meta.channel);
  const sessionMap = c.metadata.get(META_SESSION);
  const channelExtra = new Map<number, ChannelExtraMeta>();
  for (const [name, m] of c.metadata) {
    if (!name.startsWith(META_CHANNEL_PREFIX)) continue;
    let cascade: unknown = null;
    try { cascade = JSON.parse(m.get('cascade') ?? 'null'); } catch { cascade = null; }
    channelExtra.set(Number(name.slice(META_CHANNEL_PREFIX.length)), { label: m.get('label') ?? '', cascade });
  }
  let storedStats: ChannelStats[] | null = null;
  const sm = c.metadata.get(META_STATS);
  if (sm) {
    try {
      const v: unknown = JSON.parse(sm.get('channels') ?? '[]');
      if (Array.isArray(v)) storedStats = v as ChannelStats[];
    } catch {
      warning = `${warning} (stats metadata unreadable)`.trim();
    }
  }
  return new (Recording as unknown as new (init: unknown) => Recording)({
    path, fh, fileBytes: size, indexed, warning, session: sessionMap ? sessionMetaFromMap(sessionMap) : null, channelExtra, storedStats,
    chunks: c.chunks, channels, startLogTime: start, durationNs: t0 === null ? 0 : Number(t1! - start),
  });
}
