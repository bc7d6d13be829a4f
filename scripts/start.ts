// `npm start`: the whole stack on embedded defaults — a local Temporal dev server
// (temporal-dev.sh), the worker and the API — with prefixed output, a banner once the API is ready,
// and an ordered shutdown (API, worker, Temporal) on Ctrl-C / SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { searchAttributes } from '../workflows/messages';
import { withMallocSettings } from '../config/malloc-settings';
import { temporalReady, waitForHttp, waitForTemporal } from './wait-for';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEMPORAL_READY_TIMEOUT_MS = 90_000;
const API_READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 15_000;
// Registered by temporal-dev.sh (SPEC §6); the worker upserts them, so wait until they exist.
const SEARCH_ATTRIBUTES = Object.values(searchAttributes).map((key) => key.name);

// Embedded defaults (SPEC §6), shared by every child.
const env: NodeJS.ProcessEnv = { ...process.env };
env.PORT ||= '3000';
env.DATA_DIR = path.resolve(ROOT, env.DATA_DIR || './data');
env.TEMPORAL_ADDRESS ||= `localhost:${env.TEMPORAL_PORT || '7233'}`;
const namespace = env.TEMPORAL_NAMESPACE || 'default';
const temporalAddress = env.TEMPORAL_ADDRESS;
const temporalHost = temporalAddress.replace(/:\d+$/, '');
const temporalIsLocal = ['localhost', '127.0.0.1', '0.0.0.0', '::1', '[::1]'].includes(
  temporalHost,
);
const uiPort = env.TEMPORAL_UI_PORT || '8233';
const apiBase = `http://127.0.0.1:${env.PORT}`;

const useColor = Boolean(process.stdout.isTTY) && !env.NO_COLOR;
const COLORS: Record<string, string> = { temporal: '35', worker: '36', api: '32', start: '1' };
function tag(name: string): string {
  const t = `[${name}]`;
  const color = COLORS[name];
  return useColor && color ? `\x1b[${color}m${t}\x1b[0m` : t;
}
function say(message: string): void {
  process.stdout.write(`${tag('start')} ${message}\n`);
}
// A closed terminal or pipe must not crash the supervisor.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

interface Child {
  name: string;
  proc: ChildProcess;
  exited: Promise<void>;
  running: boolean;
  stopRequested: boolean;
}

const children: Child[] = [];
let stopping = false;
let reusedTemporal = false;
const abort = new AbortController();

function start(
  name: string,
  command: string,
  args: string[],
  childEnv: NodeJS.ProcessEnv = env,
): Child {
  const proc = spawn(command, args, {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: a terminal Ctrl-C reaches only this supervisor, which then stops the
    // children in order; signals go to the whole group (e.g. temporal-dev.sh's helper).
    detached: true,
  });
  const child: Child = {
    name,
    proc,
    running: true,
    stopRequested: false,
    exited: Promise.resolve(),
  };
  for (const [stream, out] of [
    [proc.stdout, process.stdout],
    [proc.stderr, process.stderr],
  ] as const) {
    if (!stream) continue;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      // A stopping dev server logs a burst of harmless "Failed to poll" / "dial error" warnings.
      if (child.stopRequested && name === 'temporal' && line.includes('level=WARN')) return;
      out.write(`${tag(name)} ${line}\n`);
    });
  }
  child.exited = new Promise((resolve) => {
    proc.on('error', (err) => {
      say(`${name}: could not start: ${err.message}`);
      child.running = false;
      resolve();
      void onUnexpectedExit(child, null, null);
    });
    proc.on('exit', (code, signal) => {
      child.running = false;
      resolve();
      void onUnexpectedExit(child, code, signal);
    });
  });
  children.push(child);
  return child;
}

function signalGroup(child: Child, signal: NodeJS.Signals): void {
  if (!child.running || child.proc.pid === undefined) return;
  try {
    process.kill(-child.proc.pid, signal);
  } catch {
    try {
      child.proc.kill(signal);
    } catch {
      // already gone
    }
  }
}

async function stop(child: Child): Promise<void> {
  if (!child.running) return;
  say(`stopping ${child.name}`);
  child.stopRequested = true;
  signalGroup(child, 'SIGTERM');
  const timer = sleep(STOP_TIMEOUT_MS).then(() => 'timeout' as const);
  if ((await Promise.race([child.exited.then(() => 'exited' as const), timer])) === 'timeout') {
    say(`${child.name} did not stop within ${STOP_TIMEOUT_MS / 1000} s: killing it`);
    signalGroup(child, 'SIGKILL');
    await child.exited;
  }
}

/** Stop API, worker, then Temporal (reverse start order), then exit. */
async function shutdown(code: number, reason: string): Promise<void> {
  if (stopping) return; // the first shutdown exits
  stopping = true;
  abort.abort(new Error(reason));
  say(reason);
  for (const child of [...children].reverse()) await stop(child);
  say(code === 0 ? 'all stopped' : 'stopped');
  process.exit(code);
}

