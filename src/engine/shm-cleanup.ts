/**
 * Removing shared-memory segments by name prefix. On Linux POSIX shm objects are the files of
 * /dev/shm, so unlinking the file is `shm_unlink`. Used for the output rings of a worker that died
 * without closing them (SIGKILL) and by tests that check nothing is left behind.
 */
import { readdirSync, rmSync } from 'node:fs';

const SHM_DIR = '/dev/shm';

/** Names (without the leading slash) of the segments starting with `prefix` (no leading slash). */
export function listShm(prefix: string): string[] {
  try {
    return readdirSync(SHM_DIR).filter((n) => n.startsWith(prefix));
  } catch {
    return []; // no /dev/shm (not Linux): nothing we can list
  }
}

/** Unlink every segment starting with `prefix`; returns the names removed. */
export function unlinkShm(prefix: string): string[] {
  const names = listShm(prefix);
  for (const n of names) rmSync(`${SHM_DIR}/${n}`, { force: true });
  return names;
}
