/** Controls of the selected channel: colormap, window/level, freeze, process and fault injection. */
import type { SpeculaBridge } from '../../../shared/bridge';
import { COLORMAPS, type ColormapName } from '../display/colormaps';
import { useUi } from '../state/ui-store';
import { WlFields } from './WlFields';

export function ChannelPanel({ bridge, report }: { bridge: SpeculaBridge; report: (e: unknown) => void }) {
  const ch = useUi((s) => s.selected);
  const info = useUi((s) => s.channels.find((c) => c.channel === s.selected));
  const h = useUi((s) => (s.selected !== null ? s.health[s.selected] : undefined));
  const cmap = useUi((s) => (s.selected !== null ? s.colormapByChannel[s.selected] : undefined));
  const wl = useUi((s) => (s.selected !== null ? s.wlByChannel[s.selected] : undefined));
  const frozen = useUi((s) => (s.selected !== null ? !!s.frozen[s.selected] : false));
  const stalled = useUi((s) => (s.selected !== null ? !!s.engine?.stalled.includes(s.selected) : false));
  const set = useUi((s) => s.set);
  if (ch === null || !info) return <section className="panel channel-panel"><h3>Channel</h3><p className="dim">Click a tile to select it.</p></section>;
  const st = useUi.getState();
  return (
    <section className="panel channel-panel" data-testid="channel-panel">
      <h3>{info.label} <span className="dim">(id {ch})</span></h3>
      <dl>
        <dt>process</dt><dd className={h && h.state !== 'running' ? 'bad' : ''}>{h ? `${h.state}${h.pid ? ` · pid ${h.pid}` : ''}${h.restarts ? ` · ${h.restarts} restarts` : ''}` : '—'}</dd>
        <dt>rate</dt><dd>{h ? `${h.fpsIn.toFixed(1)} in · ${h.fpsOut.toFixed(1)} out fps` : '—'}</dd>
        <dt>cascade</dt><dd>{h ? `${info.cascade} · p50 ${h.cascadeMsP50.toFixed(1)} / p99 ${h.cascadeMsP99.toFixed(1)} ms` : info.cascade}</dd>
        <dt>skipped / gaps</dt><dd>{h ? `${h.skipped} / ${h.gaps}` : '—'}</dd>
        {h?.lastError && (<><dt>last error</dt><dd className="error">{h.lastError}</dd></>)}
      </dl>
      <label>
        colormap{' '}
        <select data-testid="channel-colormap" value={cmap ?? ''} onChange={(e) => st.setChannelColormap(ch, (e.target.value || null) as ColormapName | null)}>
          <option value="">(global)</option>
          {COLORMAPS.map((c) => <option key={c} value={c}>{c}</option>)}
        </select>
      </label>
      <div>W/L <WlFields value={wl ?? null} onChange={(v) => st.setChannelWl(ch, v)} testid="wl-channel" /></div>
      <div className="buttons">
        <button className={frozen ? 'on danger' : ''} onClick={() => st.toggleFreeze(ch)} data-testid="freeze-channel">{frozen ? 'Unfreeze' : 'Freeze'}</button>
        <button onClick={() => set({ focus: st.focus === ch ? null : ch })}>{st.focus === ch ? 'Grid' : 'Focus'}</button>
        <button onClick={() => bridge.call('channels.start', { channels: [ch] }).then((e) => set({ engine: e }), report)}>Start</button>
        <button onClick={() => bridge.call('channels.stop', { channels: [ch] }).then((e) => set({ engine: e }), report)}>Stop</button>
      </div>
      <details>
        <summary>fault injection (testing)</summary>
        <button data-testid="stall-channel" onClick={() => bridge.call('device.stall', { channel: ch, stalled: !stalled }).then((e) => set({ engine: e }), report)}>
          {stalled ? 'Resume source' : 'Stall source'}
        </button>
        <button onClick={() => bridge.call('worker.kill', { channel: ch }).catch(report)}>Kill process</button>
      </details>
    </section>
  );
}
