/** Options of `specula serve`, parsed with clear errors. */
export interface ServeOptions {
  host: string;
  port: number;
  channels: number;
  fps: number;
  cascade: string;
  budgetMs: number;
  renderer: string | null;
  processor: 'ts' | 'fast' | null;
  testHooks: boolean;
  help: boolean;
}

export const SERVE_USAGE = `usage: specula serve [options]

Runs the simulated device, one cascade process per channel, and serves the workbench (web mode).
Prints the URL to open; it carries a random access token required on every request.

options:
  --channels N        optical channels (default 4)
  --fps F             frames per second per channel (default 30)
  --cascade NAME|FILE preset from resources/cascades/ or a cascade JSON file (default light)
  --listen HOST:PORT  bind address (default 127.0.0.1:0 = loopback, any free port).
                      Binding anything but loopback exposes the workbench to the network: explicit only.
  --port P            shorthand for --listen 127.0.0.1:P
  --budget MS         display latency budget shown in the status bar (default 100)
  --renderer DIR      built renderer to serve (default out/renderer)
  --processor ts|fast cascade implementation in the workers (default: the engine's)
  --test-hooks        allow test-only fault injection in workers`;

/** A numeric flag value in min..max (an integer when `int`), or a RangeError naming the flag. */
export function parseNumberFlag(flag: string, v: string | undefined, min: number, max: number, int = false): number {
  const n = Number(v);
  if (v === undefined || v === '' || !Number.isFinite(n) || n < min || n > max || (int && !Number.isInteger(n))) {
    throw new RangeError(`${flag} must be ${int ? 'an integer' : 'a number'} in ${min}..${max}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
  }
  return n;
}

export function parseServeArgs(argv: string[]): ServeOptions {
  const o: ServeOptions = { host: '127.0.0.1', port: 0, channels: 4, fps: 30, cascade: 'light', budgetMs: 100, renderer: null, processor: null, testHooks: false, help: false };
  const num = parseNumberFlag;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const val = () => (a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : argv[++i]);
    switch (flag) {
      case '--help':
      case '-h':
        o.help = true;
        break;
      case '--channels':
        o.channels = num(flag, val(), 1, 64, true);
        break;
      case '--fps':
        o.fps = num(flag, val(), 0.1, 1000, false);
        break;
      case '--cascade': {
        const v = val();
        if (!v) throw new RangeError('--cascade needs a preset name or a file');
        o.cascade = v;
        break;
      }
      case '--budget':
        o.budgetMs = num(flag, val(), 1, 60_000, false);
        break;
      case '--port':
        o.port = num(flag, val(), 0, 65535, true);
        break;
      case '--listen': {
        const v = val() ?? '';
        const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(v);
        if (!m) throw new RangeError(`--listen must be HOST:PORT (e.g. 0.0.0.0:8470 or [::1]:8470), got ${JSON.stringify(v)}`);
        o.host = m[1].replace(/^\[|\]$/g, '');
        o.port = num('--listen port', m[2], 0, 65535, true);
        break;
      }
      case '--renderer': {
        const v = val();
        if (!v) throw new RangeError('--renderer needs a directory');
        o.renderer = v;
        break;
      }
      case '--processor': {
        const v = val();
        if (v !== 'ts' && v !== 'fast') throw new RangeError(`--processor must be ts or fast, got ${JSON.stringify(v)}`);
        o.processor = v;
        break;
      }
      case '--test-hooks':
        o.testHooks = true;
        break;
      default:
        throw new RangeError(`unknown option ${JSON.stringify(a)} (see specula serve --help)`);
    }
  }
  return o;
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
