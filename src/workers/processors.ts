/**
 * Which `CascadeProcessor` implementation a worker runs:
 * - `ts`: the TypeScript reference path (`src/cascade/runner.ts`);
 * - `fast`: the compiled path (`src/native/cascade-fast.ts`; it runs the reference cascade's shape);
 * - `auto`: `fast` when it can run the cascade (and its addon is built), else `ts`, decided again for
 *   every new cascade;
 * - `test`: the tiny pipeline-test processor (`./testing/test-processor.ts`).
 */
import type { CascadeSpec, FrameShape } from '../shared/cascade-spec';
import type { CascadeProcessor } from '../cascade/processor';
import { createFastProcessor, fastPathSupports } from '../native/cascade-fast';
// TS path timed by the compiled CLOCK_MONOTONIC stamp (no per-frame allocation), performance.now() without the addon
import { createTimedTsProcessor } from '../native/cascade-fast-clock';
import type { ProcessorPath } from './protocol';
import { TestProcessor } from './testing/test-processor';

export type { ProcessorPath };

export const PROCESSOR_PATHS: readonly ProcessorPath[] = ['auto', 'ts', 'fast', 'test'];

/** A fresh processor for `spec` (one per configuration). */
export type ProcessorFactory = (spec: CascadeSpec, shape: FrameShape) => CascadeProcessor;

export function processorFactory(path: ProcessorPath): ProcessorFactory {
  switch (path) {
    case 'test':
      return () => new TestProcessor();
    case 'ts':
      return () => createTimedTsProcessor();
    case 'fast':
      return () => createFastProcessor();
    case 'auto':
      return (spec, shape) => (fastPathSupports(spec, shape) === null ? createFastProcessor() : createTimedTsProcessor());
    default:
      throw new Error(`unknown processor path ${JSON.stringify(path)} (expected one of ${PROCESSOR_PATHS.join(', ')})`);
  }
}
