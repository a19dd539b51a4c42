import { describe, expect, it } from 'vitest';
import { Cadence, STALE_PERIODS } from './cadence';

describe('Cadence', () => {
  it('estimates the period as the median interval, within [nominal, 4× nominal]', () => {
    const c = new Cadence();
    expect(c.periodMs(33.3)).toBe(33.3); // nothing seen: nominal
    for (let i = 0; i < 10; i++) c.note(i * 50);
    expect(c.periodMs(33.3)).toBe(50);
    // One long gap does not move the median.
    c.note(900);
    expect(c.periodMs(33.3)).toBe(50);
    const slow = new Cadence();
    for (let i = 0; i < 10; i++) slow.note(i * 1000);
    expect(slow.periodMs(33.3)).toBeCloseTo(133.2); // capped
    const fast = new Cadence();
    for (let i = 0; i < 10; i++) fast.note(i * 10);
    expect(fast.periodMs(33.3)).toBe(33.3); // never below nominal
  });

  it('gives the moment a channel turns stale: STALE_PERIODS periods after its newest frame', () => {
    const c = new Cadence();
    expect(c.staleAtMs(33.3)).toBe(Infinity);
    for (let i = 0; i <= 20; i++) c.note(1000 + i * 40);
    expect(c.staleAtMs(33.3)).toBeCloseTo(1800 + STALE_PERIODS * 40);
    c.reset();
    expect(c.lastMs).toBe(-1);
    expect(c.staleAtMs(33.3)).toBe(Infinity);
    expect(c.fps(5000)).toBe(0);
  });

  it('fps over the recent arrivals, 0 when the newest is older than 2 s', () => {
    const c = new Cadence();
    for (let i = 0; i < 31; i++) c.note(i * (1000 / 30));
    expect(c.fps(1000)).toBeCloseTo(30, 1);
    expect(c.fps(3500)).toBe(0);
  });
});
