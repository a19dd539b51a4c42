/**
 * The engine behind web mode, composed once for `specula serve` and `specula latency`: the engine's
 * own control calls and events (`EngineHost`), the latency ledger's calls, and record / replay /
 * export on the live rings. The latency check so runs the very page the clinician gets, with every
 * call that page makes answered.
 */
import { resolve } from 'node:path';
import type { CascadeSpec } from '../../shared/cascade-spec';
import type { Engine } from '../../engine/engine';
import { latencyHandlers } from '../../engine/latency/bridge-handlers';
import type { LatencyService } from '../../engine/latency/service';
import { attachRecordReplay } from '../../engine/replay/attach';
import { EngineHost } from './engine-host';

export interface WebEngineHostOptions {
  budgetMs?: number;
  presetDir: string | null;
  /** The cascade every channel was started with. */
  cascade: CascadeSpec;
  latency: LatencyService;
  /** Where recordings are written and listed (default $SPECULA_RECORDINGS_DIR or ./recordings). */
  recordingsDir?: string;
}

export interface WebEngineHost {
  host: EngineHost;
  /** Stop recording/replay and the host (the engine itself is the caller's to stop). */
  close(): Promise<void>;
}

export function webEngineHost(engine: Engine, o: WebEngineHostOptions): WebEngineHost {
  const host = new EngineHost(engine, { mode: 'web', budgetMs: o.budgetMs, presetDir: o.presetDir, cascade: o.cascade, relayFrames: true });
  host.extend(latencyHandlers(o.latency));
  const recordReplay = attachRecordReplay(host, engine, {
    recordingsDir: o.recordingsDir ?? process.env.SPECULA_RECORDINGS_DIR ?? resolve('recordings'),
    cascadeOf: (ch) => host.cascadeOf(ch),
    replaySource: engine, // replay.open switches the engine from the sim device to the recording
  });
  return {
    host,
    async close() {
      try {
        await recordReplay.close();
      } finally {
        host.close();
      }
    },
  };
}
