/**
 * `specula run --channels N --fps F --cascade FILE --duration T [--json]`
 *
 * Runs the simulated device and one cascade worker per channel headless (no UI), then prints
 * per-channel health: a table, or JSON with `--json`. Ctrl-C stops early and still prints the
 * report; either way no process and no /dev/shm segment is left behind.
 */
import type { CascadeSpec } from '../shared/cascade-spec';
import type { ChannelHealth } from '../shared/health';
import { Engine } from '../engine/engine';
import type { ProcessorPath } from '../workers/protocol';
import { findPresetDir, loadCascadeArg } from './server/presets';
import { parseNumberFlag } from './server/serve-args';

const USAGE = `usage: specula run --cascade FILE|PRESET [--channels N] [--fps F] [--duration SECONDS]
                   [--path auto|ts|fast] [--lines L] [--samples S] [--json]

Runs the simulated device and one cascade process per channel without a UI and prints each
channel's health at the end (table, or JSON with --json).

  --cascade   cascade JSON file, or a preset name from resources/cascades (e.g. reference, light)
  --channels  optical channels (default 4)
  --fps       frames per second per channel (default 30)
  --duration  seconds to run (default 10); Ctrl-C stops early
  --path      cascade implementation: auto (default: compiled fast path when it supports the
              cascade, else TypeScript), ts (TypeScript reference path) or fast (compiled)
  --lines, --samples  frame geometry (default 600 x 1024)
  --json      print a JSON report instead of the table`;

export interface RunArgs {
  cascade: string;
  channels: number;
  fps: number;
  duration: number;
  path: ProcessorPath;
  lines?: number;
  samples?: number;
  json: boolean;
}

/** Parse argv; throws an Error naming the bad option. */
export function parseRunArgs(argv: string[]): RunArgs | 'help' {
  const a: Partial<RunArgs> & { json: boolean } = { json: false };
  const num = (name: string, v: string | undefined, min: number, max: number, int = true): number => parseNumberFlag(`--${name}`, v, min, max, int);
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    switch (k) {
      case '-h': case '--help': return 'help';
      case '--json': a.json = true; break;
      case '--cascade': if (!v) throw new Error('--cascade: expected a file or preset name'); a.cascade = v; i++; break;
      case '--channels': a.channels = num('channels', v, 1, 64); i++; break;
      case '--fps': a.fps = num('fps', v, 0.1, 1000, false); i++; break;
      case '--duration': a.duration = num('duration', v, 0.1, 86_400, false); i++; break;
      case '--lines': a.lines = num('lines', v, 1, 16384); i++; break;
      case '--samples': a.samples = num('samples', v, 1, 65536); i++; break;
      case '--path':
        if (v !== 'auto' && v !== 'ts' && v !== 'fast' && v !== 'test') throw new Error(`--path: expected auto, ts or fast, got ${JSON.stringify(v)}`);
        a.path = v; i++; break;
      default: throw new Error(`unknown option ${JSON.stringify(k)}`);
    }
  }
  if (!a.cascade) throw new Error('--cascade is required (a cascade JSON file or a preset name)');
  return { cascade: a.cascade, channels: a.channels ?? 4, fps: a.fps ?? 30, duration: a.duration ?? 10, path: a.path ?? 'auto', lines: a.lines, samples: a.samples, json: a.json };
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');

/** The health table of `specula run`. */
export function formatHealthTable(rows: (ChannelHealth & { latencyMsP50?: number; latencyMsP99?: number })[]): string {
  const head = ['ch', 'state', 'fps in', 'fps out', 'skipped', 'gaps', 'casc p50', 'casc p99', 'lat p50', 'lat p99', 'age ms', 'restarts', 'last error'];
  const body = rows.map((r) => [
    r.label, r.state, f1(r.fpsIn), f1(r.fpsOut), String(r.skipped), String(r.gaps), f2(r.cascadeMsP50), f2(r.cascadeMsP99),
    f2(r.latencyMsP50 ?? NaN), f2(r.latencyMsP99 ?? NaN), f1(r.lastFrameAgeMs), String(r.restarts), r.lastError ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  let args: RunArgs | 'help';
  try {
    args = parseRunArgs(argv);
  } catch (e) {
    console.error(`specula run: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    console.log(USAGE);
    return 0;
  }
  let cascade: CascadeSpec;
  try {
    cascade = loadCascadeArg(findPresetDir(), args.cascade);
  } catch (e) {
    console.error(`specula run: ${(e as Error).message}`);
    return 2;
  }
  // Signals are handled from the very start: Ctrl-C while the workers boot still stops cleanly.
  let interrupted = false;
  let wake: () => void = () => {};
  const onSig = () => {
    interrupted = true;
    wake();
  };
  process.on('SIGINT', onSig);
  process.on('SIGTERM', onSig);
  try {
    const t0 = Date.now();
    let engine: Engine;
    try {
      engine = await Engine.start({ channels: args.channels, fps: args.fps, cascade, processor: args.path, lines: args.lines, samples: args.samples });
    } catch (e) {
      console.error(`specula run: could not start: ${(e as Error).message}`);
      return 1;
    }
    const startupMs = Date.now() - t0;
    if (!interrupted) {
      await new Promise<void>((res) => {
        const timer = setTimeout(res, args.duration * 1000);
        wake = () => {
          clearTimeout(timer);
          res();
        };
      });
    }
    return await report(engine, args, cascade, startupMs, interrupted);
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
}

async function report(engine: Engine, args: RunArgs, cascade: CascadeSpec, startupMs: number, interrupted: boolean): Promise<number> {
  const health = engine.health().map((h) => {
    const ws = engine.workerStats(h.channel);
    return { ...h, latencyMsP50: ws?.latencyMsP50 ?? NaN, latencyMsP99: ws?.latencyMsP99 ?? NaN, latencyMsMax: ws?.latencyMsMax ?? NaN, framesOut: ws?.framesOut ?? 0 };
  });
  await engine.stop();
  if (args.json) {
    const report = {
      channels: args.channels, fps: args.fps, cascade: typeof cascade.name === 'string' ? cascade.name : args.cascade, path: args.path,
      durationS: args.duration, interrupted, startupMs,
      health: health.map((h) => ({ ...h, lastFrameAgeMs: Number.isFinite(h.lastFrameAgeMs) ? h.lastFrameAgeMs : null })),
    };
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(`specula run: ${args.channels} channel(s) × ${args.fps} fps, cascade ${typeof cascade.name === 'string' ? cascade.name : args.cascade} (${args.path}), ${args.duration} s${interrupted ? ' (interrupted)' : ''}; startup ${startupMs} ms`);
    console.log(formatHealthTable(health));
    console.log('latency = ring write → display frame sent (ms); age = since the last display frame at the end of the run');
  }
  return health.every((h) => h.state === 'running') ? 0 : 1;
}
