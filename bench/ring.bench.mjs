#!/usr/bin/env node
// Shared-memory ring benchmark. Prints one JSON object:
//   - memcpy: this machine's single-thread memcpy bandwidth (hot, and cycling ring-sized buffers),
//   - lossless: max lossless throughput of one channel (a producer process publishing 1.2 MB frames
//     as fast as the ring's lossless flow control lets it; this process reads every frame in order
//     with readNext + ack, sleeping in waitSync when the ring is empty; every sequence must arrive,
//     no gap, no overrun),
//   - latency: hand-off latency at 16 channels x 30 fps x 1.2 MB from the simulated device (native
//     thread in another process, channels staggered) to this process: consumer has the frame in its
//     own buffer (waitRead's copy done, tCopiedNs) minus acquisition time (tAcquiredNs), p50/p99/max;
//     also until the JS callback runs. Variants: the sim renders into the ring slot (zero-copy ABI
//     path, default threads), the sim hands over a staging buffer (copying emit path), and the
//     zero-copy path with the device and waiter threads as SCHED_FIFO (when permitted),
//   - socketPeer: the same stream forwarded over a Unix socket by the producer process (the
//     transport a ring replaces), with the ratio of its latency to the ring's.
// `--smoke`: a few seconds in all, still valid JSON. Usage: npm run bench:ring [-- --smoke]
import { spawn } from 'node:child_process';
import net from 'node:net';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const here = dirname(fileURLToPath(import.meta.url));
const addonPath = (() => {
  for (let d = here; ; d = dirname(d)) {
    const p = join(d, 'build', 'Release', 'specula_native.node');
    if (existsSync(p)) return p;
    if (dirname(d) === d) break;
  }
  console.error('ring.bench: build/Release/specula_native.node not found: run `npm run build:native` first');
  process.exit(1);
})();
const n = createRequire(import.meta.url)(addonPath);
const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const LINES = 600;
const SAMPLES = 1024;
const BYTES = LINES * SAMPLES * 2;
function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
function round(x, d) {
  return Math.round(x * 10 ** d) / 10 ** d;
}

// ------------------------------------------------------------------ child roles
const role = argv[argv.indexOf('--role') + 1];
if (argv.includes('--role')) {
  const args = JSON.parse(argv[argv.indexOf('--args') + 1]);
  const rl = createInterface({ input: process.stdin });
  if (role === 'lossless-producer-zc') {
    // Zero-copy producer: native, writes each payload in place in the slot (like a DMA engine).
    console.log('ready');
    rl.once('line', () => {
      const published = n.fillPublishLossless(args.name, LINES, SAMPLES, args.slots, args.ms / 1000);
      console.log(JSON.stringify({ published }));
      process.exit(0);
    });
  } else if (role === 'lossless-producer') {
    const p = n.createRing({ name: args.name, channel: 0, lines: LINES, samples: SAMPLES, dtype: 2, slots: args.slots, lossless: true, losslessTimeoutMs: 2000 });
    const frame = new Uint16Array(LINES * SAMPLES).map((_, i) => i * 7);
    console.log('ready');
    rl.once('line', () => {
      const end = Date.now() + args.ms;
      let seq = 0;
      while (Date.now() < end) {
        seq = p.publish(frame, n.monotonicNs());
      }
      console.log(JSON.stringify({ published: seq }));
      p.close();
      process.exit(0);
    });
  } else if (role === 'sim') {
    // args.realtime undefined = the default policy (SCHED_FIFO when permitted), false = opted out.
    const d = n.createSimDevice({ prefix: args.prefix, channels: args.channels, fps: args.fps, reference: false, copy: args.copy, realtime: args.realtime, slots: 4 });
    if (args.forward) forwardOverSocket(args);
    console.log('ready');
    rl.once('line', () => {
      d.start();
      rl.once('line', () => {
        console.log(JSON.stringify({ stats: d.stats(), realtime: d.realtime, realtimeState: d.realtimeState }));
        d.close();
        process.exit(0);
      });
    });
  }
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

/**
 * Peer transport (the socket path a ring replaces): in the producer's process, read every channel's
 * frames from its ring and write header + payload to one Unix socket (one copy per frame into a
 * fresh Buffer, since socket.write keeps a reference until the kernel took it).
 */
function forwardOverSocket(args) {
  const sock = net.connect(args.forward);
  sock.setNoDelay(true);
  for (let ch = 0; ch < args.channels; ch++) {
    const c = n.openRing(`/${args.prefix}-ch${ch}`);
    const frame = new Uint8Array(64 + BYTES);
    const hdr = frame.subarray(0, 64);
    const pay = frame.subarray(64);
    const info = new Float64Array(8);
    const onFrame = (st) => {
      if (st === 1) sock.write(Buffer.from(frame));
      if (st >= -1) c.waitRead(hdr, pay, info, 1000, onFrame);
    };
    c.waitRead(hdr, pay, info, 1000, onFrame);
  }
}

function startChild(roleName, args) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--role', roleName, '--args', JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  const waiters = [];
  createInterface({ input: child.stdout }).on('line', (l) => (waiters.length ? waiters.shift()(l) : lines.push(l)));
  return {
    child,
    line: () => (lines.length ? Promise.resolve(lines.shift()) : new Promise((r) => waiters.push(r))),
    send: (s) => child.stdin.write(s + '\n'),
    exited: new Promise((r) => child.on('exit', r)),
  };
}

