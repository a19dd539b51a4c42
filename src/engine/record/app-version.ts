/** Specula's version from the nearest package.json named "specula" above this module (source or build). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

export function appVersion(): string {
  if (cached) return cached;
  cached = 'unknown';
  try {
    let d = dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 8; i++) {
      const p = join(d, 'package.json');
      if (existsSync(p)) {
        const j = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
        if (j.name === 'specula' && j.version) { cached = j.version; break; }
      }
      d = dirname(d);
    }
  } catch {
    /* keep 'unknown' */
  }
  return cached;
}
