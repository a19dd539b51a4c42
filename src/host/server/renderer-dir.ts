/**
 * Where the built renderer is: out/renderer of this checkout or build (walking up from this module,
 * which runs from src/host/server under tsx or from out/main when bundled), else ./out/renderer.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function findBuiltRenderer(start = dirname(fileURLToPath(import.meta.url))): string | null {
  let d = start;
  for (let i = 0; i < 6; i++) {
    const p = join(d, 'out', 'renderer');
    if (existsSync(join(p, 'index.html'))) return p;
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  const cwd = resolve('out', 'renderer');
  return existsSync(join(cwd, 'index.html')) ? cwd : null;
}
