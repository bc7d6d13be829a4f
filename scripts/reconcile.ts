// `npm run reconcile`: compares the wallet ledger's top-ups and withdrawals with the bank's record
// of transfers (adapters/reconciliation.ts) under the usual configuration (the sandbox tables, or
// CORE_BANKING_URL) and prints the result as JSON; exits 1 on a mismatch. Movements still PENDING
// are listed, not counted as mismatches: run it again once they have settled.
import { defaultCoreBanking } from '../adapters/core-banking';
import { reconcile } from '../adapters/reconciliation';
import { loadConfig } from '../config/config';
import { openStore } from '../db/open-store';

const config = loadConfig(process.env);
const store = await openStore(config);
try {
  const result = await reconcile(store, defaultCoreBanking(store, config));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exitCode = result.ok ? 0 : 1;
} finally {
  await store.close();
}
