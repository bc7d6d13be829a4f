// The wallet page's transaction table takes the ledger's list as it comes: a kind, a status or a
// field added later shows without a change to the console.
import { describe, expect, it } from 'vitest';
import { transactionRows } from '../../api/console/transaction-rows';

describe('transaction rows', () => {
  it('shows kind, status, amount, time, and every other field as the reference', () => {
    const at = new Date().toISOString();
    expect(
      transactionRows([
        {
          transactionId: 't1',
          type: 'TOP_UP',
          status: 'COMPLETED',
          amount: 100,
          balanceAfter: 100,
          createdAt: at,
        },
        {
          transactionId: 't2',
          kind: 'TRANSFER_OUT',
          status: 'PENDING',
          amount: 40,
          counterpartyWalletId: 'w_9',
          reference: 'rent',
          merchantId: null,
          createdAt: at,
        },
      ]),
    ).toEqual([
      {
        id: 't1',
        kind: 'TOP_UP',
        status: 'COMPLETED',
        amount: '100',
        balanceAfter: '100',
        at,
        references: [],
      },
      {
        id: 't2',
        kind: 'TRANSFER_OUT',
        status: 'PENDING',
        amount: '40',
        balanceAfter: '',
        at,
        references: [
          { name: 'counterpartyWalletId', value: 'w_9' },
          { name: 'reference', value: 'rent' },
        ],
      },
    ]);
  });
});
