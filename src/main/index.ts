// Electron main: filled in by the shell work (issue 5).
export {};
