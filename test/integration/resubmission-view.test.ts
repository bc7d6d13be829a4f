// Issue 26 item 2: after a RETRY rejection, a resubmission that changes name, ID number and bank
// card names a new person; GET /v1/applications/:id follows the workflow there (owner and staff).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskName } from '../../domain/mask';
import { idCardPhoto, PEOPLE } from '../fixtures/id-card';
import {
  bearer,
  decide,
  driveToPendingReview,
  freshPerson,
  openBankAccount,
  staffView,
  uploadClearCard,
} from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({}, { photo: true });
});
afterAll(async () => {
  await stack?.close();
});

describe('the view after a resubmission with a new identity', () => {
  it('shows the new status and the new identity to the owner and to staff', async () => {
    const first = freshPerson(PEOPLE[0]!);
    const { id, token } = await driveToPendingReview(stack, first);
    const rejected = await decide(stack, id, 'rita', {
      decision: 'REJECT',
      reasonCode: 'INFORMATION_INCONSISTENT',
    });
    expect(rejected.json().status, rejected.body).toBe('REJECTED');

    // The corrected identity: another name, ID number and card, with its own bank account.
    const corrected = { ...freshPerson(PEOPLE[1]!), phone: first.phone };
    await openBankAccount(stack, corrected);
    const res = await stack.api.inject({
      method: 'POST',
      url: `/v1/applications/${id}/resubmission`,
      headers: bearer(token),
      payload: {
        name: corrected.person.name,
        idNumber: corrected.person.idNumber,
        bankCardNumber: corrected.card,
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('AWAITING_ID_PHOTO');

    const owner = await stack.api.inject({ url: `/v1/applications/${id}`, headers: bearer(token) });
    expect(owner.statusCode, owner.body).toBe(200);
    expect(owner.json()).toMatchObject({
      status: 'AWAITING_ID_PHOTO',
      nextAction: 'UPLOAD_ID_PHOTO',
      applicant: { name: maskName(corrected.person.name) },
    });
    expect((await staffView(stack, id)).applicant).toMatchObject({
      name: corrected.person.name,
      idNumber: corrected.person.idNumber,
      bankCardNumber: corrected.card,
    });

    // And it keeps following: the photo of the new card puts it back in review.
    expect((await uploadClearCard(stack, id, token, corrected.person)).status).toBe(
      'PENDING_REVIEW',
    );
    expect((await staffView(stack, id)).status).toBe('PENDING_REVIEW');

    // Staff open the rejected round's photo beside the new one; rounds that do not exist are 404.
    const photo = (query = '') =>
      stack.api.inject({
        url: `/v1/applications/${id}/id-photo${query}`,
        headers: bearer(stack.staffToken('reviewer', 'rita')),
      });
    const [now, earlier] = [await photo(), await photo('?round=1')];
    expect(earlier.statusCode, earlier.body).toBe(200);
    expect(earlier.rawPayload.equals(await idCardPhoto(first.person, 'clear-1600'))).toBe(true);
    expect(now.rawPayload.equals(await idCardPhoto(corrected.person, 'clear-1600'))).toBe(true);
    expect((await photo('?round=1&variant=card')).statusCode).toBe(200);
    expect((await photo('?round=2')).json()).toMatchObject({ code: 'NOT_FOUND' });
    expect((await photo('?round=0')).statusCode).toBe(400);
  });
});
