/**
 * The compiled fast path: a `CascadeProcessor` (src/cascade/processor.ts) backed by the fused
 * float32 SIMD kernel in `native/cascade/` (addon `specula_cascade`; AVX2+FMA, or AVX-512 when the
 * CPU has it — bit-identical results either way).
 *
 * Scope: cascades with the topology of `resources/cascades/reference.json` (S1–S7 of
 * reference-cascade.md) or a subset of it that keeps S1 → S2 → S3 → S7 and drops any of S4
 * (Hilbert), S5+S6 (band-pass + NLMS) or S6 alone — e.g. `resources/cascades/light.json` (S1+S2+S3+S7,
 * no reference channel) — whatever their stage ids, file order and parameter values within what the
 * kernel supports (see `matchReference`). It is one kernel either way: the absent stages are switched
 * off in it. Any other cascade is refused by `configure()` with an error naming the reason, so
 * callers can fall back to the TypeScript path (`fastPathSupports`).
 *
 * Numbers: float32 inside; stage data is exposed as `float32` (`uint8` for the display). Agreement
 * with the float64 definition is stated per output in docs/fast-path.md and tested in
 * cascade-fast.test.ts.
 *
 * Per frame the kernel only computes and writes what the cascade's `outputs` need. Intermediate
 * stages that are not outputs (for `reference.json`: s1, s2, s3, s5) are produced on demand: the
 * first `stage(ref)` for one of them recomputes the last frame from the same input arrays (so call it
 * before overwriting them), and from then on every `run()` writes all stages. `keepIntermediates()`
 * switches that mode explicitly.
 */
import type { CascadeSpec, FrameShape } from '../shared/cascade-spec';
import type { CascadeProcessor, ConfigureResult, FrameInputs, StageData, StageInfo } from '../cascade/processor';
import { validateCascade, type Plan, type PlannedStage } from '../cascade/validate';
import { butterSos, type BType } from '../cascade/stages/butter';
import {
  KERNEL_STAGES, OutBit, loadCascadeAddon,
  type OutName, type RefCascade, type RefCascadeOutputs, type RefCascadeParams,
} from './cascade-fast-addon';

/** Kernel stage k (S1..S7) → the stage type it implements, in kernel order. */
const KERNEL_TYPES = ['background', 'window', 'rfft', 'hilbert', 'sosfilt', 'nlms', 'decimate-level'] as const;
/** Kernel stage k → the output buffer holding its main output. */
const KERNEL_OUT: readonly OutName[] = ['x', 'xw', 'logmag', 'env', 'y', 'e', 'u8'];
/** Kernel stages a cascade may leave out: S4 and S5 independently, S6 (needs S5). */
const OPTIONAL_TYPES: ReadonlySet<string> = new Set(['hilbert', 'sosfilt', 'nlms']);

/** How a validated plan maps onto the fused kernel. */
export interface FastPlan {
  params: RefCascadeParams;
  /** Kernel stage k → index of that stage in the cascade's run order, -1 when the cascade has none. */
  stageIndex: number[];
  /** Stage reference (`id` or `id.port`) → kernel output buffer (present stages only). */
  refs: Map<string, OutName>;
  /** Name of the aux frame feeding the NLMS reference; null without NLMS (no aux frame needed). */
  auxName: string | null;
}

const isStage = (s: PlannedStage['input'], index: number): boolean => s.kind === 'stage' && s.index === index && s.port === null;

/**
 * Map a validated plan onto the kernel, or say (one line) why the fast path cannot run it.
 * Supported: the reference topology background(frame-mean) → window(hann, periodic) →
 * {rfft(logmag), hilbert(envelope)}; background → sosfilt → nlms(aux uint16 reference, eps > 0);
 * rfft → decimate-level; or that topology without hilbert, without nlms, or without sosfilt+nlms
 * (background, window, rfft and decimate-level are required); uint16 input; samples a power of two
 * in 16..65536. The aux reference is only needed (and only read) when nlms is present.
 */
