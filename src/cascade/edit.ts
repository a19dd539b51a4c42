/**
 * Small pure helpers for editing a cascade between frames (UI sliders, `specula replay` parameter
 * changes): they return a new spec and never mutate the one a processor is running. Apply the
 * result with `processor.configure(next)`; if it does not validate, the processor keeps the old one.
 */
import type { CascadeSpec } from '../shared/cascade-spec';

/** A copy of `spec` with `stages[id].params[name] = value` (`undefined` removes it → default). */
export function withParam(spec: CascadeSpec, stageId: string, name: string, value: unknown): CascadeSpec {
  const idx = spec.stages.findIndex((s) => s.id === stageId);
  if (idx < 0) throw new Error(`cascade '${spec.name}' has no stage '${stageId}' (stages: ${spec.stages.map((s) => s.id).join(', ')})`);
  const stages = spec.stages.slice();
  const params = { ...(stages[idx].params ?? {}) };
  if (value === undefined) delete params[name]; else params[name] = value;
  stages[idx] = { ...stages[idx], params };
  return { ...spec, stages };
}
