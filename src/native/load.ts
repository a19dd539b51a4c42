/**
 * Loads the native driver connector `build/Release/specula_native.node`.
 *
 * The addon is found by walking up from this file's folder to the first `build/Release` holding
 * it, so the same code works from the sources (tsx, vitest: src/native/) and from the bundle
 * (out/main/*.js). `SPECULA_NATIVE_PATH` overrides the search (absolute path of the .node file).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeModule } from './api';

const ADDON = join('build', 'Release', 'specula_native.node');

let cached: NativeModule | null = null;

/** Candidate folders, nearest first: this module's folder and its ancestors, then the cwd's. */
function searchRoots(): string[] {
  const roots: string[] = [];
  const walk = (start: string): void => {
    let dir = resolve(start);
    for (;;) {
      roots.push(dir);
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  };
  try {
    walk(dirname(fileURLToPath(import.meta.url)));
  } catch {
    /* not a file: URL (e.g. bundled into a data: module); fall back to the cwd */
  }
  walk(process.cwd());
  return roots;
}

/** Absolute path of the addon, or null when it has not been built. */
export function findNativeAddon(): string | null {
  const env = process.env.SPECULA_NATIVE_PATH;
  if (env) return existsSync(env) ? resolve(env) : null;
  for (const root of searchRoots()) {
    const p = join(root, ADDON);
    if (existsSync(p)) return p;
  }
  return null;
}

/**
 * The native module (loaded once per process). Throws an Error telling how to build it when the
 * addon is missing, and the loader's reason when it exists but cannot be loaded.
 */
export function loadNative(): NativeModule {
  if (cached) return cached;
  const path = findNativeAddon();
  if (!path) {
    const where = process.env.SPECULA_NATIVE_PATH ? `SPECULA_NATIVE_PATH=${process.env.SPECULA_NATIVE_PATH} does not exist` : `no ${ADDON} above ${searchRoots()[0]} or the current directory`;
    throw new Error(`specula native addon not found (${where}): run \`npm run build:native\` in the repository first`);
  }
  const require = createRequire(import.meta.url);
  try {
    cached = require(path) as NativeModule;
  } catch (e) {
    throw new Error(`specula native addon ${path} failed to load: ${(e as Error).message} (rebuild with \`npm run build:native\`)`);
  }
  return cached;
}
