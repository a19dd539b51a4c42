/**
 * Complex FFTs of line pairs, computed once per frame and shared by every stage of a configuration
 * that transforms the same data (in reference.json: `rfft` S3 and `hilbert` S4 both read S2).
 *
 * Two real lines a, b go through one complex FFT, Z = FFT(a + i·b) (zero-padded to nfft); then
 * A[k] = (Z[k] + conj(Z[-k]))/2 and B[k] = -i·(Z[k] - conj(Z[-k]))/2 — half the transforms of one
 * FFT per line. A stage gets its `PairSpectra` from the build context (`ctx.pairSpectra(nfft)`, one
 * object per source and size) and calls `pair(x, p)` in `run`: the first caller of a frame computes,
 * the others find the result ready (its time is counted in the first stage's timing). With a single
 * user (e.g. `rfft` alone) only one pair's spectrum is held at a time.
 */
import FFT from 'fft.js';
import type { SampleArray } from '../processor';

/** Frame counter of a configuration: the runner increments `frame` once per run. */
export interface FrameCounter {
  frame: number;
}

export class PairSpectra {
  /** Number of pairs: ceil(lines / 2) (an odd last line is paired with zeros). */
  readonly pairs: number;
  readonly fft: FFT;
  /**
   * The spectra, interleaved re/im; `pair()` says where pair p is. Set by `allocate()`: all pairs
   * (pair p at 2·nfft·p) when two or more stages share this object, else one pair at a time (a
   * single consumer uses each spectrum right away, so a frame-sized buffer would only add memory
   * traffic). Read it in `run`, after `pair()`.
   */
  z = new Float64Array(0);
  /** z per pair as views, made once: fft.js writes its output from index 0 of the array it is given. */
  private views: Float64Array[] = [];
  private readonly src: Float64Array;
  private users = 0;
  private keepAll = false;
  private doneFrame = -1;
  private doneInput: SampleArray | null = null;
  /** Pairs computed so far for (doneFrame, doneInput) (all-pairs mode); pair held (one-pair mode). */
  private done = 0;

  constructor(readonly lines: number, readonly samples: number, readonly nfft: number, private readonly counter: FrameCounter) {
    this.pairs = (lines + 1) >> 1;
    this.fft = new FFT(nfft);
    this.src = new Float64Array(2 * nfft); // zero padding (n ≥ samples) is never overwritten
  }

  /** Called once for each stage that will read these spectra (while the configuration is built). */
  addUser(): void {
    this.users++;
  }

  /** Allocates the buffers once all stages are created (the runner calls it before the first frame). */
  allocate(): void {
    const n = 2 * this.nfft;
    this.keepAll = this.users > 1;
    this.z = new Float64Array(this.keepAll ? n * this.pairs : n);
    this.views = this.keepAll ? Array.from({ length: this.pairs }, (_, p) => this.z.subarray(n * p, n * (p + 1))) : [this.z];
    this.doneFrame = -1;
  }

  /**
   * Offset in `z` of pair p's spectrum for input `x` in the current frame. With several users the
   * pairs are computed in order, each once per frame, and kept; asking pair by pair lets the first
   * user read each spectrum while it is still in cache. With one user, pair p is computed into the
   * one-pair buffer.
   */
  pair(x: SampleArray, p: number): number {
    if (this.doneFrame !== this.counter.frame || this.doneInput !== x) {
      this.doneFrame = this.counter.frame;
      this.doneInput = x;
      this.done = this.keepAll ? 0 : -1;
    }
    if (!this.keepAll) {
      if (this.done !== p) { this.compute(x, p, this.views[0]); this.done = p; }
      return 0;
    }
    while (this.done <= p) { this.compute(x, this.done, this.views[this.done]); this.done++; }
    return 2 * this.nfft * p;
  }

  private compute(x: SampleArray, p: number, out: Float64Array): void {
    const { lines: L, samples: N, src } = this;
    const oa = 2 * p * N;
    const ob = oa + N;
    if (2 * p + 1 < L) {
      for (let n = 0; n < N; n++) { src[2 * n] = x[oa + n]; src[2 * n + 1] = x[ob + n]; }
    } else {
      for (let n = 0; n < N; n++) { src[2 * n] = x[oa + n]; src[2 * n + 1] = 0; }
    }
    this.fft.transform(out, src);
  }
}
