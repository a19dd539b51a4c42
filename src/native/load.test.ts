import { afterEach, describe, expect, it, vi } from 'vitest';
import { findNativeAddon, loadNative } from './load';

describe('loadNative', () => {
  const saved = process.env.SPECULA_NATIVE_PATH;
  afterEach(() => {
    if (saved === undefined) delete process.env.SPECULA_NATIVE_PATH;
    else process.env.SPECULA_NATIVE_PATH = saved;
  });

  it('finds build/Release/specula_native.node above src/native and loads it', () => {
    expect(findNativeAddon()).toMatch(/build\/Release\/specula_native\.node$/);
    const n = loadNative();
    const a = n.monotonicNs();
    const b = n.monotonicNs();
    expect(b).toBeGreaterThanOrEqual(a);
    // Same clock as process.hrtime (CLOCK_MONOTONIC): within a second of each other.
    expect(Math.abs(Number(process.hrtime.bigint()) - b)).toBeLessThan(1e9);
  });

  it('tells to run npm run build:native when the addon is missing', async () => {
    process.env.SPECULA_NATIVE_PATH = '/nonexistent/specula_native.node';
    expect(findNativeAddon()).toBeNull();
    vi.resetModules();
    const fresh = await import('./load');
    expect(() => fresh.loadNative()).toThrow(/not found.*npm run build:native/);
  });
});
