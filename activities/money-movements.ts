// Activities of the money-movement workflow (workflows/money-movement.ts): the ledger's two
// steps and the bank leg between them. Each is idempotent by the transaction id.
import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  defaultCoreBanking,
  type CoreBanking,
  type TransferOutcome,
} from '../adapters/core-banking';
import {
  ledgerOutcome,
  TransferConflictError,
  type BankTransferDirection,
  type BeginBankMovement,
  type SettleBankMovement,
} from '../db/store';
import type { ReasonCode } from '../domain/codes';
import type { ActivityDeps } from './index';

/** The reason code a wallet transaction records for the bank's refusal. */
function failureCodeOf(outcome: TransferOutcome & { status: 'REFUSED' }): ReasonCode {
  return outcome.refusal === 'INSUFFICIENT_FUNDS'
    ? 'BANK_INSUFFICIENT_FUNDS'
    : // A card that reaches no account can no more take money than a closed account.
      'BANK_ACCOUNT_NOT_NORMAL';
}

export function createMoneyMovementActivities(
  deps: Pick<ActivityDeps, 'store' | 'config'> & { coreBanking?: CoreBanking },
) {
  const { store, config } = deps;
  let coreBanking = deps.coreBanking;
  const bank = () => (coreBanking ??= defaultCoreBanking(store, config));

  return {
    /** The transaction PENDING (a withdrawal's amount reserved), or the ledger's refusal. */
    async beginBankMovement(input: BeginBankMovement) {
      return ledgerOutcome(() => store.beginBankMovement(input));
    },

    /**
     * The transfer at the bank, under the transaction's id. A retry first asks for the outcome
     * of the attempt whose answer was lost, and sends it again only if the bank never saw it
     * (sending again would be safe too: the bank applies one id once).
     */
    async bankTransfer(input: {
      transactionId: string;
      walletId: string;
      direction: BankTransferDirection;
      amount: number;
    }): Promise<SettleBankMovement['outcome']> {
      const cardNumber = await store.walletBankCard(config.piiKey, input.walletId);
      if (!cardNumber) return { applied: false, failureCode: 'BANK_ACCOUNT_NOT_NORMAL' };
      let outcome: TransferOutcome | null = null;
      if (Context.current().info.attempt > 1)
        outcome = await bank().getTransfer(input.transactionId);
      try {
        outcome ??= await bank().transfer({
          transferId: input.transactionId,
          cardNumber,
          direction: input.direction,
          amount: input.amount,
        });
      } catch (error) {
        if (error instanceof TransferConflictError)
          throw ApplicationFailure.nonRetryable(error.message, 'TRANSFER_CONFLICT');
        throw error;
      }
      return outcome.status === 'APPLIED'
        ? { applied: true }
        : { applied: false, failureCode: failureCodeOf(outcome) };
    },

    /** COMPLETED (a top-up credited) or FAILED (a withdrawal released); a repeat changes nothing. */
    async settleBankMovement(input: SettleBankMovement) {
      return store.settleBankMovement(input);
    },
  };
}
