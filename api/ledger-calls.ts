// Ledger refusals as the API answers them (SPEC §5): an unknown wallet is a 404, bad input a 400
// VALIDATION_FAILED, every other refusal its own code with the ledger's status.
import { LedgerError } from '../db/store';
import { notFound, Problem } from './problem';

export function ledgerProblem(error: unknown): unknown {
  if (!(error instanceof LedgerError)) return error;
  if (error.code === 'NOT_FOUND') return notFound('wallet');
  // Other checks of the password are under way: come back, it is not a lock.
  if (error.code === 'PAYMENT_PASSWORD_BUSY')
    return new Problem('TOO_MANY_REQUESTS', error.message, {}, { 'Retry-After': '1' });
  const code = error.code === 'INVALID_INPUT' ? 'VALIDATION_FAILED' : error.code;
  return new Problem(code, error.message, error.details);
}

/** Runs a ledger call, turning a refusal into its problem answer. */
export async function ledgerCall<T>(call: () => Promise<T> | T): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw ledgerProblem(error);
  }
}
