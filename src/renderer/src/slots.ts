/**
 * Slots for panels owned by other areas, picked up at build time if their files exist:
 * - `./replay/index.tsx`  (record/replay timeline, issue 6): default export `ReplaySlot`
 * - `./latency/index.tsx` (latency panel, issue 7): default export `LatencySlot`
 * Each is a React component taking `SlotProps`. A missing file leaves its slot empty.
 */
import type { ComponentType } from 'react';
import type { SpeculaBridge } from '../../shared/bridge';
import type { DisplayController } from './display/display-controller';

export interface SlotProps {
  bridge: SpeculaBridge;
  /** Frames presented on screen (`onPresented`) and per-channel stats, for the latency panel. */
  display: DisplayController;
}

type SlotModule = { default?: ComponentType<SlotProps> };
const replay = import.meta.glob<SlotModule>('./replay/index.tsx', { eager: true });
const latency = import.meta.glob<SlotModule>('./latency/index.tsx', { eager: true });

export const ReplaySlot: ComponentType<SlotProps> | null = Object.values(replay)[0]?.default ?? null;
export const LatencySlot: ComponentType<SlotProps> | null = Object.values(latency)[0]?.default ?? null;
