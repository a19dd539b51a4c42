/**
 * The web-mode server of `specula serve`: the built renderer, the control API (HTTP JSON) and the
 * WebSocket bridge (`/ws`), all behind the access token.
 *
 * HTTP API (every request needs the token: `?token=`, `X-Specula-Token`, `Authorization: Bearer`,
 * or the HttpOnly cookie set when the page is opened with `?token=`):
 * - `GET  /api/<method>`            call a method without params, e.g. `GET /api/health.get`
 * - `POST /api/<method>`            call with a JSON object body as params
 * Answer: `{ "ok": true, "result": … }` or `{ "ok": false, "error": { "code", "message" } }` with
 * status 200 / 400 (bad-params) / 404 (unknown-method) / 422 (rejected) / 500 (internal).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { TOKEN_COOKIE, TOKEN_QUERY, type CallOutcome } from '../../shared/bridge';
import type { BridgeHost } from './bridge-host';
import { dispatchCall } from './rpc';
import { resolveStatic, securityHeaders, sendStatic } from './static-files';
import { tokenFromRequest, tokenMatches } from './token';
import { frameChannel, helloMessage, WsClient } from './ws-bridge';

export interface WebServerOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  token: string;
  /** Directory of the built renderer (index.html); null = API only. */
  root: string | null;
  bridge: BridgeHost;
  /** Max JSON body, bytes (default 1 MiB). */
  maxBodyBytes?: number;
}

export interface WebServer {
  readonly server: Server;
  /** Base URL without the token, e.g. `http://127.0.0.1:5173/`. */
  readonly baseUrl: string;
  /** URL to open: base URL with `?token=`. */
  readonly url: string;
  readonly clients: ReadonlySet<WsClient>;
  close(): Promise<void>;
}

const STATUS: Record<string, number> = { 'bad-params': 400, unauthorized: 401, 'unknown-method': 404, rejected: 422, internal: 500, disconnected: 503 };

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolveBody, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new Error(`request body larger than ${max} bytes`));
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolveBody(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const { token, bridge } = opts;
  const maxBody = opts.maxBodyBytes ?? 1 << 20;
  const clients = new Set<WsClient>();
  const demand = bridge.demand ?? null;
  /** Display on demand while some client takes frames (ws-bridge.ts); free-running otherwise. */
  let paced = false;
  const updatePace = (): void => {
    if (!demand) return;
    let any = false;
    for (const c of clients) if (c.takesFrames) any = true;
    if (any === paced) return;
    paced = any;
    demand.setPaced(any);
  };

  const server = createServer((req, res) => {
    securityHeaders(res);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const given = tokenFromRequest(url, req.headers);
    if (!tokenMatches(token, given)) {
      res.statusCode = 401;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end('401 missing or wrong access token: open the URL printed by `specula serve` (it carries ?token=…)\n');
      return;
    }
    // The page is opened with ?token=; its assets, worker and socket then carry the cookie.
    if (url.searchParams.has(TOKEN_QUERY)) {
      res.setHeader('Set-Cookie', `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
    }
    if (url.pathname.startsWith('/api/')) {
      void handleApi(req, res, url.pathname.slice(5));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { ok: false, error: { code: 'bad-params', message: `${req.method} not allowed on ${url.pathname}` } });
      return;
    }
    if (url.pathname === '/favicon.ico') {
      // The browser asks for it on its own; without an answer every page load logs a console error.
      res.statusCode = 204;
      res.end();
      return;
    }
    const file = opts.root ? resolveStatic(opts.root, url.pathname) : null;
    if (!file) {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(opts.root ? `404 ${url.pathname}\n` : '404: renderer not built (run `npm run build`)\n');
      return;
    }
    sendStatic(res, file);
  });

  async function handleApi(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    let params: unknown = {};
    if (req.method === 'POST') {
      const ct = String(req.headers['content-type'] ?? '');
      if (!/^application\/json\b/i.test(ct)) {
        sendJson(res, 415, { ok: false, error: { code: 'bad-params', message: 'POST body must be Content-Type: application/json' } });
        return;
      }
      try {
        const text = await readBody(req, maxBody);
        params = text.trim() ? JSON.parse(text) : {};
      } catch (e) {
        sendJson(res, 400, { ok: false, error: { code: 'bad-params', message: `bad JSON body: ${e instanceof Error ? e.message : String(e)}` } });
        return;
      }
    } else if (req.method !== 'GET') {
      sendJson(res, 405, { ok: false, error: { code: 'bad-params', message: `use GET or POST on /api/${method}` } });
      return;
    }
    const outcome: CallOutcome = await dispatchCall(bridge.handlers, method, params);
    sendJson(res, outcome.ok ? 200 : STATUS[outcome.error.code] ?? 500, outcome);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxBody });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const ok = url.pathname === '/ws' && tokenMatches(token, tokenFromRequest(url, req.headers));
    if (!ok) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nmissing or wrong access token\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const c = new WsClient(ws, bridge.handlers, demand, updatePace);
      clients.add(c);
      updatePace();
      const gone = () => {
        clients.delete(c);
        updatePace();
      };
      ws.on('close', gone);
      ws.on('error', gone);
      void helloMessage(bridge.handlers).then((m) => {
        c.sendJson(m);
        for (const e of bridge.currentEvents?.() ?? []) c.sendJson({ type: 'event', name: e.name, data: e.data });
      }, () => undefined);
    });
  });

  const offEvent = bridge.onEvent((name, data) => {
    if (clients.size === 0) return;
    const text = JSON.stringify({ type: 'event', name, data });
    for (const c of clients) if (c.ws.readyState === c.ws.OPEN) c.ws.send(text);
  });
  const offFrame = bridge.onFrame((lease) => {
    if (clients.size === 0) return;
    const channel = frameChannel(lease.bytes);
    // No copy: every client retains the engine's buffer until its socket has written it.
    for (const c of clients) c.offerFrame(channel, lease);
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolveListen());
  });
  const addr = server.address() as AddressInfo;
  const hostForUrl = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const baseUrl = `http://${hostForUrl}:${addr.port}/`;

  return {
    server,
    baseUrl,
    url: `${baseUrl}?${TOKEN_QUERY}=${encodeURIComponent(token)}`,
    clients,
    async close() {
      offEvent();
      offFrame();
      if (paced) demand?.setPaced(false);
      for (const c of clients) {
        c.releaseAll();
        c.ws.terminate();
      }
      wss.close();
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
