// The wallet page's transaction table, built from whatever the ledger's transaction list holds:
// kind, status, amount and time by name, and every other field with a value (a merchant, a
// counterparty, a bank reference …) as the row's reference, so that a kind or a field the ledger
// adds later shows without a change here.
const SHOWN = new Set([
  'transactionId',
  'type',
  'kind',
  'status',
  'amount',
  'balanceAfter',
  'createdAt',
]);

export interface TransactionRow {
  id: string;
  kind: string;
  status: string;
  amount: string;
  balanceAfter: string;
  at: string;
  references: { name: string; value: string }[];
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}

export function transactionRows(items: readonly Record<string, unknown>[]): TransactionRow[] {
  return items.map((t) => ({
    id: text(t.transactionId),
    kind: text(t.kind ?? t.type),
    status: text(t.status),
    amount: text(t.amount),
    balanceAfter: text(t.balanceAfter),
    at: text(t.createdAt),
    references: Object.entries(t)
      .filter(
        ([name, value]) =>
          !SHOWN.has(name) && value !== null && value !== undefined && value !== '',
      )
      .map(([name, value]) => ({ name, value: text(value) })),
  }));
}
