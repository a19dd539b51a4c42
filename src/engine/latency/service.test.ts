import { describe, expect, it } from 'vitest';
import { ACK_STRIDE, AckField, AckState } from '../../shared/latency';
import { LatencyService } from './service';

describe('LatencyService', () => {
  it('answers a clock ping with the engine time read when it was handled', () => {
    let now = 5_000;
    const svc = new LatencyService({ now: () => now++ });
    const pong = svc.handleMessage({ type: 'clock-ping', id: 9, tRendererNs: 123 });
    expect(pong).toEqual({ type: 'clock-pong', id: 9, tRendererNs: 123, tEngineNs: 5_000 });
    expect(() => svc.handleMessage({ type: 'clock-ping', id: 1, tRendererNs: 'x' as unknown as number })).toThrow(/numbers/);
  });

  it('records acks and the sync estimate', () => {
    const svc = new LatencyService({ now: () => 3e12 });
    const rows = new Array<number>(ACK_STRIDE).fill(0);
    rows[AckField.channel] = 2;
    rows[AckField.seq] = 7;
    rows[AckField.state] = AckState.Presented;
    for (let h = 0; h < 8; h++) rows[AckField.stamps + h] = 2e12 + h * 1e6;
    const sync = { offsetNs: -5, uncertaintyNs: 100, rttMinNs: 200, samples: 3 };
    expect(svc.handleMessage({ type: 'latency-ack', rows, sync, overflow: 0 })).toBeNull();
    const s = svc.snapshot();
    expect(s.sync).toEqual(sync);
    expect(s.channels[0].segments[7].p50Ms).toBeCloseTo(7, 1);
  });
});
