import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { WORKER_HEAP_GROWING_PERCENT } from '../../config/worker-heap';
import { repoRoot } from '../helpers/processes';

const run = promisify(execFile);
const module = pathToFileURL(join(repoRoot, 'lib', 'worker-heap.ts')).href;

/**
 * V8's cached-data version tag hashes the V8 flags in force, so two processes share it only when
 * their flags agree. Each probe runs in a process of its own: flags are process-wide.
 */
async function flagTag(nodeArgs: string[], code: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', '--input-type=module', '-e', code],
    { cwd: repoRoot },
  );
  return stdout.trim();
}

const printTag = `import { cachedDataVersionTag } from 'node:v8'; console.log(cachedDataVersionTag());`;

describe('the worker heap growth setting', () => {
  it('puts the worker in the state the V8 command-line flag would', async () => {
    const [plain, flagged, tuned] = await Promise.all([
      flagTag([], printTag),
      flagTag([`--heap-growing-percent=${WORKER_HEAP_GROWING_PERCENT}`], printTag),
      flagTag(
        [],
        `import { setWorkerHeapGrowth } from '${module}'; setWorkerHeapGrowth(); ${printTag}`,
      ),
    ]);
    expect(WORKER_HEAP_GROWING_PERCENT).toBeGreaterThan(0);
    expect(tuned).toMatch(/^\d+$/);
    expect(tuned).toBe(flagged);
    expect(tuned).not.toBe(plain);
  });
});
