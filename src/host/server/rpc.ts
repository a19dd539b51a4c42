/**
 * Dispatch of control calls to the engine's handlers, shared by the HTTP API and the WebSocket.
 * Every answer is a `CallOutcome`: the engine's error messages (e.g. cascade validation) reach the
 * caller verbatim, with a code that tells a refusal from a bug.
 */
import { METHOD_NAME_PATTERN, type BridgeErrorCode, type BridgeHandlers, type CallOutcome } from '../../shared/bridge';

/** Thrown by handlers to refuse a request (bad params, invalid cascade): answered as `rejected`. */
export class RejectedError extends Error {
  readonly code: BridgeErrorCode;
  constructor(message: string, code: BridgeErrorCode = 'rejected') {
    super(message);
    this.code = code;
  }
}

function errorCode(e: unknown): BridgeErrorCode {
  if (e instanceof RejectedError) return e.code;
  // Engine validation errors are TypeError/RangeError or carry a `code`/`validation` marker.
  if (e instanceof TypeError || e instanceof RangeError) return 'rejected';
  const c = (e as { code?: unknown })?.code;
  if (c === 'rejected' || c === 'bad-params') return c;
  if (e instanceof Error && /invalid|validat|reject|unknown (stage|channel|preset)|must be/i.test(e.message)) return 'rejected';
  return 'internal';
}

export async function dispatchCall(handlers: BridgeHandlers, method: unknown, params: unknown): Promise<CallOutcome> {
  if (typeof method !== 'string' || !METHOD_NAME_PATTERN.test(method)) {
    return { ok: false, error: { code: 'bad-params', message: `method must be a dotted name like "channels.list", got ${JSON.stringify(method)}` } };
  }
  const h = (handlers as Record<string, ((p: unknown) => unknown) | undefined>)[method];
  if (!h || !Object.prototype.hasOwnProperty.call(handlers, method)) {
    return { ok: false, error: { code: 'unknown-method', message: `unknown method "${method}"` } };
  }
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) {
    return { ok: false, error: { code: 'bad-params', message: `params of "${method}" must be a JSON object` } };
  }
  try {
    const result = await h((params ?? {}) as never);
    return { ok: true, result: result ?? null };
  } catch (e) {
    return { ok: false, error: { code: errorCode(e), message: e instanceof Error ? e.message : String(e) } };
  }
}

/** Validators for handler params (clear messages naming the bad field). */
export function needChannel(p: { channel?: unknown }, name = 'channel'): number {
  const c = p.channel;
  if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > 65535) throw new RejectedError(`${name} must be an integer 0..65535, got ${JSON.stringify(c)}`, 'bad-params');
  return c;
}
export function needBool(v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') throw new RejectedError(`${name} must be true or false, got ${JSON.stringify(v)}`, 'bad-params');
  return v;
}
export function optChannels(v: unknown): number[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((c) => Number.isInteger(c) && c >= 0 && c <= 65535)) {
    throw new RejectedError(`channels must be an array of channel ids, got ${JSON.stringify(v)}`, 'bad-params');
  }
  return v as number[];
}
