// SPEC §1 step 3: five rejected uploads end the application.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEOPLE, TEXT_FILE_AS_JPG } from '../fixtures/id-card';
import {
  apply,
  bearer,
  freshPerson,
  openBankAccount,
  uploadPhoto,
  verifyPhone,
} from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({}, { photo: true });
});
afterAll(async () => {
  await stack?.close();
});

describe('photo attempts', () => {
  it('ends the application after five rejected photos', async () => {
    const a = freshPerson(PEOPLE[0]!);
    await openBankAccount(stack, a);
    const { applicationId: id, applicantToken: token } = (await apply(stack, a)).json();
    await verifyPhone(stack, id, token, a.phone);
    const bytes = Buffer.from(TEXT_FILE_AS_JPG.bytes);
    for (let left = 4; left >= 1; left--) {
      const res = await uploadPhoto(stack, id, token, bytes);
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({
        code: 'PHOTO_UNSUPPORTED_FORMAT',
        accepted: false,
        attemptsLeft: { photo: left },
      });
    }
    const last = await uploadPhoto(stack, id, token, bytes);
    expect(last.statusCode).toBe(422);
    expect(last.json()).toMatchObject({
      code: 'PHOTO_ATTEMPTS_EXCEEDED',
      applicationStatus: 'FAILED',
    });
    const seen = await stack.api.inject({ url: `/v1/applications/${id}`, headers: bearer(token) });
    expect(seen.json()).toMatchObject({
      status: 'FAILED',
      reasons: [{ code: 'PHOTO_ATTEMPTS_EXCEEDED' }],
    });
    const after = await uploadPhoto(stack, id, token, bytes);
    expect(after.statusCode).toBe(409);
  });
});
