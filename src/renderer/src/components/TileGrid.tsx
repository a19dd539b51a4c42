/** The grid (or focus view) of tiles over the one GL canvas. */
import { useEffect, useRef, useState } from 'react';
import type { DisplayController } from '../display/display-controller';
import { gridShape } from '../display/layout';
import { useUi } from '../state/ui-store';
import { Tile } from './Tile';

export function TileGrid({ controller }: { controller: DisplayController }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const areaRef = useRef<HTMLDivElement>(null);
  const channels = useUi((s) => s.channels);
  const focus = useUi((s) => s.focus);
  const contextLost = useUi((s) => s.contextLost);
  const [size, setSize] = useState({ w: 800, h: 600 });

  useEffect(() => {
    const canvas = canvasRef.current!;
    try {
      controller.attach(canvas);
    } catch (e) {
      controller.lastError = `WebGL unavailable: ${e instanceof Error ? e.message : String(e)}`;
      useUi.getState().set({ contextLost: true });
    }
    return () => controller.detach();
  }, [controller]);

  useEffect(() => {
    const el = areaRef.current!;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const shown = focus !== null ? channels.filter((c) => c.channel === focus) : channels;
  const aspect = shown[0] ? shown[0].samples / Math.max(1, shown[0].lines) : 16 / 9;
  const { cols, rows } = gridShape(shown.length, size.w, size.h, aspect);

  return (
    <div className="grid-area" ref={areaRef}>
      <canvas ref={canvasRef} className="gl" data-testid="gl-canvas" />
      <div className="grid" style={{ gridTemplateColumns: `repeat(${cols}, 1fr)`, gridTemplateRows: `repeat(${rows}, 1fr)` }}>
        {shown.map((c) => (
          <Tile key={c.channel} info={c} index={channels.indexOf(c)} controller={controller} />
        ))}
      </div>
      {shown.length === 0 && <div className="empty">No channels. Start the engine or check the connection.</div>}
      {contextLost && (
        <div className="context-lost" data-testid="context-lost">
          DISPLAY CONTEXT LOST — images are not live; recovering…
        </div>
      )}
    </div>
  );
}
