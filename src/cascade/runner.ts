/**
 * The TypeScript reference processor: builds stage kernels from a validated plan and runs frames.
 * Implements `CascadeProcessor` (./processor.ts). All buffers are allocated in `configure`; `run`
 * only stamps the clock and calls kernels, writing per-stage milliseconds into `stageMs` in place.
 */
import type { CascadeSpec, FrameShape, SampleDType } from '../shared/cascade-spec';
import type { CascadeProcessor, ConfigureResult, FrameInputs, SampleArray, StageData, StageInfo } from './processor';
import type { BuildContext, StageKernel } from './stage';
import { PairSpectra, type FrameCounter } from './stages/pair-spectra';
import { validateCascade, type Plan, type Source } from './validate';

/** A configuration ready to run (swapped in atomically on a successful `configure`). */
interface Built {
  plan: Plan;
  kernels: StageKernel[];
  stages: StageInfo[];
  stageMs: Float64Array;
  /** Stamps of the last run: [0] before the first stage, [i + 1] after stage i (ms). */
  stamps: Float64Array;
  /** Per stage: where its main input comes from (-1 = primary input, -2-k = aux k, ≥ 0 = stage data). */
  inputSlot: Int32Array;
  /** Per stage: aux source slots, same encoding as `inputSlot`. */
  auxSlots: Int32Array[];
  /** Per stage: reusable array handed to the kernel as its aux inputs. */
  auxArgs: SampleArray[][];
  /** Stage data by slot (main outputs and ports). */
  slotData: SampleArray[];
  auxNames: string[];
  auxFrames: SampleArray[];
  byRef: Map<string, StageData>;
  outputs: Map<string, StageData>;
  outputNames: string[];
  /** Incremented at the start of every run (shared work such as `PairSpectra` is done once per frame). */
  counter: FrameCounter;
}

const CTOR: Record<SampleDType, new (n: number) => SampleArray> = {
  uint8: Uint8Array, uint16: Uint16Array, float32: Float32Array, float64: Float64Array,
};

/**
 * Writes the current time in milliseconds into `out[index]`. Writing into a typed array is what
 * makes a clock allocation-free: a clock that *returns* a fresh double (`performance.now()`) boxes it,
 * 16–32 bytes of young heap per call. The Node side injects the compiled CLOCK_MONOTONIC stamp
 * (`src/native/cascade-fast-clock.ts`); this layer cannot import it (no Node here).
 */
export type StageStamp = (out: Float64Array, index: number) => void;

/**
 * Default: `performance.now()` (or `Date.now()` where there is none). It allocates, (stages+1)
 * boxed doubles per frame — the only per-frame allocation of this processor; inject `stamp` to avoid it.
 */
const defaultClock: () => number = typeof performance !== 'undefined' ? () => performance.now() : () => Date.now();

export interface TsProcessorOptions {
  /**
   * Millisecond clock used for the per-stage timings (e.g. a counter in tests). Adapted to a
   * stamp; it allocates if its result is a fresh heap number. Give either `clock` or `stamp`.
   */
  clock?: () => number;
  /** Non-allocating millisecond stamp (preferred); default: `performance.now()` via `clock`. */
  stamp?: StageStamp;
}

/** The stamp the processor uses for `opts`. */
function stampOf(opts: TsProcessorOptions): StageStamp {
  if (opts.clock && opts.stamp) throw new TypeError('createTsProcessor: give either a clock or a stamp, not both');
  if (opts.stamp) {
    if (typeof opts.stamp !== 'function') throw new TypeError('createTsProcessor: stamp must be a function (out: Float64Array, index: number) => void');
    return opts.stamp;
  }
  const clock = opts.clock ?? defaultClock;
  if (typeof clock !== 'function') throw new TypeError('createTsProcessor: clock must be a function returning milliseconds');
  return (out, index) => { out[index] = clock(); };
}

function build(plan: Plan): Built {
  const kernels: StageKernel[] = [];
  const slotData: SampleArray[] = [];
  const byRef = new Map<string, StageData>();
  const stageSlot: number[] = [];
  const portSlot: Record<string, number>[] = [];
  const auxNames = Object.keys(plan.aux);
  const slotOf = (src: Source): number => {
    if (src.kind === 'input') return -1;
    if (src.kind === 'aux') return -2 - auxNames.indexOf(src.name);
    return src.port === null ? stageSlot[src.index] : portSlot[src.index][src.port];
  };
  const inputSlot = new Int32Array(plan.stages.length);
  const auxSlots: Int32Array[] = [];
  const auxArgs: SampleArray[][] = [];
  const counter: FrameCounter = { frame: 0 };
  const spectra = new Map<string, PairSpectra>();
  const sourceKey = (src: Source) => (src.kind === 'input' ? 'input' : src.kind === 'aux' ? `aux:${src.name}` : `${src.index}.${src.port ?? ''}`);
  plan.stages.forEach((st, i) => {
    const ctx: BuildContext = {
      pairSpectra(nfft) {
        const key = `${sourceKey(st.input)} ${st.inShape.lines}x${st.inShape.samples} ${nfft}`;
        let s = spectra.get(key);
        if (!s) { s = new PairSpectra(st.inShape.lines, st.inShape.samples, nfft, counter); spectra.set(key, s); }
        s.addUser();
        return s;
      },
    };
    const k = st.def.create(st.inShape, st.params as never, st.auxShapes, ctx);
    kernels.push(k);
    inputSlot[i] = slotOf(st.input);
    auxSlots.push(Int32Array.from(st.aux.map(slotOf)));
    auxArgs.push(st.aux.map(() => new Float64Array(0)));
    stageSlot[i] = slotData.push(k.out.data) - 1;
    byRef.set(st.id, k.out);
    portSlot[i] = {};
    for (const [name, d] of Object.entries(k.ports ?? {})) {
      portSlot[i][name] = slotData.push(d.data) - 1;
      byRef.set(`${st.id}.${name}`, d);
    }
  });
  for (const s of spectra.values()) s.allocate(); // sized by how many stages share it
  const outputs = new Map<string, StageData>();
  const outputNames = ['display', ...Object.keys(plan.outputs).filter((n) => n !== 'display')];
  for (const name of outputNames) {
    const src = plan.outputs[name];
    const st = plan.stages[src.index];
    outputs.set(name, byRef.get(src.port === null ? st.id : `${st.id}.${src.port}`) as StageData);
  }
  return {
    plan, kernels, counter, inputSlot, auxSlots, auxArgs, slotData, byRef, outputs, outputNames, auxNames,
    auxFrames: auxNames.map(() => new Float64Array(0)),
    stages: plan.stages.map((s) => ({ id: s.id, type: s.type })),
    stageMs: new Float64Array(plan.stages.length),
    stamps: new Float64Array(plan.stages.length + 1),
  };
}

