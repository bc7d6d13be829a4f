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
  type LedgerOutcome,
  type MovementResult,
  type BankTransferDirection,
  type BeginBankMovement,
  type SettleBankMovement,
} from '../db/store';
import type { ReasonCode } from '../domain/codes';
import { bankDirectionOf } from '../domain/contract';
import type { ActivityDeps } from './index';

export interface BankTransferInput {
  transactionId: string;
  walletId: string;
  direction: BankTransferDirection;
  amount: number;
  /** Ask the bank for the transfer first: an earlier try's answer may have been lost. */
  askFirst?: boolean;
}

/**
 * How far `moveAtBank` got: the begin's outcome; the bank's answer unless the bank leg failed
 * (`bankFailed`: it is to be asked again); the settled movement unless settling failed.
 */
export interface MoveAtBank {
  begun: LedgerOutcome<MovementResult | null>;
  bankFailed?: true;
  outcome?: SettleBankMovement['outcome'];
  settled?: MovementResult;
}

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

  async function transferAtBank(
    input: BankTransferInput,
    askFirst: boolean,
  ): Promise<SettleBankMovement['outcome']> {
    const cardNumber = await store.walletBankCard(config.piiKey, input.walletId);
    if (!cardNumber) return { applied: false, failureCode: 'BANK_ACCOUNT_NOT_NORMAL' };
    let outcome: TransferOutcome | null = null;
    if (askFirst) outcome = await bank().getTransfer(input.transactionId);
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
  }

  return {
    /**
     * The whole movement in one local activity when nothing goes wrong: begin, the bank leg,
     * settle (one Core ↔ Node round trip instead of three, docs/performance.md). It never
     * throws once the begin is committed: a step that fails after it is left to the workflow,
     * which goes on with `bankTransfer` and `settleBankMovement` under their own retry policies
     * from where this stopped, so no step runs twice unless the worker dies (each is idempotent
     * by the transaction id then).
     */
    async moveAtBank(input: BeginBankMovement): Promise<MoveAtBank> {
      const begun = await ledgerOutcome(() => store.beginBankMovement(input));
      if (!begun.ok || begun.value === null || begun.value.transaction.status !== 'PENDING')
        return { begun };
      const { transaction } = begun.value;
      let outcome: SettleBankMovement['outcome'];
      try {
        outcome = await transferAtBank(
          {
            transactionId: transaction.transactionId,
            walletId: input.walletId,
            direction: bankDirectionOf(transaction.type),
            amount: transaction.amount,
          },
          false,
        );
      } catch (error) {
        // A refusal that no retry changes (TRANSFER_CONFLICT) is the bank leg's to raise.
        if (error instanceof ApplicationFailure && error.nonRetryable) throw error;
        return { begun, bankFailed: true };
      }
      try {
        return {
          begun,
          outcome,
          settled: await store.settleBankMovement({
            transactionId: transaction.transactionId,
            outcome,
          }),
        };
      } catch {
        return { begun, outcome };
      }
    },

    /** The transaction PENDING (a withdrawal's amount reserved), or the ledger's refusal. */
    async beginBankMovement(input: BeginBankMovement) {
      return ledgerOutcome(() => store.beginBankMovement(input));
    },

    /**
     * The transfer at the bank, under the transaction's id. A retry first asks for the outcome
     * of the attempt whose answer was lost (so does the first attempt after `moveAtBank` lost
     * it: `askFirst`), and sends it again only if the bank never saw it (sending again would be
     * safe too: the bank applies one id once).
     */
    async bankTransfer(input: BankTransferInput): Promise<SettleBankMovement['outcome']> {
      return transferAtBank(input, input.askFirst || Context.current().info.attempt > 1);
    },

    /** COMPLETED (a top-up credited) or FAILED (a withdrawal released); a repeat changes nothing. */
    async settleBankMovement(input: SettleBankMovement) {
      return store.settleBankMovement(input);
    },
  };
}
