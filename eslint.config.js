import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { builtinModules } from 'node:module';

// Workflow code runs in Temporal's deterministic sandbox: Node built-ins and native or I/O
// packages must never reach it, even transitively through a shared module.
const bannedInWorkflows = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  'sharp',
  'tesseract.js',
  'better-sqlite3',
  'drizzle-orm',
  'drizzle-orm/*',
  'fastify',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
];

// Layer boundaries (docs/architecture.md): for each folder, the imports it must not make.
// Type-only imports may cross where allowed: they vanish at run time and carry no side effect.
const NOT_API = { regex: '/api(/|$)', message: 'Only the API imports the API.' };
const NOT_ACTIVITIES = {
  regex: '/activities(/|$)',
  allowTypeImports: true,
  message: 'Activities are reached through workflows; only the worker assembles them.',
};
const ONLY_MESSAGES_OF_WORKFLOWS = {
  regex: '/workflows/(?!messages$)',
  allowTypeImports: true,
  message: 'Workflow code is for the worker; others import its messages only.',
};
// The database is the Store (db/store.ts) on whichever database is configured: outside db/, no
// module reaches into an implementation (db/sqlite/, db/postgres/) or db/shared/, not even for types.
const ONLY_THE_STORE = {
  regex: '(^|/)db/(?!(store|open-store)$)',
  message:
    'Outside db/, import db/store (or db/open-store to open one): the Store is the database.',
};
const NO_SQL = {
  regex: '^drizzle-orm(/|$)',
  message: 'SQL lives in db/ (sqlite/, postgres/): call a repository function instead.',
};
const BOUNDARIES = {
  domain: [
    { regex: '^(?!\\./)', message: 'domain/ holds pure rules: it imports nothing outside it.' },
  ],
  workflows: [
    {
      // db/ apart: a type-only import that matches here is let through whatever else matches it.
      regex: '^\\.\\./(?!domain/|db/)',
      allowTypeImports: true,
      message: 'Workflows are deterministic: domain/ and workflow code only, types from elsewhere.',
    },
    {
      regex: '^\\.\\./db/(store|open-store)$',
      allowTypeImports: true,
      message: 'Workflows are deterministic: types of the Store only, never the database.',
    },
    ONLY_THE_STORE,
  ],
  api: [NOT_ACTIVITIES, ONLY_MESSAGES_OF_WORKFLOWS, NO_SQL, ONLY_THE_STORE],
  db: [NOT_API, NOT_ACTIVITIES, ONLY_MESSAGES_OF_WORKFLOWS],
  crypto: [NOT_API, NOT_ACTIVITIES, ONLY_MESSAGES_OF_WORKFLOWS, NO_SQL, ONLY_THE_STORE],
  config: [NOT_API, NOT_ACTIVITIES, ONLY_MESSAGES_OF_WORKFLOWS, NO_SQL, ONLY_THE_STORE],
  webhooks: [NOT_API, NOT_ACTIVITIES, ONLY_MESSAGES_OF_WORKFLOWS, NO_SQL, ONLY_THE_STORE],
  adapters: [NOT_API, NOT_ACTIVITIES, ONLY_MESSAGES_OF_WORKFLOWS, NO_SQL, ONLY_THE_STORE],
  notifications: [NOT_API, NOT_ACTIVITIES, ONLY_MESSAGES_OF_WORKFLOWS, NO_SQL, ONLY_THE_STORE],
  // The worker is assembled here from the activities.
  temporal: [NOT_API, ONLY_MESSAGES_OF_WORKFLOWS, NO_SQL, ONLY_THE_STORE],
  activities: [NOT_API, NO_SQL, ONLY_THE_STORE],
  scripts: [NO_SQL, ONLY_THE_STORE],
  bench: [NO_SQL, ONLY_THE_STORE],
};
const boundaries = [
  ...Object.entries(BOUNDARIES).map(([folder, patterns]) => ({
    files: [`${folder}/**/*.ts`],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
  })),
  // The files at the root (worker.ts).
  {
    files: ['*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [NO_SQL, ONLY_THE_STORE] }],
    },
  },
];

export default tseslint.config(
  { ignores: ['node_modules', 'data', '.temporal', '.tmp', 'db/*/migrations', 'dist', 'coverage'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // Fastify plugins and Temporal activities are async by contract, with or without an await.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: bannedInWorkflows, patterns: ['node:*'] }],
      // Date.now() and Math.random() are Temporal's deterministic versions inside a workflow.
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'process', 'Buffer'],
    },
  },
  ...boundaries,
  {
    // Tests read JSON answers whose shapes the assertions themselves check.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
