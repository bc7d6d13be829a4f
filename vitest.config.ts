import { defineConfig } from 'vitest/config';

// Integration files that run on PostgreSQL as well (TEST_DATABASE=postgres: the test stack opens a
// fresh PostgreSQL database): the flows, money, claims and erasure. The others look underneath at
// the SQLite file and run on SQLite only.
const ON_BOTH_DATABASES = [
  'onboarding-flow',
  'onboarding-review',
  'onboarding-cancel-idempotency',
  'deregistration-refill',
  'payment-password-races',
  'floods-and-oracles',
  'resubmission-view',
  'screening-repeats',
  'retention',
  'transfers',
  'password-resets',
  'device-checks',
  'money-movements',
  'fault-bank',
].map((name) => `test/integration/${name}.test.ts`);
// Only on PostgreSQL: many processes on one database, and the database going away.
const ONLY_POSTGRES = ['many-processes', 'database-outage'].map(
  (name) => `test/integration/${name}.test.ts`,
);

export default defineConfig({
  test: {
    // The Temporal SDK's native bridge crashes under worker threads (sdk-typescript#876).
    pool: 'forks',
    // Every project in one pool, integration files too (each has its own stack): a project with
    // fileParallelism false would run after all the others, one file at a time (docs/testing.md).
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 10_000 },
      },
      {
        extends: true,
        test: {
          // Every store contract test on both databases: SQLite files and one throwaway
          // PostgreSQL cluster for the run (a database per test file).
          name: 'store',
          include: ['test/store/**/*.test.ts'],
          globalSetup: ['test/helpers/postgres.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'workflow',
          include: ['test/workflow/**/*.test.ts'],
          // Bundles the workflow code once; each file runs its own time-skipping test server.
          globalSetup: ['test/workflow/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        // The outside programs the tests use, as test/helpers/resolve/ finds them.
        test: {
          name: 'resolve',
          include: ['test/resolve/**/*.test.ts'],
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'photo',
          include: ['test/photo/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: ONLY_POSTGRES,
          // One real Temporal dev server for the whole run, started here.
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration-postgres',
          include: [...ON_BOTH_DATABASES, ...ONLY_POSTGRES],
          // Its own Temporal dev server and one throwaway PostgreSQL cluster for the run.
          globalSetup: ['test/global-setup.ts', 'test/helpers/postgres.ts'],
          env: { TEST_DATABASE: 'postgres' },
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          // The console in Chromium against a real stack on the run's Temporal dev server.
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
