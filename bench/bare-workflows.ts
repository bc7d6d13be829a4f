// The baseline of the control-plane benchmark: a workflow whose update handler does nothing.
// Bundled on its own by the bare worker (bench/bare-stack.ts), never by the app's worker.
import { condition, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';

export const bareUpdate = defineUpdate<{ ok: boolean }, [{ version: 1 }]>('bare');
export const finishSignal = defineSignal('finish');

export async function bare(): Promise<void> {
  let finished = false;
  setHandler(bareUpdate, () => ({ ok: true }));
  setHandler(finishSignal, () => {
    finished = true;
  });
  await condition(() => finished);
}
