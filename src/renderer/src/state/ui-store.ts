/**
 * UI state (zustand): what the user chose and what the engine reported a few times a second.
 * Never per-frame data: frames live in the display controller, outside React.
 */
import { create } from 'zustand';
import type { ChannelInfo, EngineState } from '../../../shared/bridge';
import type { ChannelHealth } from '../../../shared/health';
import type { ColormapName } from '../display/colormaps';
import type { DisplayChoice } from '../display/pixel-display';
import type { WindowLevel } from '../display/window-level';

export interface UiState {
  channels: ChannelInfo[];
  health: Record<number, ChannelHealth>;
  engine: EngineState | null;
  connected: boolean;
  connectionReason: string | null;
  /** Channel shown alone (focus view), or null for the grid. */
  focus: number | null;
  /** Channel whose controls/cascade the side panel shows. */
  selected: number | null;
  colormap: ColormapName;
  colormapByChannel: Record<number, ColormapName>;
  wlGlobal: WindowLevel | null;
  wlByChannel: Record<number, WindowLevel>;
  frozenAll: boolean;
  frozen: Record<number, boolean>;
  panel: 'none' | 'cascade' | 'latency' | 'replay';
  contextLost: boolean;
  /** Which display draws the images (WebGL or Canvas 2D) and why; null until it is made. */
  display: DisplayChoice | null;
  /** Play state of the open replay ('playing', 'paused', 'ended'…), null when the source is live. */
  replayState: string | null;
  /** Overall display latency p99 (ms, renderer-measured), refreshed a few times a second. */
  latencyP99: number | null;
  budgetMs: number;
  set: (p: Partial<UiState>) => void;
  toggleFreeze: (channel?: number) => void;
  setChannelWl: (channel: number, wl: WindowLevel | null) => void;
  setChannelColormap: (channel: number, c: ColormapName | null) => void;
}

export const useUi = create<UiState>((set, get) => ({
  channels: [],
  health: {},
  replayState: null,
  engine: null,
  connected: false,
  connectionReason: null,
  focus: null,
  selected: null,
  colormap: 'gray',
  colormapByChannel: {},
  wlGlobal: null,
  wlByChannel: {},
  frozenAll: false,
  frozen: {},
  panel: 'none',
  contextLost: false,
  display: null,
  latencyP99: null,
  budgetMs: 100,
  set: (p) => set(p),
  toggleFreeze: (channel) => {
    if (channel === undefined) set({ frozenAll: !get().frozenAll });
    else set({ frozen: { ...get().frozen, [channel]: !get().frozen[channel] } });
  },
  setChannelWl: (channel, wl) => {
    const next = { ...get().wlByChannel };
    if (wl) next[channel] = wl;
    else delete next[channel];
    set({ wlByChannel: next });
  },
  setChannelColormap: (channel, c) => {
    const next = { ...get().colormapByChannel };
    if (c) next[channel] = c;
    else delete next[channel];
    set({ colormapByChannel: next });
  },
}));

export function isFrozen(s: UiState, channel: number): boolean {
  return s.frozenAll || !!s.frozen[channel];
}

/** Channels on screen, in display order (focus view: just the focused one). */
export function visibleChannels(s: Pick<UiState, 'channels' | 'focus'>): number[] {
  const all = s.channels.map((c) => c.channel);
  return s.focus !== null && all.includes(s.focus) ? [s.focus] : all;
}
