/**
 * The Specula recording format: an MCAP file (https://mcap.dev) with one MCAP channel per optical
 * channel. Defined here once; the writer, the reader, the recover and export commands and the docs
 * (docs/record.md) all follow this module.
 *
 * - Header record: profile `PROFILE` ("specula"), library "specula <version>".
 * - One schema `SCHEMA_NAME` with encoding `SCHEMA_ENCODING`; its data is `SCHEMA_TEXT` (a
 *   human-readable description of the message layout, so a stranger opening the file knows it).
 * - One MCAP channel per recorded device channel, topic `topicFor(channel)` ("/specula/ch/<id>/raw"),
 *   message encoding `MESSAGE_ENCODING`, channel metadata `ChannelMeta` (stringified numbers).
 * - Message data = the 64-byte frame header of src/shared/frame-header.ts followed by the raw
 *   samples (little-endian, `lines × samples` of the header's dtype), exactly as in the ring slot.
 *   MCAP `sequence` = low 32 bits of the header's sequence number; `logTime` = acquisition time as
 *   UNIX-epoch ns (recording start wall clock + monotonic delta), `publishTime` = ring-write time,
 *   same clock. The header keeps the original CLOCK_MONOTONIC stamps.
 * - Metadata records (MCAP `Metadata`, string → string maps, values JSON where noted):
 *   `META_SESSION` at the start (app version, start time, operator note, device config JSON, clock
 *   mapping), `META_CHANNEL_PREFIX + id` per channel (label, cascade JSON), `META_STATS` at the end
 *   (frames recorded and dropped-to-disk per channel). A file cut off by a crash has no
 *   `META_STATS`; its drops are then estimated from sequence gaps.
 * - Schema, channel and session metadata are written at the top level *before* the first chunk, so a
 *   truncated file still describes itself without decompressing anything; chunks then carry only
 *   messages. Chunks are closed by size or age (`maxChunkMs`) so a crash loses at most one chunk.
 */
import { DType, FRAME_HEADER_BYTES } from '../../shared/frame-header';

export const PROFILE = 'specula';
export const FORMAT_VERSION = 1;
export const SCHEMA_NAME = 'specula.RawFrame';
export const SCHEMA_ENCODING = 'specula-frame-v1';
export const MESSAGE_ENCODING = 'specula-frame-v1';
export const META_SESSION = 'specula.session';
export const META_CHANNEL_PREFIX = 'specula.channel.';
export const META_STATS = 'specula.stats';

/** Human-readable description stored as the schema's data. */
export const SCHEMA_TEXT = `specula.RawFrame v${FORMAT_VERSION}
Message data: 64-byte frame header, then payload (raw samples, little-endian, row-major lines x samples).
Header (little-endian): u32 magic "SPFH" @0, u16 version @4, u16 header bytes (64) @6, u32 channel @8,
u32 flags @12, u64 seq @16, u64 acquired CLOCK_MONOTONIC ns @24, u64 ring-write ns @32, u32 lines @40,
u32 samples @44, u16 dtype (1=u8 2=u16 3=f32 4=f64) @48, u16 reserved @50, u32 payload bytes @52, u64 reserved @56.
`;

/** MCAP topic of a device channel's raw frames. */
export function topicFor(channel: number): string {
  return `/specula/ch/${channel}/raw`;
}

/** Inverse of topicFor; null when the topic is not one of ours. */
export function channelOfTopic(topic: string): number | null {
  const m = /^\/specula\/ch\/(\d{1,5})\/raw$/.exec(topic);
  return m ? Number(m[1]) : null;
}

/** Geometry and identity of one recorded channel (stored as MCAP channel metadata). */
export interface ChannelMeta {
  channel: number;
  lines: number;
  samples: number;
  dtype: DType;
  label: string;
  reference: boolean;
}

