#!/usr/bin/env node
// `specula` entry: runs the built CLI (out/main/cli.js) when present, else the TypeScript source via tsx.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const built = resolve(root, 'out/main/cli.js');
if (existsSync(built) && !process.env.SPECULA_FROM_SOURCE) {
  const { cli } = await import(pathToFileURL(built).href);
  process.exitCode = await cli(process.argv.slice(2));
} else {
  await import('tsx/esm');
  const { cli } = await import(pathToFileURL(resolve(root, 'src/host/cli.ts')).href);
  process.exitCode = await cli(process.argv.slice(2));
}
