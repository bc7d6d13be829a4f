// SPEC §2.1 over time: the password-reset and new-device codes follow the onboarding code's rules
// (valid 5 minutes, 5 wrong tries, 60 s between sends, 5 sends), a reset needs the right ID
// number too, and an unknown phone is answered exactly like a known one.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEVICE_CHECK_WORKFLOW,
  PASSWORD_RESET_WORKFLOW,
  type DeviceCheckInput,
  type PasswordResetInput,
} from '../../domain/sms-challenges';
import type { NotifyInput } from '../../notifications/notify';
import {
  getResetKindQuery,
  requestDeviceCodeUpdate,
  requestResetCodeUpdate,
  verifyDeviceUpdate,
  verifyResetUpdate,
} from '../../workflows/messages';
import { startWorkflowTier, type WorkflowTier } from '../helpers/time-skipping';

let tier: WorkflowTier;
beforeAll(async () => {
  tier = await startWorkflowTier();
});
afterAll(async () => {
  await tier?.close();
});
beforeEach(() => tier.use({}));

let serial = 0;
const newPhone = () =>
  `1377${String(process.pid % 1000).padStart(3, '0')}${String(++serial).padStart(4, '0')}`;
const codesTo = (phone: string) =>
  tier.inputs<NotifyInput>('notify', (i) => i.recipient === phone).map((m) => m.params.code!);

async function startReset(phone = newPhone()) {
  const input: PasswordResetInput = { version: 1, phone };
  const handle = await tier.client.workflow.start(PASSWORD_RESET_WORKFLOW, {
    workflowId: `password-reset-test-${randomUUID()}`,
    taskQueue: tier.taskQueue,
    args: [input],
  });
  const request = (kind: 'LOGIN' | 'PAYMENT' = 'LOGIN') =>
    handle.executeUpdate(requestResetCodeUpdate, { args: [{ version: 1, kind }] });
  const verify = (code: string, personId = 'person-1', kind: 'LOGIN' | 'PAYMENT' = 'LOGIN') =>
    handle.executeUpdate(verifyResetUpdate, {
      args: [{ version: 1, code, kind, personId, newPasswordHash: '$argon2id$new' }],
    });
  return { phone, handle, request, verify };
}

const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('password reset', () => {
  it('expires a code after 5 minutes; a new one after the cooldown resets, once', async () => {
    const r = await startReset();
    expect(await r.request('PAYMENT')).toMatchObject({
      ok: true,
      kind: 'PAYMENT',
      attemptsLeft: 5,
    });
    expect(await r.handle.query(getResetKindQuery)).toBe('PAYMENT');
    await tier.waitForCalls('notify', 1, (i) => i.recipient === r.phone);
    const [first] = codesTo(r.phone);

    await tier.sleep('6 minutes');
    expect(await r.verify(first!, 'person-1', 'PAYMENT')).toMatchObject({
      ok: false,
      code: 'OTP_EXPIRED',
      attemptsLeft: 5,
    });
    expect((await r.request('PAYMENT')).ok).toBe(true);
    await tier.waitForCalls('notify', 2, (i) => i.recipient === r.phone);
    const second = codesTo(r.phone)[1]!;
    expect(await r.verify(second, 'person-1', 'PAYMENT')).toEqual({ ok: true, kind: 'PAYMENT' });
    await r.handle.result();
    const applied = tier.inputs('applyPasswordReset', (i) =>
      String(i.eventKey).includes(r.handle.firstExecutionRunId),
    );
    expect(applied).toEqual([
      expect.objectContaining({ kind: 'PAYMENT', newPasswordHash: '$argon2id$new' }),
    ]);
  });

  it('locks after 5 wrong tries, also for the right code and for new requests', async () => {
    const r = await startReset();
    await r.request();
    await tier.waitForCalls('notify', 1, (i) => i.recipient === r.phone);
    const [code] = codesTo(r.phone);
    for (let left = 4; left >= 1; left--)
      expect(await r.verify(wrong(code!))).toMatchObject({
        ok: false,
        code: 'RESET_CODE_INVALID',
        attemptsLeft: left,
      });
    expect(await r.verify(wrong(code!))).toMatchObject({ code: 'OTP_ATTEMPTS_EXCEEDED' });
    expect(await r.verify(code!)).toMatchObject({ code: 'OTP_ATTEMPTS_EXCEEDED' });
    await tier.sleep('2 minutes');
    expect(await r.request()).toMatchObject({ ok: false, code: 'OTP_ATTEMPTS_EXCEEDED' });
    // The lock lasts the challenge's window; then the workflow ends and a new one may start.
    await tier.sleep('31 minutes');
    await r.handle.result();
    expect(
      tier.inputs('applyPasswordReset', (i) =>
        String(i.eventKey).includes(r.handle.firstExecutionRunId),
      ),
    ).toEqual([]);
  });

  it('keeps 60 s between codes and sends 5 at most', async () => {
    const r = await startReset();
    expect((await r.request()).ok).toBe(true);
    const soon = await r.request();
    expect(soon).toMatchObject({ ok: false, code: 'OTP_RESEND_TOO_SOON' });
    expect(soon.retryAfterSeconds).toBeGreaterThanOrEqual(55);
    expect(soon.retryAfterSeconds).toBeLessThanOrEqual(60);
    for (let send = 2; send <= 5; send++) {
      await tier.sleep('61 seconds');
      expect((await r.request()).ok, `send ${send}`).toBe(true);
    }
    await tier.sleep('61 seconds');
    const capped = await r.request();
    expect(capped).toMatchObject({ ok: false, code: 'OTP_RESEND_TOO_SOON' });
    expect(capped.retryAfterSeconds).toBeUndefined();
    await tier.waitForCalls('notify', 5, (i) => i.recipient === r.phone);
    expect(codesTo(r.phone)).toHaveLength(5);
  });

  it('needs the ID number of the phone’s owner: a wrong one uses up an attempt', async () => {
    const r = await startReset();
    await r.request();
    await tier.waitForCalls('notify', 1, (i) => i.recipient === r.phone);
    const [code] = codesTo(r.phone);
    expect(await r.verify(code!, 'someone-else')).toMatchObject({
      ok: false,
      code: 'RESET_CODE_INVALID',
      attemptsLeft: 4,
    });
    expect((await r.verify(code!)).ok).toBe(true);
  });

  it('answers an unknown phone like a known one, sending nothing', async () => {
    const known = await startReset();
    const unknown = await startReset();
    tier.use({
      findResetTarget: ({ phone }) =>
        phone === unknown.phone
          ? null
          : { personId: 'person-1', applicationId: 'a', walletId: null },
    });
    const a = await known.request();
    const b = await unknown.request();
    expect(b).toEqual(a);
    await tier.waitForCalls('notify', 1, (i) => i.recipient === known.phone);
    const [code] = codesTo(known.phone);
    expect(await unknown.verify(wrong(code!))).toEqual(await known.verify(wrong(code!)));
    expect(codesTo(unknown.phone)).toEqual([]);
  });
});

