// Field rules of SPEC §4. Pure and deterministic: the API schema, the onboarding workflow and the
// photo pipeline all call these, so "now" is always passed in, never read from a clock here.
import type { ReasonCode } from './codes';

export interface FieldError {
  field: string;
  code: ReasonCode;
}

const MIDDLE_DOT = '\u00B7';
// Dots people type or OCR reads in place of U+00B7: bullet, katakana middle dot, halfwidth
// katakana middle dot, dot operator, bullet operator, hyphenation point, interpunct variants.
const LOOKALIKE_DOTS = /[\u2022\u30FB\uFF65\u22C5\u2219\u2027\u0387\u16EB\u2E31\uFF0E.]/g;
// Han ideographs (URO, extensions A–F, compatibility) — the script of a name on an ID card.
const HAN = '\\u3400-\\u4DBF\\u4E00-\\u9FFF\\uF900-\\uFAFF\\u{20000}-\\u{2FA1F}';
const NAME_PATTERN = new RegExp(`^[${HAN}]+(?:${MIDDLE_DOT}[${HAN}]+)*$`, 'u');

/** Trims, removes inner white space and turns look-alike dots into U+00B7. */
export function normalizeName(raw: string): string {
  return raw.normalize('NFC').replace(/\s+/gu, '').replace(LOOKALIKE_DOTS, MIDDLE_DOT);
}

export function isValidName(raw: string): boolean {
  const name = normalizeName(raw);
  const length = [...name].length;
  return length >= 2 && length <= 50 && NAME_PATTERN.test(name);
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_CHECK_CHARS = '10X98765432';

/** The ISO 7064 MOD 11-2 check character for the first 17 digits. */
export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK_CHARS[sum % 11]!;
}

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

export interface IdNumberInfo {
  region: string;
  birthDate: CalendarDate;
  sex: 'M' | 'F';
}

function isRealDate({ year, month, day }: CalendarDate): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

function compareDates(a: CalendarDate, b: CalendarDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/** Upper-cases a trailing x and drops white space, as people type it. */
export function normalizeIdNumber(raw: string): string {
  return raw.replace(/\s+/g, '').toUpperCase();
}

/**
 * Parses a GB 11643-1999 citizen ID number. `today` bounds the birth date; null when the
 * number is not valid (format, date, or check character).
 */
export function parseIdNumber(raw: string, today: CalendarDate): IdNumberInfo | null {
  const id = normalizeIdNumber(raw);
  if (!/^\d{17}[\dX]$/.test(id)) return null;
  const birthDate = {
    year: Number(id.slice(6, 10)),
    month: Number(id.slice(10, 12)),
    day: Number(id.slice(12, 14)),
  };
  if (birthDate.year < 1900 || !isRealDate(birthDate)) return null;
  if (compareDates(birthDate, today) > 0) return null;
  if (!/^[1-9]\d{5}$/.test(id.slice(0, 6))) return null;
  if (idCheckChar(id.slice(0, 17)) !== id[17]) return null;
  return { region: id.slice(0, 6), birthDate, sex: Number(id[16]) % 2 === 1 ? 'M' : 'F' };
}

/** Completed years of age on `today`. Someone born on 29 Feb turns a year older on 1 Mar. */
export function ageOn(birth: CalendarDate, today: CalendarDate): number {
  const hadBirthday =
    today.month > birth.month || (today.month === birth.month && today.day >= birth.day);
  return today.year - birth.year - (hadBirthday ? 0 : 1);
}

/** The calendar date in China (UTC+8, no daylight saving) at an instant. */
export function chinaDate(epochMs: number): CalendarDate {
  const d = new Date(epochMs + 8 * 3600_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function isValidPhone(raw: string): boolean {
  return /^1[3-9]\d{9}$/.test(raw);
}

export function luhnValid(digits: string): boolean {
  // Only ASCII digits: Number('') and Number(' ') are 0, so '' or ' ' would otherwise pass.
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function normalizeBankCard(raw: string): string {
  return raw.replace(/[\s-]+/g, '');
}

export function isValidBankCard(raw: string): boolean {
  const card = normalizeBankCard(raw);
  return /^\d{16,19}$/.test(card) && luhnValid(card);
}

export function isValidLoginPassword(raw: string): boolean {
  const length = [...raw].length;
  return length >= 8 && length <= 64 && /[A-Za-z]/.test(raw) && /\d/.test(raw);
}

/**
 * A 6-digit payment password that is not trivially guessable: not one repeated digit, not an
 * ascending or descending run, not the holder's birth date as MMDD (anywhere in the six) or YYMMDD.
 */
export function isStrongPaymentPassword(pin: string, birth: CalendarDate): boolean {
  if (!/^\d{6}$/.test(pin)) return false;
  if (/^(\d)\1{5}$/.test(pin)) return false;
  const steps = [...pin].slice(1).map((c, i) => (Number(c) - Number(pin[i]) + 10) % 10);
  if (steps.every((s) => s === 1) || steps.every((s) => s === 9)) return false;
  const mm = String(birth.month).padStart(2, '0');
  const dd = String(birth.day).padStart(2, '0');
  const yy = String(birth.year % 100).padStart(2, '0');
  if (pin === `${yy}${mm}${dd}`) return false;
  if (pin.includes(`${mm}${dd}`)) return false;
  return true;
}

export interface ApplicantFields {
  name: string;
  idNumber: string;
  phone: string;
  bankCardNumber: string;
}

/** Normalised copies of the applicant's fields, as stored and compared everywhere. */
export function normalizeApplicant<T extends Partial<ApplicantFields>>(fields: T): T {
  const out = { ...fields };
  if (out.name !== undefined) out.name = normalizeName(out.name);
  if (out.idNumber !== undefined) out.idNumber = normalizeIdNumber(out.idNumber);
  if (out.bankCardNumber !== undefined) out.bankCardNumber = normalizeBankCard(out.bankCardNumber);
  if (out.phone !== undefined) out.phone = out.phone.trim();
  return out;
}

/** Every rule of SPEC §4 that applies to the given fields; an empty list when all pass. */
export function validateApplicant(
  fields: Partial<ApplicantFields> & { loginPassword?: string },
  today: CalendarDate,
): FieldError[] {
  const errors: FieldError[] = [];
  if (fields.name !== undefined && !isValidName(fields.name))
    errors.push({ field: 'name', code: 'INVALID_NAME' });
  if (fields.idNumber !== undefined && !parseIdNumber(fields.idNumber, today))
    errors.push({ field: 'idNumber', code: 'INVALID_ID_NUMBER' });
  if (fields.phone !== undefined && !isValidPhone(fields.phone.trim()))
    errors.push({ field: 'phone', code: 'INVALID_PHONE' });
  if (fields.bankCardNumber !== undefined && !isValidBankCard(fields.bankCardNumber))
    errors.push({ field: 'bankCardNumber', code: 'INVALID_BANK_CARD' });
  if (fields.loginPassword !== undefined && !isValidLoginPassword(fields.loginPassword))
    errors.push({ field: 'loginPassword', code: 'INVALID_LOGIN_PASSWORD' });
  return errors;
}

/** Compares dotted version strings ("3.10.2" > "3.9"); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
