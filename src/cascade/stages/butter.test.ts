/** In-code Butterworth design against scipy.signal.butter(..., output='sos') (fixtures: golden/butter.json). */
import { describe, expect, it } from 'vitest';
import { butterSos, type BType } from './butter';
import designs from '../golden/butter.json';

describe('butterSos vs scipy.signal.butter', () => {
  for (const d of designs as { order: number; wn: number | number[]; btype: BType; sos: number[][] }[]) {
    it(`butter(${d.order}, ${JSON.stringify(d.wn)}, '${d.btype}')`, () => {
      const got = butterSos(d.order, d.wn, d.btype);
      expect(got.length).toBe(d.sos.length);
      got.forEach((row, i) => row.forEach((v, j) => {
        // Same section order and pairing as scipy; values agree to rounding.
        expect(Math.abs(v - d.sos[i][j]), `sos[${i}][${j}] = ${v}, scipy ${d.sos[i][j]}`).toBeLessThanOrEqual(1e-12 + 1e-10 * Math.abs(d.sos[i][j]));
      }));
    });
  }
  it('rejects bad designs with a clear message', () => {
    expect(() => butterSos(0, 0.2, 'lowpass')).toThrow(/order must be a positive integer/);
    expect(() => butterSos(2, 1.2, 'lowpass')).toThrow(/strictly between 0 and 1/);
    expect(() => butterSos(2, [0.5, 0.2], 'bandpass')).toThrow(/increasing/);
    expect(() => butterSos(2, 0.2, 'bandpass')).toThrow(/two cutoffs/);
  });
});
