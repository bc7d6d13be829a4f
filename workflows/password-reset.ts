// A forgotten password reset (SPEC §2.1): an SMS code to the verified phone plus the ID number.
// One workflow per phone at a time (its id is a keyed hash of the number): asking again lands on
// the running one, which keeps its attempts and the 60 s between codes. It behaves the same
// whether or not the phone belongs to anyone (no code is sent then, and no code can be right),
// so that its answers tell nobody who has a wallet.
import { allHandlersFinished, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  SMS_CHALLENGE_RULES as RULES,
  type PasswordKind,
  type PasswordResetInput,
  type ResetTarget,
} from '../domain/sms-challenges';
import { getResetKindQuery, requestResetCodeUpdate, verifyResetUpdate } from './messages';
import { db, messaging } from './onboarding-activities';
import { refusal, smsCode, untilDoneOrExpired } from './sms-code';

export async function passwordReset(input: PasswordResetInput): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  const startedAt = Date.now();
  const code = smsCode();
  let kind: PasswordKind = 'LOGIN';
  let target: ResetTarget | null = null;
  /** A code is being issued (the target looked up): entries wait for it. */
  let issuing = false;
  let reset = false;
  // Deliveries run beside the answers, so that a known phone answers as fast as an unknown one.
  const deliveries: Promise<unknown>[] = [];

  setHandler(getResetKindQuery, () => kind);

  setHandler(
    requestResetCodeUpdate,
    async (request) => {
      const refused = code.refuseSend();
      if (refused) return { ...refused, kind };
      const sent = code.issue();
      issuing = true;
      try {
        kind = request.kind;
        target = await db.findResetTarget({ phone: input.phone, kind });
      } finally {
        issuing = false;
      }
      if (target)
        deliveries.push(
          messaging.notify({
            key: `${workflowId}:${runId}:code:${code.sends}`,
            recipient: input.phone,
            channel: 'sms',
            template: 'OTP',
            params: { code: sent, minutes: String(RULES.codeTtlMs / 60_000) },
          }),
        );
      return { ok: true, kind, attemptsLeft: code.attemptsLeft };
    },
    { validator: (_request: unknown) => refuseWhenReset(reset) },
  );

  setHandler(
    verifyResetUpdate,
    async (entry) => {
      await condition(() => !issuing);
      let verdict = code.check(entry.code);
      // A right code proves the phone; the ID number must name its owner too.
      if (
        verdict === 'RIGHT' &&
        (!target || target.personId !== entry.personId || entry.kind !== kind)
      )
        verdict = code.spend();
      if (verdict !== 'RIGHT')
        return { ...refusal(verdict, 'RESET_CODE_INVALID', code.attemptsLeft), kind };
      reset = true;
      await db.applyPasswordReset({
        // The run id alone: the audit row outlives the person and must not carry the phone's digest.
        eventKey: `password-reset:${runId}`,
        kind,
        target: target!,
        newPasswordHash: entry.newPasswordHash,
      });
      return { ok: true, kind };
    },
    { validator: (_request: unknown) => refuseWhenReset(reset) },
  );

  await untilDoneOrExpired(code, startedAt, () => reset);
  await condition(allHandlersFinished);
  await Promise.allSettled(deliveries);
}

function refuseWhenReset(reset: boolean): void {
  // The API answers a finished reset like an unknown one: RESET_CODE_INVALID.
  if (reset) throw new Error('This reset is done.');
}
