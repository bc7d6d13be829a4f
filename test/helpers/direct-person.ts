// A person with an active wallet made directly in the app database (no onboarding, no photo):
// the read model's view, a verified login and a wallet, as activation leaves them. For the
// routes that act on a wallet or a login after onboarding.
import { randomBytes, randomUUID } from 'node:crypto';
import { hashPassword } from '../../crypto/password-hash';
import { blindIndex, personIdOf } from '../../crypto/pii';
import { applicantClaims, TOKEN_ALGORITHM, TOKEN_ISSUER } from '../../api/tokens';
import { createSigner } from 'fast-jwt';
import { applicant } from './people';
import type { Stack } from './stack';

export const DIRECT_LOGIN_PASSWORD = 'secret123';
export const DIRECT_PAYMENT_PASSWORD = '580314';

export async function directPerson(stack: Pick<Stack, 'config' | 'store'>) {
  const { store, config } = stack;
  const a = applicant();
  const applicationId = randomUUID();
  const walletId = `w_${randomBytes(12).toString('hex')}`;
  const personId = personIdOf(config.piiKey, a.idNumber);
  const phoneIndex = blindIndex(config.piiKey, 'phone', a.phone);
  const now = new Date();
  await store.prepareViewsFor(config.piiKey, a.idNumber);
  await store.saveApplicationView(config.piiKey, {
    applicationId,
    status: 'ACTIVE',
    nextAction: 'NONE',
    reasons: [],
    fieldErrors: [],
    attemptsLeft: { otp: 5, photo: 5, resubmission: 3 },
    applicant: {
      name: a.name,
      idNumber: a.idNumber,
      phone: a.phone,
      bankCardNumber: a.bankCardNumber,
    },
    walletId,
    tier: 'STANDARD',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    revision: 1,
  });
  await store.upsertApplicantLogin({
    applicationId,
    personId,
    phoneIndex,
    passwordHash: await hashPassword(DIRECT_LOGIN_PASSWORD),
    at: now,
  });
  await store.markLoginPhoneVerified(applicationId, phoneIndex, now);
  await store.createWalletOnce(config.piiKey, {
    walletId,
    applicationId,
    personId,
    tier: 'STANDARD',
    paymentPasswordHash: await hashPassword(DIRECT_PAYMENT_PASSWORD),
    ownerPhone: a.phone,
    webhooks: false,
  });
  const sign = createSigner({
    key: config.authSecret,
    algorithm: TOKEN_ALGORITHM,
    expiresIn: '1h',
    iss: TOKEN_ISSUER,
  });
  return {
    ...a,
    applicationId,
    walletId,
    personId,
    token: sign({ ...applicantClaims(applicationId), issuedAtMs: Date.now() }),
  };
}