// ------------------------------------------------------------------ measurements
function memcpyBench(seconds) {
  const measure = (nbuf) => {
    const src = Array.from({ length: nbuf }, (_, k) => new Uint8Array(BYTES).fill(k + 1));
    const dst = Array.from({ length: nbuf }, () => new Uint8Array(BYTES));
    for (let i = 0; i < nbuf * 2; i++) dst[i % nbuf].set(src[i % nbuf]); // fault in + warm
    let bytes = 0;
    let i = 0;
    const t0 = process.hrtime.bigint();
    const end = t0 + BigInt(Math.round(seconds * 1e9));
    let t = t0;
    while (t < end) {
      for (let k = 0; k < 8; k++, i++) dst[i % nbuf].set(src[(i * 3 + 1) % nbuf]);
      bytes += 8 * BYTES;
      t = process.hrtime.bigint();
    }
    return bytes / Number(t - t0); // bytes/ns = GB/s
  };
  return { hotGBps: round(measure(1), 2), ringSizedGBps: round(measure(16), 2), frameBytes: BYTES };
}

/**
 * `zeroCopy`: the producer writes each frame in place in the slot (native, store-only, like a driver
 * whose DMA lands in the slot) instead of publishing a copy of a JS buffer.
 */
async function losslessBench(seconds, zeroCopy = false) {
  const name = `/specula-bench-${process.pid}-lossless${zeroCopy ? '-zc' : ''}`;
  const slots = 8;
  const prod = startChild(zeroCopy ? 'lossless-producer-zc' : 'lossless-producer', { name, slots, ms: Math.round(seconds * 1000) });
  if ((await prod.line()) !== 'ready') throw new Error('lossless producer failed to start');
  let c;
  if (zeroCopy) {
    prod.send('go'); // the native producer creates the ring and starts; lossless flow control holds it
    for (let k = 0; !c; k++) {
      try {
        c = n.openRing(name);
      } catch (e) {
        if (k > 2000) throw e;
        await sleep(1);
      }
    }
  } else {
    c = n.openRing(name);
  }
  const hdr = new Uint8Array(64);
  const pay = new Uint8Array(c.payloadBytes);
  const info = new Float64Array(8);
  if (!zeroCopy) prod.send('go');
  let frames = 0;
  let gaps = 0;
  let overruns = 0;
  let first = 0;
  let last = 0;
  let tFirst = 0;
  let tLast = 0;
  for (;;) {
    const st = c.readNext(hdr, pay, info);
    if (st === 1) {
      c.ack(info[0]);
      if (!first) {
        first = info[0];
        tFirst = info[5];
      }
      gaps += info[1];
      overruns += info[2];
      last = info[0];
      tLast = info[5];
      frames++;
    } else if (st < 0) break; // Closed once drained (or producer dead)
    else c.waitSync(last, 1000); // ring empty: sleep on the futex, leave the CPU to the producer
  }
  const done = JSON.parse(await prod.line());
  if (process.env.RING_BENCH_DEBUG) console.error({ frames, first, last, tFirst, tLast, gaps, overruns, done });
  await prod.exited;
  c.close();
  const secs = (tLast - tFirst) / 1e9;
  const gbit = ((frames - 1) * BYTES * 8) / 1e9 / secs;
  return {
    frames,
    published: done.published,
    seconds: round(secs, 3),
    gbitPerSec: round(gbit, 1),
    gbytePerSec: round(gbit / 8, 2),
    framesPerSec: round((frames - 1) / secs, 0),
    lossless: gaps === 0 && overruns === 0 && first === 1 && last === done.published && frames === done.published,
    slots,
    producer: zeroCopy ? 'native, writes each frame in place in the slot (DMA-like, zero-copy)' : 'JS, publish() copies a 1.2 MB frame into the slot',
  };
}

