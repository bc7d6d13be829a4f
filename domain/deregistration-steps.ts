// What the owner is asked to do at each deregistration status (SPEC §3), said by the API with the
// deregistration's view. At AWAITING_CONFIRMATION it is the last chance to download the
// statement (SPEC §2.1 数据备份): confirming erases the transaction history for good.
import type { DeregistrationStatus } from './codes';

export const DEREGISTRATION_NEXT_ACTIONS = [
  'CLEAR_BALANCE',
  'DOWNLOAD_STATEMENT_AND_CONFIRM',
  'NONE',
] as const;
export type DeregistrationNextAction = (typeof DEREGISTRATION_NEXT_ACTIONS)[number];

export interface DeregistrationNextStep {
  nextAction: DeregistrationNextAction;
  message?: string;
  /** Where the owner downloads the whole history while it still exists. */
  statementUrl?: string;
}

export function deregistrationNextStep(
  status: DeregistrationStatus,
  walletId: string,
): DeregistrationNextStep {
  switch (status) {
    case 'AWAITING_BALANCE_CLEARANCE':
      return {
        nextAction: 'CLEAR_BALANCE',
        message: 'Spend or withdraw the balance, or ask to withdraw all of it to your card.',
      };
    case 'AWAITING_CONFIRMATION':
      return {
        nextAction: 'DOWNLOAD_STATEMENT_AND_CONFIRM',
        message:
          'Last chance to download your statement: once you confirm, the wallet is closed and its transaction history is erased for good.',
        statementUrl: `/v1/wallets/${walletId}/statement?format=csv`,
      };
    default:
      return { nextAction: 'NONE' };
  }
}
