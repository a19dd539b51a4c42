/**
 * Electron main entry: a thin shell. Creates the window and the engine when the app is ready,
 * stops the engine (no orphan process, no /dev/shm left) before quitting.
 */
import { app, dialog, Menu } from 'electron';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellOptionsFromEnv, startShell, type Shell } from './app';

const mainDir = dirname(fileURLToPath(import.meta.url));
let shell: Shell | null = null;

app.enableSandbox();
// No default menu: its Reload would drop the window's frame ports (the workers keep the old ends)
// and its DevTools entry is not for the operating room.
Menu.setApplicationMenu(null);
if (!app.requestSingleInstanceLock()) app.quit();

app.whenReady().then(async () => {
  try {
    shell = await startShell(shellOptionsFromEnv(mainDir));
  } catch (e) {
    dialog.showErrorBox('Specula could not start', e instanceof Error ? e.message : String(e));
    app.exit(1);
  }
}, (e: unknown) => {
  console.error(e);
  app.exit(1);
});

let quitting = false;
app.on('before-quit', (event) => {
  if (quitting || !shell) return;
  event.preventDefault();
  quitting = true;
  void shell.stop().finally(() => app.quit());
});
app.on('window-all-closed', () => app.quit());
