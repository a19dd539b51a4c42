/**
 * `npm run bench:pipeline [-- --smoke] [--max N] [--warm S] [--measure S]`
 *
 * The live pipeline end to end on this machine: native simulated device (600×1024 uint16, 30 fps per
 * channel) → rings → one worker process per channel → display frames relayed to the host. For the
 * reference cascade and the light preset it reports the largest channel count sustained at 30 fps
 * (every channel ≥ 95 % of 30 fps out, no source gap, no restart over the measurement window) with
 * no skipped frame (`sustainedChannels`, strict) and with at most 1 % skipped
 * (`sustainedChannelsWithin1PctSkips`, the search criterion: the machine is shared and noisy),
 * searching 1, 2, 4, 8… then bisecting, and the ring-write → display-frame latency p50/p99 (worker
 * sent, and host relay delivery) at that count, with the workers' CPU use and the load average.
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
  /** Strict: no skip at all. */
  ok: boolean;
  /** Tolerant: skips ≤ SKIP_TOL of the frames published (for a shared, noisy machine). */
  okTolerant: boolean;
  why: string;
  skippedPct: number;
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
  /** CPU time / wall time of each worker process over the window (1 = a full core). */
  workerCpu: (number | null)[];
}

const SKIP_TOL = 0.01;
const CLK_TCK = 100;

/** utime + stime of a process in seconds (Linux /proc), or null. */
function cpuSeconds(pid: number | null): number | null {
  if (!pid) return null;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  } catch {
    return null;
  }
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
    const pids = engine.info.channels.map((c) => engine.pid(c));
    const cpu0 = pids.map(cpuSeconds);
    const t0 = Date.now();
    measuring = true;
    await sleep(MEASURE_S * 1000);
    measuring = false;
    const dt = (Date.now() - t0) / 1000;
    const cpu1 = pids.map(cpuSeconds);
    const after = engine.info.channels.map((c) => engine.workerStats(c)!);
    const fpsOut = after.map((a, i) => (a.framesOut - before[i].framesOut) / dt);
    const skipped = after.reduce((s, a, i) => s + a.skipped - before[i].skipped, 0);
    const gaps = after.reduce((s, a, i) => s + a.gaps - before[i].gaps, 0);
    const restarts = engine.health().reduce((s, h) => s + h.restarts, 0);
    const fpsOutMin = Math.min(...fpsOut);
    const seen = after.reduce((s, a, i) => s + a.framesIn + a.skipped - before[i].framesIn - before[i].skipped, 0);
    const skippedPct = seen ? (100 * skipped) / seen : 0;
    const fail = restarts ? `${restarts} restart(s)` : gaps ? `${gaps} source gaps` : fpsOutMin < 0.95 * FPS ? `min fps out ${fpsOutMin.toFixed(1)}` : '';
    const why = fail || (skipped ? `${skipped} skipped (${skippedPct.toFixed(2)} %)` : '');
    const okTolerant = !fail && skippedPct <= SKIP_TOL * 100;
    const s = sent.subarray(0, n).sort();
    const rl = relay.subarray(0, n).sort();
    return {
      channels, ok: !why, okTolerant, why, skippedPct: r2(skippedPct)!, fpsOutMin: r2(fpsOutMin)!, skipped, gaps,
      sentMsP50: r2(pct(s, 0.5)), sentMsP99: r2(pct(s, 0.99)), relayMsP50: r2(pct(rl, 0.5)), relayMsP99: r2(pct(rl, 0.99)),
      cascadeMsP50: r2(after.reduce((m, a) => m + a.cascadeMsP50, 0) / after.length),
      path: after[0]?.processorPath ?? path, load1: r2(loadavg()[0])!,
      workerCpu: cpu1.map((c, i) => (c !== null && cpu0[i] !== null ? r2((c - cpu0[i]!) / dt) : null)),
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
    console.error(`[bench:pipeline] ${name}/${path} ${c} ch: ${t.ok ? 'ok' : t.okTolerant ? `within ${SKIP_TOL * 100} % (${t.why})` : `no (${t.why})`} sent p50/p99 ${t.sentMsP50}/${t.sentMsP99} ms, relay p99 ${t.relayMsP99} ms, worker cpu ${t.workerCpu.join('/')}, load ${t.load1}`);
    return t.okTolerant;
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
  const strict = trials.filter((t) => t.ok).reduce((m, t) => Math.max(m, t.channels), 0);
  const best = trials.find((t) => t.channels === strict && t.ok) ?? trials.find((t) => t.channels === good && t.okTolerant) ?? null;
  const cores = availableParallelism();
  const ideal = peer.msPerFrameP50 ? (cores * 1000) / (FPS * peer.msPerFrameP50) : null;
  const shape = { lines: DEFAULT_LINES, samples: DEFAULT_SAMPLES, dtype: 'uint16' as const };
  return {
    cascade: name,
    requestedPath: path,
    fastPath: path === 'ts' ? 'not requested' : fastPathSupports(cascade, shape) ?? 'supported',
    path: best?.path ?? trials[0]?.path ?? path,
    /** Largest channel count with zero skips (strict criterion), among the trials run. */
    sustainedChannels: strict,
    /** Largest channel count with ≤ 1 % of frames skipped (the search criterion; robust to a noisy machine). */
    sustainedChannelsWithin1PctSkips: good,
    searchedUpTo: MAX,
    latencyAt: best ? { channels: best.channels, ringToSentMsP50: best.sentMsP50, ringToSentMsP99: best.sentMsP99, ringToHostMsP50: best.relayMsP50, ringToHostMsP99: best.relayMsP99 } : null,
    /** One channel, whatever the verdict: the latency of the path itself. */
    latency1Channel: (() => {
      const t = trials.find((x) => x.channels === 1);
      return t ? { sustained: t.ok, ringToSentMsP50: t.sentMsP50, ringToSentMsP99: t.sentMsP99, ringToHostMsP50: t.relayMsP50, ringToHostMsP99: t.relayMsP99, cascadeMsP50: t.cascadeMsP50 } : null;
    })(),
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
    criterion: 'every channel >= 95% of fps out, 0 source gaps, no restart; strict: 0 skipped; search: <= 1% skipped',
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
