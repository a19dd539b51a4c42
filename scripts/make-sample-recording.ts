/**
 * Regenerate resources/recordings/sample.mcap: the built-in simulated device with a fixed seed,
 * 2 optical channels + the hum reference channel, full-width frames (1024 samples)
 * with 16 lines to keep the file at a few MB (simulated sensor noise does not compress: LZ4 chunks
 * are used anyway, so the sample also exercises the decompression path). Each optical channel
 * stores the `light` preset adapted to 16 lines as its cascade.
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
import { findPresetDir, loadCascadeArg } from '../src/host/server/presets';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (k: string): string | undefined => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : undefined; };
const out = resolve(arg('--out') ?? resolve(root, 'resources/recordings/sample.mcap'));
mkdirSync(dirname(out), { recursive: true });

// Presets assume 600-line frames (their decimation keeps 512 lines); store the light preset adapted
// to the sample's 16 lines as each channel's cascade, so `specula replay` runs it out of the box.
const LINES = 16;
const light = loadCascadeArg(findPresetDir(resolve(root, 'src/host/server')), 'light') as unknown as {
  name: string; input: { lines: number }; stages: { params?: Record<string, unknown> }[];
};
light.name = `light (${LINES} lines)`;
light.input.lines = LINES;
for (const st of light.stages) if (st.params && typeof st.params.lines === 'number' && st.params.lines > LINES) st.params.lines = LINES;

const fin = await recordSim(loadNative(), {
  out, durationS: Number(arg('--seconds') ?? 2), channels: 2, fps: 30, lines: LINES, samples: DEFAULT_SAMPLES, seed: 20261122,
  reference: true, compression: 'lz4', cascade: light, note: 'Specula sample recording: simulated device, seed 20261122, 2 channels + reference',
});
console.log(JSON.stringify({ out, state: fin.state, bytes: fin.bytes, frames: fin.framesRecorded, dropped: fin.framesDropped, error: fin.error }));
process.exitCode = fin.state === 'stopped' ? 0 : 1;
