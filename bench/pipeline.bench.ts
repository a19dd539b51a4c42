/**
 * `npm run bench:pipeline [-- --smoke] [--max N] [--warm S] [--measure S]`
 *
 * The live pipeline end to end on this machine: native simulated device (600×1024 uint16, 30 fps per
 * channel) → rings → one worker process per channel → display frames relayed to the host. For the
 * reference cascade and the light preset it finds the largest channel count sustained at 30 fps with
 * no skipped frames (every channel ≥ 95 % of 30 fps out, zero latest-wins skips and zero source gaps
 * over the measurement window), searching 1, 2, 4, 8… then bisecting, and reports ring-write →
 * display-frame latency p50/p99 (worker sent, and host relay delivery) at that count.
 *
 * The peer, measured in the same run: the same cascade run in this process on the same frames
 * (compute only, no rings/processes), giving the ideal channel count `cores × 1000 / (30 × ms)`;
 * `efficiency` = sustained / ideal shows what the pipeline costs on top of the arithmetic.
 * `--smoke`: one channel per cascade, short windows; still valid JSON.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CascadeSpec } from '../src/shared/cascade-spec';
import { DEFAULT_LINES, DEFAULT_SAMPLES, REFERENCE_CHANNEL_ID, ringName } from '../src/shared/device';
import { Hop, TIMING_OFFSET } from '../src/shared/display-frame';
import { DType } from '../src/shared/frame-header';
import { Engine } from '../src/engine/engine';
import { loadNative } from '../src/native/load';
import { processorFactory } from '../src/workers/processors';
import { fastPathSupports } from '../src/native/cascade-fast';
import type { ProcessorPath } from '../src/workers/protocol';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const SMOKE = argv.includes('--smoke');
const opt = (f: string, d: number) => {
  const i = argv.indexOf(f);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const FPS = 30;
const MAX = opt('--max', SMOKE ? 1 : 16);
const WARM_S = opt('--warm', SMOKE ? 1 : 2);
const MEASURE_S = opt('--measure', SMOKE ? 1.5 : 4);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pct(sorted: Float64Array, q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
const r2 = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);

interface Trial {
  channels: number;
  ok: boolean;
  why: string;
  fpsOutMin: number;
  skipped: number;
  gaps: number;
  sentMsP50: number | null;
  sentMsP99: number | null;
  relayMsP50: number | null;
  relayMsP99: number | null;
  cascadeMsP50: number | null;
  path: string;
  load1: number;
}

async function trial(cascade: CascadeSpec, path: ProcessorPath, channels: number): Promise<Trial> {
  const engine = await Engine.start({ channels, fps: FPS, cascade, processor: path, log: () => {}, prefix: `spb${process.pid}n${channels}` });
  const native = engine.native;
  const cap = Math.ceil(channels * FPS * (MEASURE_S + 1));
  const sent = new Float64Array(cap);
  const relay = new Float64Array(cap);
  let n = 0;
  let measuring = false;
  engine.onDisplayFrame((f) => {
    if (!measuring || n >= cap) return;
    const now = native.monotonicNs();
    const t = new Float64Array(f.bytes.buffer, f.bytes.byteOffset + TIMING_OFFSET, 8);
    sent[n] = (t[Hop.Sent] - t[Hop.RingWrite]) / 1e6;
    relay[n] = (now - t[Hop.RingWrite]) / 1e6;
    n++;
  });
  try {
    await sleep(WARM_S * 1000);
    const before = engine.info.channels.map((c) => ({ ...engine.workerStats(c)! }));
    const t0 = Date.now();
    measuring = true;
    await sleep(MEASURE_S * 1000);
    measuring = false;
    const dt = (Date.now() - t0) / 1000;
    const after = engine.info.channels.map((c) => engine.workerStats(c)!);
    const fpsOut = after.map((a, i) => (a.framesOut - before[i].framesOut) / dt);
    const skipped = after.reduce((s, a, i) => s + a.skipped - before[i].skipped, 0);
    const gaps = after.reduce((s, a, i) => s + a.gaps - before[i].gaps, 0);
    const restarts = engine.health().reduce((s, h) => s + h.restarts, 0);
    const fpsOutMin = Math.min(...fpsOut);
    const why = restarts ? `${restarts} restart(s)` : skipped ? `${skipped} skipped` : gaps ? `${gaps} source gaps` : fpsOutMin < 0.95 * FPS ? `min fps out ${fpsOutMin.toFixed(1)}` : '';
    const s = sent.subarray(0, n).sort();
    const rl = relay.subarray(0, n).sort();
    return {
      channels, ok: !why, why, fpsOutMin: r2(fpsOutMin)!, skipped, gaps,
      sentMsP50: r2(pct(s, 0.5)), sentMsP99: r2(pct(s, 0.99)), relayMsP50: r2(pct(rl, 0.5)), relayMsP99: r2(pct(rl, 0.99)),
      cascadeMsP50: r2(after.reduce((m, a) => m + a.cascadeMsP50, 0) / after.length),
      path: after[0]?.processorPath ?? path, load1: r2(loadavg()[0])!,
    };
  } finally {
    await engine.stop();
  }
}

/** Compute-only peer: the same cascade in this process on sim frames copied from a ring. */
async function computeOnly(cascade: CascadeSpec, path: ProcessorPath): Promise<{ msPerFrameP50: number | null; path: string }> {
  const native = loadNative();
  const prefix = `spbc${process.pid}`;
  const dev = native.createSimDevice({ prefix, channels: 1, fps: FPS });
  dev.start();
  try {
    const n = DEFAULT_LINES * DEFAULT_SAMPLES;
    const input = new Uint16Array(n);
    const ref = new Uint16Array(n);
    const hdr = new Uint8Array(64);
    const info = new Float64Array(8);
    const c0 = native.openRing(ringName(prefix, 0));
    const cr = native.openRing(ringName(prefix, REFERENCE_CHANNEL_ID));
    const deadline = Date.now() + 3000;
    while ((c0.latestSeq() === 0 || cr.latestSeq() === 0) && Date.now() < deadline) await sleep(20);
    c0.readLatest(hdr, input, info);
    cr.readLatest(hdr, ref, info);
    c0.close();
    cr.close();
    const shape = { lines: DEFAULT_LINES, samples: DEFAULT_SAMPLES, dtype: 'uint16' as const };
    const proc = processorFactory(path)(cascade, shape);
    const res = proc.configure(cascade, shape);
    if (!res.ok) throw new Error(res.errors.join('; '));
    const frame = { input, aux: { ref } };
    const reps = SMOKE ? 8 : 40;
    const ms = new Float64Array(reps);
    for (let i = 0; i < 3; i++) proc.run(frame);
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      proc.run(frame);
      ms[i] = performance.now() - t0;
    }
    proc.dispose();
    return { msPerFrameP50: r2(pct(ms.sort(), 0.5)), path: proc.path };
  } finally {
    dev.close();
  }
}

