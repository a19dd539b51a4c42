/**
 * Test helper: young-generation (V8 new space) bytes allocated per call of a function, for the
 * "allocates nothing per frame" tests of both cascade paths.
 */
import v8 from 'node:v8';
import { expect } from 'vitest';

/**
 * Young-generation bytes per call of `body`, from windows in which the young generation only grew
 * (no scavenge seen). A scavenge that lands inside a window and is then outgrown still slips
 * through and makes that window read low: `pick` 'min' for "allocates nothing" claims, 'max' for
 * the check that the method does see an allocation.
 */
export function youngBytesPerRun(body: () => void, pick: 'min' | 'max' = 'min', n = 20000): number {
  const young = () => v8.getHeapSpaceStatistics().reduce((a, sp) => (sp.space_name === 'new_space' ? a + sp.space_used_size : a), 0);
  const clean: number[] = [];
  for (let w = 0; w < 8 && clean.length < 3; w++) {
    const h0 = young();
    for (let i = 0; i < n; i++) body();
    const h1 = young();
    if (h1 >= h0) clean.push((h1 - h0) / n);
  }
  expect(clean.length, 'no window without a scavenge').toBeGreaterThan(0);
  return pick === 'min' ? Math.min(...clean) : Math.max(...clean);
}

