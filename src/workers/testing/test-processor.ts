/**
 * A deliberately tiny `CascadeProcessor` for pipeline tests (not a product cascade): one stage type,
 * `test.decimate`, that block-averages the frame by `factor` in both directions and maps
 * [lo, hi] to uint8, optionally spinning `busyMs` of CPU to emulate a heavy cascade. It follows the
 * processor contract (validation errors naming the path, swap-safe configure, no allocation in
 * `run`) so the pipeline can be tested independently of the cascade library. Workers use it only
 * when started with `processor: 'test'`.
 */
import type { CascadeSpec, FrameShape } from '../../shared/cascade-spec';
import type { CascadeProcessor, ConfigureResult, FrameInputs, StageData, StageInfo } from '../../cascade/processor';

export const TEST_STAGE_TYPE = 'test.decimate';

/** A valid test cascade. */
export function testCascade(opts: { name?: string; factor?: number; busyMs?: number; lines?: number; samples?: number; ref?: boolean } = {}): CascadeSpec {
  return {
    name: opts.name ?? 'test-decimate',
    input: { lines: opts.lines ?? 600, samples: opts.samples ?? 1024, dtype: 'uint16', ...(opts.ref ? { aux: { ref: { dtype: 'uint16' } } } : {}) },
    stages: [{ id: 'd', type: TEST_STAGE_TYPE, input: 'input', params: { factor: opts.factor ?? 4, busyMs: opts.busyMs ?? 0, lo: 0, hi: 65535 } }],
    outputs: { display: 'd' },
  };
}

function now(): number {
  return performance.now();
}

export class TestProcessor implements CascadeProcessor {
  readonly path = 'ts' as const;
  configured = false;
  stages: StageInfo[] = [];
  readonly stageMs = new Float64Array(1);
  totalMs = 0;
  outputNames: string[] = [];
  private out: StageData | null = null;
  private factor = 1;
  private busyMs = 0;
  private lo = 0;
  private hi = 65535;
  private inLines = 0;
  private inSamples = 0;

  configure(spec: CascadeSpec, shape?: FrameShape): ConfigureResult {
    const errors: string[] = [];
    if (!spec || typeof spec !== 'object') return { ok: false, errors: ['cascade: expected an object'] };
    if (typeof spec.name !== 'string' || !spec.name) errors.push('name: expected a non-empty string');
    if (!Array.isArray(spec.stages) || spec.stages.length !== 1) errors.push('stages: the test processor runs exactly one stage');
    const st = Array.isArray(spec.stages) ? spec.stages[0] : undefined;
    if (st && st.type !== TEST_STAGE_TYPE) errors.push(`stages[0].type: unknown stage type ${JSON.stringify(st.type)}`);
    if (st && st.input !== 'input') errors.push('stages[0].input: must be "input"');
    const p = (st?.params ?? {}) as Record<string, unknown>;
    const factor = p.factor ?? 1;
    if (!Number.isInteger(factor) || (factor as number) < 1 || (factor as number) > 64) errors.push(`stages[0].params.factor: expected integer 1..64, got ${String(factor)}`);
    const busyMs = p.busyMs ?? 0;
    if (typeof busyMs !== 'number' || busyMs < 0 || busyMs > 10_000) errors.push(`stages[0].params.busyMs: expected number 0..10000, got ${String(busyMs)}`);
    if (!spec.outputs || typeof spec.outputs.display !== 'string') errors.push('outputs.display: required');
    const sh = shape ?? spec.input;
    if (!sh || !Number.isInteger(sh.lines) || !Number.isInteger(sh.samples)) errors.push('input: lines and samples must be integers');
    if (errors.length) return { ok: false, errors };
    const f = factor as number;
    if (sh.lines % f || sh.samples % f) return { ok: false, errors: [`stages[0].params.factor: ${f} does not divide ${sh.lines}x${sh.samples}`] };
    this.factor = f;
    this.busyMs = busyMs as number;
    this.lo = typeof p.lo === 'number' ? p.lo : 0;
    this.hi = typeof p.hi === 'number' ? p.hi : 65535;
    this.inLines = sh.lines;
    this.inSamples = sh.samples;
    const lines = sh.lines / f;
    const samples = sh.samples / f;
    this.out = { data: new Uint8Array(lines * samples), lines, samples, dtype: 'uint8', complex: false };
    this.stages = [{ id: st!.id, type: TEST_STAGE_TYPE }];
    this.outputNames = ['display'];
    this.configured = true;
    return { ok: true };
  }

  run(frame: FrameInputs): void {
    const t0 = now();
    const out = this.out!;
    const d = out.data as Uint8Array;
    const f = this.factor;
    const inp = frame.input;
    if (inp.length !== this.inLines * this.inSamples) throw new RangeError(`input: expected ${this.inLines * this.inSamples} samples, got ${inp.length}`);
    const scale = 255 / (this.hi - this.lo);
    const norm = 1 / (f * f);
    for (let j = 0; j < out.lines; j++) {
      for (let k = 0; k < out.samples; k++) {
        let acc = 0;
        for (let a = 0; a < f; a++) {
          const row = (j * f + a) * this.inSamples + k * f;
          for (let b = 0; b < f; b++) acc += inp[row + b];
        }
        const v = (acc * norm - this.lo) * scale;
        d[j * out.samples + k] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
    if (this.busyMs > 0) {
      const until = t0 + this.busyMs;
      while (now() < until) {
        /* emulate a heavy cascade */
      }
    }
    this.totalMs = now() - t0;
    this.stageMs[0] = this.totalMs;
  }

  output(name: string): StageData {
    if (name !== 'display' || !this.out) throw new Error(`unknown output ${JSON.stringify(name)}`);
    return this.out;
  }

  stage(ref: string): StageData {
    if (!this.out || ref !== this.stages[0]?.id) throw new Error(`unknown stage ${JSON.stringify(ref)}`);
    return this.out;
  }

  dispose(): void {}
}
