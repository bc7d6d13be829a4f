// Invented applicants with field values that pass every rule. Never a real person's data.
import { chinaDate, idCheckChar, luhnValid, type CalendarDate } from '../../domain/fields';

export function idNumber(region: string, birth: string, sequence: string): string {
  const first17 = `${region}${birth}${sequence}`;
  return first17 + idCheckChar(first17);
}

/** A Luhn-valid card number: the given prefix and body, then the check digit. */
export function bankCard(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(`${body}${d}`)) return `${body}${d}`;
  throw new Error('unreachable');
}

let counter = 0;

export function applicant(overrides: Record<string, string> = {}) {
  counter += 1;
  const seq = String(100 + (counter % 800)).padStart(3, '0');
  return {
    name: '张三',
    idNumber: idNumber('110105', '19900307', seq),
    phone: `1380013${String(1000 + counter).slice(-4)}`,
    bankCardNumber: bankCard(`622202000000${String(100000 + counter).slice(-6)}`),
    appVersion: '3.2.0',
    loginPassword: 'secret123',
    ...overrides,
  };
}

/** The account the sandbox core-banking system must hold for `person` to be eligible. */
export function bankAccountFor(person: ReturnType<typeof applicant>) {
  return {
    holderName: person.name,
    idNumber: person.idNumber,
    cardNumber: person.bankCardNumber,
    phone: person.phone,
    status: 'NORMAL',
    realNameVerified: true,
  };
}

/** An invented person as the tests and benchmarks hold them: card fields, phone, bank card. */
export interface InventedApplicant {
  person: { name: string; idNumber: string };
  phone: string;
  card: string;
}

/** What the bank's app sends to apply for `a` (POST /v1/applications). */
export function applicationFor(a: InventedApplicant) {
  return {
    name: a.person.name,
    idNumber: a.person.idNumber,
    phone: a.phone,
    bankCardNumber: a.card,
    appVersion: '3.2.0',
    loginPassword: 'secret123',
  };
}

/**
 * The birth date that makes a person `age` today in China, `daysPast` days after their birthday:
 * far enough from the next one that a test skipping a few weeks keeps the age.
 */
export function birthForAge(age: number, daysPast = 60, now = Date.now()): CalendarDate {
  const today = chinaDate(now);
  const birthday = new Date(
    Date.UTC(today.year - age, today.month - 1, today.day) - daysPast * 86_400_000,
  );
  return {
    year: birthday.getUTCFullYear(),
    month: birthday.getUTCMonth() + 1,
    day: birthday.getUTCDate(),
  };
}

/** `birthForAge` as the ID number writes it, YYYYMMDD. */
export function birthDateForAge(age: number, daysPast = 60, now = Date.now()): string {
  const b = birthForAge(age, daysPast, now);
  return `${b.year}${String(b.month).padStart(2, '0')}${String(b.day).padStart(2, '0')}`;
}
