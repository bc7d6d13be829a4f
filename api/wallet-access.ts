// Who may see a wallet (SPEC §5): ops any, an applicant only the one its application opened;
// someone else's wallet is indistinguishable from one that does not exist.
import type { FastifyRequest } from 'fastify';
import type { Ledger, WalletSummary } from '../db/store';
import { ledgerProblem } from './ledger-calls';
import { notFound } from './problem';

export async function visibleWallet(
  ledger: Ledger,
  request: FastifyRequest,
  id: string,
): Promise<WalletSummary> {
  let wallet: WalletSummary;
  try {
    wallet = await ledger.summary(id);
  } catch (error) {
    throw ledgerProblem(error);
  }
  if (request.user.role === 'applicant' && request.user.applicationId !== wallet.applicationId)
    throw notFound('wallet');
  return wallet;
}