class TsProcessor implements CascadeProcessor {
  readonly path = 'ts' as const;
  private b: Built | null = null;
  /** [0]: ms of the last run (a typed array, so updating it never boxes a double). */
  private readonly total = new Float64Array(1);
  private readonly stamp: StageStamp;

  constructor(opts: TsProcessorOptions = {}) {
    this.stamp = stampOf(opts);
  }

  configure(spec: CascadeSpec, shape?: FrameShape): ConfigureResult {
    const v = validateCascade(spec, shape);
    if (!v.ok) return { ok: false, errors: v.errors };
    try {
      this.b = build(v.plan);
    } catch (err) {
      // A stage's create() failing after a successful validation is a bug, but keep the old config.
      return { ok: false, errors: [`(build): ${err instanceof Error ? err.message : String(err)}`] };
    }
    this.total[0] = 0;
    return { ok: true };
  }

  get configured(): boolean { return this.b !== null; }
  get stages(): readonly StageInfo[] { return this.b?.stages ?? []; }
  get stageMs(): Float64Array { return this.b?.stageMs ?? new Float64Array(0); }
  get totalMs(): number { return this.total[0]; }
  get outputNames(): readonly string[] { return this.b?.outputNames ?? []; }
  /** The validated plan of the active configuration (shapes, params with defaults). */
  get plan(): Plan | null { return this.b?.plan ?? null; }

  run(frame: FrameInputs): void {
    const b = this.b;
    if (!b) throw new Error('cascade: run() before a successful configure()');
    const inp = b.plan.input;
    checkFrame(frame.input, inp.lines, inp.samples, inp.dtype, null);
    for (let a = 0; a < b.auxNames.length; a++) {
      const name = b.auxNames[a];
      const arr = frame.aux?.[name];
      if (!arr) throw new Error(`cascade: aux frame '${name}' missing (the cascade declares input.aux.${name})`);
      const s = b.plan.aux[name];
      checkFrame(arr, s.lines, s.samples, s.dtype, name);
      b.auxFrames[a] = arr;
    }
    b.counter.frame = (b.counter.frame + 1) & 0x3fffffff; // stays a small integer (no boxing)
    const stamp = this.stamp;
    const ts = b.stamps;
    const n = b.kernels.length;
    stamp(ts, 0);
    for (let i = 0; i < n; i++) {
      const args = b.auxArgs[i];
      const slots = b.auxSlots[i];
      for (let j = 0; j < slots.length; j++) args[j] = this.slot(b, slots[j], frame.input);
      b.kernels[i].run(this.slot(b, b.inputSlot[i], frame.input), args);
      stamp(ts, i + 1);
      b.stageMs[i] = ts[i + 1] - ts[i];
    }
    this.total[0] = ts[n] - ts[0];
  }

  private slot(b: Built, s: number, input: SampleArray): SampleArray {
    return s >= 0 ? b.slotData[s] : s === -1 ? input : b.auxFrames[-2 - s];
  }

  output(name: string): StageData {
    const d = this.b?.outputs.get(name);
    if (!d) throw new Error(`cascade: no output '${name}' (outputs: ${this.outputNames.join(', ') || 'none, not configured'})`);
    return d;
  }

  stage(ref: string): StageData {
    const d = this.b?.byRef.get(ref);
    if (!d) throw new Error(`cascade: no stage '${ref}' (stages: ${[...(this.b?.byRef.keys() ?? [])].join(', ') || 'none, not configured'})`);
    return d;
  }

  /** Stage refs with data, in run order (main outputs and ports). */
  stageRefs(): string[] {
    return [...(this.b?.byRef.keys() ?? [])];
  }

  /** Clear temporal state (running means, frame averages) without reallocating. */
  reset(): void {
    for (const k of this.b?.kernels ?? []) k.reset?.();
  }

  dispose(): void {
    this.b = null;
  }
}

/** `auxName` null = the primary input. The message is only built on failure (no per-frame strings). */
function checkFrame(a: SampleArray, lines: number, samples: number, dtype: SampleDType, auxName: string | null): void {
  if (!(a instanceof CTOR[dtype]) || a.length !== lines * samples) {
    const what = auxName === null ? 'input' : `aux '${auxName}'`;
    throw new Error(`cascade: ${what} frame must be a ${CTOR[dtype].name} of ${lines}×${samples} = ${lines * samples} values, got ${a?.constructor?.name ?? typeof a} of ${a?.length ?? '?'}`);
  }
}

/** The TypeScript (float64, fft.js) reference processor. */
export function createTsProcessor(opts: TsProcessorOptions = {}): CascadeProcessor & { readonly plan: Plan | null; stageRefs(): string[]; reset(): void } {
  return new TsProcessor(opts);
}
