import { describe, expect, it } from 'vitest';
import { npyHeader, readNpy, writeNpy, NpyError } from './npy';

/** A .npy file with a hand-written header (as numpy would write it). */
function handmade(header: string, payload: Uint8Array, version = 1): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  const out = new Uint8Array(total + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, total - pre, true); else dv.setUint32(8, total - pre, true);
  const text = header.padEnd(total - pre - 1, ' ') + '\n';
  for (let i = 0; i < text.length; i++) out[pre + i] = text.charCodeAt(i);
  out.set(payload, total);
  return out;
}

describe('npy', () => {
  it('round-trips every supported dtype and shape', () => {
    const cases = [
      [Uint8Array.of(1, 2, 3, 250, 0, 9), [2, 3]],
      [Uint16Array.of(0, 65535, 1234, 7), [4]],
      [Float32Array.of(1.5, -2.25, 1e-20, Infinity), [1, 2, 2]],
      [Float64Array.of(Math.PI, -0, 1e300, 5e-324, 1, 2), [3, 2, 1]],
      [new Float64Array(0), [0, 5]],
    ] as const;
    for (const [data, shape] of cases) {
      const bytes = writeNpy(data, shape);
      expect((bytes.length - data.byteLength) % 64).toBe(0); // header padded to 64
      const back = readNpy(bytes);
      expect(back.shape).toEqual(shape);
      expect(back.data.constructor).toBe(data.constructor);
      expect(Array.from(back.data)).toEqual(Array.from(data));
    }
  });

  it('writes the header numpy writes', () => {
    const h = new TextDecoder().decode(npyHeader('uint16', [600, 1024]).subarray(10));
    expect(h.trimEnd()).toBe("{'descr': '<u2', 'fortran_order': False, 'shape': (600, 1024), }");
    expect(new TextDecoder().decode(npyHeader('float64', [7]).subarray(10)).trimEnd()).toContain("'shape': (7,)");
  });

  it('reads version 2.0 and byte-order-free uint8 headers, and payloads at odd offsets', () => {
    const payload = new Uint8Array(new Float64Array([1, 2, 3]).buffer);
    const v2 = handmade("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", payload, 2);
    expect(Array.from(readNpy(v2).data)).toEqual([1, 2, 3]);
    const u8 = handmade("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }", Uint8Array.of(1, 2, 3, 4));
    expect(readNpy(u8).dtype).toBe('uint8');
    // a view at an odd byte offset still reads (data is copied into an aligned buffer)
    const big = new Uint8Array(v2.length + 1);
    big.set(v2, 1);
    expect(Array.from(readNpy(big.subarray(1)).data)).toEqual([1, 2, 3]);
  });

  it('rejects unsupported content with a clear message', () => {
    const p8 = new Uint8Array(8);
    expect(() => readNpy(Uint8Array.of(1, 2, 3))).toThrow(/not a \.npy file/);
    expect(() => readNpy(handmade("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", p8))).toThrow(/big-endian data is not supported/);
    expect(() => readNpy(handmade("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", p8))).toThrow(/unsupported dtype '<i4'/);
    expect(() => readNpy(handmade("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", new Uint8Array(32)))).toThrow(/Fortran-order/);
    expect(() => readNpy(handmade("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", p8))).toThrow(/truncated data: shape \(4\) of <f8 needs 32 bytes, file has 8/);
    expect(() => readNpy(handmade("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", p8))).toThrow(/structured dtypes/);
    const v9 = handmade("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", p8);
    v9[6] = 9;
    expect(() => readNpy(v9)).toThrow(/unsupported format version 9\.0/);
    expect(() => readNpy(handmade('nonsense', p8))).toThrow(NpyError);
    expect(() => writeNpy(new Float64Array(5), [2, 2])).toThrow(/holds 4 values but the array has 5/);
  });
});