describe('new-device check', () => {
  async function startCheck(deviceIndex: string | null = 'device-hash') {
    const input: DeviceCheckInput = {
      version: 1,
      phone: newPhone(),
      personId: 'person-1',
      applicationId: 'app-1',
      deviceIndex,
    };
    const handle = await tier.client.workflow.start(DEVICE_CHECK_WORKFLOW, {
      workflowId: `device-check-test-${randomUUID()}`,
      taskQueue: tier.taskQueue,
      args: [input],
    });
    return { phone: input.phone, handle };
  }

  it('signs in with the code and remembers the device; the code expires, tries are 5', async () => {
    const c = await startCheck();
    expect(
      (await c.handle.executeUpdate(requestDeviceCodeUpdate, { args: [{ version: 1 }] })).ok,
    ).toBe(true);
    const soon = await c.handle.executeUpdate(requestDeviceCodeUpdate, { args: [{ version: 1 }] });
    expect(soon.code).toBe('OTP_RESEND_TOO_SOON');
    await tier.waitForCalls('notify', 1, (i) => i.recipient === c.phone);
    const [code] = codesTo(c.phone);
    const verify = (entered: string) =>
      c.handle.executeUpdate(verifyDeviceUpdate, { args: [{ version: 1, code: entered }] });
    expect(await verify(wrong(code!))).toMatchObject({ code: 'OTP_INVALID', attemptsLeft: 4 });
    await tier.sleep('6 minutes');
    expect(await verify(code!)).toMatchObject({ code: 'OTP_EXPIRED' });
    await c.handle.executeUpdate(requestDeviceCodeUpdate, { args: [{ version: 1 }] });
    await tier.waitForCalls('notify', 2, (i) => i.recipient === c.phone);
    expect(await verify(codesTo(c.phone)[1]!)).toEqual({ ok: true, applicationId: 'app-1' });
    await c.handle.result();
    expect(
      tier.inputs('rememberDevice', (i) => i.deviceIndex === 'device-hash').length,
    ).toBeGreaterThan(0);
  });

  it('locks after 5 wrong codes', async () => {
    const c = await startCheck(null);
    await c.handle.executeUpdate(requestDeviceCodeUpdate, { args: [{ version: 1 }] });
    await tier.waitForCalls('notify', 1, (i) => i.recipient === c.phone);
    const [code] = codesTo(c.phone);
    const verify = (entered: string) =>
      c.handle.executeUpdate(verifyDeviceUpdate, { args: [{ version: 1, code: entered }] });
    for (let i = 0; i < 4; i++) expect((await verify(wrong(code!))).code).toBe('OTP_INVALID');
    expect((await verify(wrong(code!))).code).toBe('OTP_ATTEMPTS_EXCEEDED');
    expect((await verify(code!)).code).toBe('OTP_ATTEMPTS_EXCEEDED');
  });
});
