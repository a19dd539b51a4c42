/// <reference lib="dom" />
/** In-page probes of what is actually on the GL canvas (pixels, not DOM). */
import type { Page } from '@playwright/test';

export interface TilePixels {
  r: number;
  g: number;
  b: number;
  /** Cheap content hash of the tile's pixels. */
  hash: number;
  /** Mean |r-g| + |g-b|: 0 for gray. */
  chroma: number;
  w: number;
  h: number;
}

/** Mean colour and a hash of the image area of a channel's tile, read back from the GL canvas (not the DOM). */
export function tilePixels(page: Page, channel: number): Promise<TilePixels> {
  return page.evaluate(async (ch) => {
    const t = (await (window as any).__specula.controller.readTile(ch)) as { width: number; height: number; rgba: Uint8Array } | null;
    if (!t) throw new Error(`tile ${ch} is not on screen`);
    const d = t.rgba;
    let R = 0, G = 0, B = 0, chroma = 0, hash = 0;
    const n = t.width * t.height;
    for (let i = 0; i < d.length; i += 4) {
      R += d[i];
      G += d[i + 1];
      B += d[i + 2];
      chroma += Math.abs(d[i] - d[i + 1]) + Math.abs(d[i + 1] - d[i + 2]);
      hash = (hash * 31 + d[i] * 7 + d[i + 1] * 3 + d[i + 2]) >>> 0;
    }
    return { r: R / n, g: G / n, b: B / n, chroma: chroma / n, hash, w: t.width, h: t.height };
  }, channel);
}

/** Frames received per channel so far (from the display controller's store). */
export function received(page: Page): Promise<Record<number, number>> {
  return page.evaluate(() => {
    const st = (window as any).__specula.controller.store;
    const out: Record<number, number> = {};
    for (const s of st.all()) out[s.channel] = s.received;
    return out;
  });
}

export async function waitForFrames(page: Page, channels: number[], min = 5, timeoutMs = 30_000): Promise<void> {
  await page.waitForFunction(
    ([chs, m]) => {
      const st = (window as any).__specula?.controller?.store;
      if (!st) return false;
      return (chs as number[]).every((c) => st.has(c) && st.slot(c).received >= (m as number));
    },
    [channels, min] as const,
    { timeout: timeoutMs, polling: 100 },
  );
}
