import { describe, expect, it } from 'vitest';
import { resolveSupervisorOptions, SUPERVISOR_DEFAULTS } from './supervisor';

const base = { launcher: {} as never, prefix: 'x', display: 'relay' as const, processor: 'ts' as const, nowNs: () => 0 };

describe('resolveSupervisorOptions', () => {
  it('keeps the defaults for options passed as undefined (the Engine forwards its own optional settings)', () => {
    const o = resolveSupervisorOptions({ ...base, heartbeatMs: undefined, hangTimeoutMs: undefined, healthIntervalMs: undefined, fps: undefined });
    expect(o.heartbeatMs).toBe(SUPERVISOR_DEFAULTS.heartbeatMs);
    expect(o.hangTimeoutMs).toBe(SUPERVISOR_DEFAULTS.hangTimeoutMs);
    expect(o.healthIntervalMs).toBe(SUPERVISOR_DEFAULTS.healthIntervalMs);
    expect(o.fps).toBe(30);
  });

  it('takes the values given', () => {
    const o = resolveSupervisorOptions({ ...base, heartbeatMs: 50, hangTimeoutMs: 3000, spares: 0, fps: 10 });
    expect([o.heartbeatMs, o.hangTimeoutMs, o.spares, o.fps]).toEqual([50, 3000, 0, 10]);
  });

  it('refuses timing options that would make a timer spin or never fire, naming the option', () => {
    expect(() => resolveSupervisorOptions({ ...base, heartbeatMs: 0 })).toThrow(/heartbeatMs/);
    expect(() => resolveSupervisorOptions({ ...base, healthIntervalMs: Number.NaN })).toThrow(/healthIntervalMs/);
    expect(() => resolveSupervisorOptions({ ...base, hangTimeoutMs: -1 })).toThrow(/hangTimeoutMs/);
    expect(() => resolveSupervisorOptions({ ...base, heartbeatMs: 2 ** 31 })).toThrow(/heartbeatMs/);
    expect(() => resolveSupervisorOptions({ ...base, spares: 1.5 })).toThrow(/spares/);
  });
});
