import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { ACK_TIMEOUT_MS, CLIENT_FRAME_WINDOW, encodeFrameAck, FRAME_ACK_BYTES, PULL_RESERVE_MS, PULL_RETRY_MS } from '../../shared/bridge';
import { FH } from '../../shared/frame-header';
import { FakeHost } from './fake-host.test-util';
import { tokenMatches } from './token';
import { startWebServer, type WebServer } from './web-server';

let host: FakeHost;
let srv: WebServer;
const TOKEN = 'tok-123456789';

beforeEach(async () => {
  const root = mkdtempSync(join(tmpdir(), 'specula-web-'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>x</title>');
  host = new FakeHost();
  srv = await startWebServer({ host: '127.0.0.1', port: 0, token: TOKEN, root, bridge: host });
});
afterEach(async () => {
  await srv.close();
});

/** A client like the frame worker: acknowledges every binary frame on arrival unless `ack` is false. */
function openWs(url: string, texts: any[] = [], bins: Buffer[] = [], ack = true): Promise<WebSocket> {
  return new Promise((res, rej) => {
    const ws = new WebSocket(url);
    ws.on('message', (d, bin) => {
      if (!bin) return texts.push(JSON.parse(d.toString()));
      bins.push(d as Buffer);
      if (ack) ws.send(encodeFrameAck((d as Buffer).readUInt32LE(FH.channel), new Uint8Array(FRAME_ACK_BYTES)));
    });
    ws.once('open', () => res(ws));
    ws.once('error', rej);
    ws.once('unexpected-response', (_req, r) => rej(new Error(`HTTP ${r.statusCode}`)));
  });
}

describe('token', () => {
  it('compares in constant time and rejects missing or different tokens', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abd')).toBe(false);
    expect(tokenMatches('abc', 'abcd')).toBe(false);
    expect(tokenMatches('abc', '')).toBe(false);
    expect(tokenMatches('abc', null)).toBe(false);
  });
});

describe('web server', () => {
  it('binds 127.0.0.1 and puts the token in the URL', () => {
    expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=tok-123456789$/);
  });

  it('refuses every HTTP request without the right token (page, assets, API)', async () => {
    for (const p of ['', 'index.html', 'api/channels.list', 'api/channels.list?token=wrong']) {
      const r = await fetch(srv.baseUrl + p);
      expect(r.status, p).toBe(401);
    }
  });

  it('serves the page with the token, sets an HttpOnly cookie and a CSP, then accepts the cookie', async () => {
    const r = await fetch(srv.url);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toMatch(/script-src 'self'( 'unsafe-eval')?;/);
    const cookie = r.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/specula_token=tok-123456789; HttpOnly; SameSite=Strict/);
    const r2 = await fetch(srv.baseUrl + 'index.html', { headers: { cookie: cookie.split(';')[0] } });
    expect(r2.status).toBe(200);
    // The browser's own favicon request (with the cookie): answered empty, not a 404 console error.
    const r3 = await fetch(srv.baseUrl + 'favicon.ico', { headers: { cookie: cookie.split(';')[0] } });
    expect(r3.status).toBe(204);
  });

  it('does not serve files outside the renderer root', async () => {
    const r = await fetch(srv.baseUrl + '..%2F..%2Fetc%2Fpasswd', { headers: { 'x-specula-token': TOKEN } });
    expect(r.status).toBe(404);
  });

  it('answers control calls over HTTP with codes that tell refusals from bugs', async () => {
    const h = { authorization: `Bearer ${TOKEN}` };
    const list = await (await fetch(srv.baseUrl + 'api/channels.list', { headers: h })).json();
    expect(list).toEqual({ ok: true, result: host.channels });
    const stall = await fetch(srv.baseUrl + 'api/device.stall', { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify({ channel: 1, stalled: true }) });
    expect(stall.status).toBe(200);
    expect(((await stall.json()) as any).result.stalled).toEqual([1]);
    const bad = await fetch(srv.baseUrl + 'api/device.stall', { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'x', stalled: true }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.message).toMatch(/channel must be an integer/);
    const rej = await fetch(srv.baseUrl + 'api/cascade.set', { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify({ spec: {} }) });
    expect(rej.status).toBe(422);
    expect(((await rej.json()) as any).error).toEqual({ code: 'rejected', message: 'cascade: "stages" must be an array' });
    expect((await fetch(srv.baseUrl + 'api/no.such', { headers: h })).status).toBe(404);
    expect((await fetch(srv.baseUrl + 'api/health.get', { headers: h })).status).toBe(500);
    const nojson = await fetch(srv.baseUrl + 'api/device.stall', { method: 'POST', headers: h, body: '{}' });
    expect(nojson.status).toBe(415);
  });

  it('refuses a WebSocket without the token', async () => {
    await expect(openWs(srv.baseUrl.replace('http', 'ws') + 'ws')).rejects.toThrow();
    await expect(openWs(srv.baseUrl.replace('http', 'ws') + 'ws?token=nope')).rejects.toThrow();
  });

  it('sends hello, events, call results and binary frames over the WebSocket', async () => {
    const texts: any[] = [];
    const bins: Buffer[] = [];
    const ws = await openWs(srv.baseUrl.replace('http', 'ws') + `ws?token=${TOKEN}`, texts, bins);
    await new Promise((r) => setTimeout(r, 50));
    expect(texts[0]).toMatchObject({ type: 'hello', version: 2, channels: host.channels });
    ws.send(JSON.stringify({ type: 'call', id: 7, method: 'device.stall', params: { channel: 0, stalled: true } }));
    host.emitFrame(1, 1, 42);
    await new Promise((r) => setTimeout(r, 50));
    expect(texts.find((t) => t.type === 'result')).toMatchObject({ id: 7, outcome: { ok: true } });
    expect(texts.find((t) => t.type === 'event')).toMatchObject({ name: 'state', data: { stalled: [0] } });
    expect(bins).toHaveLength(1);
    expect(bins[0].readUInt32LE(FH.channel)).toBe(1);
    expect(bins[0][bins[0].length - 1]).toBe(42);
    ws.close();
  });

  it('tells a client that connects while a channel is stale, right after hello', async () => {
    host.current = [{ name: 'stale', data: { channel: 1, stale: true, ageMs: 250, lastFrameMs: 1000 } }];
    const texts: any[] = [];
    const ws = await openWs(srv.baseUrl.replace('http', 'ws') + `ws?token=${TOKEN}`, texts);
    await vi.waitFor(() => expect(texts).toHaveLength(2), { timeout: 2000, interval: 10 });
    expect(texts[0].type).toBe('hello');
    expect(texts[1]).toEqual({ type: 'event', name: 'stale', data: { channel: 1, stale: true, ageMs: 250, lastFrameMs: 1000 } });
    ws.close();
  });

  it('keeps at most one frame per channel waiting for a slow client (latest wins, drops counted)', async () => {
    const bins: Buffer[] = [];
    const ws = await openWs(srv.baseUrl.replace('http', 'ws') + `ws?token=${TOKEN}`, [], bins);
    await new Promise((r) => setTimeout(r, 30));
    // Emit 50 large frames synchronously: the first is written, the others collapse into one pending.
    for (let i = 1; i <= 50; i++) host.emitFrame(0, i, i, 1024, 256);
    await new Promise((r) => setTimeout(r, 200));
    const client = [...srv.clients][0];
    expect(bins.length).toBeLessThan(50);
    expect(bins[bins.length - 1][bins[bins.length - 1].length - 1]).toBe(50); // the newest arrived
    expect(client.droppedTotal + bins.length).toBe(50);
    expect(host.outstanding).toBe(0); // every lease went back to the engine's pool
    ws.close();
  });
  it('sends a channel its next frame only after the client acknowledged the previous one (no socket queue)', async () => {
    const bins: Buffer[] = [];
    const ws = await openWs(srv.baseUrl.replace('http', 'ws') + `ws?token=${TOKEN}`, [], bins, false);
    await new Promise((r) => setTimeout(r, 30));
    const client = [...srv.clients][0];
    // Small frames, spaced: the socket takes each at once, so only the missing acks hold them back.
    for (let i = 1; i <= 5; i++) {
      host.emitFrame(0, i, i);
      host.emitFrame(1, i, 100 + i);
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(bins.map((b) => [b.readUInt32LE(FH.channel), b[b.length - 1]])).toEqual([[0, 1], [1, 101]]); // one per channel
    expect(client.droppedTotal).toBe(6); // frames 2..4 of each channel replaced by the newer one
    const ackOf = (b: Buffer) => encodeFrameAck(b.readUInt32LE(FH.channel), new Uint8Array(FRAME_ACK_BYTES));
    ws.send(ackOf(bins[0])); // channel 0 acknowledged: its newest waiting frame (5) comes, channel 1 still waits
    await new Promise((r) => setTimeout(r, 50));
    expect(bins.map((b) => [b.readUInt32LE(FH.channel), b[b.length - 1]])).toEqual([[0, 1], [1, 101], [0, 5]]);
    ws.send(ackOf(bins[1]));
    ws.send(Buffer.from([1, 2, 3])); // not an ack: ignored
    await new Promise((r) => setTimeout(r, 50));
    expect(bins.map((b) => b[b.length - 1])).toEqual([1, 101, 5, 105]);
    expect(client.ackedTotal).toBe(2);
    expect(host.outstanding).toBe(0); // leases go back when the socket took the bytes, not at the ack
    ws.close();
  });

  it('keeps at most CLIENT_FRAME_WINDOW frames of all channels in flight; the channel that waited longest goes next', async () => {
    const bins: Buffer[] = [];
    const ws = await openWs(srv.baseUrl.replace('http', 'ws') + `ws?token=${TOKEN}`, [], bins, false);
    await new Promise((r) => setTimeout(r, 30));
    const n = CLIENT_FRAME_WINDOW + 3;
    const ackOf = (ch: number) => encodeFrameAck(ch, new Uint8Array(FRAME_ACK_BYTES));
    const chans = () => bins.map((b) => b.readUInt32LE(FH.channel));
    // Meet the channels in reverse order first (the server's own bookkeeping order), and drain.
    for (let ch = n - 1; ch >= 0; ch--) host.emitFrame(ch, 1, 0);
    for (let acked = 0; acked < n; ) {
      await vi.waitFor(() => expect(bins.length).toBeGreaterThan(acked), { timeout: 2000, interval: 5 });
      while (acked < bins.length) ws.send(ackOf(chans()[acked++]));
    }
    await new Promise((r) => setTimeout(r, 30));
    bins.length = 0;
    // Now one frame per channel in the opposite order, a few ms apart.
    for (let ch = 0; ch < n; ch++) {
      host.emitFrame(ch, 2, ch);
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(chans()).toEqual([...Array(CLIENT_FRAME_WINDOW).keys()]); // the pipe holds no more than the window
    // The longest waiter gets a newer frame while it waits: it keeps its place (replacing a frame
    // must not send a channel to the back of the queue, or a busy channel would starve).
    const first = CLIENT_FRAME_WINDOW;
    host.emitFrame(first, 3, 200);
    ws.send(ackOf(0));
    await new Promise((r) => setTimeout(r, 50));
    expect(chans()).toEqual([...Array(CLIENT_FRAME_WINDOW).keys(), first]); // the longest waiting, not bookkeeping order
    expect(bins[first][bins[first].length - 1]).toBe(200); // with its newest frame; the older one dropped
    ws.send(ackOf(1));
    ws.send(ackOf(2));
    await new Promise((r) => setTimeout(r, 50));
    expect(chans()).toEqual([...Array(n).keys()]);
    expect(host.outstanding).toBe(0);
    ws.close();
  });

  it('sends frames waiting behind a client that stopped acknowledging after ACK_TIMEOUT_MS, even when no other frame comes', async () => {
    const bins: Buffer[] = [];
    const ws = await openWs(srv.baseUrl.replace('http', 'ws') + `ws?token=${TOKEN}`, [], bins, false);
    await new Promise((r) => setTimeout(r, 30));
    const client = [...srv.clients][0];
    host.emitFrame(3, 1, 1);
    await new Promise((r) => setTimeout(r, 30));
    host.emitFrame(3, 2, 2); // waits for the ack that never comes; then the source goes quiet
    await new Promise((r) => setTimeout(r, ACK_TIMEOUT_MS - 300));
    expect(bins.map((b) => b[b.length - 1])).toEqual([1]);
    await vi.waitFor(() => expect(bins.map((b) => b[b.length - 1])).toEqual([1, 2]), { timeout: 2000, interval: 20 });
    expect(client.ackTimeouts).toBe(1);
    expect(host.outstanding).toBe(0); // its lease went back once written
    ws.close();
  }, 10_000);

  it('gives up an acknowledgement after ACK_TIMEOUT_MS so a client that never acks still gets frames', async () => {
    const bins: Buffer[] = [];
    const ws = await openWs(srv.baseUrl.replace('http', 'ws') + `ws?token=${TOKEN}`, [], bins, false);
    await new Promise((r) => setTimeout(r, 30));
    const client = [...srv.clients][0];
    host.emitFrame(2, 1, 1);
    await new Promise((r) => setTimeout(r, 30));
    host.emitFrame(2, 2, 2); // window closed: waits
    await new Promise((r) => setTimeout(r, 30));
    expect(bins).toHaveLength(1);
    const realNow = performance.now.bind(performance);
    const skew = ACK_TIMEOUT_MS + 1;
    performance.now = () => realNow() + skew;
    try {
      host.emitFrame(2, 3, 3); // the missing ack is given up: frame 3 goes (frame 2 was replaced)
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      performance.now = realNow;
    }
    expect(bins.map((b) => b[b.length - 1])).toEqual([1, 3]);
    expect(client.ackTimeouts).toBe(1);
    ws.close();
  });
});

describe('display on demand (a host that makes frames when asked)', () => {
  class DemandHost extends FakeHost {
    paced: boolean[] = [];
    pulls: number[] = [];
    pullTimes: number[] = [];
    readonly demand = {
      setPaced: (on: boolean) => this.paced.push(on),
      pull: (ch: number) => (this.pulls.push(ch), this.pullTimes.push(performance.now()), ch !== 9),
      channels: () => this.chans,
    };
    /** Two channels more than the window has places. */
    chans = [...Array(CLIENT_FRAME_WINDOW + 2).keys()];
  }
  let dh: DemandHost;
  let dsrv: WebServer;
  beforeEach(async () => {
    dh = new DemandHost();
    dsrv = await startWebServer({ host: '127.0.0.1', port: 0, token: TOKEN, root: null, bridge: dh });
  });
  afterEach(async () => {
    await dsrv.close();
  });
  const ackOf = (ch: number) => encodeFrameAck(ch, new Uint8Array(FRAME_ACK_BYTES));

  it('asks for the frames the window has room for, sends each the moment it comes, asks for the next at each acknowledgement', async () => {
    const bins: Buffer[] = [];
    const ws = await openWs(dsrv.baseUrl.replace('http', 'ws') + `ws?token=${TOKEN}`, [], bins, false);
    const W = CLIENT_FRAME_WINDOW;
    const first = [...Array(W).keys()];
    await vi.waitFor(() => expect(dh.pulls).toHaveLength(W), { timeout: 2000, interval: 5 });
    expect(dh.paced).toEqual([true]); // a client that takes frames: the engine paces its cascades
    expect(dh.pulls).toEqual(first); // the window's room, in turn
    const client = [...dsrv.clients][0];
    dh.emitFrame(1, 7, 71);
    await vi.waitFor(() => expect(bins).toHaveLength(1), { timeout: 2000, interval: 5 });
    expect(bins[0].readUInt32LE(FH.channel)).toBe(1);
    dh.emitFrame(W + 1, 1, 41); // nobody asked: it waits (1 in flight + W-1 places kept = the window)
    await new Promise((r) => setTimeout(r, 30));
    expect(bins).toHaveLength(1);
    expect(dh.pulls).toEqual(first);
    ws.send(ackOf(1)); // room again: channel W (never asked) has waited longest of all
    await vi.waitFor(() => expect(dh.pulls).toEqual([...first, W]), { timeout: 2000, interval: 5 });
    dh.emitFrame(W, 1, 31);
    await vi.waitFor(() => expect(bins.map((b) => b.readUInt32LE(FH.channel))).toEqual([1, W]), { timeout: 2000, interval: 5 });
    expect(client.pulledTotal).toBe(W + 1);
    ws.close();
    await vi.waitFor(() => expect(dh.paced).toEqual([true, false]), { timeout: 2000, interval: 5 }); // no client left
    expect(dh.outstanding).toBe(0);
  });

  it('gives up a place kept for a frame that does not come after PULL_RESERVE_MS, and does not ask that channel again before PULL_RETRY_MS', async () => {
    const bins: Buffer[] = [];
    const ws = await openWs(dsrv.baseUrl.replace('http', 'ws') + `ws?token=${TOKEN}`, [], bins, false);
    const W = CLIENT_FRAME_WINDOW;
    await vi.waitFor(() => expect(dh.pulls).toEqual([...Array(W).keys()]), { timeout: 2000, interval: 5 });
    const t0 = dh.pullTimes[W - 1];
    // Nothing comes: the places lapse and the other two channels are asked.
    await vi.waitFor(() => expect(dh.pulls).toEqual([...Array(W + 2).keys()]), { timeout: 2000, interval: 5 });
    expect(dh.pullTimes[W] - t0).toBeGreaterThanOrEqual(PULL_RESERVE_MS);
    await new Promise((r) => setTimeout(r, PULL_RESERVE_MS + 50));
    expect(dh.pulls).toHaveLength(W + 2); // all asked, none answered: no channel is asked twice yet
    // A late frame of an unanswered ask still goes out (there is room: every place has lapsed).
    dh.emitFrame(0, 1, 1);
    await vi.waitFor(() => expect(bins).toHaveLength(1), { timeout: 2000, interval: 5 });
    // Channel 0 answered, so it may be asked again (its frame is still on its way: asked ahead);
    // the unanswered ones only after PULL_RETRY_MS.
    const others = () => dh.pulls.slice(W + 2).filter((c) => c !== 0);
    await new Promise((r) => setTimeout(r, 100));
    expect(others()).toEqual([]);
    await vi.waitFor(() => expect(others().length).toBeGreaterThan(0), { timeout: PULL_RETRY_MS + 1000, interval: 10 });
    const firstRetry = dh.pullTimes[dh.pulls.findIndex((c, i) => i >= W + 2 && c !== 0)];
    expect(firstRetry - dh.pullTimes[0]).toBeGreaterThanOrEqual(PULL_RETRY_MS);
    ws.close();
  }, 10_000);

  it('with no idle channel, asks for a channel\'s next frame while its last one is on its way, and sends it at the acknowledgement', async () => {
    dh.chans = [0];
    const bins: Buffer[] = [];
    const ws = await openWs(dsrv.baseUrl.replace('http', 'ws') + `ws?token=${TOKEN}`, [], bins, false);
    await vi.waitFor(() => expect(dh.pulls).toEqual([0]), { timeout: 2000, interval: 5 });
    dh.emitFrame(0, 1, 1);
    await vi.waitFor(() => expect(bins).toHaveLength(1), { timeout: 2000, interval: 5 });
    await vi.waitFor(() => expect(dh.pulls).toEqual([0, 0]), { timeout: 2000, interval: 5 }); // made while frame 1 is drawn
    dh.emitFrame(0, 2, 2);
    await new Promise((r) => setTimeout(r, 30));
    expect(bins).toHaveLength(1); // one frame per channel on its way: frame 2 waits for the ack
    expect(dh.pulls).toEqual([0, 0]); // and nothing more is asked meanwhile
    ws.send(ackOf(0));
    await vi.waitFor(() => expect(bins.map((b) => b[b.length - 1])).toEqual([1, 2]), { timeout: 2000, interval: 5 });
    await vi.waitFor(() => expect(dh.pulls).toEqual([0, 0, 0]), { timeout: 2000, interval: 5 });
    ws.close();
  });

  it('gives up acknowledgements that never come after ACK_TIMEOUT_MS and asks again (nothing comes unasked)', async () => {
    const bins: Buffer[] = [];
    const ws = await openWs(dsrv.baseUrl.replace('http', 'ws') + `ws?token=${TOKEN}`, [], bins, false);
    const first = [...Array(CLIENT_FRAME_WINDOW).keys()];
    await vi.waitFor(() => expect(dh.pulls).toEqual(first), { timeout: 2000, interval: 5 });
    const client = [...dsrv.clients][0];
    for (const ch of first) dh.emitFrame(ch, 1, ch);
    await vi.waitFor(() => expect(bins).toHaveLength(first.length), { timeout: 2000, interval: 5 });
    // The window is full of frames whose acknowledgements are lost.
    await new Promise((r) => setTimeout(r, ACK_TIMEOUT_MS - 300));
    expect(dh.pulls).toEqual(first);
    await vi.waitFor(() => expect(dh.pulls.length).toBeGreaterThan(first.length), { timeout: 2000, interval: 20 });
    expect(client.ackTimeouts).toBeGreaterThan(0);
    ws.close();
  }, 10_000);

  it('a focus view (subscribe to some channels) asks only for those, frees the places kept for the others, and asks for all again after', async () => {
    const bins: Buffer[] = [];
    const ws = await openWs(dsrv.baseUrl.replace('http', 'ws') + `ws?token=${TOKEN}`, [], bins, false);
    const W = CLIENT_FRAME_WINDOW;
    await vi.waitFor(() => expect(dh.pulls).toEqual([...Array(W).keys()]), { timeout: 2000, interval: 5 });
    const client = [...dsrv.clients][0];
    const focusAt = performance.now();
    ws.send(JSON.stringify({ type: 'subscribe', channels: [W + 1] }));
    // The places kept for channels 0..W-1 are given back at once (not when they lapse after
    // PULL_RESERVE_MS): the shown channel is asked within the window.
    await vi.waitFor(() => expect(dh.pulls.slice(W)).toEqual([W + 1]), { timeout: 2000, interval: 2 });
    expect(dh.pullTimes[W] - focusAt).toBeLessThan(PULL_RESERVE_MS);
    dh.emitFrame(0, 1, 1); // asked before the focus, made after: not sent
    dh.emitFrame(W + 1, 1, 9);
    await vi.waitFor(() => expect(bins).toHaveLength(1), { timeout: 2000, interval: 5 });
    expect(bins[0].readUInt32LE(FH.channel)).toBe(W + 1);
    await vi.waitFor(() => expect(dh.pulls.slice(W)).toEqual([W + 1, W + 1]), { timeout: 2000, interval: 5 }); // ahead, while drawn
    await new Promise((r) => setTimeout(r, 30));
    expect(new Set(dh.pulls.slice(W))).toEqual(new Set([W + 1]));
    expect(bins).toHaveLength(1);
    ws.send(ackOf(W + 1));
    ws.send(JSON.stringify({ type: 'subscribe' })); // back to the grid: every channel takes turns again
    await vi.waitFor(() => expect(new Set(dh.pulls.slice(W + 2))).toEqual(new Set([0, 1, 2])), { timeout: 2000, interval: 5 });
    expect(client.droppedTotal).toBe(0);
    // A list that is not one of channel ids is refused with a message that names it.
    const texts: string[] = [];
    ws.on('message', (d, binary) => { if (!binary) texts.push(String(d)); });
    ws.send(JSON.stringify({ type: 'subscribe', channels: ['1'] }));
    await vi.waitFor(() => expect(texts.join()).toContain('subscribe: channels must be a list of channel ids (integers ≥ 0), got [\\"1\\"]'), { timeout: 2000, interval: 5 });
    ws.close();
  });

  it('stops pacing while its only client takes no frames', async () => {
    const ws = await openWs(dsrv.baseUrl.replace('http', 'ws') + `ws?token=${TOKEN}`, [], [], false);
    await vi.waitFor(() => expect(dh.paced).toEqual([true]), { timeout: 2000, interval: 5 });
    ws.send(JSON.stringify({ type: 'subscribe', frames: false }));
    await vi.waitFor(() => expect(dh.paced).toEqual([true, false]), { timeout: 2000, interval: 5 });
    const n = dh.pulls.length;
    ws.send(JSON.stringify({ type: 'subscribe', frames: true }));
    await vi.waitFor(() => expect(dh.paced).toEqual([true, false, true]), { timeout: 2000, interval: 5 });
    expect(dh.pulls.length).toBeGreaterThanOrEqual(n);
    ws.close();
  });
});
