/**
 * Latest display frame per channel, keyed by the channel id IN THE FRAME HEADER.
 *
 * The transport's idea of the channel (port, arrival order) is only a hint: a frame whose header
 * names another channel goes to that channel's slot (and is counted as misrouted), so a tile can
 * never show another channel's image. Latest-wins: a frame not yet uploaded is replaced by a newer
 * one and counted as dropped. Per-channel statistics live in fixed-size typed arrays (no allocation
 * per frame besides the frame buffer the transport hands over).
 */
import { DH, DISPLAY_HEADER_OFFSET, DISPLAY_PIXELS_OFFSET } from '../../../shared/display-frame';
import { Cadence } from '../../../shared/cadence';
import { DType, FH, FRAME_MAGIC, dtypeSize } from '../../../shared/frame-header';

const RING = 64;

export class ChannelSlot {
  /** Newest frame not uploaded yet (null once uploaded). */
  pending: Uint8Array | null = null;
  /** The frame currently on the texture (kept to re-upload after a context loss). */
  shown: Uint8Array | null = null;
  width = 0;
  height = 0;
  dtype: DType = DType.U8;
  vmin = 0;
  vmax = 0;
  seq = 0;
  /** Frames dropped on the way to the screen: by the transport + replaced before upload. */
  dropped = 0;
  /** Frames whose header named this channel but arrived on another channel's path. */
  misrouted = 0;
  /** Frames received. */
  received = 0;
  /**
   * Frames of this channel the transport delivered and the page has not yet reported done
   * (`SpeculaBridge.frameDone`): normally 0 or 1, the one on its way to the texture.
   */
  owedToTransport = 0;
  /** Frames of this channel handed to the surface and not given back yet (drawn, waiting, or replaced there). */
  atSurface = 0;
  /** Geometry of the last frame handed to the display (a change re-derives the canvas backing size). */
  lastW = 0;
  lastH = 0;
  /** Arrivals on this page (page clock): fps and the delivered period. */
  readonly cadence = new Cadence();
  private readonly latencies = new Float64Array(RING);
  private nLat = 0;
  private readonly sorted = new Float64Array(RING);
  /**
   * The engine said this channel's cascade stopped producing frames (web mode, `stale` event):
   * page time the notice came, the age the engine had measured then, and when the engine saw the
   * last frame (engine clock ms); null while it produces.
   */
  engineStale: { atMs: number; ageMs: number; lastFrameMs: number; thresholdMs: number } | null = null;
  /**
   * Page time this channel came back on screen after the transport held its frames back (focus
   * view, web mode); -1 if never. Until a frame newer than that arrives, its tile shows an old image.
   */
  resumedAtMs = -1;

  constructor(readonly channel: number) {}

  noteArrival(tMs: number): void {
    this.cadence.note(tMs);
  }

  /** Page time (ms) of the newest arrival; -1 before the first frame. */
  get lastArrivalMs(): number {
    return this.cadence.lastMs;
  }

  noteLatency(ms: number): void {
    this.latencies[this.nLat++ % RING] = ms;
  }

  /** Frames per second over the recent arrivals (0 when fewer than 2 or the last is older than 2 s). */
  fps(nowMs: number): number {
    return this.cadence.fps(nowMs);
  }

  /** The period this channel is delivered at, within [nominal, 4× nominal] (`Cadence.periodMs`). */
  periodMs(nominalMs: number): number {
    return this.cadence.periodMs(nominalMs);
  }

  /** p-quantile (0..1) of the recent display latencies, ms; NaN when unknown. */
  latencyQuantile(q: number): number {
    const n = Math.min(this.nLat, RING);
    if (n === 0) return NaN;
    for (let i = 0; i < n; i++) this.sorted[i] = this.latencies[i];
    const view = this.sorted.subarray(0, n);
    view.sort();
    return view[Math.min(n - 1, Math.floor(q * n))];
  }
}

