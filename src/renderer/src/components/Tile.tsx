/**
 * One channel tile: a transparent box over the shared GL canvas (the pixels are drawn there, keyed
 * by channel id), with the HUD and the safety overlays. HUD numbers and the STALE / NO SIGNAL /
 * PROCESS DOWN overlay are written by the display controller straight into the `data-role` nodes,
 * so frames never re-render React.
 */
import { useCallback, useRef } from 'react';
import type { ChannelInfo } from '../../../shared/bridge';
import type { DisplayController } from '../display/display-controller';
import { dragWindowLevel, fromRange } from '../display/window-level';
import { isFrozen, useUi } from '../state/ui-store';

interface Props {
  info: ChannelInfo;
  index: number;
  controller: DisplayController;
}

export function Tile({ info, index, controller }: Props) {
  const ch = info.channel;
  const frozen = useUi((s) => isFrozen(s, ch));
  const selected = useUi((s) => s.selected === ch);
  const focused = useUi((s) => s.focus === ch);
  const hasOwnWl = useUi((s) => !!s.wlByChannel[ch]);
  const cmap = useUi((s) => s.colormapByChannel[ch] ?? s.colormap);
  const drag = useRef<{ x: number; y: number; moved: boolean; global: boolean; start: ReturnType<typeof fromRange> } | null>(null);

  const ref = useCallback((el: HTMLDivElement | null) => controller.registerTile(ch, el), [controller, ch]);

  const onPointerDown = (e: React.PointerEvent) => {
    if (e.button !== 0) return;
    const [lo, hi] = controller.currentRange(ch);
    drag.current = { x: e.clientX, y: e.clientY, moved: false, global: e.shiftKey, start: fromRange(lo, hi) };
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e: React.PointerEvent) => {
    const d = drag.current;
    if (!d) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (!d.moved && Math.abs(dx) + Math.abs(dy) < 5) return;
    d.moved = true;
    const wl = dragWindowLevel(d.start, dx, dy);
    if (d.global) useUi.getState().set({ wlGlobal: wl });
    else useUi.getState().setChannelWl(ch, wl);
  };
  const onPointerUp = () => {
    const d = drag.current;
    drag.current = null;
    if (d && !d.moved) {
      const s = useUi.getState();
      s.set({ selected: ch, focus: s.focus === ch ? null : ch });
    }
  };

  return (
    <div
      ref={ref}
      className={`tile${frozen ? ' frozen' : ''}${selected ? ' selected' : ''}`}
      data-channel={ch}
      data-testid={`tile-${ch}`}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onDoubleClick={() => useUi.getState().setChannelWl(ch, null)}
      title="click: focus / back · drag: window (←→) and level (↑↓) · shift-drag: all channels · double-click: auto window"
    >
      <div className="image" data-role="image" />
      <div className="hud">
        <span className="label" data-testid={`label-${ch}`}>{info.label}</span>
        {index < 9 && !focused && <span className="key">{index + 1}</span>}
        <span data-role="fps" className="num">— fps</span>
        <span data-role="lat" className="num">lat —</span>
        <span data-role="drops" className="num">drop 0</span>
        <span className="num dim">{cmap}{hasOwnWl ? ' · W/L' : ''}</span>
      </div>
      {frozen && (
        <div className="frozen-mark" data-testid={`frozen-${ch}`}>
          ❚❚ FROZEN — not live
        </div>
      )}
      <div data-role="overlay" className="overlay" hidden data-testid={`overlay-${ch}`}>
        <div data-role="overlay-title" className="overlay-title" />
        <div data-role="overlay-detail" className="overlay-detail" />
      </div>
    </div>
  );
}
