/**
 * Latency slot of the workbench (picked up by `../slots.ts`): the live latency panel, plus the
 * renderer-side probe that acks every presented frame to the engine's latency ledger.
 *
 * The probe is a page-wide singleton started at page load (`main.tsx` calls `startLatencyProbe`; the
 * slot calls it too, idempotently) and never stopped, so the ledger measures from the first frame.
 * Its minimum-round-trip clock sync over `engine.clock`, on the page clock (performance.now), is the
 * page's ONE clock sync: the display reads its offset for the HUD latency and stamps received /
 * uploaded / presented / dropped through the probe, so every row's renderer stamps share the one
 * mapping the ack states.
 */
import { useEffect, useState } from 'react';
import type { SpeculaBridge } from '../../../shared/bridge';
import type { LatencySnapshot } from '../../../shared/latency';
import type { DisplayController } from '../display/display-controller';
import type { SlotProps } from '../slots';
import { useUi } from '../state/ui-store';
import { ClockSyncClient } from './clock-sync-client';
import { LatencyPanel } from './LatencyPanel';
import { LatencyProbe } from './probe';

let probe: LatencyProbe | null = null;

/** Start acking presented frames to the engine (idempotent). Returns the probe. */
export function startLatencyProbe(bridge: SpeculaBridge, display: DisplayController): LatencyProbe {
  if (probe) return probe;
  const sync = new ClockSyncClient({
    ping: async () => (await bridge.call('engine.clock', {})).monotonicNs,
    now: () => performance.now() * 1e6, // the display's clock base, so its stamps can be re-mapped
  });
  sync.start();
  const p = new LatencyProbe({ sync, send: (ack) => bridge.call('latency.ack', ack) });
  display.useLatency(sync, p);
  p.start();
  probe = p;
  // Diagnostics for `specula latency` and e2e tests (read-only).
  (globalThis as unknown as { __speculaLatency?: LatencyProbe }).__speculaLatency = p;
  return p;
}

/** Poll `latency.snapshot` every `periodMs` while mounted. */
export function useLatencySnapshot(bridge: SpeculaBridge, periodMs = 500): { snapshot: LatencySnapshot | null; error: string | null } {
  const [snapshot, setSnapshot] = useState<LatencySnapshot | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    const poll = () =>
      bridge.call('latency.snapshot', {}).then(
        (s) => {
          if (!alive) return;
          setSnapshot(s);
          setError(null);
        },
        (e: unknown) => alive && setError(`latency: ${e instanceof Error ? e.message : String(e)}`),
      );
    void poll();
    const t = setInterval(poll, periodMs);
    return () => {
      alive = false;
      clearInterval(t);
    };
  }, [bridge, periodMs]);
  return { snapshot, error };
}

export default function LatencySlot({ bridge, display }: SlotProps) {
  useEffect(() => {
    startLatencyProbe(bridge, display);
  }, [bridge, display]);
  const { snapshot, error } = useLatencySnapshot(bridge);
  const engineBudget = useUi((s) => s.engine?.budgetMs ?? s.budgetMs);
  const [budgetMs, setBudgetMs] = useState<number | null>(null);
  return (
    <LatencyPanel
      snapshot={snapshot}
      error={error}
      budgetMs={budgetMs ?? engineBudget}
      onBudgetChange={setBudgetMs}
      onReset={() => void bridge.call('latency.reset', { warmupMs: 0 }).catch(() => undefined)}
    />
  );
}
