#!/usr/bin/env node
// Builds the native addons (native/) with node-gyp.
// node-gyp only finds Node's headers here through a user-level `nodedir`; with a clean HOME it tries
// to download them and fails (no internet). So when the running Node's prefix ships its headers
// (<prefix>/include/node/node_api.h), pass that prefix explicitly; otherwise let node-gyp do what it
// normally does (download headers on a machine with internet).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const prefix = resolve(dirname(process.execPath), '..');
const args = ['rebuild', '--release', `--jobs=${process.env.JOBS ?? 'max'}`];
if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);

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
console.error(`build-native: node-gyp ${args.join(' ')}`);
const r = spawnSync(process.execPath, [gyp, ...args], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
