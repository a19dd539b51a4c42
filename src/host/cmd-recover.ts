/**
 * `specula recover FILE [--out FILE]` — rewrite a recording cut off by a crash (no summary) into a
 * fully indexed file holding every frame up to its last complete chunk.
 */
import { existsSync } from 'node:fs';
import { parseArgs, runCommand, strOpt, UsageError } from '../engine/record/cli-args';
import { recoverRecording } from '../engine/record/recover';

const USAGE = `usage: specula recover FILE.mcap [--out OUT.mcap] [--force]

  --out FILE   where to write (default: FILE with .recovered.mcap); never the input itself
  --force      overwrite --out if it exists`;

export async function main(argv: string[]): Promise<number> {
  return runCommand('recover', USAGE, async () => {
    const a = parseArgs(argv, ['out'], ['force', 'help']);
    if (a.opts.has('help')) { console.log(USAGE); return 0; }
    if (a.positional.length !== 1) throw new UsageError('expected exactly one recording file');
    const input = a.positional[0];
    const out = strOpt(a, 'out') ?? input.replace(/(\.mcap)?$/i, '.recovered.mcap');
    if (out === input) throw new UsageError('--out must differ from the input (the input is kept as it is)');
    if (existsSync(out) && !a.opts.has('force')) throw new UsageError(`${out} exists (use --force to overwrite)`);
    const r = await recoverRecording(input, out);
    if (r.warning) console.log(`input: ${r.warning}`);
    console.log(`${r.out}: ${r.frames} frames written with a full index${r.wasIndexed ? ' (input was already indexed)' : ''}`);
    console.log(`drops (${r.statsSource === 'stored' ? 'stored in the file' : 'counted from sequence gaps'}): ${r.stats.map((s) => `ch${s.channel}=${s.dropped}`).join(' ')}`);
    return 0;
  });
}
