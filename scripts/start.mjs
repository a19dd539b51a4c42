#!/usr/bin/env node
// `npm start [-- serve options]`: build what is missing or stale (native addon, electron-vite
// bundles), then run the desktop app with Electron if its binary works here; otherwise the web
// mode: `specula serve`, opened in Debian's Chromium when a display exists, else the URL is printed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const args = process.argv.slice(2);
const log = (m) => console.error(`[start] ${m}`);

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

function run(cmd, argv) {
  log(`${cmd} ${argv.join(' ')}`);
  const r = spawnSync(cmd, argv, { stdio: 'inherit' });
  if (r.status !== 0) {
    log(`failed: ${cmd} ${argv.join(' ')} (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

// 1. Native addons.
const addon = 'build/Release/specula_native.node';
if (mtime(addon) < Math.max(newest('native/src'), newest('native/include'), newest('native/cascade'), mtime('binding.gyp'))) {
  run(process.execPath, ['scripts/build-native.mjs']);
}
// 2. JS bundles (main, preload, renderer).
const built = Math.min(mtime('out/main/index.js'), mtime('out/main/cli.js'), mtime('out/renderer/index.html'));
if (built < Math.max(newest('src'), mtime('electron.vite.config.ts'))) {
  run(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build']);
}

// 3. Electron, when its binary exists and can start here.
function electronBinary() {
  // Look before requiring: `require('electron')` without a downloaded binary starts a download
  // (no network here) and then throws. The package records the binary in path.txt once installed.
  try {
    const req = createRequire(import.meta.url);
    const dir = dirname(req.resolve('electron/package.json'));
    const pathTxt = join(dir, 'path.txt');
    if (!existsSync(pathTxt)) {
      log('no Electron binary installed (node_modules/electron/path.txt missing)');
      return null;
    }
    const bin = join(dir, 'dist', readFileSync(pathTxt, 'utf8').trim());
    if (!existsSync(bin)) {
      log(`Electron binary ${bin} missing`);
      return null;
    }
    const p = req('electron');
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch (e) {
    log(`no usable Electron (${String(e.message ?? e).split('\n')[0]})`);
    return null;
  }
}

async function tryElectron() {
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    log('no display: Electron cannot open a window');
    return false;
  }
  const bin = electronBinary();
  if (!bin) return false;
  const env = { ...process.env };
  for (let i = 0; i < args.length; i += 2) {
    if (args[i] === '--channels') env.SPECULA_CHANNELS = args[i + 1];
    if (args[i] === '--fps') env.SPECULA_FPS = args[i + 1];
    if (args[i] === '--cascade') env.SPECULA_CASCADE = args[i + 1];
  }
  const child = spawn(bin, ['.'], { stdio: 'inherit', env });
  // A binary that cannot run here dies at once; give it a few seconds before trusting it.
  const early = await new Promise((res) => {
    const t = setTimeout(() => res(null), 4000);
    child.once('exit', (code, sig) => {
      clearTimeout(t);
      res({ code, sig });
    });
    child.once('error', (err) => {
      clearTimeout(t);
      res({ code: -1, sig: String(err.message) });
    });
  });
  if (early && early.code !== 0) {
    log(`Electron exited at start (${early.code ?? early.sig}); falling back to web mode`);
    return false;
  }
  if (early) process.exit(0);
  forwardSignals([child]);
  child.once('exit', (code) => process.exit(code ?? 0));
  return true;
}

function forwardSignals(children) {
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      for (const c of children) if (c.exitCode === null) c.kill(sig);
    });
  }
}

// 4. Web mode.
function webMode() {
  const serve = spawn(process.execPath, ['bin/specula.mjs', 'serve', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const children = [serve];
  forwardSignals(children);
  let opened = false;
  serve.stdout.on('data', (d) => {
    process.stdout.write(d);
    const m = /(http:\/\/\S+\?token=\S+)/.exec(d.toString());
    if (!m || opened) return;
    opened = true;
    const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    if ((process.env.DISPLAY || process.env.WAYLAND_DISPLAY) && existsSync(chromium)) {
      const profile = mkdtempSync(join(tmpdir(), 'specula-chromium-'));
      log(`opening ${chromium}`);
      const b = spawn(chromium, [`--user-data-dir=${profile}`, '--no-first-run', '--disable-sync', '--disable-background-networking', `--app=${m[1]}`], { stdio: 'ignore' });
      children.push(b);
      b.on('error', (e) => log(`could not start Chromium: ${e.message}; open the URL above yourself`));
    } else {
      log('no display: open the URL above in a browser on this machine');
    }
  });
  serve.once('exit', (code) => {
    for (const c of children) if (c !== serve && c.exitCode === null) c.kill('SIGTERM');
    process.exit(code ?? 0);
  });
}

if (!(await tryElectron())) webMode();
