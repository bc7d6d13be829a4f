// Ledger refusals as the API answers them (SPEC §5): an unknown wallet is a 404, bad input a 400
// VALIDATION_FAILED, every other refusal its own code with the ledger's status.
import { LedgerError, ledgerErrorStatus } from '../db/repositories/ledger';
import { notFound, Problem } from './problem';

export function ledgerProblem(error: unknown): unknown {
  if (!(error instanceof LedgerError)) return error;
  if (error.code === 'NOT_FOUND') return notFound('wallet');
  const code = error.code === 'INVALID_INPUT' ? 'VALIDATION_FAILED' : error.code;
  return new Problem(ledgerErrorStatus(error.code), code, error.message, error.details);
}

/** Runs a ledger call, turning a refusal into its problem answer. */
export async function ledgerCall<T>(call: () => Promise<T> | T): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw ledgerProblem(error);
  }
}
