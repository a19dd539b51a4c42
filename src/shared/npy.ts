/**
 * NumPy `.npy` files on bytes (no file system here: callers read/write the bytes).
 * Supported: format versions 1.0, 2.0 and 3.0 (3.0 = 2.0 with a UTF-8 header), dtypes uint8, uint16,
 * float32, float64 in little-endian (or byte-order-free `|u1`), C order, any shape.
 * Everything else (big-endian, Fortran order, other dtypes, object arrays, truncated files) is
 * rejected with an error that says what was found.
 */
import type { SampleDType } from './cascade-spec';

export type NpyArray = Uint8Array | Uint16Array | Float32Array | Float64Array;

export interface Npy {
  dtype: SampleDType;
  shape: number[];
  /** Values in C order (a fresh, aligned copy on read). */
  data: NpyArray;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR: Record<string, SampleDType> = {
  '|u1': 'uint8', '<u1': 'uint8', u1: 'uint8',
  '<u2': 'uint16',
  '<f4': 'float32',
  '<f8': 'float64',
};
const DESCR_OUT: Record<SampleDType, string> = { uint8: '|u1', uint16: '<u2', float32: '<f4', float64: '<f8' };
const BYTES: Record<SampleDType, number> = { uint8: 1, uint16: 2, float32: 4, float64: 8 };

/** Error thrown for any unreadable or unsupported .npy content. */
export class NpyError extends Error {
  override name = 'NpyError';
}

function dtypeOf(a: NpyArray): SampleDType {
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  throw new NpyError('npy: unsupported array type');
}

/** Parse the header dict `{'descr': '<u2', 'fortran_order': False, 'shape': (3, 4), }`. */
function parseHeader(h: string): { descr: string; fortran: boolean; shape: number[] } {
  const text = h.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) throw new NpyError(`npy: header is not a dict literal: ${JSON.stringify(text.slice(0, 80))}`);
  const descrM = /['"]descr['"]\s*:\s*(['"])([^'"]*)\1/.exec(text);
  if (!descrM) {
    if (/['"]descr['"]\s*:\s*\[/.test(text)) throw new NpyError('npy: structured dtypes (record arrays) are not supported');
    throw new NpyError(`npy: header has no 'descr': ${text}`);
  }
  const fortM = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  if (!fortM) throw new NpyError(`npy: header has no 'fortran_order': ${text}`);
  const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!shapeM) throw new NpyError(`npy: header has no 'shape' tuple: ${text}`);
  const parts = shapeM[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const shape = parts.map((s) => {
    if (!/^\d+L?$/.test(s)) throw new NpyError(`npy: bad shape entry '${s}' in ${text}`);
    return Number.parseInt(s, 10);
  });
  return { descr: descrM[2], fortran: fortM[1] === 'True', shape };
}

/** Read a .npy file's bytes. */
export function readNpy(bytes: Uint8Array): Npy {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) throw new NpyError('npy: not a .npy file (magic \\x93NUMPY missing)');
  const major = bytes[6];
  const minor = bytes[7];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) { headerLen = dv.getUint16(8, true); start = 10; }
  else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError('npy: truncated header');
    headerLen = dv.getUint32(8, true); start = 12;
  } else throw new NpyError(`npy: unsupported format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  if (start + headerLen > bytes.length) throw new NpyError(`npy: truncated header (needs ${headerLen} bytes, file has ${bytes.length - start})`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const { descr, fortran, shape } = parseHeader(header);
  const dtype = DESCR[descr];
  if (!dtype) {
    const hint = descr.startsWith('>') ? ' (big-endian data is not supported; save with .astype(\'<...\'))' : '';
    throw new NpyError(`npy: unsupported dtype '${descr}'${hint} (supported: |u1 <u2 <f4 <f8)`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (fortran && shape.filter((d) => d > 1).length > 1) throw new NpyError('npy: Fortran-order arrays are not supported (save with np.ascontiguousarray)');
  const off = start + headerLen;
  const nbytes = count * BYTES[dtype];
  if (bytes.length - off < nbytes) throw new NpyError(`npy: truncated data: shape (${shape.join(', ')}) of ${descr} needs ${nbytes} bytes, file has ${bytes.length - off}`);
  // Copy into a fresh buffer: the payload offset is rarely aligned for the element size.
  const buf = new ArrayBuffer(nbytes);
  new Uint8Array(buf).set(bytes.subarray(off, off + nbytes));
  const data: NpyArray = dtype === 'uint8' ? new Uint8Array(buf) : dtype === 'uint16' ? new Uint16Array(buf)
    : dtype === 'float32' ? new Float32Array(buf) : new Float64Array(buf);
  return { dtype, shape, data };
}

/** The header bytes (magic..padding) of a .npy file holding `shape` of `dtype`. */
export function npyHeader(dtype: SampleDType, shape: readonly number[]): Uint8Array {
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${DESCR_OUT[dtype]}', 'fortran_order': False, 'shape': ${tuple}, }`;
  // Version 1.0 while the header length fits a u16, else 2.0. Pad so data starts on a 64-byte boundary.
  let version = 1;
  let pre = 10;
  let total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  if (total - pre > 0xffff) { version = 2; pre = 12; total = Math.ceil((pre + dict.length + 1) / 64) * 64; }
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, total - pre, true); else dv.setUint32(8, total - pre, true);
  const text = dict.padEnd(total - pre - 1, ' ') + '\n';
  for (let i = 0; i < text.length; i++) out[pre + i] = text.charCodeAt(i);
  return out;
}

/** Serialise an array as .npy bytes. `shape` must multiply to `data.length`. */
export function writeNpy(data: NpyArray, shape: readonly number[]): Uint8Array {
  const dtype = dtypeOf(data);
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new NpyError(`npy: bad shape (${shape.join(', ')})`);
  if (count !== data.length) throw new NpyError(`npy: shape (${shape.join(', ')}) holds ${count} values but the array has ${data.length}`);
  const head = npyHeader(dtype, shape);
  const out = new Uint8Array(head.length + data.byteLength);
  out.set(head, 0);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), head.length);
  return out;
}
