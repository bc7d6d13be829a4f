// test/helpers/people.ts builds birth dates relative to today, so that a test of a minor stays a
// test of a minor in any year; checked here on dates around leap days and year ends.
import { describe, expect, it } from 'vitest';
import { ageOn, chinaDate, parseIdNumber } from '../../domain/fields';
import { birthDateForAge, birthForAge, idNumber } from '../helpers/people';

const NOWS = [
  '2026-12-01T12:00:00Z',
  '2027-08-30T00:00:00Z',
  '2028-02-29T15:59:59Z',
  '2028-03-01T00:00:00Z',
  '2029-04-09T23:00:00Z',
  '2031-12-31T16:30:00Z',
].map(Date.parse);

describe('birth dates relative to today', () => {
  it('gives the age asked for, weeks away from the next birthday, whatever today is', () => {
    for (const now of NOWS)
      for (const age of [0, 10, 15, 16, 17, 18, 30]) {
        const birth = birthForAge(age, 60, now);
        expect(ageOn(birth, chinaDate(now)), `${age} on ${new Date(now).toISOString()}`).toBe(age);
        expect(ageOn(birth, chinaDate(now + 28 * 86_400_000))).toBe(age);
      }
  });

  it('writes the same date into a valid ID number', () => {
    for (const now of NOWS) {
      const id = idNumber('110105', birthDateForAge(15, 60, now), '123');
      const parsed = parseIdNumber(id, chinaDate(now));
      expect(parsed?.birthDate).toEqual(birthForAge(15, 60, now));
    }
  });
});
