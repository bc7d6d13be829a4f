// When the whole stack shares one machine (`npm start`, the benchmarks), the worker's OCR thread is
// what limits how many applications an hour get through, and it was losing its CPU to everything
// else: sampled from /proc/<pid>/task/<tid>/schedstat during 150-application flow runs, the thread
// was runnable all the time yet on a CPU only 80 % of it, waiting in the run queue the other 20 %
// while the Temporal dev server, the API and the worker's own threads ran. Those services have
// slack: they are idle most of a second and want a core in short bursts. So whoever starts them
// next to the worker gives them a higher nice value; they still get any CPU that is free, and
// the OCR thread goes first when both cores are wanted. The price is the API's tail latency while
// the machine is busy; SERVICES_NICE=0 turns it off. README "Performance" has both sides' figures.
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { readWholeNumber } from '../config/config';
import { childPidsByParent } from './proc-stat';

/** Nice value for the Temporal dev server and the API next to the worker (SERVICES_NICE). */
export const DEFAULT_SERVICES_NICE = 10;

/** SERVICES_NICE: 0 (no change) to 19 (lowest priority); default DEFAULT_SERVICES_NICE. */
export function servicesNice(env: NodeJS.ProcessEnv): number {
  return readWholeNumber(env, 'SERVICES_NICE', DEFAULT_SERVICES_NICE, 0, 19);
}

/**
 * Sets `nice` on every thread of `pid` and of its descendants (Linux applies a priority per
 * thread, and a new thread takes its creator's, so threads started later keep it). Meant for a
 * process that is up and running. Returns how many threads it changed; 0 where there is no /proc.
 */
export function lowerPriority(pid: number, nice: number): number {
  if (nice === 0) return 0;
  let changed = 0;
  let children: Map<number, number[]>;
  try {
    children = childPidsByParent();
  } catch {
    return 0;
  }
  const pending = [pid];
  while (pending.length > 0) {
    const next = pending.pop()!;
    pending.push(...(children.get(next) ?? []));
    let threads: string[];
    try {
      threads = readdirSync(`/proc/${next}/task`);
    } catch {
      continue;
    }
    for (const tid of threads) {
      try {
        setPriority(Number(tid), nice);
        changed++;
      } catch {
        // the thread ended while we looked
      }
    }
  }
  return changed;
}
