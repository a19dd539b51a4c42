import { describe, expect, it } from 'vitest';
import { isLoopback, parseServeArgs } from './serve-args';

describe('specula serve options', () => {
  it('defaults to loopback, any free port, 4 channels at 30 fps, the light preset', () => {
    expect(parseServeArgs([])).toMatchObject({ host: '127.0.0.1', port: 0, channels: 4, fps: 30, cascade: 'light' });
  });
  it('binds elsewhere only when asked, explicitly', () => {
    expect(parseServeArgs(['--listen', '0.0.0.0:8470'])).toMatchObject({ host: '0.0.0.0', port: 8470 });
    expect(parseServeArgs(['--listen=[::1]:9000'])).toMatchObject({ host: '::1', port: 9000 });
    expect(parseServeArgs(['--port', '5000'])).toMatchObject({ host: '127.0.0.1', port: 5000 });
    expect(isLoopback('127.0.0.1') && isLoopback('::1') && !isLoopback('0.0.0.0')).toBe(true);
  });
  it('reads channels, fps and cascade', () => {
    expect(parseServeArgs(['--channels', '16', '--fps=25', '--cascade', 'reference'])).toMatchObject({ channels: 16, fps: 25, cascade: 'reference' });
  });
  it('names the bad option', () => {
    expect(() => parseServeArgs(['--channels', '0'])).toThrow(/--channels must be an integer in 1..64, got "0"/);
    expect(() => parseServeArgs(['--fps'])).toThrow(/--fps must be a number .* got nothing/);
    expect(() => parseServeArgs(['--listen', '8470'])).toThrow(/--listen must be HOST:PORT/);
    expect(() => parseServeArgs(['--bogus'])).toThrow(/unknown option "--bogus"/);
  });
});
