// Linux's /proc/<pid>/stat (and /proc/<pid>/task/<tid>/stat, one per thread). The command name,
// field 2, may hold spaces and parentheses, so the fields are counted after its last closing
// parenthesis: index 0 of what statFields returns is field 3 (the state).
import { readdirSync, readFileSync } from 'node:fs';

/** Indexes into statFields() (proc(5) field number − 3). */
export const STAT = { ppid: 1, utime: 11, stime: 12, nice: 16 } as const;

/** Fields 3 onwards of a stat file; throws if the process or thread has ended. */
export function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Every process's children, by parent pid. */
export function childPidsByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(statFields(`/proc/${entry}/stat`)[STAT.ppid]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}
