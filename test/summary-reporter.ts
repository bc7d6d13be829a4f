// Prints one plain closing line, "Tests: N passed, N failed, N skipped", that any CI can read,
// after the slowest files: the suite must stay within CI's 20 minutes (docs/testing.md).
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>) {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
      // A file that failed to load has no tests but must not read as green.
      if (module.state() === 'failed' && ![...module.children.allTests()].length) counts.failed++;
    }
    counts.failed += unhandledErrors.length;
    const slowest = testModules
      .map((m) => ({ file: m.moduleId, project: m.project.name, ms: m.diagnostic().duration }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 12);
    process.stdout.write('\nSlowest files (tests and hooks):\n');
    for (const { file, project, ms } of slowest)
      process.stdout.write(
        `${(ms / 1000).toFixed(1).padStart(7)} s  ${project}  ${relative(process.cwd(), file)}\n`,
      );
    process.stdout.write(
      `\nTests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`,
    );
  }
}
