/**
 * Frames of one channel of a recording as a synchronous, random-access frame source — the shape
 * `specula process` (src/host/cmd-process.ts) consumes, so a cascade can run in batch over a recording.
 */
import { DType, FRAME_HEADER_BYTES } from '../../shared/frame-header';
import type { SampleDType } from '../../shared/cascade-spec';
import { Recording, type ChannelFrames } from '../record/recording';
import { RecordingFormatError } from '../record/format';

export type SampleArrayOf = Uint8Array | Uint16Array | Float32Array | Float64Array;

export const SAMPLE_DTYPE: Record<DType, SampleDType> = { [DType.U8]: 'uint8', [DType.U16]: 'uint16', [DType.F32]: 'float32', [DType.F64]: 'float64' };

/** Typed view (aligned copy when needed) of a frame payload. */
export function payloadArray(dtype: DType, payload: Uint8Array, into?: SampleArrayOf): SampleArrayOf {
  const ctor = { [DType.U8]: Uint8Array, [DType.U16]: Uint16Array, [DType.F32]: Float32Array, [DType.F64]: Float64Array }[dtype];
  const n = payload.byteLength / ctor.BYTES_PER_ELEMENT;
  const out = into && into.constructor === ctor && into.length === n ? into : new ctor(n);
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(payload);
  return out;
}

export interface McapFrameSource {
  shape: { lines: number; samples: number; dtype: SampleDType };
  count: number;
  /** Frame i's samples; a reused buffer, valid until the next call. */
  frame(i: number): SampleArrayOf;
  /** Acquisition time of frame i, ns from the recording's first frame. */
  timeNs(i: number): number;
  describe: string;
  channel: number;
  close(): Promise<void>;
}

/** Pick a channel: a number, 'ref'/'reference' (the reference channel), or default the first non-reference one. */
export function pickChannel(rec: Recording, channel?: string | number): ChannelFrames {
  const list = rec.channels.map((c) => `${c.meta.channel}${c.meta.reference ? ' (reference)' : ''}`).join(', ');
  let ch: ChannelFrames | undefined;
  if (channel === undefined || channel === '') ch = rec.channels.find((c) => !c.meta.reference && c.count > 0) ?? rec.channels[0];
  else if (channel === 'ref' || channel === 'reference') ch = rec.channels.find((c) => c.meta.reference);
  else {
    const n = Number(channel);
    if (!Number.isInteger(n)) throw new RecordingFormatError(`channel must be a number or 'ref', got ${JSON.stringify(channel)}`);
    ch = rec.channel(n);
  }
  if (!ch) throw new RecordingFormatError(`${rec.path}: no channel ${String(channel)} (channels: ${list})`);
  if (ch.count === 0) throw new RecordingFormatError(`${rec.path}: channel ${ch.meta.channel} has no frames`);
  return ch;
}

export async function openMcapFrameSource(path: string, opts: { channel?: string | number } = {}): Promise<McapFrameSource> {
  const rec = await Recording.open(path);
  try {
    const ch = pickChannel(rec, opts.channel);
    const m = ch.meta;
    let buf: SampleArrayOf | undefined;
    return {
      shape: { lines: m.lines, samples: m.samples, dtype: SAMPLE_DTYPE[m.dtype] },
      count: ch.count,
      channel: m.channel,
      frame(i) {
        buf = payloadArray(m.dtype, rec.readFrameSync(ch, i).subarray(FRAME_HEADER_BYTES), buf);
        return buf;
      },
      timeNs: (i) => ch.timeNs[i],
      describe: `${path}: channel ${m.channel}${m.reference ? ' (reference)' : ''}, ${ch.count} frame${ch.count === 1 ? '' : 's'} of ${m.lines}×${m.samples} ${SAMPLE_DTYPE[m.dtype]}${rec.indexed ? '' : ' (unindexed: read up to the last complete chunk)'}`,
      close: () => rec.close(),
    };
  } catch (e) {
    await rec.close();
    throw e;
  }
}
