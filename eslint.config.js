// Layering is a rule, not a convention: the renderer and the cascade never import Node or
// Electron; Electron stays in src/main and src/preload; src/shared imports nothing of ours.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'worker_threads', 'net', 'http', 'https', 'crypto', 'stream', 'events', 'url', 'util', 'module', 'process', 'buffer', 'zlib', 'dgram', 'tty', 'readline'];
const restrict = (groups, message) => ({
  'no-restricted-imports': ['error', { patterns: groups.map((g) => ({ group: g, message })) }],
});
const NODE = nodeBuiltins;
const ELECTRON = ['electron', 'electron/*'];
const ours = (dirs) => dirs.flatMap((d) => [`**/${d}/*`, `**/${d}`]);

export default tseslint.config(
  { ignores: ['out/**', 'build/**', 'node_modules/**', 'test-results/**', 'dist/**', 'native/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: restrict([NODE, ELECTRON, ours(['cascade', 'engine', 'workers', 'main', 'preload', 'renderer', 'host', 'native'])],
      'src/shared holds contracts only: it imports nothing of ours, no Node, no Electron.'),
  },
  {
    files: ['src/cascade/**/*.ts'],
    rules: restrict([NODE, ELECTRON, ours(['engine', 'workers', 'main', 'preload', 'renderer', 'host', 'native'])],
      'The cascade is pure TypeScript on typed arrays: it may import src/shared only (no Node, no Electron).'),
  },
  {
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.tsx'],
    rules: restrict([NODE, ELECTRON, ours(['cascade', 'engine', 'workers', 'main', 'preload', 'host', 'native'])],
      'The renderer talks to the engine only through the bridge contract in src/shared: no Node, no Electron.'),
  },
  {
    files: ['src/engine/**/*.ts', 'src/workers/**/*.ts', 'src/host/**/*.ts', 'src/native/**/*.ts'],
    rules: restrict([ELECTRON, ours(['main', 'preload', 'renderer'])],
      'The engine runs under plain Node: Electron lives only in src/main and src/preload.'),
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: restrict([ours(['cascade', 'engine', 'workers', 'main', 'renderer', 'host', 'native'])],
      'The preload exposes the typed bridge from src/shared and nothing else.'),
  },
  {
    files: ['src/main/**/*.ts'],
    rules: restrict([ours(['renderer', 'preload', 'cascade'])],
      'Main is a thin shell over the engine.'),
  },
);
