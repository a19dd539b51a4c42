/**
 * The engine side of latency measurement, one per running engine. The bridge hands it every latency
 * control message from the renderer (`handleMessage`) and sends back what it returns (a pong for a
 * clock ping); the UI gets `snapshot()`
 * about twice a second; `specula latency` turns it into a report.
 *
 *   const latency = new LatencyService();
 *   ws.on('message', (m) => { const msg = JSON.parse(m); if (isLatencyMessage(msg)) {
 *     const reply = latency.handleMessage(msg); if (reply) ws.send(JSON.stringify(reply)); } });
 */
import type { ClockPongMessage, LatencyControlMessage, LatencySnapshot } from '../../shared/latency';
import { engineNowNs } from './clock';
import { LatencyLedger, type LedgerOptions } from './ledger';

export interface LatencyServiceOptions extends LedgerOptions {
  /** Engine clock (tests inject a fake one). */
  now?: () => number;
}

export class LatencyService {
  readonly ledger: LatencyLedger;
  private readonly now: () => number;
  /** Acks and pings received (diagnostics). */
  acks = 0;
  pings = 0;

  constructor(opts: LatencyServiceOptions = {}) {
    this.now = opts.now ?? engineNowNs;
    this.ledger = new LatencyLedger(opts);
  }

  /**
   * Handle one latency message from the renderer. Returns the reply to send back to the same
   * renderer (a `clock-pong` for a `clock-ping`), or null. Throws with the reason on a malformed
   * message; the caller logs it and carries on.
   */
  handleMessage(msg: LatencyControlMessage): ClockPongMessage | null {
    switch (msg.type) {
      case 'clock-ping': {
        // Read the clock first: everything after it would widen the measured round trip.
        const tEngineNs = this.now();
        if (!Number.isFinite(msg.tRendererNs) || !Number.isFinite(msg.id)) throw new TypeError('clock-ping: id and tRendererNs must be numbers');
        this.pings++;
        return { type: 'clock-pong', id: msg.id, tRendererNs: msg.tRendererNs, tEngineNs };
      }
      case 'latency-ack': {
        if (!Array.isArray(msg.rows)) throw new TypeError('latency-ack: rows must be an array of numbers');
        this.acks++;
        this.ledger.recordRows(msg.rows);
        if (msg.sync && msg.rows.length) this.ledger.noteSync(msg.sync);
        if (msg.overflow > 0) this.ledger.noteAckOverflow(msg.overflow);
        return null;
      }
      default:
        return null; // engine → renderer messages are not for us
    }
  }

  snapshot(): LatencySnapshot {
    return this.ledger.snapshot(this.now());
  }

  /** Start measuring afresh, ignoring frames acquired in the next `warmupMs`. */
  reset(warmupMs = 0): void {
    this.ledger.reset(this.now() + warmupMs * 1e6);
  }
}
