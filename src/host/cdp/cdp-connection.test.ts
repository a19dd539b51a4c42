import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CdpConnection, type CdpEvent } from './cdp-connection';

/** A connection whose browser side is played by the test: `sent()` reads commands, `reply` answers. */
function pair(maxMessageBytes?: number) {
  const toBrowser = new PassThrough();
  const fromBrowser = new PassThrough();
  const cdp = new CdpConnection(toBrowser, fromBrowser, maxMessageBytes);
  let buf = '';
  toBrowser.on('data', (d: Buffer) => (buf += d.toString()));
  return {
    cdp,
    sent(): { id: number; method: string; params: unknown; sessionId?: string }[] {
      const msgs = buf.split('\0').filter(Boolean).map((m) => JSON.parse(m));
      expect(buf.endsWith('\0')).toBe(true);
      buf = '';
      return msgs;
    },
    reply(raw: string) {
      fromBrowser.write(raw);
    },
    end() {
      fromBrowser.end();
      fromBrowser.destroy();
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('CdpConnection', () => {
  it('frames commands with NUL and matches answers by id, in any order and split across reads', async () => {
    const p = pair();
    const a = p.cdp.send('Runtime.evaluate', { expression: '1' }, 'S1');
    const b = p.cdp.send('Browser.getVersion');
    await tick();
    const [ma, mb] = p.sent();
    expect(ma).toEqual({ id: 1, method: 'Runtime.evaluate', params: { expression: '1' }, sessionId: 'S1' });
    expect(mb).toEqual({ id: 2, method: 'Browser.getVersion', params: {} });
    // The second answer first, and the first one cut in two reads.
    const first = JSON.stringify({ id: 1, result: { result: { value: 1 } }, sessionId: 'S1' });
    p.reply(JSON.stringify({ id: 2, result: { product: 'Chrome/1' } }) + '\0' + first.slice(0, 10));
    expect(await b).toEqual({ product: 'Chrome/1' });
    p.reply(first.slice(10) + '\0');
    expect(await a).toEqual({ result: { value: 1 } });
  });

  it('rejects a command the browser refuses, naming the method and the reason', async () => {
    const p = pair();
    const r = p.cdp.send('Page.navigate', { url: 'x' });
    await tick();
    p.sent();
    p.reply(JSON.stringify({ id: 1, error: { code: -32602, message: 'Invalid parameters' } }) + '\0');
    await expect(r).rejects.toThrow('Page.navigate: Invalid parameters (-32602)');
  });

  it('hands events to listeners with their session, and waitForEvent filters them', async () => {
    const p = pair();
    const seen: CdpEvent[] = [];
    const off = p.cdp.onEvent((e) => seen.push(e));
    const w = p.cdp.waitForEvent('Tracing.tracingComplete', 5000, (e) => e.params.stream === 'B');
    p.reply(JSON.stringify({ method: 'Tracing.tracingComplete', params: { stream: 'A' } }) + '\0');
    p.reply(JSON.stringify({ method: 'Runtime.exceptionThrown', params: { x: 1 }, sessionId: 'S2' }) + '\0');
    p.reply(JSON.stringify({ method: 'Tracing.tracingComplete', params: { stream: 'B' } }) + '\0');
    expect((await w).params.stream).toBe('B');
    expect(seen.map((e) => [e.method, e.sessionId])).toEqual([
      ['Tracing.tracingComplete', undefined],
      ['Runtime.exceptionThrown', 'S2'],
      ['Tracing.tracingComplete', undefined],
    ]);
    off();
    p.reply(JSON.stringify({ method: 'Page.loadEventFired', params: {} }) + '\0');
    await tick();
    expect(seen).toHaveLength(3);
  });

  it('waitForEvent gives up after its timeout with the event named', async () => {
    const p = pair();
    await expect(p.cdp.waitForEvent('Tracing.tracingComplete', 20)).rejects.toThrow('no Tracing.tracingComplete event within 0.02 s');
  });

  it('when the pipe closes, rejects what is waiting (commands and event waits) and every later command', async () => {
    const p = pair();
    const r = p.cdp.send('Runtime.evaluate');
    const w = p.cdp.waitForEvent('Tracing.tracingComplete', 60_000);
    await tick();
    p.end();
    await expect(r).rejects.toThrow('Runtime.evaluate: the browser closed its DevTools pipe');
    await expect(w).rejects.toThrow('waiting for an event: the browser closed its DevTools pipe');
    await expect(p.cdp.waitForEvent('Page.loadEventFired', 60_000)).rejects.toThrow('waiting for Page.loadEventFired: the browser closed its DevTools pipe');
    await expect(p.cdp.send('Browser.close')).rejects.toThrow('Browser.close: the browser closed its DevTools pipe');
    expect(p.cdp.closed).toBe('the browser closed its DevTools pipe');
  });

  it('closes on a message longer than the limit, and reads nothing after it', async () => {
    const p = pair(100);
    const r = p.cdp.send('Page.captureScreenshot');
    await tick();
    p.reply('{"id":1,"result":{"data":"' + 'A'.repeat(200));
    await expect(r).rejects.toThrow('Page.captureScreenshot: a DevTools message exceeded 100 bytes');
    const seen: CdpEvent[] = [];
    p.cdp.onEvent((e) => seen.push(e));
    p.reply('"}}\0' + JSON.stringify({ method: 'Page.loadEventFired', params: {} }) + '\0');
    await tick();
    expect(seen).toEqual([]);
  });

  it('closes on a message that is not JSON, quoting its start', async () => {
    const p = pair();
    const r = p.cdp.send('Browser.getVersion');
    await tick();
    p.reply('<html>oops\0');
    await expect(r).rejects.toThrow('the browser sent a message that is not JSON: "<html>oops"');
  });
});