/**
 * `realtime` undefined: the production default (real-time when permitted); false: opted out.
 * `stream`: consume with RingConsumer.stream (the waiter thread copies each frame as it is
 * published, JS or not) instead of one waitRead per frame.
 */
async function latencyBench(seconds, copy, realtime, stream = false) {
  const channels = 16;
  const fps = 30;
  const prefix = `specula-bench-${process.pid}-${copy ? 'copy' : 'zc'}${realtime === false ? '-nort' : ''}${stream ? '-st' : ''}`;
  const sim = startChild('sim', { prefix, channels, fps, copy, realtime });
  if ((await sim.line()) !== 'ready') throw new Error('sim failed to start');
  const cap = Math.ceil(seconds * fps * channels * 1.2) + 100;
  const handoff = new Float64Array(cap);
  const toJs = new Float64Array(cap);
  // Hand-off of the frames whose wait was armed (JS had called waitRead again) before the frame was
  // acquired: what the ring and its waiter thread deliver when the consumer is ready. A frame that
  // arrives while JS has not re-armed yet waits in the ring for the JS thread, whatever the waiter
  // thread's priority (waitRead is one-shot), so its hand-off includes the JS thread's lateness.
  const handoffArmed = new Float64Array(cap);
  let countArmed = 0;
  let count = 0;
  let gaps = 0;
  let warm = true;
  const consumers = [];
  for (let ch = 0; ch < channels; ch++) {
    const c = n.openRing(`/${prefix}-ch${ch}`, { realtime });
    const hdr = new Uint8Array(64);
    const pay = new Uint16Array(LINES * SAMPLES);
    const info = new Float64Array(8);
    let stopped = false;
    let armedAt = 0;
    const onFrame = (st) => {
      if (st === 1) {
        const tJs = n.monotonicNs();
        if (!warm && count < cap) {
          handoff[count] = info[5] - info[6];
          toJs[count] = tJs - info[6];
          if (armedAt < info[6]) handoffArmed[countArmed++] = info[5] - info[6];
          gaps += info[1];
          count++;
        }
      }
      if (st === 1 || st === -1) {
        if (!stopped) {
          armedAt = n.monotonicNs();
          c.waitRead(hdr, pay, info, 1000, onFrame);
        }
      }
    };
    if (stream) {
      const sets = [0, 1, 2].map(() => ({ header: new Uint8Array(64), payload: new Uint16Array(LINES * SAMPLES), info: new Float64Array(8) }));
      const onStream = (st, idx) => {
        if (st !== 1 || warm || count >= cap) return;
        const inf = sets[idx].info;
        const tJs = n.monotonicNs();
        handoff[count] = inf[5] - inf[6];
        toJs[count] = tJs - inf[6];
        handoffArmed[countArmed++] = inf[5] - inf[6]; // a stream is always armed
        gaps += inf[1];
        count++;
      };
      consumers.push({ c, stop: () => c.stopStream() });
      c.stream(sets, 1000, onStream);
      continue;
    }
    consumers.push({ c, stop: () => (stopped = true) });
    armedAt = n.monotonicNs();
    c.waitRead(hdr, pay, info, 1000, onFrame);
  }
  sim.send('start');
  await sleep(smoke ? 300 : 500); // warm-up: first frames, page faults, thread start
  warm = false;
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  const wall = (Date.now() - t0) / 1000;
  for (const x of consumers) x.stop();
  sim.send('stop');
  const stats = JSON.parse(await sim.line());
  await sim.exited;
  await sleep(50);
  const consumersRt = consumers.every((x) => x.c.realtime);
  const consumerStates = [...new Set(consumers.map((x) => x.c.realtimeState))];
  for (const x of consumers) x.c.close();
  const h = Array.from(handoff.subarray(0, count)).sort((a, b) => a - b);
  const j = Array.from(toJs.subarray(0, count)).sort((a, b) => a - b);
  const ha = Array.from(handoffArmed.subarray(0, countArmed)).sort((a, b) => a - b);
  const q = (a, p) => round(a[Math.min(a.length - 1, Math.floor(p * a.length))] / 1e6, 3);
  return {
    producer: copy ? 'sim device, copying emit (render to staging, then copy into the slot)' : 'sim device, zero-copy (render into the ring slot)',
    consumer: stream ? 'RingConsumer.stream (continuous, 3 buffer sets)' : 'RingConsumer.waitRead per frame',
    realtimeOption: realtime === undefined ? 'default' : realtime,
    // Whether the device thread and all 16 waiter threads actually ran as SCHED_FIFO.
    realtimeInEffect: stats.realtime === true && consumersRt,
    realtimeState: { device: stats.realtimeState, consumers: consumerStates.join('; ') },
    channels,
    fps,
    frameBytes: BYTES,
    frames: count,
    framesPerSecPerChannel: round(count / wall / channels, 1),
    consumerGaps: gaps,
    handoffMs: { p50: q(h, 0.5), p99: q(h, 0.99), max: count ? round(h[count - 1] / 1e6, 3) : null },
    toJsCallbackMs: { p50: q(j, 0.5), p99: q(j, 0.99), max: count ? round(j[count - 1] / 1e6, 3) : null },
    // Share of frames published before JS had re-armed its wait (the JS thread was late), and the
    // hand-off of the others (wait armed in time: futex wake + waiter thread + copy).
    armedLateFraction: count ? round(1 - countArmed / count, 4) : null,
    handoffArmedInTimeMs: { p50: q(ha, 0.5), p99: q(ha, 0.99), max: countArmed ? round(ha[countArmed - 1] / 1e6, 3) : null },
    consumerCpuPct: round(((cpu.user + cpu.system) / 1e6 / wall) * 100, 1),
    published: stats.stats.reduce((s, x) => s + x.published, 0),
  };
}

