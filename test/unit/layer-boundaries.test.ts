// The lint rule that keeps the layers apart (eslint.config.js BOUNDARIES) refuses an import
// across each boundary and lets the allowed ones through.
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({
  cwd: new URL('../..', import.meta.url).pathname,
  // The probes are not files of the project: lint them without type information.
  overrideConfig: tseslint.configs.disableTypeChecked,
});

async function refusals(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = [value];\n`, {
    filePath: new URL(`../../${filePath}`, import.meta.url).pathname,
  });
  return result!.messages
    .filter((m) => m.ruleId?.endsWith('no-restricted-imports'))
    .map((m) => m.message);
}

describe('layer boundaries', () => {
  it.each([
    ['domain/probe.ts', "import { value } from '../config/config';"],
    ['domain/probe.ts', "import { value } from 'drizzle-orm';"],
    ['workflows/probe.ts', "import { value } from '../db/sqlite/repositories/audit-log';"],
    ['workflows/probe.ts', "import { value } from '../activities';"],
    ['api/routes/probe.ts', "import { value } from '../../activities/eligibility';"],
    ['api/routes/probe.ts', "import { value } from '../../workflows/onboarding';"],
    ['db/sqlite/repositories/probe.ts', "import { value } from '../../api/problem';"],
    ['db/sqlite/repositories/probe.ts', "import { value } from '../../activities/wallets';"],
    ['crypto/probe.ts', "import { value } from '../api/tokens';"],
    ['activities/probe.ts', "import { value } from 'drizzle-orm';"],
    ['api/routes/probe.ts', "import { value } from 'drizzle-orm';"],
    // Outside db/, the database is the Store.
    ['api/routes/probe.ts', "import { value } from '../../db/sqlite/repositories/ledger';"],
    ['activities/probe.ts', "import { value } from '../db/shared/ledger-rules';"],
    ['notifications/probe.ts', "import type { value } from '../db/sqlite/client';"],
    [
      'workflows/probe.ts',
      "import type { value } from '../db/sqlite/repositories/wallet-notices';",
    ],
    ['temporal/probe.ts', "import { value } from '../db/postgres/schema';"],
    ['workflows/probe.ts', "import { value } from '../db/store';"],
    ['scripts/probe.ts', "import { value } from '../db/sqlite/client';"],
    ['probe.ts', "import { value } from './db/sqlite/client';"],
  ])('%s may not: %s', async (file, code) => {
    expect(await refusals(file, code)).not.toEqual([]);
  });

  it.each([
    ['domain/probe.ts', "import { value } from './fields';"],
    ['workflows/probe.ts', "import { value } from '../domain/fields';"],
    ['workflows/probe.ts', "import type { value } from '../activities';"],
    ['api/routes/probe.ts', "import { value } from '../../workflows/messages';"],
    ['api/routes/probe.ts', "import { value } from '../../db/store';"],
    ['probe.ts', "import { value } from './db/open-store';"],
    ['workflows/probe.ts', "import type { value } from '../db/store';"],
    ['db/sqlite/repositories/probe.ts', "import { value } from '../../shared/ledger-rules';"],
    ['test/probe.ts', "import { value } from '../db/sqlite/client';"],
    ['temporal/probe.ts', "import { value } from '../activities';"],
    ['db/sqlite/repositories/probe.ts', "import { value } from 'drizzle-orm';"],
  ])('%s may: %s', async (file, code) => {
    expect(await refusals(file, code)).toEqual([]);
  });
});
