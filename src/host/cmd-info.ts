/**
 * `specula info FILE [--json]` — describe a recording: channels, geometry, frame counts, rate,
 * duration, drops, metadata (app version, start time, note, device, cascades), index state.
 */
import { describeRecording } from '../engine/record/describe';
import { fmtBytes, parseArgs, runCommand, UsageError } from '../engine/record/cli-args';
import { Recording } from '../engine/record/recording';

const USAGE = `usage: specula info FILE.mcap [--json]`;

export async function main(argv: string[]): Promise<number> {
  return runCommand('info', USAGE, async () => {
    const a = parseArgs(argv, [], ['json', 'help']);
    if (a.opts.has('help')) { console.log(USAGE); return 0; }
    if (a.positional.length !== 1) throw new UsageError('expected exactly one recording file');
    const rec = await Recording.open(a.positional[0]);
    try {
      const d = describeRecording(rec);
      if (a.opts.has('json')) { console.log(JSON.stringify(d, null, 2)); return 0; }
      const s = d.session;
      const lines = [
        `${d.path}: ${fmtBytes(d.bytes)}, ${d.durationS.toFixed(3)} s, ${d.chunks} chunks (${d.compression.join(', ')}), ${d.indexed ? 'indexed' : 'NOT indexed'}`,
      ];
      if (d.warning) lines.push(`warning: ${d.warning}`);
      if (s) {
        lines.push(`recorded: ${s.startTime} by specula ${s.appVersion}`);
        if (s.operatorNote) lines.push(`note: ${s.operatorNote}`);
        lines.push(`device: ${JSON.stringify(s.device)}`);
      }
      lines.push('channel  label        geometry              frames     fps   dropped  cascade');
      for (const c of d.channels) {
        lines.push(`${String(c.channel).padStart(7)}  ${(c.label + (c.reference ? ' (ref)' : '')).padEnd(11)}  ${c.geometry.padEnd(20)}  ${String(c.frames).padStart(6)}  ${c.fps.toFixed(2).padStart(6)}  ${(c.dropped === null ? 'unknown' : String(c.dropped)).padStart(8)}  ${c.cascade ?? '-'}`);
      }
      console.log(lines.join('\n'));
      return 0;
    } finally {
      await rec.close();
    }
  });
}
