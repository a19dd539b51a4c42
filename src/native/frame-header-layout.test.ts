import { describe, expect, it } from 'vitest';
import { FH, FRAME_HEADER_BYTES, FRAME_HEADER_VERSION, FRAME_MAGIC } from '../shared/frame-header';
import { loadNative } from './load';

describe('native frame header mirror', () => {
  it('has the offsets of src/shared FH, the same size, magic and version', () => {
    const layout = loadNative().frameHeaderLayout();
    for (const [k, off] of Object.entries(FH)) expect({ k, off: layout[k] }).toEqual({ k, off });
    expect(layout.size).toBe(FRAME_HEADER_BYTES);
    expect(layout.magicValue).toBe(FRAME_MAGIC);
    expect(layout.versionValue).toBe(FRAME_HEADER_VERSION);
  });
});
