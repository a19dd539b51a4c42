/**
 * `specula record` — record the simulated device headless into an MCAP file.
 */
import { DEFAULT_FPS, DEFAULT_LINES, DEFAULT_SAMPLES } from '../shared/device';
import { fmtBytes, numOpt, parseArgs, parseDuration, runCommand, strOpt, UsageError } from '../engine/record/cli-args';
import { recordSim } from '../engine/record/sim-session';
import type { Compression } from '../engine/record/compression';
import { loadNative } from '../native/load';
import { findPresetDir, loadCascadeArg } from './server/presets';

const USAGE = `usage: specula record --duration T --out FILE.mcap [options]

  --duration T        how long: 10, 10s, 500ms, 2m
  --out FILE          the recording to write
  --channels N        optical channels of the simulated device (default 4)
  --only LIST         record only these channel ids, e.g. 0,1,255 (default: all + reference)
  --fps F             frames per second per channel (default ${DEFAULT_FPS})
  --lines L --samples S   frame geometry (default ${DEFAULT_LINES} × ${DEFAULT_SAMPLES} uint16)
  --seed N            simulator seed (default 12345)
  --no-reference      no hum reference channel
  --compression none|lz4   chunk compression (default none)
  --note TEXT         operator note stored in the file
  --cascade P|FILE    cascade preset or JSON stored as each optical channel's cascade`;

export async function main(argv: string[]): Promise<number> {
  return runCommand('record', USAGE, async () => {
    const a = parseArgs(argv, ['duration', 'out', 'channels', 'only', 'fps', 'lines', 'samples', 'seed', 'compression', 'note', 'cascade'], ['no-reference', 'help']);
    if (a.opts.has('help')) { console.log(USAGE); return 0; }
    if (a.positional.length) throw new UsageError(`unexpected argument ${a.positional[0]}`);
    const out = strOpt(a, 'out');
    const dur = strOpt(a, 'duration');
    if (!out || !dur) throw new UsageError('--duration and --out are required');
    const compression = (strOpt(a, 'compression') ?? 'none') as Compression;
    if (compression !== 'none' && compression !== 'lz4') throw new UsageError(`--compression must be none or lz4, got ${compression}`);
    const only = strOpt(a, 'only')?.split(',').map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`--only: bad channel id ${JSON.stringify(s)}`);
      return n;
    });
    let stop!: () => void;
    const abort = new Promise<void>((r) => { stop = r; });
    const onSig = (): void => stop();
    process.once('SIGINT', onSig);
    process.once('SIGTERM', onSig);
    try {
      const fin = await recordSim(loadNative(), {
        out, durationS: parseDuration(dur), channels: numOpt(a, 'channels', 4, { int: true, min: 1, max: 64 }),
        fps: numOpt(a, 'fps', DEFAULT_FPS, { min: 0.1, max: 1000 }), lines: numOpt(a, 'lines', DEFAULT_LINES, { int: true, min: 1 }),
        samples: numOpt(a, 'samples', DEFAULT_SAMPLES, { int: true, min: 1 }), seed: numOpt(a, 'seed', 12345, { int: true, min: 0 }),
        reference: !a.opts.has('no-reference'), only, compression, note: strOpt(a, 'note'), abort,
        cascade: strOpt(a, 'cascade') ? loadCascadeArg(findPresetDir(), strOpt(a, 'cascade')!) : undefined,
        onProgress: (s) => console.log(`recording ${(s.elapsedMs / 1000).toFixed(1)} s  ${fmtBytes(s.bytes)}  frames ${s.framesRecorded}  dropped ${s.framesDropped}`),
      });
      console.log(`${out}: ${fin.state}, ${(fin.elapsedMs / 1000).toFixed(1)} s, ${fmtBytes(fin.bytes)}, ${fin.framesRecorded} frames, ${fin.framesDropped} dropped (${fin.channels.map((c) => `ch${c.channel}:${c.recorded}/${c.dropped}`).join(' ')})`);
      if (fin.error) console.error(`error: ${fin.error}`);
      return fin.state === 'stopped' ? 0 : 1;
    } finally {
      process.off('SIGINT', onSig);
      process.off('SIGTERM', onSig);
    }
  });
}
