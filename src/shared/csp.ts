/**
 * The one Content-Security-Policy of the workbench page, sent by Electron's session (desktop) and by
 * the web-mode server (HTTP header). Scripts only from the app itself, no inline script;
 * 'unsafe-eval' because regl compiles its draw commands with `new Function`.
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
