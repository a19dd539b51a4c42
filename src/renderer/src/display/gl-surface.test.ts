import { describe, expect, it } from 'vitest';
import { surfaceFor } from './gl-surface';

describe('surfaceFor (where a display draws)', () => {
  const swiftshader = () => 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)';
  const gpu = () => 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)';
  it('Canvas 2D on the page, WebGL in its worker', () => {
    expect(surfaceFor('canvas2d', gpu)).toBe('page');
    expect(surfaceFor('webgl', swiftshader)).toBe('worker');
  });
  it('automatic: by what the machine gets (Canvas 2D where WebGL runs on the CPU or is missing)', () => {
    expect(surfaceFor('auto', swiftshader)).toBe('page');
    expect(surfaceFor('auto', () => null)).toBe('page');
    expect(surfaceFor('auto', gpu)).toBe('worker');
  });
});
