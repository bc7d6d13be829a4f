// Wallets with a bound card and its bank account, made directly (no onboarding), for the tests
// of money movements; and their owners' tokens.
import { randomBytes, randomUUID } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import { applicantClaims, TOKEN_ALGORITHM, TOKEN_ISSUER } from '../../api/tokens';
import type { Config } from '../../config/config';
import type { Store } from '../../db/store';
import type { Tier } from '../../domain/tiers';
import { hashPassword } from '../../crypto/password-hash';
import { applicant } from './people';
import { TEST_PAYMENT_PASSWORD } from './onboarding';

let passwordHash: string | undefined;

export async function walletWithCard(
  store: Store,
  config: Pick<Config, 'piiKey' | 'authSecret'>,
  { tier = 'STANDARD', balance = 0 }: { tier?: Tier; balance?: number } = {},
) {
  passwordHash ??= await hashPassword(TEST_PAYMENT_PASSWORD);
  const person = applicant();
  const walletId = `w_${randomBytes(12).toString('hex')}`;
  const applicationId = randomUUID();
  await store.createWalletOnce(config.piiKey, {
    walletId,
    applicationId,
    personId: `person-${walletId}`,
    tier,
    paymentPasswordHash: passwordHash,
    ownerPhone: person.phone,
    bankCard: person.bankCardNumber,
    webhooks: false,
  });
  if (balance > 0) {
    // Money that arrived earlier, by a movement these tests are not about.
    const ledger = store.createLedger();
    await ledger.topUp(walletId, balance, `seed-${walletId}`);
  }
  const sign = createSigner({
    key: config.authSecret,
    algorithm: TOKEN_ALGORITHM,
    expiresIn: '1h',
    iss: TOKEN_ISSUER,
  });
  return { walletId, applicationId, person, token: sign({ ...applicantClaims(applicationId) }) };
}
