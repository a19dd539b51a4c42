/**
 * `specula serve` — web mode: the same engine as the app (simulated device, one supervised cascade
 * process per channel), the built workbench and the control API on 127.0.0.1 behind a random
 * access token. See docs/ui.md for the API.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Engine } from '../engine/engine';
import { LatencyService } from '../engine/latency/service';
import { findBuiltRenderer } from './server/renderer-dir';
import { findPresetDir, loadCascadeArg } from './server/presets';
import { isLoopback, parseServeArgs, SERVE_USAGE } from './server/serve-args';
import { newToken } from './server/token';
import { startWebServer } from './server/web-server';
import { webEngineHost } from './server/web-engine-host';


export async function main(argv: string[]): Promise<number> {
  let opts;
  try {
    opts = parseServeArgs(argv);
  } catch (e) {
    console.error(`specula serve: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  if (opts.help) {
    console.log(SERVE_USAGE);
    return 0;
  }
  const presetDir = findPresetDir();
  let cascade;
  try {
    cascade = loadCascadeArg(presetDir, opts.cascade);
  } catch (e) {
    console.error(`specula serve: --cascade ${opts.cascade}: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const root = opts.renderer ? resolve(opts.renderer) : findBuiltRenderer();
  if (!root || !existsSync(join(root, 'index.html'))) {
    console.error('specula serve: the renderer is not built (no out/renderer/index.html): run `npm run build` first');
    return 2;
  }

  let engine: Engine;
  try {
    engine = await Engine.start({ channels: opts.channels, fps: opts.fps, cascade, testHooks: opts.testHooks, ...(opts.processor ? { processor: opts.processor } : {}) });
  } catch (e) {
    console.error(`specula serve: the engine did not start: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  const prio = engine.acquisitionPriority();
  if (prio) console.error(`specula serve: acquisition thread ${prio.state}`);
  // The engine's calls, the latency ledger's (renderer acks, panel snapshots), record / replay /
  // export (recordings in ./recordings).
  const web = webEngineHost(engine, { budgetMs: opts.budgetMs, presetDir, cascade, latency: new LatencyService() });
  const host = web.host;
  const token = newToken();
  let server;
  try {
    server = await startWebServer({ host: opts.host, port: opts.port, token, root, bridge: host });
  } catch (e) {
    await engine.stop();
    console.error(`specula serve: cannot listen on ${opts.host}:${opts.port}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  if (!isLoopback(opts.host)) console.error(`specula serve: WARNING listening on ${opts.host}, reachable from the network (token still required)`);
  console.log(`Specula workbench (${opts.channels} channels, ${opts.fps} fps, cascade ${cascade.name}): ${server.url}`);
  console.log(`control API: ${server.baseUrl}api/<method>  (send the token as X-Specula-Token or ?token=)`);

  await new Promise<void>((resolveDone) => {
    const stop = () => resolveDone();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.error('specula serve: stopping…');
  await web.close();
  await server.close();
  await engine.stop();
  return 0;
}
