/**
 * A throw-away host process for shutdown tests: starts a JS producer and a supervisor with N
 * channels, prints `{"pids":[...],"spares":n,"prefix":"..."}` on stdout once every channel runs,
 * then idles until killed. Optional argv[3] = 'signals' installs graceful SIGINT/SIGTERM handling.
 */
import { loadNative } from '../../native/load';
import { NodeChannelLauncher } from '../launcher-node';
import { unlinkShm } from '../shm-cleanup';
import { Supervisor } from '../supervisor';
import { testCascade } from '../../workers/testing/test-processor';
import { JsProducer } from './js-producer';

const prefix = process.argv[2] ?? `sphost${process.pid}`;
const graceful = process.argv[3] === 'signals';
const native = loadNative();
const chans = [0, 1];
const producer = new JsProducer(native, prefix, chans, 64, 128);
producer.start(30);
const sup = new Supervisor({ launcher: new NodeChannelLauncher(), prefix, display: 'relay', processor: 'test', nowNs: () => native.monotonicNs(), spares: 0, log: () => {} });
if (graceful) {
  const stop = async () => {
    await sup.close();
    producer.close();
    unlinkShm(`${prefix}-`);
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
Promise.all(chans.map((c) => sup.startChannel(c, testCascade({ lines: 64, samples: 128, factor: 2 })))).then(
  () => process.stdout.write(JSON.stringify({ pids: chans.map((c) => sup.pid(c)), prefix }) + '\n'),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
setInterval(() => {}, 1000);
