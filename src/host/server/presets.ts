/**
 * Cascade presets: the JSON files of `resources/cascades/`, found from the source tree or the build.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PresetInfo } from '../../shared/bridge';
import type { CascadeSpec } from '../../shared/cascade-spec';

/** `resources/cascades` of this checkout: walk up from this module, then try the working directory. */
export function findPresetDir(start = dirname(fileURLToPath(import.meta.url))): string | null {
  let d = start;
  for (let i = 0; i < 8; i++) {
    const p = join(d, 'resources', 'cascades');
    if (existsSync(p)) return p;
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  const cwd = resolve('resources', 'cascades');
  return existsSync(cwd) ? cwd : null;
}

export function listPresets(dir: string | null): PresetInfo[] {
  if (!dir) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const name = basename(f, '.json');
      try {
        const j = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Partial<CascadeSpec>;
        return { name, title: typeof j.name === 'string' ? j.name : name, description: typeof j.description === 'string' ? j.description : undefined };
      } catch {
        return { name, title: `${name} (unreadable)` };
      }
    });
}

/** Load a preset by name (no paths: `[A-Za-z0-9_.-]+` only). */
export function loadPreset(dir: string | null, name: string): CascadeSpec {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) throw new TypeError(`preset name must be a file stem like "light", got ${JSON.stringify(name)}`);
  if (!dir) throw new Error('no resources/cascades directory found');
  const file = join(dir, `${name}.json`);
  if (!existsSync(file)) throw new TypeError(`unknown preset "${name}" (known: ${listPresets(dir).map((p) => p.name).join(', ')})`);
  return JSON.parse(readFileSync(file, 'utf8')) as CascadeSpec;
}

/**
 * The file a `--cascade` value names, for every command that takes one: an existing file, else a
 * preset of `dir` by name (with or without `.json`). The error says which it tried.
 */
export function resolveCascadeArg(dir: string | null, arg: string): string {
  if (!arg) throw new Error('--cascade: expected a cascade JSON file or a preset name');
  if (existsSync(arg) && statSync(arg).isFile()) return resolve(arg);
  const stem = arg.replace(/\.json$/, '');
  if (dir && /^[A-Za-z0-9_.-]+$/.test(stem) && existsSync(join(dir, `${stem}.json`))) return join(dir, `${stem}.json`);
  const known = listPresets(dir).map((p) => p.name).join(', ');
  throw new Error(`--cascade ${arg}: no such file or preset (presets${dir ? ` in ${dir}` : ''}: ${known || 'none found'})`);
}

/** `--cascade` value: a preset name or a path to a cascade JSON file, parsed. */
export function loadCascadeArg(dir: string | null, arg: string): CascadeSpec {
  const file = resolveCascadeArg(dir, arg);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CascadeSpec;
  } catch (e) {
    throw new Error(`--cascade ${arg}: ${file} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}
