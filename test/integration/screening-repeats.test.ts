// Repeats in screening (SPEC §1 step 5): the same phone number verified by another person raises
// the risk; a number someone merely typed in does not count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEOPLE } from '../fixtures/id-card';
import { driveToPendingReview, freshPerson, staffView } from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({}, { photo: true });
});
afterAll(async () => {
  await stack?.close();
});

describe('repeat screening', () => {
  it('flags a phone that another person verified, naming their application', async () => {
    const first = freshPerson(PEOPLE[0]!);
    const { id: firstId } = await driveToPendingReview(stack, first);
    expect((await staffView(stack, firstId)).review.riskLevel).not.toBe('HIGH');

    const second = { ...freshPerson(PEOPLE[1]!), phone: first.phone };
    const { id } = await driveToPendingReview(stack, second);
    const view = await staffView(stack, id);
    expect(view.review.riskLevel).toBe('HIGH');
    const flag = view.review.flags.find((f: { code: string }) => f.code === 'DUPLICATE_PHONE');
    expect(flag?.detail).toContain(firstId);
    expect(view.review.approvalsRequired).toBe(2);
  });
});
