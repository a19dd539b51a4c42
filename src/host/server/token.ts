/**
 * Access token of web mode: random, in the printed URL, required on every HTTP and WebSocket request.
 * Compared in constant time (both sides hashed first, so lengths never leak through timing either).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { TOKEN_COOKIE, TOKEN_HEADER, TOKEN_QUERY } from '../../shared/bridge';

/** 192 bits of randomness, URL-safe. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Constant-time token comparison; false for a missing token. */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  return timingSafeEqual(digest(expected), digest(given));
}

/** Where a request may carry the token: `?token=`, `X-Specula-Token`, `Authorization: Bearer`, cookie. */
export function tokenFromRequest(url: URL, headers: Record<string, string | string[] | undefined>): string | null {
  const q = url.searchParams.get(TOKEN_QUERY);
  if (q) return q;
  const h = headers[TOKEN_HEADER];
  if (typeof h === 'string' && h) return h;
  const auth = headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '');
  const cookie = headers.cookie;
  if (typeof cookie === 'string') {
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === TOKEN_COOKIE) return decodeURIComponent(part.slice(eq + 1).trim());
    }
  }
  return null;
}