export function matchReference(plan: Plan): FastPlan | string {
  const st = plan.stages;
  const need = 'the fast path runs the reference topology or a subset of it (background → window → rfft → decimate-level, optionally window → hilbert and background → sosfilt [→ nlms])';
  for (const s of st) {
    if (!(KERNEL_TYPES as readonly string[]).includes(s.type)) return `${need}; stage '${s.id}' has type '${s.type}', which is not compiled`;
  }
  const stageIndex: number[] = [];
  for (const type of KERNEL_TYPES) {
    const idx = st.map((s, i) => (s.type === type ? i : -1)).filter((i) => i >= 0);
    if (idx.length > 1) return `${need}; it has ${idx.length} '${type}' stages, at most one is compiled`;
    if (idx.length === 0 && !OPTIONAL_TYPES.has(type)) return `${need}; it has no '${type}' stage`;
    stageIndex.push(idx.length ? idx[0] : -1);
  }
  const [iBg, iWin, iFft, , iSos] = stageIndex;
  const [bg, win, fft, hil, sos, nlms, dec] = stageIndex.map((i) => (i >= 0 ? st[i] : null));
  if (!bg || !win || !fft || !dec) return need; // unreachable: required types checked above
  const P = <T>(s: PlannedStage) => s.params as T;
  const inp = plan.input;
  const L = inp.lines;
  const N = inp.samples;
  if (inp.dtype !== 'uint16' || inp.complex) return `fast path: input must be uint16, got ${inp.dtype}`;
  if (N < 16 || N > 65536 || (N & (N - 1)) !== 0) return `fast path: samples must be a power of two in 16..65536, got ${N}`;
  if (bg.input.kind !== 'input') return `fast path: stage '${bg.id}' (background) must read the primary input`;
  if (P<{ mode: string }>(bg).mode !== 'frame-mean') return `fast path: stage '${bg.id}': only mode 'frame-mean' is compiled`;
  if (!isStage(win.input, iBg)) return `fast path: stage '${win.id}' (window) must read '${bg.id}'`;
  const wp = P<{ kind: string; periodic: boolean }>(win);
  if (wp.kind !== 'hann' || !wp.periodic) return `fast path: stage '${win.id}': only the periodic hann window is compiled`;
  if (!isStage(fft.input, iWin)) return `fast path: stage '${fft.id}' (rfft) must read '${win.id}'`;
  const fp = P<{ output: string; floor: number; db: number; nfft?: number }>(fft);
  if (fp.output !== 'logmag') return `fast path: stage '${fft.id}': only output 'logmag' is compiled`;
  if (fp.nfft !== undefined && fp.nfft !== N) return `fast path: stage '${fft.id}': nfft must equal samples (${N})`;
  if (!(fp.floor > 0)) return `fast path: stage '${fft.id}': floor must be > 0`;
  if (!(fp.db !== 0 && Number.isFinite(fp.db))) return `fast path: stage '${fft.id}': db must be finite and non-zero`;
  if (hil) {
    if (!isStage(hil.input, iWin)) return `fast path: stage '${hil.id}' (hilbert) must read '${win.id}'`;
    if (P<{ output: string }>(hil).output !== 'envelope') return `fast path: stage '${hil.id}': only output 'envelope' is compiled`;
  }
  let sosNorm: number[][] = [];
  if (sos) {
    if (!isStage(sos.input, iBg)) return `fast path: stage '${sos.id}' (sosfilt) must read '${bg.id}'`;
    const sp = P<{ sos?: number[][]; order?: number; cutoff?: number[]; btype: BType }>(sos);
    const rows = sp.sos ?? butterSos(sp.order as number, sp.cutoff as number[], sp.btype);
    if (rows.length > 8) return `fast path: stage '${sos.id}': at most 8 second-order sections are compiled, got ${rows.length}`;
    sosNorm = rows.map((r) => [r[0] / r[3], r[1] / r[3], r[2] / r[3], 1, r[4] / r[3], r[5] / r[3]]);
  }
  let auxName: string | null = null;
  let np = { taps: 16, mu: 0.5, eps: 1e-6, referenceOffset: 32768 };
  if (nlms) {
    if (!sos) return `fast path: stage '${nlms.id}' (nlms) needs a sosfilt stage to read (the compiled topology is background → sosfilt → nlms)`;
    if (!isStage(nlms.input, iSos)) return `fast path: stage '${nlms.id}' (nlms) must read '${sos.id}'`;
    const ref = nlms.aux[0];
    if (ref?.kind !== 'aux') return `fast path: stage '${nlms.id}': the reference must be an aux frame`;
    const auxShape = plan.aux[ref.name];
    if (auxShape.dtype !== 'uint16' || auxShape.lines !== L || auxShape.samples !== N) return `fast path: aux '${ref.name}' must be uint16 ${L}×${N}`;
    np = P<typeof np>(nlms);
    if (np.taps > 64) return `fast path: stage '${nlms.id}': at most 64 taps are compiled, got ${np.taps}`;
    if (!(np.eps > 0)) return `fast path: stage '${nlms.id}': eps must be > 0`;
    auxName = ref.name;
  }
  if (!isStage(dec.input, iFft)) return `fast path: stage '${dec.id}' (decimate-level) must read '${fft.id}'`;
  const dp = P<{ lines?: number; samples?: number; sampleStart: number; sampleEnd?: number; lo: number; hi: number }>(dec);
  const K = N / 2 + 1;
  const sampleEnd = dp.sampleEnd ?? K;
  const params: RefCascadeParams = {
    lines: L, samples: N, hilbert: hil !== null, sosfilt: sos !== null, nlms: nlms !== null,
    sos: sosNorm, taps: np.taps, mu: np.mu, eps: np.eps, refOffset: np.referenceOffset,
    floor: fp.floor, db: fp.db, loDb: dp.lo, hiDb: dp.hi, outLines: dp.lines ?? L,
    outSamples: dp.samples ?? sampleEnd - dp.sampleStart, sampleStart: dp.sampleStart, sampleEnd,
  };
  const refs = new Map<string, OutName>();
  stageIndex.forEach((i, k) => {
    if (i >= 0) refs.set(st[i].id, KERNEL_OUT[k]);
  });
  refs.set(`${dec.id}.dec`, 'dec');
  return { params, stageIndex, refs, auxName };
}