/** The same 16 x 30 fps x 1.2 MB stream through a Unix socket: latency to "frame in our buffer". */
async function socketPeerBench(seconds) {
  const channels = 16;
  const fps = 30;
  const prefix = `specula-bench-${process.pid}-sock`;
  const path = join(os.tmpdir(), `specula-bench-${process.pid}.sock`);
  const cap = Math.ceil(seconds * fps * channels * 1.2) + 100;
  const lat = new Float64Array(cap);
  let count = 0;
  let warm = true;
  const frame = new Uint8Array(64 + BYTES);
  const fv = new DataView(frame.buffer);
  let filled = 0;
  const server = net.createServer((conn) => {
    conn.on('data', (chunk) => {
      let off = 0;
      while (off < chunk.length) {
        const take = Math.min(chunk.length - off, frame.length - filled);
        frame.set(chunk.subarray(off, off + take), filled);
        filled += take;
        off += take;
        if (filled === frame.length) {
          filled = 0;
          const tAcq = fv.getUint32(28, true) * 4294967296 + fv.getUint32(24, true);
          if (!warm && count < cap) lat[count++] = n.monotonicNs() - tAcq;
        }
      }
    });
  });
  await new Promise((r) => server.listen(path, r));
  const sim = startChild('sim', { prefix, channels, fps, copy: false, forward: path }); // same thread policy as `latency`
  if ((await sim.line()) !== 'ready') throw new Error('sim (socket peer) failed to start');
  sim.send('start');
  await sleep(smoke ? 300 : 500);
  warm = false;
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const wall = (Date.now() - t0) / 1000;
  sim.send('stop');
  await sim.line();
  await sim.exited;
  server.close();
  const h = Array.from(lat.subarray(0, count)).sort((a, b) => a - b);
  const q = (p) => (count ? round(h[Math.min(count - 1, Math.floor(p * count))] / 1e6, 3) : null);
  return {
    transport: 'Unix socket from the producer process (ring → JS → socket → JS buffer)',
    frames: count,
    framesPerSecPerChannel: round(count / wall / channels, 1),
    latencyMs: { p50: q(0.5), p99: q(0.99), max: count ? round(h[count - 1] / 1e6, 3) : null },
  };
}

