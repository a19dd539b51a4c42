// Fast path (native/cascade, float32 AVX2) against the float64 definition: the NumPy/SciPy peer on a
// real 600×1024 frame (when /usr/bin/python3 has numpy+scipy), the committed golden fixtures, and the
// TypeScript reference path; plus argument checking. Tolerances are those of docs/fast-path.md.
import { spawnSync } from 'node:child_process';
import { youngBytesPerRun } from './heap-probe.test-util';
import { existsSync, mkdtempSync, readFileSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CascadeSpec } from '../shared/cascade-spec';
import { readNpy } from '../shared/npy';
import { createTsProcessor } from '../cascade/runner';
import type { GoldenFile } from '../cascade/golden/harness';
import { createFastProcessor, fastPathSupports } from './cascade-fast';
import { loadCascadeAddon, OutBit } from './cascade-fast-addon';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const PEERS = resolve(repo, '..', 'shared', 'peers');
const GOLDEN = join(repo, 'src', 'cascade', 'golden');
const preset = (name: string): CascadeSpec => JSON.parse(readFileSync(join(repo, 'resources', 'cascades', `${name}.json`), 'utf8'));
const referenceSpec = (): CascadeSpec => preset('reference');

const loaded = loadCascadeAddon();
const cpuOk = loaded.addon !== null || !/AVX2/.test(loaded.reason);

/** max |a - b|, max |b| (over all, or over i where sel(b[i]) holds). */
function errStats(a: ArrayLike<number>, b: ArrayLike<number>, sel: (v: number) => boolean = () => true) {
  expect(a.length).toBe(b.length);
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < b.length; i++) {
    if (!sel(b[i])) continue;
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= maxAbs)) maxAbs = d; // NaN propagates as a failure
    maxRef = Math.max(maxRef, Math.abs(b[i]));
  }
  return { maxAbs, maxRef };
}

function u8Stats(a: ArrayLike<number>, b: ArrayLike<number>) {
  expect(a.length).toBe(b.length);
  let worst = 0;
  let differ = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > 0) differ++;
    worst = Math.max(worst, d);
  }
  return { worst, fraction: differ / b.length };
}

/**
 * The tolerances of docs/fast-path.md, relative to the largest magnitude of the reference output
 * (float32 rounding scales with the signal, not with each sample).
 */
function expectAgreement(get: (ref: string) => ArrayLike<number>, want: (ref: string) => ArrayLike<number>, bins = 0, absent: readonly string[] = []) {
  for (const [ref, rel] of [['s1', 1e-6], ['s2', 1e-6], ['s4', 1e-5], ['s5', 2e-5], ['s6', 5e-5]] as const) {
    if (absent.includes(ref)) continue;
    const { maxAbs, maxRef } = errStats(get(ref), want(ref));
    expect(maxAbs, `${ref}: max |fast - ref| = ${maxAbs} vs max |ref| = ${maxRef}`).toBeLessThanOrEqual(rel * maxRef);
  }
  // log magnitude: float32 FFT error scales with the line's largest bin, so compare amplitudes
  // (the float32 dB value itself limits this to ~1e-6 at 110 dB: ulp(110) = 7.6e-6 dB)
  // |X| = 10^(dB/20) against the line's peak; in dB that is ≤ 0.005 dB where the display looks (≥ 40 dB)
  const lm = get('s3');
  const lmRef = want('s3');
  const K = bins || lmRef.length / 600;
  expect(lmRef.length % K).toBe(0);
  let worst = 0;
  for (let o = 0; o < lmRef.length; o += K) {
    let peak = 0;
    for (let k = 0; k < K; k++) peak = Math.max(peak, 10 ** (lmRef[o + k] / 20));
    for (let k = 0; k < K; k++) worst = Math.max(worst, Math.abs(10 ** (lm[o + k] / 20) - 10 ** (lmRef[o + k] / 20)) / peak);
  }
  expect(worst, 's3: max | |X|fast - |X|ref | / line peak').toBeLessThanOrEqual(5e-6);
  expect(errStats(lm, lmRef, (v) => v >= 40).maxAbs).toBeLessThanOrEqual(0.005);
  expect(errStats(get('s7.dec'), want('s7.dec'), (v) => v >= 40).maxAbs).toBeLessThanOrEqual(0.005);
  const u = u8Stats(get('s7'), want('s7'));
  expect(u.worst).toBeLessThanOrEqual(1);
  expect(u.fraction).toBeLessThanOrEqual(5e-4);
}