/** Whether the fast path can run `spec` (null) or why not (one line), without building anything. */
export function fastPathSupports(spec: CascadeSpec, shape?: FrameShape): string | null {
  const loaded = loadCascadeAddon();
  if (!loaded.addon) return loaded.reason;
  const v = validateCascade(spec, shape);
  if (!v.ok) return v.errors.join('\n');
  const m = matchReference(v.plan);
  return typeof m === 'string' ? m : null;
}

interface Configured {
  fp: FastPlan;
  kernel: RefCascade;
  bufs: Required<RefCascadeOutputs>;
  byRef: Map<string, StageData>;
  bitOf: Map<string, number>;
  outputs: Map<string, StageData>;
  outputNames: string[];
  stages: StageInfo[];
  stageMs: Float64Array;
  outMask: number;
  /** Every output bit this configuration has (for keepIntermediates / on-demand stages). */
  allBits: number;
  /** `aux 'NAME'`, built once (a template literal per frame would allocate). */
  auxLabel: string;
}

function view(data: Float32Array | Uint8Array, lines: number, samples: number): StageData {
  return { data, lines, samples, dtype: data instanceof Uint8Array ? 'uint8' : 'float32', complex: false };
}

class FastProcessor implements CascadeProcessor {
  readonly path = 'fast' as const;
  private c: Configured | null = null;
  /** [0]: ms of the last run, written by the addon (no JS clock, no HeapNumber per frame). */
  private readonly total = new Float64Array(1);
  private readonly scratchMs = new Float64Array(KERNEL_STAGES);
  private keepAll = false;
  private mask = 0;
  private lastMask = 0;
  private lastRaw: Uint16Array | null = null;
  private lastRef: Uint16Array | null = null;