/** Thrown for a buffer that is not a display frame; the message says why. */
export function parseDisplayGeometry(bytes: Uint8Array, out: ChannelSlot): void {
  if (bytes.byteLength < DISPLAY_PIXELS_OFFSET) throw new Error(`display frame too short: ${bytes.byteLength} bytes`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, DISPLAY_PIXELS_OFFSET);
  if (dv.getUint32(FH.magic, true) !== FRAME_MAGIC) throw new Error('display frame: bad magic');
  const w = dv.getUint32(DISPLAY_HEADER_OFFSET + DH.width, true);
  const h = dv.getUint32(DISPLAY_HEADER_OFFSET + DH.height, true);
  const dt = dv.getUint16(DISPLAY_HEADER_OFFSET + DH.dtype, true) as DType;
  const need = DISPLAY_PIXELS_OFFSET + w * h * dtypeSize(dt);
  if (w === 0 || h === 0 || bytes.byteLength < need) throw new Error(`display frame: ${w}x${h} ${DType[dt]} needs ${need} bytes, got ${bytes.byteLength}`);
  if (dt !== DType.U8 && dt !== DType.U16 && dt !== DType.F32) throw new Error(`display frame: dtype ${DType[dt] ?? dt} not displayable`);
  out.width = w;
  out.height = h;
  out.dtype = dt;
  out.vmin = dv.getFloat32(DISPLAY_HEADER_OFFSET + DH.vmin, true);
  out.vmax = dv.getFloat32(DISPLAY_HEADER_OFFSET + DH.vmax, true);
  out.seq = dv.getUint32(FH.seq + 4, true) * 4294967296 + dv.getUint32(FH.seq, true);
}

/** Channel id from a display frame's header. */
export function headerChannel(bytes: Uint8Array): number {
  if (bytes.byteLength < 64) return -1;
  return new DataView(bytes.buffer, bytes.byteOffset, 64).getUint32(FH.channel, true);
}

/** Acquisition time of the frame, ms on the engine clock. */
export function acquiredMs(bytes: Uint8Array): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 64);
  return (dv.getUint32(FH.tAcquiredNs + 4, true) * 4294967296 + dv.getUint32(FH.tAcquiredNs, true)) / 1e6;
}

export class FrameStore {
  private readonly slots = new Map<number, ChannelSlot>();
  /** Bumped whenever any channel gets a frame; the draw loop compares it. */
  version = 0;
  /** Frames that were not display frames (bad magic, short, bad geometry). */
  rejected = 0;
  lastError: string | null = null;
  /** The not-yet-uploaded frame the last `put` replaced (latest-wins), else null. */
  replaced: Uint8Array | null = null;

  slot(channel: number): ChannelSlot {
    let s = this.slots.get(channel);
    if (!s) {
      s = new ChannelSlot(channel);
      this.slots.set(channel, s);
    }
    return s;
  }

  has(channel: number): boolean {
    return this.slots.has(channel);
  }

  all(): IterableIterator<ChannelSlot> {
    return this.slots.values();
  }

  /**
   * Take a frame. `hintChannel` is what the transport believes; the header decides.
   * Returns the slot it went to, or null when the bytes were rejected.
   */
  put(bytes: Uint8Array, hintChannel: number, nowMs: number, transportDropped = 0): ChannelSlot | null {
    this.replaced = null;
    const ch = headerChannel(bytes);
    if (ch < 0) {
      this.rejected++;
      this.lastError = `display frame too short (${bytes.byteLength} bytes)`;
      return null;
    }
    const s = this.slot(ch);
    try {
      parseDisplayGeometry(bytes, s);
    } catch (e) {
      this.rejected++;
      this.lastError = e instanceof Error ? e.message : String(e);
      return null;
    }
    if (hintChannel !== ch) s.misrouted++;
    this.replaced = s.pending;
    if (s.pending) s.dropped++;
    s.dropped += transportDropped;
    s.pending = bytes;
    s.received++;
    s.noteArrival(nowMs);
    this.version++;
    return s;
  }
}

/** Pixels of a display frame as the typed array texture upload wants. */
/** Geometry of a frame's pixels (a `ChannelSlot` has it). */
export interface PixelGeometry {
  width: number;
  height: number;
  dtype: DType;
}

export function pixelView(bytes: Uint8Array, slot: PixelGeometry): Uint8Array | Float32Array {
  const n = slot.width * slot.height;
  const off = bytes.byteOffset + DISPLAY_PIXELS_OFFSET;
  if (slot.dtype === DType.F32) {
    if (off % 4 === 0) return new Float32Array(bytes.buffer, off, n);
    return new Float32Array(bytes.slice(DISPLAY_PIXELS_OFFSET, DISPLAY_PIXELS_OFFSET + n * 4).buffer);
  }
  // U16 is uploaded as LUMINANCE_ALPHA bytes (lo, hi) and recombined in the shader.
  return new Uint8Array(bytes.buffer, off, n * dtypeSize(slot.dtype));
}
