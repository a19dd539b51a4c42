import { describe, expect, it } from 'vitest';
import { chooseDisplay, isSoftwareRenderer, parseDisplayPreference } from './display-backend';

// Renderer strings as browsers report them (WEBGL_debug_renderer_info).
const SWIFTSHADER = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)';
const LLVMPIPE = 'llvmpipe (LLVM 15.0.6, 256 bits)';
const NVIDIA = 'ANGLE (NVIDIA Corporation, NVIDIA GeForce RTX 3060/PCIe/SSE2, OpenGL 4.5.0)';
const INTEL = 'ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)';

describe('display backend choice', () => {
  it('knows CPU-emulated WebGL from a GPU', () => {
    expect(isSoftwareRenderer(SWIFTSHADER)).toBe(true);
    expect(isSoftwareRenderer(LLVMPIPE)).toBe(true);
    expect(isSoftwareRenderer('Google SwiftShader')).toBe(true);
    expect(isSoftwareRenderer(NVIDIA)).toBe(false);
    expect(isSoftwareRenderer(INTEL)).toBe(false);
  });

  it('auto: Canvas 2D without a GPU or without WebGL, WebGL on a GPU, and says why', () => {
    expect(chooseDisplay('auto', () => SWIFTSHADER)).toEqual({ kind: 'canvas2d', renderer: SWIFTSHADER, reason: `WebGL runs on the CPU here (${SWIFTSHADER}): Canvas 2D costs less` });
    expect(chooseDisplay('auto', () => null)).toMatchObject({ kind: 'canvas2d', reason: 'WebGL is not available' });
    expect(chooseDisplay('auto', () => { throw new Error('no canvas'); })).toMatchObject({ kind: 'canvas2d', renderer: null });
    expect(chooseDisplay('auto', () => NVIDIA)).toEqual({ kind: 'webgl', renderer: NVIDIA, reason: `GPU: ${NVIDIA}` });
  });

  it('a choice in the URL wins over the probe', () => {
    expect(chooseDisplay('webgl', () => SWIFTSHADER)).toMatchObject({ kind: 'webgl', reason: 'chosen in the page URL (?display=)' });
    expect(chooseDisplay('canvas2d', () => NVIDIA)).toMatchObject({ kind: 'canvas2d', renderer: NVIDIA });
  });

  it('reads ?display= strictly: anything unknown is auto', () => {
    expect(parseDisplayPreference('webgl')).toBe('webgl');
    expect(parseDisplayPreference('canvas2d')).toBe('canvas2d');
    expect(parseDisplayPreference('2d')).toBe('auto');
    expect(parseDisplayPreference(null)).toBe('auto');
  });
});
