/**
 * Streaming MCAP writer specialised for large raw frames (format: ./format.ts).
 *
 * Why not `McapWriter` from @mcap/core: it copies every message into a growing chunk buffer, copies
 * the chunk again into a record buffer, and computes two CRC passes in JavaScript (~0.6 GB/s here);
 * at 16 channels × 30 fps × 1.2 MB (576 MB/s) that alone exceeds a core. This writer assembles
 * uncompressed chunks as a gather list (31-byte message prefixes interleaved with the caller's frame
 * buffers) and hands them to one `writev` per chunk: frame bytes are never copied in JavaScript.
 * The chunk CRC (over the records section) is assembled in order from the prefixes' CRCs and each
 * frame's CRC — given by the native ring copy (FrameRef.crc32) and combined with crc32_combine, so
 * frame bytes are not re-read — or, for frames without one, zlib's native crc32 (~2 GB/s here). Small records (header, schema, channel, metadata,
 * summary, chunk indexes) still go through @mcap/core's `McapRecordBuilder`.
 *
 * Crash tolerance: each chunk and its message indexes land in one `writev`; chunks close by size or
 * age, so a process killed mid-recording leaves a valid prefix of complete chunks (plus possibly one
 * torn chunk the reader detects by length/CRC and ignores).
 *
 * Frames handed to `add` must stay unchanged until their `release()` is called (after the write).
 */
import { open, type FileHandle } from 'node:fs/promises';
import zlib from 'node:zlib';
import { McapRecordBuilder, Opcode, type ChunkIndex, type MetadataIndex } from '@mcap/core';
import {
  MESSAGE_ENCODING, META_CHANNEL_PREFIX, META_SESSION, META_STATS, PROFILE, SCHEMA_ENCODING, SCHEMA_NAME, SCHEMA_TEXT,
  channelMetaToMap, sessionMetaToMap, topicFor,
  type ChannelExtraMeta, type ChannelMeta, type ChannelStats, type SessionMeta,
} from './format';
import { compressChunk, type Compression } from './compression';
import { crc32Shift, crc32ShiftOp } from './crc32-combine';

/** A frame ready to be written: the caller's buffer (64-byte header + payload) and its stamps. */
export interface FrameRef {
  /** Header + payload bytes; untouched by the caller until release(). */
  bytes: Uint8Array;
  channel: number;
  seq: number;
  tAcquiredNs: number;
  tRingWriteNs: number;
  /**
   * CRC-32 (zlib) of `bytes` when the source already has it — the native ring computes it during
   * its copy (ReadInfo.crc32) — else -1 (or absent): the writer then CRCs the bytes itself.
   */
  crc32?: number;
  /** Called once the bytes are on their way to disk (written or copied) — the buffer may be reused. */
  release(): void;
}

export interface FrameWriterOptions {
  path: string;
  channels: readonly ChannelMeta[];
  session: SessionMeta;
  /** Label and cascade per channel id. */
  channelExtra?: ReadonlyMap<number, ChannelExtraMeta>;
  /** 'none' (default, fastest) or 'lz4' (LZ4 frame, as the MCAP spec names it). */
  compression?: Compression;
  /** Close a chunk once it holds this many bytes (default 8 MiB). */
  chunkBytes?: number;
  /** Close a chunk once its first message is this old (default 500 ms) — bounds crash loss. */
  maxChunkMs?: number;
  /** CRC-32 of every chunk's records (default true; false writes 0 = "not computed", for the last bit of throughput). */
  chunkCrc?: boolean;
  /** Also compute the data-section CRC (a second CRC pass over everything; default false). */
  dataSectionCrc?: boolean;
  /** fsync after every chunk (durable but slower; default false: fsync at close only). */
  fsyncEachChunk?: boolean;
  library?: string;
}

const MSG_PREFIX = 1 + 8 + 2 + 4 + 8 + 8; // opcode, length, channel id, sequence, log time, publish time
const MAX_MSGS_PER_CHUNK = 400; // keeps a chunk's gather list (2 entries per message) under IOV_MAX
const TWO32 = 4294967296;
const MAX_INFLIGHT = 3;