async function capacity(name: string, path: ProcessorPath) {
  const cascade = JSON.parse(readFileSync(resolve(ROOT, 'resources/cascades', `${name}.json`), 'utf8')) as CascadeSpec;
  const peer = await computeOnly(cascade, path);
  const trials: Trial[] = [];
  const run = async (c: number) => {
    const t = await trial(cascade, path, c);
    trials.push(t);
    console.error(`[bench:pipeline] ${name}/${path} ${c} ch: ${t.ok ? 'ok' : `no (${t.why})`} sent p50/p99 ${t.sentMsP50}/${t.sentMsP99} ms, relay p99 ${t.relayMsP99} ms, load ${t.load1}`);
    return t.ok;
  };
  // 1, 2, 4, ... until a failure, then bisect between the last pass and the first failure.
  let good = 0;
  let bad = MAX + 1;
  for (let c = 1; c <= MAX; c *= 2) {
    if (await run(c)) good = c;
    else {
      bad = c;
      break;
    }
  }
  if (bad === MAX + 1 && good < MAX && good * 2 > MAX && !SMOKE) {
    if (await run(MAX)) good = MAX;
    else bad = MAX;
  }
  while (bad - good > 1 && !SMOKE) {
    const mid = Math.floor((good + bad) / 2);
    if (await run(mid)) good = mid;
    else bad = mid;
  }
  const best = trials.find((t) => t.channels === good && t.ok) ?? null;
  const cores = availableParallelism();
  const ideal = peer.msPerFrameP50 ? (cores * 1000) / (FPS * peer.msPerFrameP50) : null;
  const shape = { lines: DEFAULT_LINES, samples: DEFAULT_SAMPLES, dtype: 'uint16' as const };
  return {
    cascade: name,
    requestedPath: path,
    fastPath: path === 'ts' ? 'not requested' : fastPathSupports(cascade, shape) ?? 'supported',
    path: best?.path ?? trials[0]?.path ?? path,
    sustainedChannels: good,
    searchedUpTo: MAX,
    latencyAtSustained: best ? { ringToSentMsP50: best.sentMsP50, ringToSentMsP99: best.sentMsP99, ringToHostMsP50: best.relayMsP50, ringToHostMsP99: best.relayMsP99 } : null,
    peerComputeOnly: { msPerFrameP50: peer.msPerFrameP50, path: peer.path, idealChannels: ideal === null ? null : r2(ideal) },
    efficiency: ideal ? r2(good / ideal) : null,
    trials,
  };
}

async function main() {
  const t0 = Date.now();
  const results = [];
  results.push(await capacity('reference', 'auto'));
  results.push(await capacity('light', 'auto'));
  if (!SMOKE) results.push(await capacity('reference', 'ts'));
  const out = {
    bench: 'pipeline',
    smoke: SMOKE,
    fps: FPS,
    frame: { lines: DEFAULT_LINES, samples: DEFAULT_SAMPLES, dtype: DType[DType.U16] },
    criterion: 'every channel >= 95% of fps out, 0 skipped, 0 source gaps over the window',
    windows: { warmS: WARM_S, measureS: MEASURE_S },
    cores: availableParallelism(),
    load1AtStart: r2(loadavg()[0]),
    results,
    wallS: r2((Date.now() - t0) / 1000),
  };
  console.log(JSON.stringify(out, null, 2));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench:pipeline failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  },
);
