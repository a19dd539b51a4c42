#!/usr/bin/env node
// `npm test`: everything CI checks, in order, each step counted.
//   system packages → native build → typecheck → lint → build → unit/integration tests (vitest)
//   → web-mode e2e (Playwright + Debian Chromium) → benchmark smoke runs (valid JSON out).
// Ends with the line `N passed, N failed` (vitest and Playwright tests counted one by one, the other
// steps one each) and exits non-zero when anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
mkdirSync('test-results', { recursive: true });

let passed = 0;
let failed = 0;
const failures = [];

function run(name, cmd, args, opts = {}) {
  const t0 = Date.now();
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...(opts.env ?? {}) }, timeout: opts.timeoutMs ?? 15 * 60_000 });
  const ok = r.status === 0;
  console.log(`=== ${name}: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return ok;
}

function step(name, cmd, args, opts) {
  if (run(name, cmd, args, opts)) passed++;
  else { failed++; failures.push(name); }
}

/** A step whose own test counts are read from a JSON report. */
function counted(name, cmd, args, reportPath, count, opts) {
  rmSync(reportPath, { force: true });
  const ok = run(name, cmd, args, opts);
  let p = 0;
  let f = 0;
  if (existsSync(reportPath)) {
    try { [p, f] = count(JSON.parse(readFileSync(reportPath, 'utf8'))); } catch (e) { console.log(`${name}: unreadable report ${reportPath}: ${e}`); }
  }
  if (!ok && f === 0) f = 1; // the runner failed without a failing test (crash, config error)
  passed += p;
  failed += f;
  if (f) failures.push(`${name} (${f})`);
}

const npx = (bin, ...a) => ['node', [resolve('node_modules', '.bin', bin), ...a]];
const nodeBin = (rel) => resolve('node_modules', rel);

step('system packages', 'bash', ['scripts/ensure-system.sh']);
step('native build', 'node', ['scripts/build-native.mjs']);
step('typecheck (node)', 'node', [nodeBin('typescript/bin/tsc'), '-p', 'tsconfig.node.json', '--noEmit']);
step('typecheck (web)', 'node', [nodeBin('typescript/bin/tsc'), '-p', 'tsconfig.web.json', '--noEmit']);
step('lint (layering)', 'node', [nodeBin('eslint/bin/eslint.js'), '.']);
step('build (electron-vite)', 'node', [nodeBin('electron-vite/bin/electron-vite.js'), 'build']);
counted('unit+integration (vitest)', 'node', [nodeBin('vitest/vitest.mjs'), 'run'], 'test-results/vitest.json',
  (j) => [j.numPassedTests ?? 0, (j.numFailedTests ?? 0) + (j.numRuntimeErrorTestSuites ?? 0)]);
if (existsSync('e2e/playwright.config.ts')) {
  counted('e2e (playwright, web mode)', ...npx('playwright', 'test', '-c', 'e2e/playwright.config.ts'), 'test-results/e2e.json',
    (j) => [j.stats?.expected ?? 0, (j.stats?.unexpected ?? 0) + (j.stats?.flaky ?? 0)],
    { env: { PLAYWRIGHT_JSON_OUTPUT_NAME: 'test-results/e2e.json' } });
}
for (const b of ['ring', 'cascade', 'pipeline', 'record']) {
  const script = JSON.parse(readFileSync('package.json', 'utf8')).scripts[`bench:${b}`];
  if (!script) continue;
  step(`bench:${b} --smoke`, 'npm', ['run', '-s', `bench:${b}`, '--', '--smoke'], { timeoutMs: 5 * 60_000 });
}

console.log(`\nfailed steps: ${failures.length ? failures.join(', ') : 'none'}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