  configure(spec: CascadeSpec, shape?: FrameShape): ConfigureResult {
    const loaded = loadCascadeAddon();
    if (!loaded.addon) return { ok: false, errors: [loaded.reason] };
    const v = validateCascade(spec, shape);
    if (!v.ok) return { ok: false, errors: v.errors };
    const fp = matchReference(v.plan);
    if (typeof fp === 'string') return { ok: false, errors: [fp] };
    let kernel: RefCascade;
    try {
      kernel = new loaded.addon.RefCascade(fp.params);
    } catch (e) {
      return { ok: false, errors: [`fast path: ${(e as Error).message}`] };
    }
    const p = fp.params;
    const L = p.lines;
    const N = p.samples;
    const K = N / 2 + 1;
    const OL = p.outLines as number;
    const OS = p.outSamples as number;
    // buffers of switched-off stages (env, y, e) are not allocated, nor bound
    const used = new Set(fp.refs.values());
    const f32 = (name: OutName, n: number) => new Float32Array(used.has(name) ? n : 0);
    const bufs: Required<RefCascadeOutputs> = {
      x: f32('x', L * N), xw: f32('xw', L * N), logmag: f32('logmag', L * K),
      env: f32('env', L * N), y: f32('y', L * N), e: f32('e', L * N),
      dec: f32('dec', OL * OS), u8: new Uint8Array(OL * OS),
    };
    kernel.bind(Object.fromEntries([...used].map((name) => [name, bufs[name]])));
    kernel.setStageOrder(fp.stageIndex);
    const dims: Record<OutName, [number, number]> = {
      x: [L, N], xw: [L, N], logmag: [L, K], env: [L, N], y: [L, N], e: [L, N], dec: [OL, OS], u8: [OL, OS],
    };
    const byRef = new Map<string, StageData>();
    const bitOf = new Map<string, number>();
    let allBits = 0;
    for (const [ref, name] of fp.refs) {
      byRef.set(ref, view(bufs[name], ...dims[name]));
      bitOf.set(ref, OutBit[name]);
      allBits |= OutBit[name];
    }
    const plan = v.plan;
    const outputNames = ['display', ...Object.keys(plan.outputs).filter((n) => n !== 'display')];
    const outputs = new Map<string, StageData>();
    let outMask = 0;
    for (const name of outputNames) {
      const src = plan.outputs[name];
      const ref = src.port === null ? plan.stages[src.index].id : `${plan.stages[src.index].id}.${src.port}`;
      outputs.set(name, byRef.get(ref) as StageData);
      outMask |= bitOf.get(ref) as number;
    }
    this.c?.kernel.dispose();
    this.c = {
      fp, kernel, bufs, byRef, bitOf, outputs, outputNames, outMask, allBits, auxLabel: `aux '${fp.auxName}'`,
      stages: plan.stages.map((s) => ({ id: s.id, type: s.type })),
      stageMs: new Float64Array(plan.stages.length),
    };
    this.mask = this.keepAll ? allBits : outMask;
    this.lastMask = 0;
    this.lastRaw = null;
    this.lastRef = null;
    this.total[0] = 0;
    return { ok: true };
  }

  get configured(): boolean { return this.c !== null; }
  get stages(): readonly StageInfo[] { return this.c?.stages ?? []; }
  get stageMs(): Float64Array { return this.c?.stageMs ?? new Float64Array(0); }
  get totalMs(): number { return this.total[0]; }
  get outputNames(): readonly string[] { return this.c?.outputNames ?? []; }

