// The new-device check (SPEC §2.1 双重验证): a sign-in with the right password from a device the
// person has not used before gets a code by SMS; the code signs it in and the device is
// remembered. One workflow per phone and device: signing in again from it asks for a new code
// on the running one (60 s apart, 5 at most, 5 wrong tries), as the onboarding code does.
import { allHandlersFinished, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import { SMS_CHALLENGE_RULES as RULES, type DeviceCheckInput } from '../domain/sms-challenges';
import { requestDeviceCodeUpdate, verifyDeviceUpdate } from './messages';
import { db, messaging } from './onboarding-activities';
import { refusal, smsCode, untilDoneOrExpired } from './sms-code';

export async function deviceCheck(input: DeviceCheckInput): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  const startedAt = Date.now();
  const code = smsCode();
  let passed = false;
  const deliveries: Promise<unknown>[] = [];

  setHandler(
    requestDeviceCodeUpdate,
    () => {
      const refused = code.refuseSend();
      if (refused) return refused;
      const sent = code.issue();
      deliveries.push(
        messaging.notify({
          key: `${workflowId}:${runId}:code:${code.sends}`,
          recipient: input.phone,
          channel: 'sms',
          template: 'OTP',
          params: { code: sent, minutes: String(RULES.codeTtlMs / 60_000) },
        }),
      );
      return { ok: true, attemptsLeft: code.attemptsLeft };
    },
    { validator: (_request: unknown) => refuseWhenPassed(passed) },
  );

  setHandler(
    verifyDeviceUpdate,
    async ({ code: entered }) => {
      const verdict = code.check(entered);
      if (verdict !== 'RIGHT') return refusal(verdict, 'OTP_INVALID', code.attemptsLeft);
      passed = true;
      if (input.deviceIndex)
        await db.rememberDevice({ personId: input.personId, deviceIndex: input.deviceIndex });
      return { ok: true, applicationId: input.applicationId };
    },
    { validator: (_request: unknown) => refuseWhenPassed(passed) },
  );

  await untilDoneOrExpired(code, startedAt, () => passed);
  await condition(allHandlersFinished);
  await Promise.allSettled(deliveries);
}

function refuseWhenPassed(passed: boolean): void {
  if (passed) throw new Error('This device check is done.');
}