/**
 * Bytes of young-generation heap (where per-call garbage lands) allocated per call of `body`, over
 * 20 000 calls. Heap totals also move with concurrent sweeping and code compilation, and a scavenge
 * empties the young generation: windows in which it shrank are discarded, the smallest clean
 * window counts (a real per-call allocation shows in every window).
 */
/** Deterministic synthetic frame (LCG): source spectrum + fringes + hum, and a hum reference. */
function synthFrame(L: number, N: number, seed: number): { raw: Uint16Array; ref: Uint16Array } {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const raw = new Uint16Array(L * N);
  const ref = new Uint16Array(L * N);
  for (let l = 0; l < L; l++) {
    const ph = rnd() * 6.283;
    const hp = rnd() * 6.283;
    for (let n = 0; n < N; n++) {
      const src = 3000 + 18000 * Math.exp(-0.5 * ((n - 0.52 * N) / (0.25 * N)) ** 2);
      const fr = 900 * Math.cos(2 * Math.PI * 0.11 * n + ph) + 400 * Math.cos(2 * Math.PI * 0.31 * n + 2 * ph);
      const hum = Math.sin(2 * Math.PI * 0.04 * n + hp);
      raw[l * N + n] = Math.round(src + fr * (src / 21000) + 320 * hum + 50 * (rnd() - 0.5));
      ref[l * N + n] = Math.round(32768 + 6000 * Math.sin(2 * Math.PI * 0.04 * n + hp - 0.7) + 80 * (rnd() - 0.5));
    }
  }
  return { raw, ref };
}

describe.runIf(!cpuOk)('fast path on a CPU without AVX2/FMA', () => {
  it('refuses to configure with a clear reason', () => {
    const r = createFastProcessor().configure(referenceSpec());
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/fast path unavailable: .*AVX2/);
  });
});

