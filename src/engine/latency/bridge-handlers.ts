/**
 * Bridge handlers of the latency area, to merge into the engine's `BridgeHandlers` table:
 *   handlers = { ...engineHandlers, ...latencyHandlers(latencyService) };
 * `latency.ack` (renderer → ledger), `latency.snapshot` (panel), `latency.reset`.
 * Clock sync uses the existing `engine.clock` call.
 */
import type { BridgeHandlers } from '../../shared/bridge';
import type { LatencyAckParams } from '../../shared/latency';
import type { LatencyService } from './service';

export type LatencyHandlers = Required<Pick<BridgeHandlers, 'latency.ack' | 'latency.snapshot' | 'latency.reset'>>;

export function latencyHandlers(svc: LatencyService): LatencyHandlers {
  return {
    'latency.ack': (p: LatencyAckParams) => {
      if (!p || !Array.isArray(p.rows) || !p.rows.every((x) => typeof x === 'number')) throw new TypeError('latency.ack: rows must be an array of numbers');
      if (p.sync !== null && (typeof p.sync !== 'object' || typeof p.sync?.offsetNs !== 'number')) throw new TypeError('latency.ack: sync must be null or a clock-sync estimate');
      svc.handleMessage({ type: 'latency-ack', rows: p.rows, sync: p.sync ?? null, overflow: Number(p.overflow) || 0 });
      return { rows: p.rows.length };
    },
    'latency.snapshot': () => svc.snapshot(),
    'latency.reset': (p) => {
      const w = p?.warmupMs ?? 0;
      if (typeof w !== 'number' || !(w >= 0)) throw new RangeError(`latency.reset: warmupMs must be a number ≥ 0, got ${JSON.stringify(w)}`);
      svc.reset(w);
      return { ok: true as const };
    },
  };
}