async function main() {
  const t0 = Date.now();
  // `--only lossless|latency` runs one part, `--no-peer` skips the socket peer (diagnostics);
  // the default runs everything.
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : null;
  const skip = (part) => only !== null && only !== part;
  const memcpy = memcpyBench(smoke ? 0.3 : 1.5);
  const lossless = skip('lossless') ? null : await losslessBench(smoke ? 0.7 : 3);
  // Same transfer with nothing but the two copies (native threads, spin hand-off): the ceiling.
  const peer = skip('lossless') ? null : n.copyPipelinePeer(BYTES, lossless.slots, smoke ? 0.5 : 2);
  // One copy fewer: a producer that writes in place (a driver DMAing into the slot).
  const losslessZeroCopy = skip('lossless') ? null : await losslessBench(smoke ? 0.7 : 3, true);
  const memcpyAfter = memcpyBench(smoke ? 0.2 : 1);
  // latency: the production default (zero-copy sim, real-time threads when permitted);
  // latencyNoRealtime: the same with realtime opted out (comparison); latencyCopy: copying emit path.
  const latency = skip('latency') ? null : await latencyBench(smoke ? 1.5 : 8, false, undefined);
  const latencyNoRealtime = skip('latency') ? null : await latencyBench(smoke ? 0.7 : 8, false, false);
  const latencyCopy = skip('latency') ? null : await latencyBench(smoke ? 0.7 : 8, true, undefined);
  // latencyStream: default threads, consumer streaming (hand-off independent of the JS thread).
  const latencyStream = skip('latency') ? null : await latencyBench(smoke ? 0.7 : 8, false, undefined, true);
  const socketPeer = skip('latency') || argv.includes('--no-peer') ? null : await socketPeerBench(smoke ? 0.7 : 5);
  const out = {
    bench: 'ring',
    smoke,
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, loadavg1: round(os.loadavg()[0], 2), node: process.version },
    memcpy: { ...memcpy, ringSizedGBpsAfterLossless: memcpyAfter.ringSizedGBps },
    lossless,
    // Lossless GB/s over this run's single-thread memcpy GB/s (hot: 1.2 MB source and destination
    // in cache; ringSized: 16 frame buffers cycled).
    losslessVsMemcpyHot: lossless ? round(lossless.gbytePerSec / memcpy.hotGBps, 2) : null,
    // The ceiling of a copy-in/copy-out transfer here (two native threads, one memcpy each per
    // frame, spin hand-off, same slots), and the ring's share of it: its own efficiency.
    copyPipelinePeer: peer ? { gbitPerSec: round(peer.gbytePerSec * 8, 1), gbytePerSec: round(peer.gbytePerSec, 2), frames: peer.frames, vsMemcpyHot: round(peer.gbytePerSec / memcpy.hotGBps, 2) } : null,
    losslessVsPeer: lossless && peer ? round(lossless.gbytePerSec / peer.gbytePerSec, 2) : null,
    losslessZeroCopy,
    losslessZeroCopyVsMemcpyHot: losslessZeroCopy ? round(losslessZeroCopy.gbytePerSec / memcpy.hotGBps, 2) : null,
    losslessVsMemcpy: lossless ? round(lossless.gbytePerSec / memcpy.ringSizedGBps, 2) : null,
    realtimeProbe: n.realtimeProbe(),
    latency,
    latencyNoRealtime,
    latencyCopy,
    latencyStream,
    socketPeer,
    // Peer ratios (same run, same machine): how many times lower the ring's latency is.
    socketOverRingP50: socketPeer && latency && latency.handoffMs.p50 ? round(socketPeer.latencyMs.p50 / latency.handoffMs.p50, 1) : null,
    socketOverRingP99: socketPeer && latency && latency.handoffMs.p99 ? round(socketPeer.latencyMs.p99 / latency.handoffMs.p99, 1) : null,
    targets: {
      losslessGbitPerSec: 120,
      handoffP99Ms: 0.5,
      losslessMet: lossless ? lossless.lossless && lossless.gbitPerSec >= 120 : null,
      losslessZeroCopyMet: losslessZeroCopy ? losslessZeroCopy.lossless && losslessZeroCopy.gbitPerSec >= 120 : null,
      handoffP99Met: latency ? latency.handoffMs.p99 !== null && latency.handoffMs.p99 <= 0.5 : null,
      handoffRealtimeInEffect: latency ? latency.realtimeInEffect : null,
      handoffP99MetStream: latencyStream ? latencyStream.handoffMs.p99 !== null && latencyStream.handoffMs.p99 <= 0.5 : null,
      handoffP99MetNoRealtime: latencyNoRealtime ? latencyNoRealtime.handoffMs.p99 !== null && latencyNoRealtime.handoffMs.p99 <= 0.5 : null,
    },
    seconds: round((Date.now() - t0) / 1000, 1),
  };
  console.log(JSON.stringify(out, null, 2));
}