interface SealedChunk {
  refs: FrameRef[];
  prefixes: Uint8Array;
  count: number;
  minDelta: number;
  maxDelta: number;
  recordsBytes: number;
  /** Frames already given back (compressed chunks release right after the copy). */
  released: boolean;
  /** per message: channel id, offset within the chunk records, log time delta */
  chan: Uint16Array;
  offs: Float64Array;
  deltas: Float64Array;
}

/** Add a JS-number delta (ns, |delta| < 2^53) to a u64 base given as hi/lo and store little-endian. */
function setU64Sum(v: DataView, off: number, baseHi: number, baseLo: number, delta: number): void {
  const total = baseLo + delta;
  const carry = Math.floor(total / TWO32);
  v.setUint32(off, total - carry * TWO32, true);
  v.setUint32(off + 4, baseHi + carry, true);
}

function releaseAll(c: SealedChunk): void {
  if (c.released) return;
  c.released = true;
  for (let i = 0; i < c.count; i++) c.refs[i].release();
}

function setU64(v: DataView, off: number, x: number): void {
  const hi = Math.floor(x / TWO32);
  v.setUint32(off, x - hi * TWO32, true);
  v.setUint32(off + 4, hi, true);
}

export class McapFrameWriter {
  readonly path: string;
  #fh: FileHandle;
  #opts: Required<Pick<FrameWriterOptions, 'compression' | 'chunkBytes' | 'maxChunkMs' | 'dataSectionCrc' | 'fsyncEachChunk' | 'chunkCrc'>>;
  #channelIds = new Map<number, number>(); // device channel → MCAP channel id
  #mono0: number;
  #epochHi: number;
  #epochLo: number;
  #epoch0: bigint;
  #position = 0;
  #dataCrc = 0;
  #chunkIndexes: ChunkIndex[] = [];
  #metadataIndexes: MetadataIndex[] = [];
  #channelMessageCounts = new Map<number, bigint>();
  #messageCount = 0;
  #minDelta = Infinity;
  #maxDelta = -Infinity;
  #chain: Promise<void> = Promise.resolve();
  #inflight = new Set<Promise<void>>();
  #error: Error | null = null;
  #closed = false;
  #schemaRecord: { id: number; name: string; encoding: string; data: Uint8Array };
  #channelRecords: { id: number; schemaId: number; topic: string; messageEncoding: string; metadata: Map<string, string> }[] = [];
  // Open chunk (preallocated; swapped with a spare when sealed).
  #cur: SealedChunk;
  #spares: SealedChunk[] = [];
  #chunkOpenedAt = 0;
  #pendingBytes = 0;
  #shiftOps = new Map<number, number>();
  #view: DataView;
  /** Bytes handed to the file so far (for the UI indicator). */
  bytesWritten = 0;

  private constructor(fh: FileHandle, opts: FrameWriterOptions) {
    this.path = opts.path;
    this.#fh = fh;
    this.#opts = {
      compression: opts.compression ?? 'none',
      chunkBytes: opts.chunkBytes ?? 8 * 1024 * 1024,
      maxChunkMs: opts.maxChunkMs ?? 500,
      dataSectionCrc: opts.dataSectionCrc ?? false,
      fsyncEachChunk: opts.fsyncEachChunk ?? false,
      chunkCrc: opts.chunkCrc ?? true,
    };
    this.#mono0 = Number(opts.session.monoNsAtStart);
    this.#epoch0 = BigInt(opts.session.epochNsAtStart);
    this.#epochHi = Number(this.#epoch0 >> 32n);
    this.#epochLo = Number(this.#epoch0 & 0xffffffffn);
    this.#schemaRecord = { id: 1, name: SCHEMA_NAME, encoding: SCHEMA_ENCODING, data: new TextEncoder().encode(SCHEMA_TEXT) };
    let id = 0;
    for (const c of opts.channels) {
      if (this.#channelIds.has(c.channel)) throw new Error(`recording: channel ${c.channel} listed twice`);
      this.#channelIds.set(c.channel, id);
      this.#channelRecords.push({ id, schemaId: 1, topic: topicFor(c.channel), messageEncoding: MESSAGE_ENCODING, metadata: channelMetaToMap(c) });
      id++;
    }
    this.#cur = this.#newChunk();
    this.#view = new DataView(this.#cur.prefixes.buffer);
  }