async function onUnexpectedExit(
  child: Child,
  code: number | null,
  signal: NodeJS.Signals | null,
): Promise<void> {
  if (stopping) return;
  const how = signal ? `signal ${signal}` : `code ${code}`;
  // temporal-dev.sh exits 0 right away when it found a Temporal server already running.
  if (child.name === 'temporal' && code === 0 && (await isTemporalUp())) {
    say(`using the Temporal server already running at ${temporalAddress}`);
    children.splice(children.indexOf(child), 1);
    reusedTemporal = true;
    return;
  }
  if (stopping) return;
  await shutdown(1, `${child.name} exited unexpectedly (${how}); stopping the others`);
}

async function isTemporalUp(): Promise<boolean> {
  try {
    return await temporalReady(temporalAddress);
  } catch {
    return false;
  }
}

let firstSignalAt = 0;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (!firstSignalAt) {
      firstSignalAt = Date.now();
      void shutdown(0, `${sig} received: shutting down (again to force)`);
      return;
    }
    // `tsx` (npm start) re-sends a terminal Ctrl-C to us when we are slow to acknowledge it:
    // only a signal well after the first one means "force".
    if (Date.now() - firstSignalAt < 1_500) return;
    say('forced: killing everything');
    for (const child of children) signalGroup(child, 'SIGKILL');
    process.exit(130);
  });
}
// Last resort if the supervisor itself dies: do not leave children behind.
process.on('exit', () => {
  for (const child of children) signalGroup(child, 'SIGKILL');
});

function banner(): void {
  const rows: [string, string][] = [
    ['API', apiBase],
    ['OpenAPI docs', `${apiBase}/docs`],
    [
      'Temporal UI',
      temporalIsLocal
        ? `http://127.0.0.1:${uiPort}${reusedTemporal ? ' (server already running, reused)' : ''}`
        : '(remote cluster)',
    ],
    ['UI decoding', `${apiBase}/codec/login (ops only; see docs/security.md)`],
    ['Temporal', `${temporalAddress}, namespace ${namespace}`],
    ['DATA_DIR', env.DATA_DIR ?? ''],
  ];
  const lines = [
    'Wallet onboarding engine is up',
    '',
    ...rows.map(([k, v]) => `${k.padEnd(14)}${v}`),
    '',
    'Ctrl-C stops everything.',
  ];
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const rule = '─'.repeat(width);
  const body = lines.map((l) => (l ? `  ${l}` : '')).join('\n');
  process.stdout.write(`\n${rule}\n${body}\n${rule}\n\n`);
}

/** `temporal-dev.sh --resolve`: the CLI's path on stdout, progress on stderr. */
function resolveTemporalCli(): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn('bash', [path.join(ROOT, 'temporal-dev.sh'), '--resolve'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    createInterface({ input: proc.stderr, crlfDelay: Infinity }).on('line', (line) => {
      process.stderr.write(`${tag('temporal')} ${line}\n`);
    });
    const kill = () => proc.kill('SIGTERM');
    abort.signal.addEventListener('abort', kill, { once: true });
    proc.on('error', reject);
    proc.on('close', (code) => {
      abort.signal.removeEventListener('abort', kill);
      const cli = stdout.trim();
      if (code === 0 && cli) resolve(cli);
      else reject(new Error('no Temporal CLI (see the messages above)'));
    });
  });
}

async function main(): Promise<void> {
  const nodeTs = (file: string): [string, string[]] => [
    process.execPath,
    ['--import', 'tsx', file],
  ];

  if (temporalIsLocal) {
    // Find (or install, which can take a while) the CLI before the start-up clock runs.
    const cli = await resolveTemporalCli();
    abort.signal.throwIfAborted();
    start('temporal', 'bash', [path.join(ROOT, 'temporal-dev.sh')], {
      ...env,
      TEMPORAL_CLI: cli,
      // The UI decodes payloads through the API's codec server (ops only; SPEC §6).
      TEMPORAL_UI_CODEC_ENDPOINT: env.TEMPORAL_UI_CODEC_ENDPOINT || `${apiBase}/codec`,
    });
    say(`waiting for Temporal at ${temporalAddress} (namespace ${namespace})`);
    await waitForTemporal(temporalAddress, {
      timeoutMs: TEMPORAL_READY_TIMEOUT_MS,
      signal: abort.signal,
      namespace,
      searchAttributes: SEARCH_ATTRIBUTES,
    });
    say('Temporal is ready');
  } else {
    say(`TEMPORAL_ADDRESS=${temporalAddress} is remote: not starting a local Temporal`);
  }

  start('worker', ...nodeTs('worker.ts'), withMallocSettings(env));
  start('api', ...nodeTs('api/server.ts'), withMallocSettings(env));
  say(`waiting for ${apiBase}/readyz`);
  await waitForHttp(`${apiBase}/readyz`, {
    timeoutMs: API_READY_TIMEOUT_MS,
    signal: abort.signal,
  });
  banner();
}

main().catch((err: unknown) => {
  if (stopping) return; // a wait aborted by the shutdown in progress
  const message = err instanceof Error ? err.message : String(err);
  void shutdown(1, `start-up failed: ${message}; stopping`);
});
