/**
 * `specula run`: argument errors, and the real headless pipeline (sim device + worker processes)
 * printing per-channel health as JSON, stopping early on SIGINT, leaving nothing behind.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listShm } from '../engine/shm-cleanup';
import { resolveWorkerEntry } from '../engine/launcher-node';
import { formatHealthTable, parseRunArgs } from './cmd-run';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));

function runCli(args: string[], opts: { signalAfterMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string; pid: number }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [...resolveWorkerEntry().execArgv, cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      // Interrupt once the run is under way (the engine logs nothing on success, so wait for time).
    });
    if (opts.signalAfterMs) setTimeout(() => child.kill('SIGINT'), opts.signalAfterMs);
    child.on('exit', (code) => res({ code, stdout, stderr, pid: child.pid! }));
  });
}

describe('specula run', () => {
  it('parses options and names the bad one', () => {
    expect(parseRunArgs(['--cascade', 'light', '--channels', '3', '--fps', '15', '--duration', '2', '--json'])).toMatchObject({ cascade: 'light', channels: 3, fps: 15, duration: 2, json: true, path: 'auto' });
    expect(() => parseRunArgs(['--channels', '3'])).toThrow(/--cascade is required/);
    expect(() => parseRunArgs(['--cascade', 'x', '--channels', '0'])).toThrow(/--channels must be an integer in 1\.\.64, got "0"/);
    expect(() => parseRunArgs(['--cascade', 'x', '--path', 'gpu'])).toThrow(/--path: expected auto, ts or fast, got "gpu"/);
    expect(() => parseRunArgs(['--cascade', 'x', '--bogus'])).toThrow(/unknown option "--bogus"/);
  });

  it('formats a health table', () => {
    const t = formatHealthTable([{ channel: 0, label: 'ch0', state: 'running', pid: 1, fpsIn: 30, fpsOut: 29.5, skipped: 2, gaps: 0, cascadeMsP50: 3.25, cascadeMsP99: 5, lastFrameAgeMs: 12, restarts: 0, lastError: null, cascade: 'light', latencyMsP50: 4, latencyMsP99: 6 }]);
    expect(t.split('\n')[0]).toMatch(/^ch\s+state\s+fps in\s+fps out\s+skipped\s+gaps/);
    expect(t.split('\n')[1]).toMatch(/^ch0\s+running\s+30\.0\s+29\.5\s+2\s+0\s+3\.25\s+5\.00/);
  });

  it('rejects a cascade file that does not exist', async () => {
    const r = await runCli(['run', '--cascade', '/nonexistent/c.json', '--duration', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no such file or preset/);
  });

  it('runs the sim device + workers headless and prints per-channel health as JSON', async () => {
    const r = await runCli(['run', '--channels', '2', '--fps', '20', '--cascade', 'reference', '--duration', '4', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ channels: 2, fps: 20, cascade: 'reference', interrupted: false });
    expect(report.health).toHaveLength(2);
    for (const h of report.health) {
      expect(h.state).toBe('running');
      expect(h.fpsIn).toBeGreaterThan(10);
      expect(h.framesOut).toBeGreaterThan(2);
      expect(h.gaps).toBeGreaterThanOrEqual(0);
      expect(h.cascadeMsP50).toBeGreaterThan(0);
    }
    expect(listShm(`specula-${r.pid}-`)).toEqual([]);
  });

  it('stops early on SIGINT, still prints the report, and leaves no segment', async () => {
    const r = await runCli(['run', '--channels', '1', '--fps', '30', '--cascade', 'reference', '--duration', '60'], { signalAfterMs: 4000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(interrupted\)/);
    expect(r.stdout).toMatch(/^ch0\s+running/m);
    expect(listShm(`specula-${r.pid}-`)).toEqual([]);
  });
});
