/**
 * Regenerate resources/recordings/sample.mcap: the built-in simulated device with a fixed seed,
 * 2 optical channels + the hum reference channel, full-width frames (so every cascade preset applies)
 * with 16 lines to keep the file at a few MB (simulated sensor noise does not compress: LZ4 chunks
 * are used anyway, so the sample also exercises the decompression path).
 *
 *   npx tsx scripts/make-sample-recording.ts [--out FILE] [--seconds S]
 *
 * The simulator runs in real time, so timing (and thus replay) is the device's own.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recordSim } from '../src/engine/record/sim-session';
import { loadNative } from '../src/native/load';
import { DEFAULT_SAMPLES } from '../src/shared/device';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (k: string): string | undefined => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : undefined; };
const out = resolve(arg('--out') ?? resolve(root, 'resources/recordings/sample.mcap'));
mkdirSync(dirname(out), { recursive: true });

const fin = await recordSim(loadNative(), {
  out, durationS: Number(arg('--seconds') ?? 2), channels: 2, fps: 30, lines: 16, samples: DEFAULT_SAMPLES, seed: 20261122,
  reference: true, compression: 'lz4', note: 'Specula sample recording: simulated device, seed 20261122, 2 channels + reference',
});
console.log(JSON.stringify({ out, state: fin.state, bytes: fin.bytes, frames: fin.framesRecorded, dropped: fin.framesDropped, error: fin.error }));
process.exitCode = fin.state === 'stopped' ? 0 : 1;
