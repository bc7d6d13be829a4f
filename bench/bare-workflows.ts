// The baselines of the control-plane benchmark: workflows whose update handlers do nothing.
// Bundled on their own by the bare worker (bench/bare-stack.ts), never by the app's worker.
import { condition, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';
import { type StepResult } from '../domain/contract';
import { decideUpdate, setPaymentPasswordUpdate, verifyOtpUpdate } from '../workflows/messages';

export const bareUpdate = defineUpdate<{ ok: boolean }, [{ version: 1 }]>('bare');
export const finishSignal = defineSignal('finish');

export async function bare(): Promise<void> {
  setHandler(bareUpdate, () => ({ ok: true }));
  await finished();
}

/** What each of an application's updates answers, given when the bare application starts. */
export interface BareAnswers {
  verifyOtp: StepResult;
  decide: StepResult;
  setPaymentPassword: StepResult;
}

/**
 * Stands in for an application's workflow under its id, so that the API's own routes run their
 * whole round trip against it: each update answers what it was given and does nothing else.
 */
export async function bareApplication(answers: BareAnswers): Promise<void> {
  setHandler(bareUpdate, () => ({ ok: true }));
  setHandler(verifyOtpUpdate, () => answers.verifyOtp);
  setHandler(decideUpdate, () => answers.decide);
  setHandler(setPaymentPasswordUpdate, () => answers.setPaymentPassword);
  await finished();
}

async function finished(): Promise<void> {
  let done = false;
  setHandler(finishSignal, () => {
    done = true;
  });
  await condition(() => done);
}
