import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The house rules of docs/ARCHITECTURE.md, enforced: apps never import apps, libs never import
 * apps, libs/snap imports nothing of ours, and only repositories (plus migrations and the
 * migration runner) send SQL. test/architecture/import-rules.test.ts proves each rule fails on a
 * wrong import.
 */
const APPS = ['producer', 'worker', 'cli', 'snap-simulator'];
const LIBS = ['config', 'infra', 'ledger', 'queue', 'reconciliation', 'snap'];

const importOf = (folder) => [`**/${folder}/src`, `**/${folder}/src/**`];
const noAppImports = (except) => ({
  group: ['apps/**', '**/apps/**', ...APPS.filter((a) => a !== except).flatMap((a) => importOf(a))],
  message: 'apps never import each other and libs never import apps (docs/ARCHITECTURE.md)',
});
/**
 * No property after a spread in an object literal on the per-account paths (the worker, the
 * SNAP client, reconciliation, the ledger): V8 (Node 20) adds each such property the slow way,
 * ~0.5 µs each, and the worker's result object alone cost ~9 µs per account that way (workers'
 * CPU per account −13 % without them, bench/README.md, eleventh round). `Object.assign({}, a,
 * { k })` does the same at ~0.07 µs; a spread as the last member is fast and allowed.
 * `npm run bench:spread` measures it on the Node at hand: drop the rule when that is fixed.
 */
const NO_PROPERTY_AFTER_SPREAD = {
  selector: 'ObjectExpression > SpreadElement ~ Property',
  message:
    "a property after a spread is V8's slow path on a per-account path: write the fields out, or Object.assign({}, a, { k }) (eslint.config.mjs)",
};
const HOT_PATHS = [
  'apps/worker/src/**/*.ts',
  'libs/snap/src/**/*.ts',
  'libs/reconciliation/src/**/*.ts',
  'libs/ledger/src/**/*.ts',
];

const PREPARED_QUERY = 'libs/ledger/src/repositories/prepared-query.ts';

const ONLY_REPOSITORIES_SEND_SQL = {
  selector:
    "CallExpression[callee.property.name='query'], CallExpression[callee.name='preparedQuery']",
  message:
    "only repositories (*.repository.ts) send SQL: add a method to the table's repository (docs/ARCHITECTURE.md)",
};
const restrictImports = (...patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-output/**', '*.js', '*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  ...APPS.map((app) => ({
    files: [`apps/${app}/**/*.ts`],
    rules: restrictImports(noAppImports(app)),
  })),
  {
    files: ['libs/**/*.ts'],
    rules: restrictImports(noAppImports()),
  },
  {
    files: ['libs/snap/**/*.ts'],
    rules: restrictImports(noAppImports(), {
      group: ['@app/*', ...LIBS.filter((l) => l !== 'snap').flatMap((l) => importOf(l))],
      message: 'libs/snap imports nothing of ours: it is the protocol core (docs/ARCHITECTURE.md)',
    }),
  },
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: [
      '**/*.repository.ts',
      '**/*.spec.ts',
      'libs/infra/src/database/run-migrations.ts',
      'libs/infra/src/database/search-path-check.ts',
      // The repositories' way to send a prepared statement: it runs their SQL, it holds none.
      PREPARED_QUERY,
    ],
    rules: {
      'no-restricted-syntax': ['error', ONLY_REPOSITORIES_SEND_SQL],
    },
  },
  // A later entry's no-restricted-syntax replaces an earlier one's for the same file, so the
  // per-account paths repeat the SQL rule beside their own.
  {
    files: HOT_PATHS,
    ignores: ['**/*.repository.ts', '**/*.spec.ts', PREPARED_QUERY],
    rules: {
      'no-restricted-syntax': ['error', ONLY_REPOSITORIES_SEND_SQL, NO_PROPERTY_AFTER_SPREAD],
    },
  },
  {
    files: [...HOT_PATHS.map((p) => p.replace('**/*.ts', '**/*.repository.ts')), PREPARED_QUERY],
    rules: { 'no-restricted-syntax': ['error', NO_PROPERTY_AFTER_SPREAD] },
  },
);
