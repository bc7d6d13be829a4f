import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/config';
import { DEFAULT_SERVICES_NICE, lowerPriority, servicesNice } from '../../bench/process-priority';
import { STAT, statFields } from '../../bench/proc-stat';

// A service as the stack runs them: a process with threads of its own (a worker thread besides
// Node's), a child process, and threads it starts later (as tesseract's or Go's runtime do).
const SERVICE = `
const { Worker } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const ownNice = "Number(require('node:fs').readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ')[16])";
const keep = () => new Worker('setInterval(() => {}, 1000)', { eval: true });
keep();
const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
process.on('message', () => {
  const later = new Worker('require("node:worker_threads").parentPort.postMessage(' + ownNice + ')', { eval: true });
  later.once('message', (nice) => process.send({ laterThreadNice: nice }));
});
process.on('disconnect', () => { child.kill(); process.exit(0); });
setTimeout(() => process.send({ child: child.pid }), 300);
`;

function threadNices(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) =>
    Number(statFields(`/proc/${pid}/task/${tid}/stat`)[STAT.nice]),
  );
}

function nextMessage<T>(proc: ChildProcess): Promise<T> {
  return new Promise((resolve) => proc.once('message', (m) => resolve(m as T)));
}

let service: ChildProcess | null = null;
afterEach(() => {
  service?.disconnect();
  service = null;
});

describe('the services next to the worker', () => {
  it('run at nice 10 unless SERVICES_NICE says otherwise, 0 to 19', () => {
    expect(servicesNice({})).toBe(DEFAULT_SERVICES_NICE);
    expect(DEFAULT_SERVICES_NICE).toBe(10);
    expect(servicesNice({ SERVICES_NICE: '0' })).toBe(0);
    expect(servicesNice({ SERVICES_NICE: ' 19 ' })).toBe(19);
    for (const bad of ['-1', '20', '5.5', 'low'])
      expect(() => servicesNice({ SERVICES_NICE: bad })).toThrow(ConfigError);
  });

  it('are lowered on every thread, their children, and threads they start afterwards', async () => {
    service = spawn(process.execPath, ['-e', SERVICE], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const { child } = await nextMessage<{ child: number }>(service);
    const pid = service.pid!;
    expect(threadNices(pid).length).toBeGreaterThan(2);
    expect(new Set([...threadNices(pid), ...threadNices(child)])).toEqual(new Set([0]));

    expect(lowerPriority(pid, 0)).toBe(0);
    expect(new Set(threadNices(pid))).toEqual(new Set([0]));

    expect(lowerPriority(pid, 7)).toBeGreaterThan(threadNices(pid).length);
    expect(new Set([...threadNices(pid), ...threadNices(child)])).toEqual(new Set([7]));

    const later = nextMessage<{ laterThreadNice: number }>(service);
    service.send('start a thread');
    expect((await later).laterThreadNice).toBe(7);
  });
});
