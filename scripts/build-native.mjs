#!/usr/bin/env node
// Builds the native addons (native/) with node-gyp.
// node-gyp only finds Node's headers here through a user-level `nodedir`; with a clean HOME it tries
// to download them and fails (no internet). So when the running Node's prefix ships its headers
// (<prefix>/include/node/node_api.h), pass that prefix explicitly; otherwise let node-gyp do what it
// normally does (download headers on a machine with internet).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

// Serialise concurrent builds (tests and tools may build at once): re-run under flock(1) if present.
if (!process.env.SPECULA_NATIVE_LOCKED) {
  const r = spawnSync('flock', [join(tmpdir(), 'specula-native-build.lock'), process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit', env: { ...process.env, SPECULA_NATIVE_LOCKED: '1' },
  });
  if (!r.error) process.exit(r.status ?? 1);
  // no flock on this machine: build unlocked
}

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const prefix = resolve(dirname(process.execPath), '..');
// `rebuild` would delete build/ under anyone loading the addon; configure once, then build
// incrementally (make only recompiles what changed).
const common = ['--release'];
if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) common.push(`--nodedir=${prefix}`);
// binding.gyp globs native/*/*.cc at configure time, so a changed set of sources reconfigures.
const sources = ['native/src', 'native/cascade']
  .flatMap((d) => (existsSync(join(root, d)) ? readdirSync(join(root, d)).filter((f) => f.endsWith('.cc')).map((f) => `${d}/${f}`) : []))
  .sort().join('\n');
const stamp = join(root, 'build', '.specula-sources');
const stale = !existsSync(join(root, 'build', 'Makefile')) || !existsSync(stamp) || readFileSync(stamp, 'utf8') !== sources;
const steps = [];
if (stale || process.argv.includes('--clean')) steps.push(['configure', ...common]);
steps.push(['build', ...common, `--jobs=${process.env.JOBS ?? 'max'}`]);

// npm ships node-gyp; prefer a local one if the project has it.
const require = createRequire(import.meta.url);
let gyp;
for (const cand of ['node-gyp/bin/node-gyp.js']) {
  try { gyp = require.resolve(cand); break; } catch { /* not local */ }
}
if (!gyp) {
  const npmGyp = join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(npmGyp)) gyp = npmGyp;
}
if (!gyp) {
  console.error('build-native: node-gyp not found (neither in node_modules nor bundled with npm)');
  process.exit(1);
}
for (const args of steps) {
  console.error(`build-native: node-gyp ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [gyp, ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
writeFileSync(stamp, sources);
