import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({}));

import { IPC } from '../shared/bridge';
import { forwardEvents, registerBridgeIpc } from './ipc';

describe('bridge IPC', () => {
  function setup(trusted: boolean) {
    const handle = vi.fn();
    const removeHandler = vi.fn();
    const handlers = { 'channels.list': vi.fn(() => [{ channel: 0 }]), 'device.stall': vi.fn(() => { throw new TypeError('channel must be an integer'); }) };
    const off = registerBridgeIpc({ handle, removeHandler }, handlers as never, () => trusted);
    expect(handle.mock.calls[0][0]).toBe(IPC.call);
    return { invoke: handle.mock.calls[0][1] as (e: unknown, m: unknown, p: unknown) => Promise<unknown>, handlers, off, removeHandler };
  }

  it('dispatches calls of the trusted window to the engine handlers', async () => {
    const { invoke, handlers } = setup(true);
    await expect(invoke({}, 'channels.list', {})).resolves.toEqual({ ok: true, result: [{ channel: 0 }] });
    expect(handlers['channels.list']).toHaveBeenCalledOnce();
    await expect(invoke({}, 'device.stall', {})).resolves.toEqual({ ok: false, error: { code: 'rejected', message: 'channel must be an integer' } });
    await expect(invoke({}, 'no.such', {})).resolves.toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    await expect(invoke({}, 'constructor', {})).resolves.toMatchObject({ ok: false, error: { code: 'bad-params' } });
  });

  it('refuses an untrusted sender without calling the engine', async () => {
    const { invoke, handlers, off, removeHandler } = setup(false);
    await expect(invoke({}, 'channels.list', {})).resolves.toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(handlers['channels.list']).not.toHaveBeenCalled();
    off();
    expect(removeHandler).toHaveBeenCalledWith(IPC.call);
  });

  it('forwards engine events to a live window only', () => {
    let emit: (n: string, d: unknown) => void = () => undefined;
    const host = { onEvent: (l: (n: string, d: unknown) => void) => ((emit = l), () => undefined) };
    const send = vi.fn();
    let destroyed = false;
    forwardEvents(host as never, () => ({ send, isDestroyed: () => destroyed }) as never);
    emit('health', [1]);
    destroyed = true;
    emit('health', [2]);
    expect(send).toHaveBeenCalledOnce();
    expect(send).toHaveBeenCalledWith(IPC.event, 'health', [1]);
  });
});
