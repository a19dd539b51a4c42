/** Top bar: global colormap, global window/level, freeze, device controls, panels. */
import type { SpeculaBridge } from '../../../shared/bridge';
import { COLORMAPS, type ColormapName } from '../display/colormaps';
import { useUi } from '../state/ui-store';
import { WlFields } from './WlFields';

export function Toolbar({ bridge, report }: { bridge: SpeculaBridge; report: (e: unknown) => void }) {
  const colormap = useUi((s) => s.colormap);
  const wlGlobal = useUi((s) => s.wlGlobal);
  const frozenAll = useUi((s) => s.frozenAll);
  const engine = useUi((s) => s.engine);
  const panel = useUi((s) => s.panel);
  const focus = useUi((s) => s.focus);
  const set = useUi((s) => s.set);

  return (
    <header className="toolbar">
      <span className="brand">Specula</span>
      <label>
        colormap{' '}
        <select data-testid="colormap" value={colormap} onChange={(e) => set({ colormap: e.target.value as ColormapName })}>
          {COLORMAPS.map((c) => (
            <option key={c} value={c}>{c}</option>
          ))}
        </select>
      </label>
      <span className="group" title="window/level for every channel without its own">
        all W/L <WlFields value={wlGlobal} onChange={(wl) => set({ wlGlobal: wl })} testid="wl-global" />
      </span>
      <button data-testid="freeze-all" className={frozenAll ? 'on danger' : ''} onClick={() => useUi.getState().toggleFreeze()} title="F">
        {frozenAll ? 'Unfreeze all' : 'Freeze all'}
      </button>
      <button
        data-testid="pause-device"
        onClick={() => bridge.call('device.pause', { paused: !engine?.paused }).then((st) => set({ engine: st }), report)}
      >
        {engine?.paused ? 'Resume device' : 'Pause device'}
      </button>
      {focus !== null && (
        <button data-testid="back-to-grid" onClick={() => set({ focus: null })}>
          Grid (Esc)
        </button>
      )}
      <span className="spacer" />
      {(['cascade', 'latency', 'replay'] as const).map((p) => (
        <button key={p} data-testid={`panel-${p}`} className={panel === p ? 'on' : ''} onClick={() => set({ panel: panel === p ? 'none' : p })}>
          {p}
        </button>
      ))}
    </header>
  );
}
