import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * The lint rules of eslint.config.mjs that keep the rooms apart (docs/ARCHITECTURE.md), each fed
 * a deliberately wrong file: the rule must fail it, naming the rule, and pass the right one.
 */
const repoRoot = resolve(__dirname, '../..');

/** For each [path, code], the messages ESLint gives `code` as if it stood at `path`. */
function lintAsIf(cases: [string, string][]): string[][] {
  // ESLint loads its flat config with a dynamic import, which jest's VM cannot run: a child does.
  const script = `
    const { ESLint } = require('eslint');
    const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    const eslint = new ESLint({ cwd: process.cwd() });
    Promise.all(cases.map(([path, code]) => eslint.lintText(code, { filePath: path })))
      .then((results) => console.log(JSON.stringify(results.map(([r]) =>
        r.messages.map((m) => m.ruleId + ': ' + m.message)))));`;
  const output = execFileSync(process.execPath, ['-e', script], {
    cwd: repoRoot,
    input: JSON.stringify(cases.map(([path, code]) => [resolve(repoRoot, path), code])),
    encoding: 'utf8',
  });
  return JSON.parse(output) as string[][];
}

describe('architecture rules (eslint.config.mjs)', () => {
  const refused: [string, string, string][] = [
    ['apps/producer/src/x.ts', "import { x } from '../../worker/src/main';", 'apps never import'],
    ['apps/worker/src/x.ts', "import { x } from 'apps/producer/src/main';", 'apps never import'],
    [
      'libs/reconciliation/src/x.ts',
      "import { x } from '../../../apps/worker/src/main';",
      'libs never import apps',
    ],
    ['libs/snap/src/x.ts', "import { x } from '@app/config';", 'libs/snap imports nothing of ours'],
    ['libs/snap/src/x.ts', "import { x } from '../../ledger/src';", 'libs/snap imports nothing'],
  ];
  const sql = "import { x } from '@app/infra';\nexport const y = () => x.query('SELECT 1');\n";
  const prepared =
    "import { preparedQuery } from '@app/ledger';\nexport const y = (ds: never) => preparedQuery(ds, 'SELECT 1', []);\n";
  const allowed: [string, string][] = [
    ['apps/producer/src/x.ts', "import { x } from '@app/reconciliation';"],
    ['apps/producer/src/x.ts', "import { x } from './reports/x';"],
    ['libs/reconciliation/src/x.ts', "import { x } from '@app/snap';"],
    ['libs/snap/src/x.ts', "import { x } from './providers/index';"],
  ];
  const withUse = (code: string) => `${code}\nexport const y = x;\n`;
  let refusedMessages: string[][];
  let allowedMessages: string[][];

  beforeAll(() => {
    [refusedMessages, allowedMessages] = [
      lintAsIf(refused.map(([path, code]) => [path, withUse(code)])),
      lintAsIf(allowed.map(([path, code]) => [path, withUse(code)])),
    ];
  }, 60_000);

  it.each(refused.map((c, i) => [...c, i] as const))(
    '%s: %s is refused (%s)',
    (_path, _code, says, i) => {
      expect(refusedMessages[i]).toEqual([expect.stringContaining('no-restricted-imports')]);
      expect(refusedMessages[i][0]).toContain(says);
    },
  );

  it.each([
    ['apps/worker/src/x.ts', sql, false],
    ['libs/reconciliation/src/run-control.ts', sql, false],
    ['libs/reconciliation/src/repositories/runs.repository.ts', sql, true],
    ['apps/worker/src/x.ts', prepared, false],
    ['libs/reconciliation/src/result-store.ts', prepared, false],
    ['libs/reconciliation/src/repositories/results.repository.ts', prepared, true],
  ] as const)('%s sending SQL: allowed only in a repository (%#)', (path, code, allowedHere) => {
    const [messages] = lintAsIf([[path, code]]);
    if (allowedHere) expect(messages).toEqual([]);
    else
      expect(messages).toEqual([
        expect.stringContaining('only repositories (*.repository.ts) send SQL'),
      ]);
  });

  const afterSpread = 'export const f = (a: object) => ({ ...a, k: 1 });\n';
  const spreadLast = 'export const f = (a: object) => ({ k: 1, ...a });\n';
  const assigned = 'export const f = (a: object) => Object.assign({}, a, { k: 1 });\n';
  it.each([
    ['apps/worker/src/x.ts', afterSpread, false],
    ['libs/snap/src/x.ts', afterSpread, false],
    ['libs/reconciliation/src/repositories/x.repository.ts', afterSpread, false],
    ['libs/ledger/src/x.ts', afterSpread, false],
    ['libs/snap/src/x.ts', spreadLast, true],
    ['libs/snap/src/x.ts', assigned, true],
    ['apps/producer/src/x.ts', afterSpread, true],
  ] as const)(
    '%s: a property after an object spread only off the per-account paths (%#)',
    (path, code, allowedHere) => {
      const [messages] = lintAsIf([[path, code]]);
      if (allowedHere) expect(messages).toEqual([]);
      else
        expect(messages).toEqual([
          expect.stringContaining("a property after a spread is V8's slow path"),
        ]);
    },
  );

  it.each(allowed.map((c, i) => [...c, i] as const))('%s: %s is allowed', (_path, _code, i) => {
    expect(allowedMessages[i]).toEqual([]);
  });
});
