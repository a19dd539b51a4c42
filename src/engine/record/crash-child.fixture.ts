/**
 * Child process for crash.test.ts: records synthetic frames forever (until killed with SIGKILL).
 * argv: <path>. Prints "chunks N" lines as the file grows so the parent knows when to kill.
 */
import { statSync } from 'node:fs';
import { DType } from '../../shared/frame-header';
import { Recorder } from './recorder';
import { FakeRing } from './synthetic-frames';

const path = process.argv[2];
const rings = [0, 1, 255].map((c) => new FakeRing({ channel: c, lines: 32, samples: 64, dtype: DType.U16 }, 9, 4));
const rec = await Recorder.start({ path, sources: rings, manualPoll: true, acceptFramesFromNs: 0, chunkBytes: 20_000, compression: process.argv[3] === 'lz4' ? 'lz4' : 'none' });
let t = 1e9;
let n = 0;
setInterval(() => {
  for (const r of rings) r.publish((t += 1e6));
  rec.poll();
  if (++n % 20 === 0) process.stdout.write(`bytes ${statSync(path).size} frames ${rec.status().framesRecorded}\n`);
}, 1);
