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
    ignores: ['**/*.repository.ts', '**/*.spec.ts', 'libs/infra/src/database/run-migrations.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='query']",
          message:
            "only repositories (*.repository.ts) send SQL: add a method to the table's repository (docs/ARCHITECTURE.md)",
        },
      ],
    },
  },
);
