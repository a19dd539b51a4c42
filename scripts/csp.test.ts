import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APP_CSP } from '../src/shared/csp';

describe('one CSP', () => {
  it('the page meta tag carries the shared policy (less frame-ancestors, which a meta tag cannot set)', () => {
    const html = readFileSync('src/renderer/index.html', 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    const expected = APP_CSP.split('; ').filter((d) => !d.startsWith('frame-ancestors')).join('; ');
    expect(meta).toBe(expected);
  });
});
