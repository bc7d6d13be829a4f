// Activities are built from their dependencies (database, config, clients) so that the worker,
// tests and benchmarks wire real or test doubles of each without module-level state.
import type { Config } from '../lib/config';
import type { AppDatabase } from '../db/client';
import { createStatusActivities } from './application-status';

export interface ActivityDeps {
  db: AppDatabase;
  config: Config;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createStatusActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
