/**
 * `specula replay FILE` — replay a recording headless through the live pipeline: the replay driver
 * creates the channel rings and publishes the recorded frames at recorded timing × speed; one
 * cascade process per optical channel (the same supervisor and workers as `specula run`) consumes
 * them. Prints progress and channel health once a second; exits when the replay ends.
 */
import type { CascadeSpec } from '../shared/cascade-spec';
import { fmtBytes, numOpt, parseArgs, parseDuration, runCommand, strOpt, UsageError } from '../engine/record/cli-args';
import { ReplayController, type ReplaySpeed } from '../engine/replay/replay-controller';
import { ringSink } from '../engine/replay/replay-sink';
import { Recording } from '../engine/record/recording';
import { Supervisor } from '../engine/supervisor';
import { NodeChannelLauncher } from '../engine/launcher-node';
import { unlinkShm } from '../engine/shm-cleanup';
import { loadNative } from '../native/load';
import { findPresetDir, loadCascadeArg } from './server/presets';

const USAGE = `usage: specula replay FILE.mcap [options]

  --speed X|max       0.1 … 8 × recorded timing, or max (as fast as possible); default 1
  --loop              loop the whole recording (until --duration)
  --duration T        stop after T (default: when the recording ends)
  --cascade P|FILE    cascade for every channel (default: the one stored per channel, else "light")
  --processor ts|fast|auto   worker processor (default auto)
  --no-workers        only drive the rings (no cascade processes)
  --json              print the final summary as JSON`;

export async function main(argv: string[]): Promise<number> {
  return runCommand('replay', USAGE, async () => {
    const a = parseArgs(argv, ['speed', 'duration', 'cascade', 'processor'], ['loop', 'no-workers', 'json', 'help']);
    if (a.opts.has('help')) { console.log(USAGE); return 0; }
    if (a.positional.length !== 1) throw new UsageError('expected exactly one recording file');
    const sp = strOpt(a, 'speed') ?? '1';
    const speed: ReplaySpeed = sp === 'max' ? 'max' : numOpt(a, 'speed', 1, { min: 0.1, max: 8 });
    const processor = (strOpt(a, 'processor') ?? 'auto') as 'ts' | 'fast' | 'auto';
    if (!['ts', 'fast', 'auto'].includes(processor)) throw new UsageError(`--processor must be ts, fast or auto`);
    const limitS = strOpt(a, 'duration') ? parseDuration(strOpt(a, 'duration')!) : Infinity;
    const path = a.positional[0];

    // Validate the file before touching shared memory.
    const probe = await Recording.open(path);
    const metas = probe.channels.map((c) => c.meta);
    const extras = new Map(probe.channelExtra);
    if (probe.warning) console.log(`note: ${probe.warning}`);
    await probe.close();

    const native = loadNative();
    const prefix = `specula-replay-${process.pid}`;
    const sink = ringSink(native, prefix, metas);
    let sup: Supervisor | null = null;
    let ctl: ReplayController | null = null;
    let ended!: () => void;
    const done = new Promise<void>((r) => { ended = r; });
    const onSig = (): void => ended();
    process.once('SIGINT', onSig);
    process.once('SIGTERM', onSig);
    try {
      ctl = await ReplayController.open(path, sink, { speed, onState: (s) => { if (s.state === 'ended' || s.state === 'error') ended(); } });
      if (a.opts.has('loop')) ctl.setLoop({ startNs: 0, endNs: ctl.recording.durationNs });
      if (!a.opts.has('no-workers')) {
        sup = new Supervisor({ launcher: new NodeChannelLauncher(), prefix, display: 'none', processor, nowNs: () => native.monotonicNs() });
        const presetDir = findPresetDir();
        const explicit = strOpt(a, 'cascade');
        const fallback = (): CascadeSpec => loadCascadeArg(presetDir, explicit ?? 'light');
        await Promise.all(metas.filter((m) => !m.reference).map((m) => {
          const stored = explicit ? null : extras.get(m.channel)?.cascade;
          return sup!.startChannel(m.channel, stored && typeof stored === 'object' ? (stored as CascadeSpec) : fallback(), m.label);
        }));
      }
      const t0 = Date.now();
      ctl.play();
      const timer = setInterval(() => {
        const s = ctl!.state();
        const health = sup?.health() ?? [];
        console.log(`replay ${(s.positionNs / 1e9).toFixed(2)}/${(s.durationNs / 1e9).toFixed(2)} s  frame ${s.frameIndex + 1}/${s.frameCount}  published ${s.framesPublished}` +
          (health.length ? '  ' + health.map((h) => `ch${h.channel} ${h.state} in ${h.fpsIn.toFixed(0)} out ${h.fpsOut.toFixed(0)} fps ${h.cascadeMsP50.toFixed(1)} ms`).join(' | ') : ''));
        if ((Date.now() - t0) / 1000 >= limitS) ended();
      }, 1000);
      await done;
      clearInterval(timer);
      const s = ctl.state();
      const summary = { path, state: s.state, positionS: s.positionNs / 1e9, durationS: s.durationNs / 1e9, framesPublished: s.framesPublished, wallS: (Date.now() - t0) / 1000, health: sup?.health() ?? [], error: s.error };
      if (a.opts.has('json')) console.log(JSON.stringify(summary, null, 2));
      else console.log(`${path}: ${s.state} after ${summary.wallS.toFixed(1)} s, ${s.framesPublished} frames published (${fmtBytes(ctl.recording.fileBytes)} file)`);
      return s.state === 'error' ? 1 : 0;
    } finally {
      process.off('SIGINT', onSig);
      process.off('SIGTERM', onSig);
      if (sup) await sup.close().catch(() => undefined);
      if (ctl) await ctl.close(); else sink.close();
      unlinkShm(`${prefix}-`);
    }
  });
}