describe.runIf(cpuOk)('fast path (native/cascade)', () => {
  it('loads the addon', () => {
    expect(loaded.addon, loaded.addon ? '' : (loaded as { reason: string }).reason).not.toBeNull();
  });

  describe('agreement with the NumPy/SciPy peer on a real 600×1024 frame', () => {
    const py = '/usr/bin/python3';
    const havePy = existsSync(py) && existsSync(join(PEERS, 'cascade.py')) && spawnSync(py, ['-c', 'import numpy, scipy'], { stdio: 'ignore' }).status === 0;
    let dir = '';
    beforeAll(() => {
      if (!havePy) return;
      dir = mkdtempSync(join(tmpdir(), 'specula-fast-'));
      for (const f of ['gen_input.py', 'cascade.py']) copyFileSync(join(PEERS, f), join(dir, f));
      const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
      const g = spawnSync(py, ['gen_input.py', '1'], { cwd: dir, env, encoding: 'utf8' });
      if (g.status !== 0) throw new Error(`gen_input.py failed: ${g.stderr}`);
      const c = spawnSync(py, ['cascade.py', '0', '1', 'out'], { cwd: dir, env, encoding: 'utf8' });
      if (c.status !== 0) throw new Error(`cascade.py failed: ${c.stderr}`);
    }, 120_000);
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it.runIf(havePy)('every stage within the stated tolerance', () => {
      const raw = readNpy(new Uint8Array(readFileSync(join(dir, 'input_raw.npy')))).data as Uint16Array;
      const ref = readNpy(new Uint8Array(readFileSync(join(dir, 'input_ref.npy')))).data as Uint16Array;
      const params = JSON.parse(readFileSync(join(dir, 'params.json'), 'utf8'));
      const spec = referenceSpec();
      // the preset must carry the peer's SOS coefficients
      expect(spec.stages.find((s) => s.type === 'sosfilt')?.params?.sos).toEqual(params.sos);
      const fast = createFastProcessor();
      const r = fast.configure(spec);
      expect(r).toEqual({ ok: true });
      fast.run({ input: raw, aux: { ref } });
      const peer: Record<string, string> = { s1: 'x', s2: 'xw', s3: 'logmag', s4: 'env', s5: 'y', s6: 'e', s7: 'u8', 's7.dec': 'dec' };
      const want = (s: string) => readNpy(new Uint8Array(readFileSync(join(dir, 'out', `${peer[s]}.npy`)))).data;
      expectAgreement((s) => fast.stage(s).data, want, 513);
      // NLMS in float32 does not drift: the error over the last quarter of the samples stays of the
      // order of the first quarter's (checked on all lines).
      const e = fast.stage('s6').data;
      const eRef = want('s6');
      let first = 0;
      let last = 0;
      for (let l = 0; l < 600; l++) {
        for (let n = 0; n < 256; n++) first = Math.max(first, Math.abs(e[l * 1024 + n] - eRef[l * 1024 + n]));
        for (let n = 768; n < 1024; n++) last = Math.max(last, Math.abs(e[l * 1024 + n] - eRef[l * 1024 + n]));
      }
      expect(last).toBeLessThanOrEqual(4 * first + 1e-3);
      fast.dispose();
    }, 60_000);
  });

  describe('golden fixtures and the TypeScript reference path', () => {
    const golden: GoldenFile | null = existsSync(join(GOLDEN, 'cases.json')) ? JSON.parse(readFileSync(join(GOLDEN, 'cases.json'), 'utf8')) : null;
    const small = golden?.cases.find((c) => c.name === 'reference_small');

    it.runIf(small !== undefined)('reference_small (40×64) agrees with the NumPy fixtures and the TS path', () => {
      const c = small!;
      const npy = (f: string) => readNpy(new Uint8Array(readFileSync(join(GOLDEN, f)))).data;
      const frame = { input: npy(c.input) as Uint16Array, aux: { ref: npy(c.aux.ref) as Uint16Array } };
      const fast = createFastProcessor();
      expect(fast.configure(c.cascade)).toEqual({ ok: true });
      fast.run(frame);
      const ts = createTsProcessor();
      expect(ts.configure(c.cascade)).toEqual({ ok: true });
      ts.run(frame);
      const fixture = (ref: string) => npy(`reference_small__${ref.replace('.', '_')}.npy`);
      expectAgreement((s) => fast.stage(s).data, fixture, 33);
      expectAgreement((s) => fast.stage(s).data, (s) => ts.stage(s).data, 33);
    });

    it('matches the TS path on 37 lines (partial 8-line block and NLMS group) with its own stage ids/order', () => {
      const spec = referenceSpec();
      spec.input.lines = 37;
      spec.input.samples = 256;
      // reorder stages (same dependencies) and rename ids: the fast path matches by topology
      const order = ['s1', 's5', 's2', 's6', 's4', 's3', 's7'];
      spec.stages = order.map((id) => spec.stages.find((s) => s.id === id)!);
      const s7 = spec.stages.find((s) => s.id === 's7')!;
      s7.params = { ...s7.params, sampleEnd: 128, lines: 30, samples: 64 };
      spec.outputs = { display: 's7', dec: 's7.dec' };
      const { raw, ref } = synthFrame(37, 256, 7);
      const fast = createFastProcessor();
      expect(fast.configure(spec)).toEqual({ ok: true });
      expect(fast.stages.map((s) => s.id)).toEqual(order);
      const ts = createTsProcessor();
      expect(ts.configure(spec)).toEqual({ ok: true });
      const frame = { input: raw, aux: { ref } };
      fast.run(frame);
      ts.run(frame);
      // env/e are not outputs here: stage() computes them on demand from the same frame
      expectAgreement((s) => fast.stage(s).data, (s) => ts.stage(s).data, 129);
      expect(fast.stageMs.length).toBe(7);
      for (const ms of fast.stageMs) expect(ms).toBeGreaterThanOrEqual(0);
    });

    it('matches the TS path on a full 600×1024 frame with Butterworth design parameters', () => {
      const spec = referenceSpec();
      const sos = spec.stages.find((s) => s.type === 'sosfilt')!;
      sos.params = { order: 4, cutoff: [0.05, 0.6], btype: 'bandpass' };
      const { raw, ref } = synthFrame(600, 1024, 11);
      const fast = createFastProcessor();
      expect(fast.configure(spec)).toEqual({ ok: true });
      const ts = createTsProcessor();
      expect(ts.configure(spec)).toEqual({ ok: true });
      fast.run({ input: raw, aux: { ref } });
      ts.run({ input: raw, aux: { ref } });
      expectAgreement((s) => fast.stage(s).data, (s) => ts.stage(s).data, 513);
    }, 60_000);
  });

  describe('subsets of the reference topology (S4 / S5+S6 / S6 switched off in the same kernel)', () => {
    it('light.json (S1+S2+S3+S7, no aux) on 600×1024 agrees with the TS path and with the full kernel', () => {
      const spec = preset('light');
      const { raw, ref } = synthFrame(600, 1024, 13);
      const fast = createFastProcessor();
      expect(fast.configure(spec)).toEqual({ ok: true });
      expect(fast.stages.map((s) => s.type)).toEqual(['background', 'window', 'rfft', 'decimate-level']);
      expect(fast.stageRefs()).toEqual(['s1', 's2', 's3', 's7', 's7.dec']);
      const ts = createTsProcessor();
      expect(ts.configure(spec)).toEqual({ ok: true });
      fast.run({ input: raw }); // no aux frame: light has no reference channel
      ts.run({ input: raw });
      expect(fast.stageMs.length).toBe(4);
      expect(fast.totalMs).toBeGreaterThan(0);
      const disp = Array.from(fast.output('display').data);
      expectAgreement((s) => fast.stage(s).data, (s) => ts.stage(s).data, 513, ['s4', 's5', 's6']);
      // "the reference kernel with S4–S6 off": same arithmetic as the full kernel, so the display of
      // light.json equals that of reference.json (same S1–S3/S7 parameters) bit for bit
      const full = createFastProcessor();
      expect(full.configure(referenceSpec())).toEqual({ ok: true });
      full.run({ input: raw, aux: { ref } });
      expect(disp).toEqual(Array.from(full.output('display').data));
      expect(Array.from(fast.stage('s3').data)).toEqual(Array.from(full.stage('s3').data));
      fast.dispose();
      full.dispose();
    }, 60_000);

    // every subset the kernel accepts, on 37 lines (partial blocks), against the TS path
    const subsets: Array<{ drop: string[]; outputs: CascadeSpec['outputs'] }> = [
      { drop: ['s4'], outputs: { display: 's7', e: 's6' } },
      { drop: ['s6'], outputs: { display: 's7', env: 's4', y: 's5' } },
      { drop: ['s4', 's6'], outputs: { display: 's7', y: 's5' } },
      { drop: ['s5', 's6'], outputs: { display: 's7', env: 's4' } },
      { drop: ['s4', 's5', 's6'], outputs: { display: 's7' } },
    ];
    for (const { drop, outputs } of subsets) {
      it(`without ${drop.join(', ')}: agrees with the TS path`, () => {
        const spec = referenceSpec();
        spec.input.lines = 37;
        spec.input.samples = 256;
        spec.stages = spec.stages.filter((s) => !drop.includes(s.id));
        const s7 = spec.stages.find((s) => s.id === 's7')!;
        s7.params = { ...s7.params, sampleEnd: 128, lines: 30, samples: 64 };
        spec.outputs = outputs;
        if (drop.includes('s6')) delete spec.input.aux; // only NLMS reads the reference channel
        const { raw, ref } = synthFrame(37, 256, 17);
        const frame = drop.includes('s6') ? { input: raw } : { input: raw, aux: { ref } };
        const fast = createFastProcessor();
        expect(fast.configure(spec)).toEqual({ ok: true });
        const ts = createTsProcessor();
        expect(ts.configure(spec)).toEqual({ ok: true });
        fast.run(frame);
        ts.run(frame);
        expect(fast.stageMs.length).toBe(7 - drop.length);
        expectAgreement((s) => fast.stage(s).data, (s) => ts.stage(s).data, 129, drop);
        for (const d of drop) expect(() => fast.stage(d)).toThrow(/no stage/);
        fast.dispose();
      });
    }

    it('a cascade that is neither the reference topology nor a subset of it is refused with a reason', () => {
      const why = (spec: CascadeSpec) => {
        const r = createFastProcessor().configure(spec);
        expect(r.ok).toBe(false);
        return r.ok ? '' : r.errors.join('\n');
      };
      // other presets
      expect(why(preset('oct-bscan'))).toMatch(/reference topology or a subset of it.*stage 'klin' has type 'k-linearize', which is not compiled/);
      expect(why(preset('averaged-spectrum'))).toMatch(/stage 'avg' has type 'temporal-average', which is not compiled/);
      // light with an extra stage of a compiled type
      const twoFft = preset('light');
      twoFft.stages.push({ id: 'sx', type: 'rfft', input: 's2', params: { output: 'logmag' } });
      expect(why(twoFft)).toMatch(/2 'rfft' stages, at most one is compiled/);
      // a required stage missing (display straight from the spectrum)
      const noDec = referenceSpec();
      noDec.stages = noDec.stages.filter((s) => s.id !== 's7');
      noDec.outputs = { display: 's3' };
      expect(why(noDec)).toMatch(/it has no 'decimate-level' stage/);
      // NLMS without the band-pass in front of it
      const bare = referenceSpec();
      bare.stages = bare.stages.filter((s) => s.id !== 's5').map((s) => (s.id === 's6' ? { ...s, input: 's1' } : s));
      expect(why(bare)).toMatch(/stage 's6' \(nlms\) needs a sosfilt stage/);
      // right types, wrong wiring
      const wired = preset('light');
      wired.stages[2].input = 's1';
      expect(why(wired)).toMatch(/stage 's3' \(rfft\) must read 's2'/);
      const reason = fastPathSupports(preset('oct-bscan'));
      expect(reason).toMatch(/not compiled/);
      expect(fastPathSupports(preset('light'))).toBeNull();
      expect(fastPathSupports(referenceSpec())).toBeNull();
    });
  });

  it.each(['reference', 'light'])('AVX-512 and AVX2 kernels give bit-identical results on %s (when the CPU has AVX-512)', (name) => {
    const { raw, ref } = synthFrame(43, 512, 9);
    const spec = preset(name);
    spec.input.lines = 43;
    spec.input.samples = 512;
    spec.stages.find((s) => s.type === 'decimate-level')!.params = { sampleEnd: 256, lines: 40, samples: 128, lo: 40, hi: 120 };
    const run = (isa: string | undefined) => {
      const prev = process.env.SPECULA_CASCADE_ISA;
      if (isa) process.env.SPECULA_CASCADE_ISA = isa;
      else delete process.env.SPECULA_CASCADE_ISA;
      try {
        const p = createFastProcessor();
        expect(p.configure(spec)).toEqual({ ok: true });
        p.keepIntermediates(true);
        p.run({ input: raw, aux: { ref } });
        return p;
      } finally {
        if (prev === undefined) delete process.env.SPECULA_CASCADE_ISA;
        else process.env.SPECULA_CASCADE_ISA = prev;
      }
    };
    const forced = run('avx2');
    expect(forced.isa).toBe('avx2');
    const auto = run(undefined);
    expect(['avx2', 'avx512']).toContain(auto.isa);
    expect(auto.stageRefs()).toEqual(forced.stageRefs());
    expect(auto.stageRefs().length).toBe(name === 'light' ? 5 : 8);
    for (const s of auto.stageRefs()) expect(Array.from(auto.stage(s).data), s).toEqual(Array.from(forced.stage(s).data));
  });

  describe('processor contract', () => {
    const { raw, ref } = synthFrame(600, 1024, 3);

    it('keeps output identity across runs, fills stageMs, allocates no array buffers per frame', () => {
      const fast = createFastProcessor();
      expect(fast.configure(referenceSpec())).toEqual({ ok: true });
      expect(fast.outputNames[0]).toBe('display');
      const frame = { input: raw, aux: { ref } };
      fast.run(frame);
      const disp = fast.output('display');
      expect(disp.dtype).toBe('uint8');
      expect([disp.lines, disp.samples]).toEqual([512, 256]);
      const stageMs = fast.stageMs;
      const before = process.memoryUsage().arrayBuffers;
      for (let i = 0; i < 20; i++) fast.run(frame);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024);
      expect(fast.output('display')).toBe(disp);
      expect(fast.stageMs).toBe(stageMs);
      expect(fast.totalMs).toBeGreaterThan(0);
      expect([...fast.stageMs].some((v) => v > 0)).toBe(true);
      fast.dispose();
    });

    it.each(['reference', 'light'])('run() allocates nothing on the JS heap (%s, small frame, 20000 runs)', (name) => {
      const spec = preset(name);
      spec.input.lines = 8;
      spec.input.samples = 64;
      spec.stages.find((s) => s.type === 'decimate-level')!.params = { sampleEnd: 32, lines: 8, samples: 16, lo: 40, hi: 120 };
      const fast = createFastProcessor();
      expect(fast.configure(spec)).toEqual({ ok: true });
      const { raw: r8, ref: f8 } = synthFrame(8, 64, 5);
      const frame = name === 'light' ? { input: r8 } : { input: r8, aux: { ref: f8 } };
      for (let i = 0; i < 2000; i++) fast.run(frame);
      // a single per-frame object or boxed double would be ≥ 16 bytes per run
      expect(youngBytesPerRun(() => fast.run(frame))).toBeLessThan(8);
      // and the measurement does see such an allocation
      let sink: unknown = null;
      expect(youngBytesPerRun(() => { sink = { frame }; }, 'max')).toBeGreaterThanOrEqual(8);
      expect(sink).not.toBeNull();
      fast.dispose();
    });

    it('a failed configure keeps the previous configuration running', () => {
      const fast = createFastProcessor();
      expect(fast.configure(referenceSpec())).toEqual({ ok: true });
      const spec = referenceSpec();
      spec.stages.push({ id: 'flip', type: 'flip', input: 's7', params: { axis: 'lines' } });
      const r = fast.configure(spec);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.join('\n')).toMatch(/reference topology or a subset.*'flip', which is not compiled/);
      fast.run({ input: raw, aux: { ref } });
      expect(fast.stages.length).toBe(7);
      const bad = referenceSpec();
      (bad.stages[1].params as Record<string, unknown>).kind = 'blackman';
      const r2 = fast.configure(bad);
      expect(!r2.ok && r2.errors[0]).toMatch(/periodic hann/);
      const invalid = referenceSpec();
      (invalid.stages[5].params as Record<string, unknown>).taps = 0;
      const r3 = fast.configure(invalid);
      expect(!r3.ok && r3.errors[0]).toMatch(/stages\[5\]\.params\.taps/);
      fast.dispose();
    });

    it('rejects bad frames with TypeError / RangeError naming the problem', () => {
      const fast = createFastProcessor();
      expect(() => fast.run({ input: raw, aux: { ref } })).toThrow(/before a successful configure/);
      expect(fast.configure(referenceSpec())).toEqual({ ok: true });
      expect(() => fast.run({ input: new Float32Array(600 * 1024), aux: { ref } })).toThrow(TypeError);
      expect(() => fast.run({ input: new Float32Array(600 * 1024), aux: { ref } })).toThrow(/input frame must be a Uint16Array, got Float32Array/);
      expect(() => fast.run({ input: raw.subarray(1), aux: { ref } })).toThrow(RangeError);
      expect(() => fast.run({ input: raw.subarray(1), aux: { ref } })).toThrow(/600×1024 = 614400 values, got 614399/);
      expect(() => fast.run({ input: raw })).toThrow(/aux frame 'ref' missing/);
      expect(() => fast.run({ input: raw, aux: { ref: new Uint8Array(600 * 1024) } })).toThrow(TypeError);
      expect(() => fast.output('nope')).toThrow(/no output 'nope'/);
      expect(() => fast.stage('s9')).toThrow(/no stage 's9'/);
      fast.dispose();
    });

    it.each([[37, 1024], [21, 64], [9, 32], [17, 16]])('writes identical outputs into buffers of any alignment (%i×%i)', (L, N) => {
      // The AVX-512 kernel writes env/e (and reads the frames) in 64-byte chunks aligned to the
      // destination, with masked partial chunks at both ends of each line: views at every float
      // offset within a cache line must give the same values as a 64-byte aligned one, and the
      // floats around each view must stay untouched.
      const A = loaded.addon!;
      const sos = [[0.2, 0.4, 0.2, 1, -0.3, 0.1], [1, -2, 1, 1, -1.5, 0.6]];
      const OL = Math.max(1, L >> 1), OS = N >> 2;
      const { raw, ref } = synthFrame(L, N, 11);
      const run = (offset: number) => {
        const k = new A.RefCascade({ lines: L, samples: N, sos, outLines: OL, outSamples: OS });
        const pad = 16;
        const views = Object.fromEntries((['x', 'env', 'y', 'e'] as const).map((name) => {
          const buf = new Float32Array(L * N + 2 * pad + 16).fill(-7);
          return [name, { buf, view: buf.subarray(pad + offset, pad + offset + L * N) }];
        })) as Record<'x' | 'env' | 'y' | 'e', { buf: Float32Array; view: Float32Array }>;
        const u8 = new Uint8Array(OL * OS);
        k.bind({ x: views.x.view, env: views.env.view, y: views.y.view, e: views.e.view, u8 });
        k.run(raw, ref, OutBit.x | OutBit.env | OutBit.y | OutBit.e | OutBit.u8, new Float64Array(7));
        k.dispose();
        for (const { buf } of Object.values(views)) {
          for (let i = 0; i < pad + offset; i++) expect(buf[i]).toBe(-7);
          for (let i = pad + offset + L * N; i < buf.length; i++) expect(buf[i]).toBe(-7);
        }
        return { x: views.x.view, env: views.env.view, y: views.y.view, e: views.e.view, u8 };
      };
      const base = run(0);
      for (const off of [1, 3, 4, 8, 13, 15]) {
        const r = run(off);
        for (const name of ['x', 'env', 'y', 'e', 'u8'] as const) {
          expect(Buffer.from(r[name].buffer, r[name].byteOffset, r[name].byteLength).equals(Buffer.from(base[name].buffer, base[name].byteOffset, base[name].byteLength)), `${name} at float offset ${off}`).toBe(true);
        }
      }
      // and they are right: env against the TS path (S4 tolerance)
      const ts = createTsProcessor();
      const spec: CascadeSpec = {
        name: 'align', input: { lines: L, samples: N, dtype: 'uint16' },
        stages: [
          { id: 'bg', type: 'background', input: 'input', params: { mode: 'frame-mean' } },
          { id: 'w', type: 'window', input: 'bg', params: { kind: 'hann' } },
          { id: 'h', type: 'hilbert', input: 'w', params: { output: 'envelope' } },
        ],
        outputs: { display: 'h' },
      };
      expect(ts.configure(spec)).toEqual({ ok: true });
      ts.run({ input: raw });
      const { maxAbs, maxRef } = errStats(base.env, ts.output('display').data);
      expect(maxAbs).toBeLessThanOrEqual(1e-5 * maxRef);
    });

    it('the native binding checks its own arguments', () => {
      const A = loaded.addon!;
      const sos = [[1, 0, 0, 1, 0, 0]];
      expect(() => new A.RefCascade({ lines: 8, samples: 100, sos })).toThrow(RangeError);
      expect(() => new A.RefCascade({ lines: 8, samples: 100, sos })).toThrow(/power of two/);
      expect(() => new A.RefCascade({ lines: 8, samples: 64, sos: [[1, 0, 0]] })).toThrow(TypeError);
      expect(() => new A.RefCascade({ lines: 8.5, samples: 64, sos })).toThrow(/lines must be an integer/);
      expect(() => new A.RefCascade({ lines: 8, samples: 64, sos, eps: 0 })).toThrow(/eps > 0/);
      const k = new A.RefCascade({ lines: 8, samples: 64, sos, outLines: 4, outSamples: 16 });
      expect(() => k.bind({ env: new Float64Array(8 * 64) as unknown as Float32Array })).toThrow(TypeError);
      expect(() => k.bind({ env: new Float32Array(8 * 63) })).toThrow(/must hold 512 elements, got 504/);
      k.bind({ u8: new Uint8Array(64) });
      const f = new Uint16Array(8 * 64);
      const ms = new Float64Array(7);
      expect(() => k.run(f, f, OutBit.env, ms)).toThrow(/no such output is bound/);
      expect(() => k.run(f, f, OutBit.u8, new Float64Array(3))).toThrow(RangeError);
      expect(() => k.run(f, new Int16Array(8 * 64) as unknown as Uint16Array, OutBit.u8, ms)).toThrow(/ref must be a Uint16Array/);
      expect(() => k.run(f, null, OutBit.u8, ms)).toThrow(/ref must be a Uint16Array/); // S6 on: ref required
      k.run(f, f, OutBit.u8, ms);
      k.dispose();
      expect(() => k.run(f, f, OutBit.u8, ms)).toThrow(/disposed/);
      // switched-off stages: their outputs cannot be bound; no ref and no sos needed without S5/S6
      expect(() => new A.RefCascade({ lines: 8, samples: 64, sosfilt: false, nlms: true })).toThrow(/nlms \(S6\) needs the sosfilt stage/);
      expect(() => new A.RefCascade({ lines: 8, samples: 64, hilbert: 0 as unknown as boolean, sos })).toThrow(/hilbert must be a boolean/);
      const light = new A.RefCascade({ lines: 8, samples: 64, hilbert: false, sosfilt: false, nlms: false, outLines: 4, outSamples: 16 });
      expect(() => light.bind({ env: new Float32Array(8 * 64) })).toThrow(/outputs\.env: this kernel has no hilbert \(S4\) stage/);
      expect(() => light.bind({ e: new Float32Array(8 * 64) })).toThrow(/no nlms \(S6\) stage/);
      const u8 = new Uint8Array(64);
      light.bind({ u8 });
      light.setStageOrder([0, 1, 2, -1, -1, -1, 3]);
      const ms4 = new Float64Array(4);
      expect(() => light.run(f, null, OutBit.u8, new Float64Array(3))).toThrow(/stageMs must hold at least 4/);
      light.run(f, null, OutBit.u8, ms4);
      expect(() => light.run(f, null, OutBit.env, ms4)).toThrow(/no such output is bound/);
      expect(() => light.setStageOrder([0, 1, 2, -2, -1, -1, 3])).toThrow(/\[-1, 7\)/);
      light.dispose();
    });
  });
});
