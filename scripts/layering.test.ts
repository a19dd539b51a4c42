import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layering rule of eslint.config.js, checked against code that breaks it: if the config stops
// applying to a folder, these fail.
const eslint = new ESLint({ cwd: process.cwd() });

async function violations(filePath: string, code: string): Promise<string[]> {
  const [res] = await eslint.lintText(code, { filePath });
  return res.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layering lint rule', () => {
  it.each([
    ['src/renderer/src/x.ts', "import { readFileSync } from 'node:fs';"],
    ['src/renderer/src/x.ts', "import { ipcRenderer } from 'electron';"],
    ['src/renderer/src/x.ts', "import { Engine } from '../../engine/engine';"],
    ['src/cascade/x.ts', "import { readFileSync } from 'fs';"],
    ['src/cascade/x.ts', "import { loadNative } from '../native/load';"],
    ['src/engine/x.ts', "import { app } from 'electron';"],
    ['src/workers/x.ts', "import { BrowserWindow } from 'electron';"],
    ['src/shared/x.ts', "import { createTsProcessor } from '../cascade/processor';"],
    ['src/preload/x.ts', "import { Engine } from '../engine/engine';"],
  ])('%s may not: %s', async (file, code) => {
    expect(await violations(file, `${code}\nexport const x = 1;\n`)).not.toHaveLength(0);
  });

  it.each([
    ['src/renderer/src/x.ts', "import { FH } from '../../shared/frame-header';"],
    ['src/cascade/x.ts', "import { FH } from '../shared/frame-header';"],
    ['src/engine/x.ts', "import { readFileSync } from 'node:fs';"],
    ['src/main/x.ts', "import { app } from 'electron';"],
  ])('%s may: %s', async (file, code) => {
    expect(await violations(file, `${code}\nexport const x = 1;\n`)).toEqual([]);
  });
});
