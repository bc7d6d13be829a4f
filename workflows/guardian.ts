// Guardian consent for applicants under 16 (SPEC §1 step 4): who may consent for whom.
import type { Applicant, Guardian } from '../domain/contract';
import {
  ageOn,
  isValidName,
  isValidPhone,
  normalizeIdNumber,
  normalizeName,
  parseIdNumber,
  type CalendarDate,
  type FieldError,
} from '../domain/fields';
import { ADULT_AGE } from '../domain/tiers';

export type GuardianCheck = { ok: true; guardian: Guardian } | { ok: false; errors: FieldError[] };

export function validateGuardian(
  submitted: Guardian,
  applicant: Applicant,
  today: CalendarDate,
): GuardianCheck {
  const guardian: Guardian = {
    name: normalizeName(submitted.name),
    idNumber: normalizeIdNumber(submitted.idNumber),
    phone: submitted.phone.trim(),
    relationship: submitted.relationship,
  };
  const errors: FieldError[] = [];
  if (!isValidName(guardian.name)) errors.push({ field: 'name', code: 'GUARDIAN_INVALID' });
  const id = parseIdNumber(guardian.idNumber, today);
  if (!id) errors.push({ field: 'idNumber', code: 'GUARDIAN_INVALID' });
  else if (ageOn(id.birthDate, today) < ADULT_AGE)
    errors.push({ field: 'idNumber', code: 'GUARDIAN_INVALID' });
  if (guardian.idNumber === applicant.idNumber)
    errors.push({ field: 'idNumber', code: 'GUARDIAN_INVALID' });
  if (!isValidPhone(guardian.phone)) errors.push({ field: 'phone', code: 'GUARDIAN_INVALID' });
  if (guardian.relationship !== 'PARENT' && guardian.relationship !== 'LEGAL_GUARDIAN')
    errors.push({ field: 'relationship', code: 'GUARDIAN_INVALID' });
  const unique = errors.filter((e, i) => errors.findIndex((o) => o.field === e.field) === i);
  return unique.length > 0 ? { ok: false, errors: unique } : { ok: true, guardian };
}
