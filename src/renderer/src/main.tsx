/**
 * Renderer entry: pick the bridge (Electron preload or web client), wire frames to the display
 * controller (outside React) and engine events to the UI store, then render the workbench.
 */
import { createRoot } from 'react-dom/client';
import type { SpeculaBridge } from '../../shared/bridge';
import { pickBridge } from './bridge/pick';
import { App } from './components/App';
import { DisplayController } from './display/display-controller';
import { startLatencyProbe } from './latency/index';
import { useUi } from './state/ui-store';
import './styles.css';

function wire(bridge: SpeculaBridge, controller: DisplayController): void {
  const set = useUi.getState().set;
  bridge.onFrames(controller.onFrame);
  controller.setFrameDone((channel) => bridge.frameDone(channel));
  controller.setShowOnly((channels) => bridge.showOnly(channels));
  bridge.on('channels', (channels) => set({ channels }));
  bridge.on('state', (engine) => set({ engine, budgetMs: engine.budgetMs }));
  bridge.on('health', (list) => set({ health: Object.fromEntries(list.map((h) => [h.channel, h])) }));
  bridge.on('stale', controller.onEngineStale);
  bridge.on('connection', (c) => {
    set({ connected: c.connected, connectionReason: c.reason ?? null });
    if (c.connected) void refresh();
  });
  const refresh = async () => {
    try {
      const [channels, engine] = await Promise.all([bridge.call('channels.list', {}), bridge.call('engine.state', {})]);
      set({ channels, engine, budgetMs: engine.budgetMs });
      if (bridge.mode === 'electron') set({ connected: true });
    } catch (e) {
      console.error('specula: initial load failed', e);
    }
  };
  void refresh();
}

const bridge = pickBridge();
const controller = new DisplayController();
wire(bridge, controller);
// The page's one clock sync and the latency probe, from the start (the latency panel only shows them).
startLatencyProbe(bridge, controller);
// Diagnostics for tests and support (read-only use): draw/upload counters, slots, context loss.
(window as unknown as { __specula: unknown }).__specula = { controller, bridge, ui: useUi };
createRoot(document.getElementById('root')!).render(<App bridge={bridge} controller={controller} />);
