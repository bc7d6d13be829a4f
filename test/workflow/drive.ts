// Moves an onboarding workflow of the workflow tier through its steps the way the API would,
// through the same updates, with what the stubbed activities recorded (the OTP sent).
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { expect } from 'vitest';
import type { NotifyInput } from '../../notifications/notify';
import { type Applicant, type Guardian, type ReviewDecision } from '../../domain/contract';
import {
  decideUpdate,
  getApplicationQuery,
  guardianConsentUpdate,
  resubmitUpdate,
  submitApplicationUpdate,
  submitIdPhotoUpdate,
  verifyOtpUpdate,
} from '../../workflows/messages';
import type { onboarding } from '../../workflows/onboarding';
import { photoRef, type WorkflowTier } from '../helpers/time-skipping';
import { applicantAged } from './applicants';

export type Onboarding = WorkflowHandle<typeof onboarding>;

let photos = 0;

/** The newest code sent to `phone`. */
export function lastOtp(tier: WorkflowTier, phone: string): string {
  const otps = tier.inputs<NotifyInput>(
    'notify',
    (i) => i.template === 'OTP' && i.recipient === phone,
  );
  const last = otps[otps.length - 1];
  if (!last) throw new Error(`no OTP sent to ${phone}`);
  return last.params.code!;
}

export async function verifyPhone(tier: WorkflowTier, handle: Onboarding, phone: string) {
  const verified = await handle.executeUpdate(verifyOtpUpdate, {
    args: [{ version: 1, code: lastOtp(tier, phone) }],
  });
  expect(verified.ok, JSON.stringify(verified)).toBe(true);
  return verified;
}

export async function uploadPhoto(handle: Onboarding) {
  photos += 1;
  const uploaded = await handle.executeUpdate(submitIdPhotoUpdate, {
    args: [{ version: 1, ref: photoRef(photos) }],
  });
  expect(uploaded.ok, JSON.stringify(uploaded)).toBe(true);
  return uploaded;
}

/** An adult guardian, a parent. */
export function guardianFor(): Guardian {
  const g = applicantAged(40, '王大明');
  return { name: g.name, idNumber: g.idNumber, phone: g.phone, relationship: 'PARENT' };
}

export async function consent(handle: Onboarding, guardian = guardianFor()) {
  const consented = await handle.executeUpdate(guardianConsentUpdate, {
    args: [{ version: 1, guardian }],
  });
  expect(consented.ok, JSON.stringify(consented)).toBe(true);
  return consented;
}

/** Starts an application and takes it to PENDING_REVIEW (with consent for a minor under 16). */
export async function toPendingReview(
  tier: WorkflowTier,
  a: Applicant,
  settings?: Parameters<WorkflowTier['startOnboarding']>[1],
) {
  const started = await tier.startOnboarding(a, settings);
  const { handle } = started;
  await handle.executeUpdate(submitApplicationUpdate, { args: [{ version: 1 }] });
  await verifyPhone(tier, handle, a.phone);
  const photo = await uploadPhoto(handle);
  if (photo.view.status === 'AWAITING_GUARDIAN_CONSENT') await consent(handle);
  const view = await handle.query(getApplicationQuery);
  expect(view.status).toBe('PENDING_REVIEW');
  return started;
}

export function decide(
  handle: Onboarding,
  reviewer: string,
  decision: Partial<Omit<ReviewDecision, 'at' | 'reviewer'>> = {},
  mac?: string,
) {
  return handle.executeUpdate(decideUpdate, {
    args: [
      {
        version: 1,
        decision: { reviewer, decision: 'APPROVE', ...decision },
        proof: { nonce: `n-${reviewer}`, mac: mac ?? 'issued' },
      },
    ],
  });
}

export function resubmit(handle: Onboarding, fields: Partial<Applicant>) {
  return handle.executeUpdate(resubmitUpdate, { args: [{ version: 1, fields }] });
}

/** The ApplicationFailure type an update was refused with (its validator threw). */
export async function refusal(update: Promise<unknown>): Promise<string> {
  const error: unknown = await update.then(
    () => null,
    (e: unknown) => e,
  );
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure)
    return error.cause.type ?? '';
  throw new Error(`expected a refused update, got ${String(error)}`);
}
