/**
 * `specula export` — frames of a recording as NumPy / PNG:
 *   one frame, raw as recorded or processed by a cascade, as .npy and/or PNG;
 *   a time range of raw frames as an .npy stack (frames × lines × samples).
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FRAME_HEADER_BYTES } from '../shared/frame-header';
import type { CascadeSpec } from '../shared/cascade-spec';
import { numOpt, parseArgs, runCommand, strOpt, UsageError } from '../engine/record/cli-args';
import { exportRangeNpy, processFrame, rawFrameNpy, rawFramePng, stageDataNpy, stageDataPng } from '../engine/record/export';
import { Recording } from '../engine/record/recording';
import { pickChannel } from '../engine/replay/mcap-frame-source';
import { findPresetDir, loadCascadeArg } from './server/presets';

const USAGE = `usage: specula export FILE.mcap [--channel N|ref] (--frame I | --time SEC | --range A:B) [options]

  --channel N|ref     channel to export (default: the first non-reference channel)
  --frame I           frame index (0-based) of that channel
  --time SEC          the frame at or before SEC seconds from the start
  --range A:B         every raw frame with A ≤ t ≤ B seconds, as one .npy stack
  --processed         run a cascade over the frame and export its display output
  --cascade P|FILE    cascade preset or JSON for --processed (default: the one stored for the channel)
  --warmup N          frames run before the exported one to settle stateful stages (default 0)
  --format npy|png|both   (default both; a range is always .npy)
  --out PATH          output file (its extension is replaced per format) or folder (default: .)`;

export async function main(argv: string[]): Promise<number> {
  return runCommand('export', USAGE, async () => {
    const a = parseArgs(argv, ['channel', 'frame', 'time', 'range', 'cascade', 'warmup', 'format', 'out'], ['processed', 'help']);
    if (a.opts.has('help')) { console.log(USAGE); return 0; }
    if (a.positional.length !== 1) throw new UsageError('expected exactly one recording file');
    const picks = ['frame', 'time', 'range'].filter((k) => a.opts.has(k));
    if (picks.length !== 1) throw new UsageError('give exactly one of --frame, --time or --range');
    const format = strOpt(a, 'format') ?? 'both';
    if (!['npy', 'png', 'both'].includes(format)) throw new UsageError(`--format must be npy, png or both, got ${format}`);
    const rec = await Recording.open(a.positional[0]);
    try {
      const ch = pickChannel(rec, strOpt(a, 'channel'));
      const outArg = strOpt(a, 'out') ?? '.';
      const isDir = existsSync(outArg) && statSync(outArg).isDirectory();
      const stemOf = (what: string): string => (isDir ? join(outArg, `${basename(rec.path).replace(/\.mcap$/i, '')}-ch${ch.meta.channel}-${what}`) : outArg.replace(/\.(npy|png)$/i, ''));
      const files: string[] = [];
      if (a.opts.has('range')) {
        const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(strOpt(a, 'range') ?? '');
        if (!m) throw new UsageError('--range must be A:B in seconds, e.g. 0.5:2');
        const file = `${stemOf(`${m[1]}-${m[2]}s`)}.npy`;
        const n = await exportRangeNpy(rec, ch, Number(m[1]) * 1e9, Number(m[2]) * 1e9, file);
        console.log(`${file}: ${n} frames of ${ch.meta.lines}×${ch.meta.samples}`);
        return 0;
      }
      const index = a.opts.has('frame') ? numOpt(a, 'frame', 0, { int: true, min: 0 }) : rec.frameAtOrBefore(ch, numOpt(a, 'time', 0, { min: 0 }) * 1e9);
      if (index < 0 || index >= ch.count) throw new UsageError(`frame ${index} is out of range (channel ${ch.meta.channel} has ${ch.count} frames)`);
      let npy: Uint8Array;
      let png: Uint8Array;
      let what = `f${index}`;
      if (a.opts.has('processed')) {
        let spec: CascadeSpec;
        const arg = strOpt(a, 'cascade');
        if (arg) spec = loadCascadeArg(findPresetDir(), arg);
        else {
          const stored = rec.channelExtra.get(ch.meta.channel)?.cascade;
          if (!stored || typeof stored !== 'object') throw new UsageError(`no cascade stored for channel ${ch.meta.channel}: pass --cascade PRESET|FILE`);
          spec = stored as CascadeSpec;
        }
        const d = await processFrame(rec, ch, index, spec, numOpt(a, 'warmup', 0, { int: true, min: 0 }));
        npy = stageDataNpy(d);
        png = stageDataPng(d);
        what += '-processed';
      } else {
        const payload = (await rec.readFrame(ch, index)).subarray(FRAME_HEADER_BYTES);
        npy = rawFrameNpy(ch.meta, payload);
        png = rawFramePng(ch.meta, payload);
      }
      const stem = stemOf(what);
      if (format !== 'png') { writeFileSync(`${stem}.npy`, npy); files.push(`${stem}.npy`); }
      if (format !== 'npy') { writeFileSync(`${stem}.png`, png); files.push(`${stem}.png`); }
      console.log(`channel ${ch.meta.channel} frame ${index} (t = ${(ch.timeNs[index] / 1e9).toFixed(3)} s) → ${files.join(', ')}`);
      return 0;
    } finally {
      await rec.close();
    }
  });
}
