import { describe, expect, it } from 'vitest';
import { realtimeWanted } from './realtime-env';

describe('realtimeWanted (app opt-in for SCHED_FIFO acquisition threads)', () => {
  it('is on only for an explicit yes', () => {
    for (const v of ['1', 'on', 'TRUE', 'yes']) expect(realtimeWanted({ SPECULA_REALTIME: v })).toBe(true);
    for (const v of [undefined, '', '0', 'off', 'no', 'maybe']) expect(realtimeWanted({ SPECULA_REALTIME: v })).toBe(false);
  });
});
