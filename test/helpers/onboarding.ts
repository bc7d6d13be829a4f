// Drives applications through the HTTP API the way the bank's app and a reviewer would.
import { expect } from 'vitest';
import type { FakePerson } from '../fixtures/id-card';
import { idCardPhoto, makeIdNumber } from '../fixtures/id-card';
import { eventually } from './eventually';
import { applicationFor, bankAccountFor, bankCard } from './people';
import type { Stack } from './stack';

let serial = 0;

/** A fresh invented person modelled on a fixture (new ID number, phone and card). */
export function freshPerson(base: FakePerson, birth = base.birth) {
  serial += 1;
  const sequence = 100 + ((serial * 7 + Number(process.pid % 97)) % 800);
  const region = base.idNumber.slice(0, 6);
  const person: FakePerson = { ...base, birth, idNumber: makeIdNumber(region, birth, sequence) };
  const phone = `139${String(10_000_000 + ((process.pid * 131 + serial * 7919) % 89_999_999)).slice(0, 8)}`;
  const card = bankCard(
    `62170000${String(1_000_000_000 + process.pid * 1000 + serial).slice(-10)}`,
  );
  return { person, phone, card };
}

export type Applicant = ReturnType<typeof freshPerson>;

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

export async function openBankAccount(
  stack: Stack,
  a: Applicant,
  overrides: Record<string, unknown> = {},
) {
  const res = await stack.api.inject({
    method: 'POST',
    url: '/v1/sandbox/bank-accounts',
    headers: bearer(stack.staffToken('ops')),
    payload: { ...bankAccountFor(applicationFor(a)), ...overrides },
  });
  expect(res.statusCode, res.body).toBe(201);
}

export async function apply(stack: Stack, a: Applicant, overrides: Record<string, string> = {}) {
  return stack.api.inject({
    method: 'POST',
    url: '/v1/applications',
    payload: { ...applicationFor(a), ...overrides },
  });
}

/** The newest code sent to `phone`, read from the sandbox outbox as the person would read it. */
export async function lastOtp(stack: Stack, phone: string): Promise<string> {
  const res = await stack.api.inject({
    method: 'GET',
    url: `/v1/sandbox/outbox?recipient=${phone}`,
    headers: bearer(stack.staffToken('ops')),
  });
  const otp = res.json().items.find((m: { template: string }) => m.template === 'OTP');
  expect(otp, 'an OTP message').toBeDefined();
  return /\d{6}/.exec(otp.text as string)![0];
}

export async function verifyPhone(stack: Stack, id: string, token: string, phone: string) {
  const res = await stack.api.inject({
    method: 'POST',
    url: `/v1/applications/${id}/otp/verify`,
    headers: bearer(token),
    payload: { code: await lastOtp(stack, phone) },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

export async function uploadPhoto(
  stack: Stack,
  id: string,
  token: string,
  image: Buffer,
  type = 'image/jpeg',
) {
  return stack.api.inject({
    method: 'PUT',
    url: `/v1/applications/${id}/id-photo`,
    headers: { ...bearer(token), 'content-type': type },
    payload: image,
  });
}

export async function uploadClearCard(stack: Stack, id: string, token: string, person: FakePerson) {
  const res = await uploadPhoto(stack, id, token, await idCardPhoto(person, 'clear-1600'));
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

export async function decide(
  stack: Stack,
  id: string,
  reviewer: string,
  payload: Record<string, unknown> = { decision: 'APPROVE' },
) {
  return stack.api.inject({
    method: 'POST',
    url: `/v1/applications/${id}/decision`,
    headers: bearer(stack.staffToken('reviewer', reviewer)),
    payload,
  });
}

/** Every message the sandbox outbox holds for `recipient`, newest first. */
export async function outboxFor(
  stack: Stack,
  recipient: string,
): Promise<{ recipient: string; channel: string; template: string; text: string }[]> {
  const res = await stack.api.inject({
    method: 'GET',
    url: `/v1/sandbox/outbox?recipient=${encodeURIComponent(recipient)}&limit=100`,
    headers: bearer(stack.staffToken('ops')),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items;
}

/**
 * The texts about status changes sent to `recipient`, newest first, once there are at least
 * `count`: steps answer as soon as the new status is recorded, and the SMS about it follows.
 */
export async function statusTextsFor(stack: Stack, recipient: string, count: number) {
  return eventually(
    async () =>
      (await outboxFor(stack, recipient))
        .filter((m) => m.template === 'STATUS_CHANGED')
        .map((m) => m.text),
    (texts) => texts.length >= count,
  );
}

/** A well-formed 6-digit code that is not `code`. */
export function wrongCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

/** The application as staff see it (whole, with the review file). */
export async function staffView(stack: Stack, id: string) {
  const res = await stack.api.inject({
    method: 'GET',
    url: `/v1/applications/${id}`,
    headers: bearer(stack.staffToken('reviewer', 'rita')),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Opens a bank account, applies, verifies the phone and uploads a clear card: PENDING_REVIEW. */
export async function driveToPendingReview(stack: Stack, a: Applicant) {
  await openBankAccount(stack, a);
  const created = await apply(stack, a);
  expect(created.statusCode, created.body).toBe(201);
  const { applicationId: id, applicantToken: token } = created.json();
  await verifyPhone(stack, id, token, a.phone);
  const photo = await uploadClearCard(stack, id, token, a.person);
  expect(photo).toMatchObject({ accepted: true, status: 'PENDING_REVIEW' });
  return { id: id as string, token: token as string };
}

export const TEST_PAYMENT_PASSWORD = '580314';

/** The last step of an approved application: the payment password; the wallet is ACTIVE. */
export async function setPaymentPassword(stack: Pick<Stack, 'api'>, id: string, token: string) {
  const res = await stack.api.inject({
    method: 'POST',
    url: `/v1/applications/${id}/payment-password`,
    headers: bearer(token),
    payload: { paymentPassword: TEST_PAYMENT_PASSWORD },
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().status).toBe('ACTIVE');
  return res;
}

/** Drives a fresh applicant all the way to an ACTIVE wallet, approved by one reviewer. */
export async function driveToActive(stack: Stack, a: Applicant, reviewer = 'rita') {
  const { id, token } = await driveToPendingReview(stack, a);
  const approved = await decide(stack, id, reviewer);
  expect(approved.json().status, approved.body).toBe('AWAITING_PAYMENT_PASSWORD');
  const res = await setPaymentPassword(stack, id, token);
  return {
    applicationId: id,
    token,
    walletId: res.json().walletId as string,
    tier: res.json().tier as string,
  };
}
