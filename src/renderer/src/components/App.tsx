/** The workbench: toolbar, tile grid (focus view), side panels, replay timeline slot, status bar. */
import { useCallback, useEffect, useState } from 'react';
import type { SpeculaBridge } from '../../../shared/bridge';
import type { DisplayController } from '../display/display-controller';
import { COLORMAPS } from '../display/colormaps';
import { LatencySlot, ReplaySlot } from '../slots';
import { useUi } from '../state/ui-store';
import { CascadePanel } from './CascadePanel';
import { ChannelPanel } from './ChannelPanel';
import { StatusBar } from './StatusBar';
import { TileGrid } from './TileGrid';
import { Toolbar } from './Toolbar';

export function App({ bridge, controller }: { bridge: SpeculaBridge; controller: DisplayController }) {
  const panel = useUi((s) => s.panel);
  const [lastError, setLastError] = useState<string | null>(null);
  const report = useCallback((e: unknown) => setLastError(e instanceof Error ? e.message : String(e)), []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.target instanceof HTMLTextAreaElement) return;
      const s = useUi.getState();
      if (e.key >= '1' && e.key <= '9') {
        const c = s.channels[Number(e.key) - 1];
        if (c) s.set({ focus: c.channel, selected: c.channel });
      } else if (e.key === 'Escape') {
        s.set({ focus: null });
      } else if (e.key === 'f' || e.key === 'F') {
        s.toggleFreeze();
      } else if (e.key === 'c' || e.key === 'C') {
        s.set({ colormap: COLORMAPS[(COLORMAPS.indexOf(s.colormap) + 1) % COLORMAPS.length] });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="app">
      <Toolbar bridge={bridge} report={report} />
      <main className="workspace">
        <TileGrid controller={controller} />
        <aside className="side">
          <ChannelPanel bridge={bridge} report={report} />
          {panel === 'cascade' && <CascadePanel bridge={bridge} />}
          {panel === 'latency' && (LatencySlot ? <LatencySlot bridge={bridge} display={controller} /> : <section className="panel dim">Latency panel not installed in this build.</section>)}
          {panel === 'replay' && !ReplaySlot && <section className="panel dim">Replay not installed in this build.</section>}
        </aside>
      </main>
      {ReplaySlot && <div className="replay-slot"><ReplaySlot bridge={bridge} display={controller} /></div>}
      <StatusBar lastError={lastError} />
    </div>
  );
}
