/**
 * Export frames of a recording: one frame (raw as recorded, or processed by a cascade) as `.npy`
 * and PNG, and a time range of raw frames as an `.npy` stack (frames × lines × samples), streamed
 * to disk frame by frame so a long range never has to fit in memory.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { DType, FRAME_HEADER_BYTES } from '../../shared/frame-header';
import type { CascadeSpec } from '../../shared/cascade-spec';
import { npyHeader, writeNpy } from '../../shared/npy';
import type { StageData, SampleArray } from '../../cascade/processor';
import { createTsProcessor } from '../../cascade/runner';
import { payloadArray, SAMPLE_DTYPE } from '../replay/mcap-frame-source';
import type { ChannelMeta } from './format';
import { encodeGrayPng, toGray8 } from './png';
import type { ChannelFrames, Recording } from './recording';

/** A raw frame (payload bytes of `meta`'s geometry) as .npy bytes, shape (lines, samples). */
export function rawFrameNpy(meta: ChannelMeta, payload: Uint8Array): Uint8Array {
  return writeNpy(payloadArray(meta.dtype, payload), [meta.lines, meta.samples]);
}

/** A raw frame as PNG: uint8/uint16 samples kept exactly (8/16-bit gray), floats windowed min..max to 8 bit. */
export function rawFramePng(meta: ChannelMeta, payload: Uint8Array): Uint8Array {
  const a = payloadArray(meta.dtype, payload);
  const px = meta.dtype === DType.U8 || meta.dtype === DType.U16 ? (a as Uint8Array | Uint16Array) : toGray8(a);
  return encodeGrayPng(px, meta.samples, meta.lines);
}

function realData(d: StageData): SampleArray {
  if (d.complex) throw new Error('export: complex stage data cannot be exported as an image or a real array (pick a magnitude stage)');
  return d.data;
}

export function stageDataNpy(d: StageData): Uint8Array {
  return writeNpy(realData(d), [d.lines, d.samples]);
}

export function stageDataPng(d: StageData): Uint8Array {
  const a = realData(d);
  return encodeGrayPng(a instanceof Uint8Array || a instanceof Uint16Array ? a : toGray8(a), d.samples, d.lines);
}

/**
 * Run `spec` over frame `index` of `ch` (TS reference processor) and return its `display` output.
 * Aux inputs (e.g. `ref`) take the reference channel's frame at or before the same time. Stateful
 * stages (running means, NLMS) start fresh: `warmupFrames` preceding frames are run first to settle them.
 */
export async function processFrame(rec: Recording, ch: ChannelFrames, index: number, spec: CascadeSpec, warmupFrames = 0): Promise<StageData> {
  const p = createTsProcessor();
  const m = ch.meta;
  const r = p.configure(spec, { lines: m.lines, samples: m.samples, dtype: SAMPLE_DTYPE[m.dtype] });
  if (!r.ok) throw new Error(`export: cascade rejected:\n${r.errors.join('\n')}`);
  const auxNames = Object.keys(spec.input?.aux ?? {});
  const ref = rec.channels.find((c) => c.meta.reference);
  if (auxNames.length && !ref) throw new Error(`export: the cascade needs aux input(s) ${auxNames.join(', ')} but the recording has no reference channel`);
  const inputs = { input: undefined as unknown as SampleArray, aux: {} as Record<string, SampleArray> };
  for (let i = Math.max(0, index - warmupFrames); i <= index; i++) {
    inputs.input = payloadArray(m.dtype, (await rec.readFrame(ch, i)).subarray(FRAME_HEADER_BYTES)) as SampleArray;
    if (ref) {
      const j = Math.max(0, rec.frameAtOrBefore(ref, ch.timeNs[i]));
      const a = payloadArray(ref.meta.dtype, (await rec.readFrame(ref, j)).subarray(FRAME_HEADER_BYTES)) as SampleArray;
      for (const n of auxNames) inputs.aux[n] = a;
    }
    p.run(inputs);
  }
  const out = p.output('display');
  const copy = { ...out, data: out.data.slice() as SampleArray };
  p.dispose();
  return copy;
}

/** Frames of `ch` with startNs ≤ t ≤ endNs, as an .npy stack written to `outPath`. Returns the frame count. */
export async function exportRangeNpy(rec: Recording, ch: ChannelFrames, startNs: number, endNs: number, outPath: string): Promise<number> {
  if (!(endNs >= startNs)) throw new RangeError(`export: empty time range ${startNs}..${endNs} ns`);
  let first = rec.frameAtOrBefore(ch, startNs);
  if (first < 0 || ch.timeNs[first] < startNs) first++;
  const last = rec.frameAtOrBefore(ch, endNs);
  const n = Math.max(0, last - first + 1);
  if (n === 0) throw new RangeError(`export: channel ${ch.meta.channel} has no frames between ${(startNs / 1e9).toFixed(3)} s and ${(endNs / 1e9).toFixed(3)} s`);
  const m = ch.meta;
  const fd = openSync(outPath, 'w');
  try {
    writeSync(fd, npyHeader(SAMPLE_DTYPE[m.dtype], [n, m.lines, m.samples]));
    for (let i = first; i <= last; i++) writeSync(fd, (await rec.readFrame(ch, i)).subarray(FRAME_HEADER_BYTES));
  } finally {
    closeSync(fd);
  }
  return n;
}
