// Preload: the typed bridge (issue 5).
export {};