export function channelMetaToMap(m: ChannelMeta): Map<string, string> {
  return new Map([
    ['channel', String(m.channel)],
    ['lines', String(m.lines)],
    ['samples', String(m.samples)],
    ['dtype', DType[m.dtype]],
    ['label', m.label],
    ['reference', m.reference ? '1' : '0'],
  ]);
}

/** Parse channel metadata; throws a RecordingFormatError naming the bad field. */
export function channelMetaFromMap(topic: string, map: ReadonlyMap<string, string>): ChannelMeta {
  const int = (k: string): number => {
    const v = map.get(k);
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < 0) throw new RecordingFormatError(`channel ${topic}: metadata '${k}' missing or not a non-negative integer (${JSON.stringify(v)})`);
    return n;
  };
  const dtName = map.get('dtype') ?? '';
  const dtype = (DType as unknown as Record<string, number>)[dtName];
  if (typeof dtype !== 'number') throw new RecordingFormatError(`channel ${topic}: unknown dtype ${JSON.stringify(dtName)}`);
  const m: ChannelMeta = { channel: int('channel'), lines: int('lines'), samples: int('samples'), dtype: dtype as DType, label: map.get('label') ?? '', reference: map.get('reference') === '1' };
  if (m.lines === 0 || m.samples === 0 || m.lines * m.samples > 64 * 1024 * 1024) throw new RecordingFormatError(`channel ${topic}: implausible geometry ${m.lines}x${m.samples}`);
  return m;
}

/** Session-level metadata written at the start of a recording. */
export interface SessionMeta {
  appVersion: string;
  /** ISO-8601 wall-clock time of the start. */
  startTime: string;
  operatorNote: string;
  /** Device / driver configuration (free-form JSON object). */
  device: Record<string, unknown>;
  /** Clock mapping: logTime(epoch ns) = epochNsAtStart + (monotonic ns − monoNsAtStart). Strings (u64). */
  epochNsAtStart: string;
  monoNsAtStart: string;
}

export function sessionMetaToMap(s: SessionMeta): Map<string, string> {
  return new Map([
    ['formatVersion', String(FORMAT_VERSION)],
    ['appVersion', s.appVersion],
    ['startTime', s.startTime],
    ['operatorNote', s.operatorNote],
    ['device', JSON.stringify(s.device)],
    ['epochNsAtStart', s.epochNsAtStart],
    ['monoNsAtStart', s.monoNsAtStart],
  ]);
}

export function sessionMetaFromMap(map: ReadonlyMap<string, string>): SessionMeta {
  let device: Record<string, unknown> = {};
  try {
    const d: unknown = JSON.parse(map.get('device') ?? '{}');
    if (d && typeof d === 'object') device = d as Record<string, unknown>;
  } catch {
    throw new RecordingFormatError(`metadata ${META_SESSION}: 'device' is not valid JSON`);
  }
  return {
    appVersion: map.get('appVersion') ?? '',
    startTime: map.get('startTime') ?? '',
    operatorNote: map.get('operatorNote') ?? '',
    device,
    epochNsAtStart: map.get('epochNsAtStart') ?? '0',
    monoNsAtStart: map.get('monoNsAtStart') ?? '0',
  };
}

/** Per-channel record of what went into the file, written at stop (`META_STATS`). */
export interface ChannelStats {
  channel: number;
  recorded: number;
  /** Frames the device published during the recording that are not in the file (queue full, recorder late). */
  dropped: number;
}

/** Per-channel extra metadata (label, cascade) under `META_CHANNEL_PREFIX + id`. */
export interface ChannelExtraMeta {
  label: string;
  /** The channel's cascade at record time (JSON of the cascade spec), or null. */
  cascade: unknown;
}

/** The message payload size of a channel: frame header + samples. */
export function messageBytes(m: Pick<ChannelMeta, 'lines' | 'samples' | 'dtype'>, dtypeBytes: number): number {
  return FRAME_HEADER_BYTES + m.lines * m.samples * dtypeBytes;
}

/** A problem with a recording file's content; the message names the problem. */
export class RecordingFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordingFormatError';
  }
}