  /** Create the file and write header, schema, channels and start metadata. */
  static async create(opts: FrameWriterOptions): Promise<McapFrameWriter> {
    if (opts.channels.length === 0) throw new Error('recording: no channels to record');
    const fh = await open(opts.path, 'w');
    const w = new McapFrameWriter(fh, opts);
    try {
      const b = new McapRecordBuilder();
      b.writeMagic();
      b.writeHeader({ profile: PROFILE, library: opts.library ?? 'specula' });
      b.writeSchema(w.#schemaRecord);
      for (const c of w.#channelRecords) b.writeChannel(c);
      await w.#writeTop(b.buffer);
      await w.#writeMetadata(META_SESSION, sessionMetaToMap(opts.session));
      for (const [ch, extra] of opts.channelExtra ?? []) {
        await w.#writeMetadata(META_CHANNEL_PREFIX + ch, new Map([['label', extra.label], ['cascade', JSON.stringify(extra.cascade ?? null)]]));
      }
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw e;
    }
    return w;
  }

  #newChunk(): SealedChunk {
    return {
      refs: new Array<FrameRef>(MAX_MSGS_PER_CHUNK),
      prefixes: new Uint8Array(MSG_PREFIX * MAX_MSGS_PER_CHUNK),
      count: 0, minDelta: Infinity, maxDelta: -Infinity, recordsBytes: 0, released: false,
      chan: new Uint16Array(MAX_MSGS_PER_CHUNK), offs: new Float64Array(MAX_MSGS_PER_CHUNK), deltas: new Float64Array(MAX_MSGS_PER_CHUNK),
    };
  }

  /** First write error, if any (the writer stops accepting frames after one). */
  get error(): Error | null {
    return this.#error;
  }

  /** Bytes accepted but not yet written (sealed or open chunks). */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Queue one frame. Synchronous and allocation-free; throws if the channel was not declared. */
  add(f: FrameRef, nowMs: number): void {
    if (this.#closed) throw new Error('recording: writer already closed');
    if (this.#error) {
      f.release();
      throw this.#error;
    }
    const cid = this.#channelIds.get(f.channel);
    if (cid === undefined) throw new Error(`recording: frame of undeclared channel ${f.channel}`);
    const c = this.#cur;
    if (c.count === 0) this.#chunkOpenedAt = nowMs;
    const i = c.count;
    const o = i * MSG_PREFIX;
    const v = this.#view;
    const delta = f.tAcquiredNs - this.#mono0;
    const len = 2 + 4 + 8 + 8 + f.bytes.byteLength;
    v.setUint8(o, Opcode.MESSAGE);
    setU64(v, o + 1, len);
    v.setUint16(o + 9, cid, true);
    v.setUint32(o + 11, f.seq % TWO32, true);
    setU64Sum(v, o + 15, this.#epochHi, this.#epochLo, delta);
    setU64Sum(v, o + 23, this.#epochHi, this.#epochLo, f.tRingWriteNs - this.#mono0);
    c.refs[i] = f;
    c.chan[i] = cid;
    c.offs[i] = c.recordsBytes;
    c.deltas[i] = delta;
    if (delta < c.minDelta) c.minDelta = delta;
    if (delta > c.maxDelta) c.maxDelta = delta;
    c.recordsBytes += MSG_PREFIX + f.bytes.byteLength;
    c.count = i + 1;
    this.#pendingBytes += MSG_PREFIX + f.bytes.byteLength;
    if (c.recordsBytes >= this.#opts.chunkBytes || c.count === MAX_MSGS_PER_CHUNK) this.#seal();
  }

  /** Close the open chunk if it is older than maxChunkMs (call from a timer). */
  tick(nowMs: number): void {
    if (this.#cur.count > 0 && nowMs - this.#chunkOpenedAt >= this.#opts.maxChunkMs) this.#seal();
  }

  #seal(): void {
    const c = this.#cur;
    if (c.count === 0) return;
    this.#cur = this.#spares.pop() ?? this.#newChunk();
    this.#view = new DataView(this.#cur.prefixes.buffer);
    // Chunks are prepared (CRC, compression, indexes, file position) strictly in order on the chain;
    // their writes then run concurrently (positioned writev) up to MAX_INFLIGHT, so the thread pool
    // keeps the disk busy while the next chunk is being prepared.
    this.#chain = this.#chain.then(async () => {
      const job = await this.#prepareChunk(c);
      while (this.#inflight.size >= MAX_INFLIGHT) await Promise.race(this.#inflight);
      const w: Promise<void> = this.#writeAt(job.bufs, job.total, job.start).then(
        () => { if (this.#opts.fsyncEachChunk) return this.#fh.datasync(); },
      ).then(() => this.#recycle(c), (e: unknown) => { this.#fail(e); this.#recycle(c); });
      this.#inflight.add(w);
      void w.finally(() => this.#inflight.delete(w));
    }).catch((e: unknown) => {
      this.#fail(e);
      this.#recycle(c);
    });
  }

  #fail(e: unknown): void {
    this.#error ??= e instanceof Error ? e : new Error(String(e));
  }

  #recycle(c: SealedChunk): void {
    releaseAll(c);
    for (let i = 0; i < c.count; i++) c.refs[i] = undefined as unknown as FrameRef;
    this.#pendingBytes -= c.recordsBytes;
    c.count = 0; c.recordsBytes = 0; c.minDelta = Infinity; c.maxDelta = -Infinity; c.released = false;
    if (this.#spares.length < MAX_INFLIGHT + 2) this.#spares.push(c);
  }

  /** Build a chunk's bytes (gather list), CRC, message indexes and index entry; reserve its file range. */
  async #prepareChunk(c: SealedChunk): Promise<{ bufs: Uint8Array[]; total: number; start: number }> {
    if (this.#error) throw this.#error;
    const n = c.count;
    const parts: Uint8Array[] = new Array(2 * n);
    for (let i = 0; i < n; i++) {
      parts[2 * i] = c.prefixes.subarray(i * MSG_PREFIX, (i + 1) * MSG_PREFIX);
      parts[2 * i + 1] = c.refs[i].bytes;
    }
    let crc = 0;
    if (this.#opts.chunkCrc) {
      for (let i = 0; i < n; i++) {
        crc = zlib.crc32(parts[2 * i], crc);
        const f = c.refs[i];
        const fc = f.crc32 ?? -1;
        crc = fc >= 0 ? crc32Shift(crc, fc, this.#shiftOp(f.bytes.byteLength)) : zlib.crc32(f.bytes, crc);
      }
    }
    let body: Uint8Array[] = parts;
    let compression = '';
    let bodyBytes = c.recordsBytes;
    if (this.#opts.compression !== 'none') {
      const flat = Buffer.allocUnsafe(c.recordsBytes);
      let off = 0;
      for (const p of parts) { flat.set(p, off); off += p.byteLength; }
      releaseAll(c); // frames copied: give the buffers back early
      const z = await compressChunk(this.#opts.compression, flat);
      body = [z.data];
      compression = z.name;
      bodyBytes = z.data.byteLength;
    }
    const t0 = this.#epoch0 + BigInt(c.minDelta);
    const t1 = this.#epoch0 + BigInt(c.maxDelta);
    const compBytes = new TextEncoder().encode(compression);
    const headLen = 1 + 8 + 8 + 8 + 8 + 4 + 4 + compBytes.byteLength + 8;
    const head = new Uint8Array(headLen);
    const hv = new DataView(head.buffer);
    const recordLen = headLen - 9 + bodyBytes;
    hv.setUint8(0, Opcode.CHUNK);
    setU64(hv, 1, recordLen);
    hv.setBigUint64(9, t0, true);
    hv.setBigUint64(17, t1, true);
    setU64(hv, 25, c.recordsBytes);
    hv.setUint32(33, crc >>> 0, true);
    hv.setUint32(37, compBytes.byteLength, true);
    head.set(compBytes, 41);
    setU64(hv, 41 + compBytes.byteLength, bodyBytes);
    // Message indexes, one record per channel present in the chunk.
    const perChan = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      let l = perChan.get(c.chan[i]);
      if (!l) perChan.set(c.chan[i], (l = []));
      l.push(i);
    }
    const chunkStart = this.#position;
    const chunkLength = 9 + recordLen;
    let idxLen = 0;
    for (const l of perChan.values()) idxLen += 1 + 8 + 2 + 4 + 16 * l.length;
    const idx = new Uint8Array(idxLen);
    const iv = new DataView(idx.buffer);
    const messageIndexOffsets = new Map<number, bigint>();
    let p = 0;
    for (const [cid, l] of perChan) {
      messageIndexOffsets.set(cid, BigInt(chunkStart + chunkLength + p));
      iv.setUint8(p, Opcode.MESSAGE_INDEX);
      setU64(iv, p + 1, 2 + 4 + 16 * l.length);
      iv.setUint16(p + 9, cid, true);
      iv.setUint32(p + 11, 16 * l.length, true);
      p += 15;
      for (const i of l) {
        setU64Sum(iv, p, this.#epochHi, this.#epochLo, c.deltas[i]);
        setU64(iv, p + 8, c.offs[i]);
        p += 16;
      }
      this.#channelMessageCounts.set(cid, (this.#channelMessageCounts.get(cid) ?? 0n) + BigInt(l.length));
    }
    const bufs = [head, ...body, idx];
    if (this.#opts.dataSectionCrc) for (const b of bufs) this.#dataCrc = zlib.crc32(b, this.#dataCrc);
    const total = chunkLength + idxLen;
    this.#position += total;
    this.#chunkIndexes.push({
      messageStartTime: t0, messageEndTime: t1, chunkStartOffset: BigInt(chunkStart), chunkLength: BigInt(chunkLength),
      messageIndexOffsets, messageIndexLength: BigInt(idxLen), compression, compressedSize: BigInt(bodyBytes), uncompressedSize: BigInt(c.recordsBytes),
    });
    this.#messageCount += n;
    if (c.minDelta < this.#minDelta) this.#minDelta = c.minDelta;
    if (c.maxDelta > this.#maxDelta) this.#maxDelta = c.maxDelta;
    return { bufs, total, start: chunkStart };
  }

  /** x^(8·len) mod P for a frame length (few distinct lengths: one per channel geometry). */
  #shiftOp(len: number): number {
    let op = this.#shiftOps.get(len);
    if (op === undefined) this.#shiftOps.set(len, (op = crc32ShiftOp(len)));
    return op;
  }

  /** Append at the current position (header, metadata, summary: only when no chunk is in flight). */
  async #writev(bufs: Uint8Array[], total: number): Promise<void> {
    const start = this.#position;
    this.#position += total;
    await this.#writeAt(bufs, total, start);
  }

  async #writeAt(bufs: Uint8Array[], total: number, start: number): Promise<void> {
    let pos = start;
    let remaining = total;
    let list = bufs;
    for (;;) {
      const { bytesWritten } = await this.#fh.writev(list, pos);
      pos += bytesWritten;
      remaining -= bytesWritten;
      this.bytesWritten += bytesWritten;
      if (remaining <= 0) break;
      // Short write (rare): drop what was written and retry the rest.
      let skip = bytesWritten;
      const rest: Uint8Array[] = [];
      for (const b of list) {
        if (skip >= b.byteLength) { skip -= b.byteLength; continue; }
        rest.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
      list = rest;
    }
  }

  async #writeTop(buf: Uint8Array): Promise<void> {
    if (this.#opts.dataSectionCrc) this.#dataCrc = zlib.crc32(buf, this.#dataCrc);
    await this.#writev([buf], buf.byteLength);
  }

  async #writeMetadata(name: string, metadata: Map<string, string>): Promise<void> {
    const b = new McapRecordBuilder();
    const length = b.writeMetadata({ name, metadata });
    this.#metadataIndexes.push({ name, offset: BigInt(this.#position), length });
    await this.#writeTop(b.buffer.slice());
  }

  /** Wait for every queued chunk to reach the file (does not close the open chunk). */
  async flush(): Promise<void> {
    this.#seal();
    await this.#chain;
    await Promise.allSettled([...this.#inflight]);
    if (this.#error) throw this.#error;
  }

  /**
   * Close: write the last chunk, the stats metadata, DataEnd and the summary (schema, channels,
   * statistics, metadata and chunk indexes, summary offsets), footer and magic; fsync; close.
   */
  async close(stats: readonly ChannelStats[]): Promise<void> {
    if (this.#closed) return;
    try {
      await this.flush();
      this.#closed = true;
      await this.#writeMetadata(META_STATS, new Map([['channels', JSON.stringify(stats)]]));
      const b = new McapRecordBuilder();
      b.writeDataEnd({ dataSectionCrc: this.#opts.dataSectionCrc ? this.#dataCrc >>> 0 : 0 });
      const dataEnd = b.buffer.slice();
      await this.#writev([dataEnd], dataEnd.byteLength);
      const summaryStart = this.#position;
      const s = new McapRecordBuilder();
      const groups: { groupOpcode: number; groupStart: bigint; groupLength: bigint }[] = [];
      const group = (opcode: number, fn: () => bigint): void => {
        const start = BigInt(summaryStart + s.length);
        const len = fn();
        if (len > 0n) groups.push({ groupOpcode: opcode, groupStart: start, groupLength: len });
      };
      group(Opcode.SCHEMA, () => s.writeSchema(this.#schemaRecord));
      group(Opcode.CHANNEL, () => this.#channelRecords.reduce((acc, c) => acc + s.writeChannel(c), 0n));
      const hasMsgs = this.#messageCount > 0;
      group(Opcode.STATISTICS, () => s.writeStatistics({
        messageCount: BigInt(this.#messageCount), schemaCount: 1, channelCount: this.#channelRecords.length, attachmentCount: 0,
        metadataCount: this.#metadataIndexes.length, chunkCount: this.#chunkIndexes.length,
        messageStartTime: hasMsgs ? this.#epoch0 + BigInt(this.#minDelta) : 0n, messageEndTime: hasMsgs ? this.#epoch0 + BigInt(this.#maxDelta) : 0n,
        channelMessageCounts: this.#channelMessageCounts,
      }));
      group(Opcode.METADATA_INDEX, () => this.#metadataIndexes.reduce((acc, m) => acc + s.writeMetadataIndex(m), 0n));
      group(Opcode.CHUNK_INDEX, () => this.#chunkIndexes.reduce((acc, c) => acc + s.writeChunkIndex(c), 0n));
      const summaryOffsetStart = summaryStart + s.length;
      for (const g of groups) s.writeSummaryOffset(g);
      const summary = s.buffer.slice();
      const foot = new Uint8Array(1 + 8 + 8 + 8 + 4 + 8);
      const fv = new DataView(foot.buffer);
      fv.setUint8(0, Opcode.FOOTER);
      setU64(fv, 1, 8 + 8 + 4);
      setU64(fv, 9, summaryStart);
      setU64(fv, 17, summaryOffsetStart);
      const crc = zlib.crc32(foot.subarray(0, 25), zlib.crc32(summary));
      fv.setUint32(25, crc >>> 0, true);
      foot.set([137, 77, 67, 65, 80, 48, 13, 10], 29);
      await this.#writev([summary, foot], summary.byteLength + foot.byteLength);
      await this.#fh.sync();
    } finally {
      this.#closed = true;
      await this.#fh.close().catch(() => undefined);
    }
  }

  /** Abandon the file without a summary (used by tests to mimic a crash); releases queued frames. */
  async abort(): Promise<void> {
    this.#closed = true;
    await this.#chain;
    await Promise.allSettled([...this.#inflight]);
    releaseAll(this.#cur);
    this.#cur.count = 0;
    await this.#fh.close().catch(() => undefined);
  }
}
