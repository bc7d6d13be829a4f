// Owner notices queued by the ledger in the freezing transaction reach the owner through one
// walletNotice workflow each: a notice handed to Temporal twice (a relay that died after starting
// the workflow, before marking the row) is still one message.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger } from '../../db/sqlite/repositories/ledger';
import { pendingWalletNotices } from '../../db/sqlite/repositories/wallet-notices';
import { startNoticeRelay } from '../../notifications/notice-relay';
import { PEOPLE } from '../fixtures/id-card';
import { eventually } from '../helpers/eventually';
import { driveToActive, freshPerson, outboxFor } from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({}, { photo: true });
});
afterAll(async () => {
  await stack?.close();
});

describe('wallet notices', () => {
  it('are queued with the freeze and sent once, even when handed over twice', async () => {
    const owner = freshPerson(PEOPLE[1]!);
    const { walletId } = await driveToActive(stack, owner);
    const ledger = createLedger(stack.database.db);
    await ledger.freeze(walletId, 'ops:olga', 'test');
    const [queued] = pendingWalletNotices(stack.database.db).filter((n) => n.walletId === walletId);
    expect(queued).toMatchObject({ kind: 'WALLET_FROZEN' });

    const sent = () =>
      outboxFor(stack, owner.phone).then((items) =>
        items.filter((m: { template: string }) => m.template === 'WALLET_FROZEN'),
      );
    expect((await eventually(sent, (m) => m.length > 0)).length).toBe(1);

    // As if the relay had died before marking it: the row is due again and handed over again.
    stack.database.db.run(
      sql`UPDATE wallet_notices SET relayed_at = NULL, next_attempt_at = 0 WHERE key = ${queued!.key}`,
    );
    const relay = startNoticeRelay({
      store: stack.store,
      client: stack.temporalClient,
      taskQueue: stack.config.temporal.taskQueue,
      pollMs: 60_000,
    });
    try {
      await eventually(
        () => pendingWalletNotices(stack.database.db).some((n) => n.key === queued!.key),
        (pending) => !pending,
      );
    } finally {
      await relay.stop();
    }
    await new Promise((r) => setTimeout(r, 1000));
    expect(await sent()).toHaveLength(1);
  });
});
