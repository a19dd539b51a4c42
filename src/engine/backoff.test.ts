import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff';

describe('Backoff', () => {
  it('restarts at once, then backs off exponentially up to the cap', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000, resetAfterMs: 5000 });
    expect([b.next(10), b.next(10), b.next(10), b.next(10), b.next(10), b.next(10)]).toEqual([0, 100, 200, 400, 800, 1000]);
  });

  it('forgives a process that stayed up long enough', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000, resetAfterMs: 5000 });
    b.next(10);
    b.next(10);
    expect(b.next(6000)).toBe(0);
    expect(b.consecutiveFailures).toBe(1);
  });
});