  /**
   * Write every stage's data on every run (true) or only the outputs' (false, the default; other
   * stages are then recomputed on the first `stage()` call that needs them).
   */
  keepIntermediates(on: boolean): void {
    this.keepAll = on;
    if (this.c) this.mask = on ? this.c.allBits : this.c.outMask;
  }

  run(frame: FrameInputs): void {
    const c = this.c;
    if (!c) throw new Error('cascade (fast path): run() before a successful configure()');
    const p = c.fp.params;
    const raw = checkFrame(frame?.input, p.lines, p.samples, 'input');
    let ref: Uint16Array | null = null;
    if (c.fp.auxName !== null) {
      // only NLMS reads an aux frame; without it, aux frames (declared or not) are ignored
      const aux = frame.aux?.[c.fp.auxName];
      if (aux === undefined) throw new TypeError(`cascade (fast path): aux frame '${c.fp.auxName}' missing (the cascade declares input.aux.${c.fp.auxName})`);
      ref = checkFrame(aux, p.lines, p.samples, c.auxLabel);
    }
    c.kernel.run(raw, ref, this.mask, c.stageMs, this.total);
    this.lastRaw = raw;
    this.lastRef = ref;
    this.lastMask = this.mask;
  }

  output(name: string): StageData {
    const d = this.c?.outputs.get(name);
    if (!d) throw new Error(`cascade (fast path): no output '${name}' (outputs: ${this.outputNames.join(', ') || 'none, not configured'})`);
    return d;
  }

  stage(ref: string): StageData {
    const c = this.c;
    const d = c?.byRef.get(ref);
    if (!c || !d) throw new Error(`cascade (fast path): no stage '${ref}' (stages: ${[...(c?.byRef.keys() ?? [])].join(', ') || 'none, not configured'})`);
    const bit = c.bitOf.get(ref) as number;
    if ((this.lastMask & bit) === 0 && this.lastRaw && (this.lastRef || c.fp.auxName === null)) {
      // not written by the last run: recompute that frame with every stage, and keep doing so
      this.keepIntermediates(true);
      c.kernel.run(this.lastRaw, this.lastRef, c.allBits, this.scratchMs);
      this.lastMask = c.allBits;
    }
    return d;
  }

  /** Instruction set of the active kernel ('avx2' | 'avx512'), null when not configured. */
  get isa(): 'avx2' | 'avx512' | null {
    return this.c?.kernel.isa() ?? null;
  }

  /** Stage refs with data, in run order (main outputs and ports). */
  stageRefs(): string[] {
    const c = this.c;
    if (!c) return [];
    return c.stages.flatMap((s) => (c.byRef.has(`${s.id}.dec`) ? [s.id, `${s.id}.dec`] : [s.id]));
  }

  dispose(): void {
    this.c?.kernel.dispose();
    this.c = null;
    this.lastRaw = null;
    this.lastRef = null;
  }
}

function checkFrame(a: unknown, lines: number, samples: number, what: string): Uint16Array {
  if (!(a instanceof Uint16Array)) {
    const got = a === null ? 'null' : typeof a === 'object' ? (a as object).constructor?.name ?? 'an object' : typeof a;
    throw new TypeError(`cascade (fast path): ${what} frame must be a Uint16Array, got ${got}`);
  }
  if (a.length !== lines * samples) {
    throw new RangeError(`cascade (fast path): ${what} frame must hold ${lines}×${samples} = ${lines * samples} values, got ${a.length}`);
  }
  return a;
}

/** The compiled (float32 SIMD) processor. `configure()` explains when it cannot run a cascade. */
export function createFastProcessor(): CascadeProcessor & { keepIntermediates(on: boolean): void; stageRefs(): string[]; readonly isa: 'avx2' | 'avx512' | null } {
  return new FastProcessor();
}
