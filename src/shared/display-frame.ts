/**
 * Display frame: what a channel worker sends to the renderer for every processed frame.
 *
 *   [ FrameHeader (64 B) | timing block (TIMING_SLOTS × f64 = 128 B) | display header (32 B) | pixels ]
 *
 * The frame header is the ring's header, unchanged (channel, seq, acquisition time...). The timing
 * block carries one CLOCK_MONOTONIC-ns stamp per hop (`Hop`), in the *engine's* clock; hops the
 * renderer fills (received, uploaded, presented) are written in renderer time mapped onto the engine
 * clock by the clock sync. Unset stamps are 0. The display header describes the pixel payload, which
 * may differ from the raw frame (decimated, uint8 or float32).
 */
import { DType, FRAME_HEADER_BYTES, dtypeSize } from './frame-header';

/** Hops of the latency model, in order. Values index the timing block. */
export enum Hop {
  Acquired = 0,
  RingWrite = 1,
  PickedUp = 2,
  CascadeDone = 3,
  Sent = 4,
  Received = 5,
  Uploaded = 6,
  Presented = 7,
}

export const HOP_NAMES = ['acquired', 'ringWrite', 'pickedUp', 'cascadeDone', 'sent', 'received', 'uploaded', 'presented'] as const;
export type HopName = (typeof HOP_NAMES)[number];

/** Number of f64 slots in the timing block (8 hops used, the rest reserved). */
export const TIMING_SLOTS = 16;
export const TIMING_OFFSET = FRAME_HEADER_BYTES;
export const TIMING_BYTES = TIMING_SLOTS * 8;

/** Display header: geometry and value range of the pixel payload. */
export const DISPLAY_HEADER_OFFSET = TIMING_OFFSET + TIMING_BYTES; // 192
export const DISPLAY_HEADER_BYTES = 32;
/** Offsets inside the display header (relative to DISPLAY_HEADER_OFFSET). */
export const DH = {
  width: 0, // u32: pixels per row (texture width)
  height: 4, // u32: rows (texture height)
  dtype: 8, // u16: DType of the pixels (U8 or F32)
  cascadeMs: 12, // f32: cascade wall time for this frame
  skipped: 16, // u32: frames the worker skipped (latest-wins) since its previous display frame
  gap: 20, // u32: sequence numbers missing between the previous picked frame and this one
  vmin: 24, // f32: suggested window minimum (float payloads)
  vmax: 28, // f32: suggested window maximum (float payloads)
} as const;

/** Offset of the pixel payload; 8-byte aligned so it can be viewed as Float32Array/Float64Array. */
export const DISPLAY_PIXELS_OFFSET = DISPLAY_HEADER_OFFSET + DISPLAY_HEADER_BYTES; // 224

/** Total message size for a display image of `width × height` pixels of `dtype`. */
export function displayFrameBytes(width: number, height: number, dtype: DType): number {
  return DISPLAY_PIXELS_OFFSET + width * height * dtypeSize(dtype);
}
