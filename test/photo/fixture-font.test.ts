import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'id-card.ts');

/** Renders one card in a child process whose fontconfig sees the fonts that `config` lists. */
function renderWith(config: string | null) {
  const dir = mkdtempSync(join(tmpdir(), 'fonts-'));
  try {
    const env = { ...process.env };
    if (config !== null) {
      const file = join(dir, 'fonts.conf');
      writeFileSync(file, config);
      env.FONTCONFIG_FILE = file;
    }
    const script = `const m = await import(${JSON.stringify(fixture)});
      const photo = await m.idCardPhoto(m.PEOPLE[0], 'clear-1100');
      console.log('rendered', photo.length);`;
    return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('synthetic ID cards', () => {
  it("render with npm's Noto Sans SC when fontconfig has no CJK font, and say so", () => {
    const empty = '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig/>';
    const run = renderWith(empty);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^rendered \d+/);
    expect(run.stderr).toContain('resolve: CJK font: Noto Sans SC from npm');
  });

  it('render with the fonts this machine has', () => {
    const run = renderWith(null);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^rendered \d+/);
  });
});
