// What the resolvers of outside programs share (font.ts, postgres.ts, chromium.ts): the switch that
// hides the machine's own programs, where npm copies are unpacked, and the one stderr line each
// resolver prints to say which copy it took.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const projectRoot = join(import.meta.dirname, '..', '..', '..');

/** Unpacked npm copies live with the packages they come from, so `npm ci` starts them afresh. */
export const cacheDir = join(projectRoot, 'node_modules', '.cache', 'resolve');

/** RESOLVE_IGNORE_SYSTEM=1: act as on a bare machine, as the CI's bare run does. */
export function ignoreSystem(): boolean {
  return process.env.RESOLVE_IGNORE_SYSTEM === '1';
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH, without running `which` (a bare machine may lack it). */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

const said = new Set<string>();

/** One line per program and process: which copy the tests use. */
export function announce(program: string, source: string): void {
  const line = `resolve: ${program}: ${source}`;
  if (said.has(line)) return;
  said.add(line);
  process.stderr.write(`${line}\n`);
}
