/**
 * reference.json on a full 600×1024 frame against the NumPy/SciPy peer (../shared/peers/cascade.py),
 * generated at test time (gen_input.py, one frame). Skipped with a message when /usr/bin/python3 with
 * numpy + scipy or the peer scripts are not available.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpy } from '../../src/shared/npy';
import type { CascadeSpec } from '../../src/shared/cascade-spec';
import { createTsProcessor } from '../../src/cascade/runner';
import { compare } from '../../src/cascade/golden/harness';
import reference from '../../resources/cascades/reference.json';

const PY = '/usr/bin/python3';
const PEERS = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../shared/peers');
const why = !existsSync(PY) ? `${PY} not found`
  : !existsSync(join(PEERS, 'cascade.py')) ? `peer scripts not found in ${PEERS}`
    : spawnSync(PY, ['-c', 'import numpy, scipy'], { stdio: 'ignore' }).status !== 0 ? 'python3 has no numpy/scipy (apt-get install python3-numpy python3-scipy)' : '';
if (why) console.warn(`reference-peer.test: SKIPPED — ${why}`);

describe.skipIf(!!why)('reference.json vs the NumPy/SciPy peer on a 600×1024 frame', () => {
  const dir = mkdtempSync(join(tmpdir(), 'specula-peer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
  const load = (f: string) => readNpy(new Uint8Array(readFileSync(join(dir, f))));

  it('agrees stage by stage (float64 to ~1e-9 relative, uint8 exactly)', { timeout: 120_000 }, () => {
    execFileSync(PY, [join(PEERS, 'gen_input.py'), '1'], { cwd: dir, env, stdio: 'ignore' });
    execFileSync(PY, [join(PEERS, 'cascade.py'), '0', '1', 'out'], { cwd: dir, env, stdio: 'ignore' });
    const raw = load('input_raw.npy');
    const ref = load('input_ref.npy');
    const p = createTsProcessor();
    expect(p.configure(reference as CascadeSpec)).toEqual({ ok: true });
    p.run({ input: raw.data as Uint16Array, aux: { ref: ref.data as Uint16Array } });
    const checks: [string, string, { rtol?: number; atol?: number; maxLevelDiff?: number; maxFraction?: number }][] = [
      ['s1', 'x', { rtol: 1e-12, atol: 1e-9 }],
      ['s2', 'xw', { rtol: 1e-12, atol: 1e-9 }],
      ['s3', 'logmag', { rtol: 1e-10, atol: 1e-9 }],
      ['s4', 'env', { rtol: 1e-9, atol: 1e-8 }],
      ['s5', 'y', { rtol: 1e-9, atol: 1e-8 }],
      ['s6', 'e', { rtol: 1e-9, atol: 1e-7 }],
      ['s7.dec', 'dec', { rtol: 1e-10, atol: 1e-9 }],
      ['s7', 'u8', { maxLevelDiff: 0, maxFraction: 0 }],
    ];
    const fails: string[] = [];
    for (const [refId, file, tol] of checks) {
      const msg = compare(p.stage(refId).data, load(`out/${file}.npy`).data, { ref: refId, file, ...tol });
      if (msg) fails.push(`${refId} vs ${file}: ${msg}`);
    }
    expect(fails).toEqual([]);
  });
});
