// The child process of test/integration/fault-money-crash.test.ts: runs ledger movements on a
// real SQLite file and is killed (SIGKILL) in the middle of one. The hooks are SQLite TEMP
// triggers and functions on this process's own connection, so the production code under test is
// exactly what runs in the API and the worker; nothing there knows about crashes.
//
//   node --import tsx ledger-crash-child.ts '<job as JSON>'
//
// Writes one JSON line per event to stdout (pipes are synchronous on Linux, so every line written
// before the kill reaches the parent).
import { openDatabase } from '../../db/sqlite/client';
import { createLedger } from '../../db/sqlite/repositories/ledger';
import {
  ledgerClock,
  randomMovement,
  runMovement,
  seeded,
  type CrashPoint,
  type Job,
  type Movement,
} from './ledger-crash';

const job = JSON.parse(process.argv[2] ?? '') as Job;
const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);
const die = () => process.kill(process.pid, 'SIGKILL');

const handle = openDatabase(job.dbFile);
const { sqlite } = handle;
const ledger = createLedger(handle.db, { now: ledgerClock(sqlite) });

async function once(movement: Movement, crash: CrashPoint) {
  // A write is noted once its statement is done; the next statement to write then dies before
  // it starts. Generic over which write comes first, so the test holds if the order changes.
  let wrote = false;
  sqlite.function('wrote', () => {
    wrote = true;
    return null;
  });
  sqlite.function('crash_if_wrote', () => {
    if (wrote) die();
    return null;
  });
  sqlite.function('crash', () => {
    die();
    return null;
  });
  const writes = ['UPDATE ON wallets', 'INSERT ON wallet_transactions', 'INSERT ON audit_log'];
  const triggers =
    crash === 'after-first-write'
      ? writes.flatMap((write, i) => [
          `CREATE TEMP TRIGGER noted_${i} AFTER ${write} BEGIN SELECT wrote(); END`,
          `CREATE TEMP TRIGGER crash_${i} BEFORE ${write} BEGIN SELECT crash_if_wrote(); END`,
        ])
      : crash === 'after-transaction-row'
        ? [
            'CREATE TEMP TRIGGER crash_here AFTER INSERT ON wallet_transactions BEGIN SELECT crash(); END',
          ]
        : [];
  for (const trigger of triggers) sqlite.exec(trigger);
  say({ event: 'ready' });
  const outcome = await runMovement(ledger, movement);
  // Committed, and the caller never hears of it: as if the process died on its way back.
  if (crash === 'after-commit') die();
  say({ event: 'survived', outcome });
}

async function loop(walletIds: string[], seed: number, keyPrefix: string) {
  // A movement's writes take a little while (between the balance or status write and the next
  // one, and after the last), so that a kill at a random moment most often lands inside an open
  // transaction. `wrote` tells the parent how far the movement had got.
  sqlite.function('stall', (what: unknown) => {
    say({ event: 'wrote', what });
    const until = performance.now() + 2;
    while (performance.now() < until);
    return null;
  });
  sqlite.exec(`
    CREATE TEMP TRIGGER stall_before_row BEFORE INSERT ON wallet_transactions
      BEGIN SELECT stall('balance'); END;
    CREATE TEMP TRIGGER stall_after_row AFTER INSERT ON wallet_transactions
      BEGIN SELECT stall('row'); END;
    CREATE TEMP TRIGGER stall_before_audit BEFORE INSERT ON audit_log
      BEGIN SELECT stall('status'); END;
  `);
  const random = seeded(seed);
  say({ event: 'ready' });
  for (let i = 0; ; i++) {
    const movement = randomMovement(random, walletIds, `${keyPrefix}-${i}`);
    say({ event: 'begin', movement });
    const outcome = await runMovement(ledger, movement);
    say({ event: 'done', key: movement.key, outcome });
    if (!outcome.ok && (outcome.walletFrozen || outcome.code === 'WALLET_FROZEN')) {
      await ledger.unfreeze(movement.walletId, 'ops:crash-test', 'risk freeze cleared by test');
      say({ event: 'unfrozen', walletId: movement.walletId });
    }
  }
}

if (job.mode === 'once') await once(job.movement, job.crash);
else await loop(job.walletIds, job.seed, job.keyPrefix);
