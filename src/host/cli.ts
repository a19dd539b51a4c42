/**
 * `specula` command line: the headless host. Every command runs the same engine as the app.
 * Each command lives in its own module (`cmd-<name>.ts`) exporting `main(argv): Promise<number>`
 * (the exit status); they are loaded on demand so `specula info` does not pay for the web server.
 */
type CommandMain = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ main: CommandMain }> }> = {
  serve: { summary: 'run the engine and serve the workbench on 127.0.0.1 (web mode)', load: () => import('./cmd-serve') },
  run: { summary: 'run the simulated device and channel workers headless, print health', load: () => import('./cmd-run') },
  process: { summary: 'run a cascade over frames from .npy or .mcap, write .npy', load: () => import('./cmd-process') },
  record: { summary: 'record the simulated device to an MCAP file', load: () => import('./cmd-record') },
  info: { summary: 'describe a recording', load: () => import('./cmd-info') },
  replay: { summary: 'replay a recording through the live pipeline', load: () => import('./cmd-replay') },
  export: { summary: 'export frames of a recording as .npy / PNG', load: () => import('./cmd-export') },
  recover: { summary: 'rewrite a recording cut off by a crash with a full index', load: () => import('./cmd-recover') },
  latency: { summary: 'end-to-end latency check in headless Chromium, report + pass/fail', load: () => import('./cmd-latency') },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([k, v]) => `  ${k.padEnd(9)} ${v.summary}`);
  return `usage: specula <command> [options]\n\ncommands:\n${rows.join('\n')}\n\n'specula <command> --help' for a command's options.`;
}

export async function cli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`specula: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const mod = await cmd.load();
  return mod.main(rest);
}

// Entry when run directly (bin/specula.mjs imports the built file, tsx runs the source).
const isMain = process.argv[1] && /cli\.(ts|js|mjs)$/.test(process.argv[1]);
if (isMain) {
  cli(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      console.error(`specula: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
