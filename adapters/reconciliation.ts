// The reconciliation of money movements (SPEC §2): every top-up and withdrawal of the wallet
// ledger against the bank's record of its transfer. COMPLETED must be APPLIED at the bank with
// the same direction and amount, FAILED must be refused or unknown there; PENDING ones are still
// under way and only listed. When the bank can list its transfers (the sandbox, the example
// server), an applied transfer the ledger does not know is a mismatch too.
// `npm run reconcile` runs it (scripts/reconcile.ts); tests run it after every fault.
import type { Store } from '../db/store';
import { bankDirectionOf } from '../domain/contract';
import type { CoreBanking, TransferOutcome } from './core-banking';

export interface Mismatch {
  transactionId: string;
  ledger: { status: string; type: string; amount: number } | null;
  bank: TransferOutcome | null;
}

export interface Reconciliation {
  ok: boolean;
  checked: number;
  pending: string[];
  mismatches: Mismatch[];
}

export async function reconcile(store: Store, bank: CoreBanking): Promise<Reconciliation> {
  const known = new Set<string>();
  const pending: string[] = [];
  const mismatches: Mismatch[] = [];
  let afterSeq = 0;
  for (;;) {
    const page = await store.bankMovementsPage({ afterSeq, limit: 500 });
    if (page.length === 0) break;
    afterSeq = page[page.length - 1]!.seq;
    for (const row of page) {
      known.add(row.transactionId);
      const ledger = { status: row.status, type: row.type, amount: row.amount };
      const transfer = await bank.getTransfer(row.transactionId);
      if (row.status === 'PENDING') {
        pending.push(row.transactionId);
        continue;
      }
      const direction = bankDirectionOf(row.type);
      const agrees =
        row.status === 'COMPLETED'
          ? transfer?.status === 'APPLIED' &&
            transfer.amount === row.amount &&
            transfer.direction === direction
          : transfer === null || transfer.status === 'REFUSED';
      if (!agrees) mismatches.push({ transactionId: row.transactionId, ledger, bank: transfer });
    }
  }
  if (bank.listTransfers)
    for (const transfer of await bank.listTransfers())
      if (transfer.status === 'APPLIED' && !known.has(transfer.transferId))
        mismatches.push({ transactionId: transfer.transferId, ledger: null, bank: transfer });
  return { ok: mismatches.length === 0, checked: known.size, pending, mismatches };
}
