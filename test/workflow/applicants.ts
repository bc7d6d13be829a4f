// Invented applicants for the workflow tier, each with its own ID number, phone and card; ages are
// relative to today.
import type { Applicant } from '../../domain/contract';
import { bankCard, birthDateForAge, idNumber } from '../helpers/people';

let serial = 0;

export function applicantAged(age: number, name = '王小明'): Applicant {
  serial += 1;
  const n = String(serial).padStart(4, '0');
  return {
    name,
    idNumber: idNumber(
      '110105',
      birthDateForAge(age),
      String(100 + (serial % 800)).padStart(3, '0'),
    ),
    phone: `1391234${n}`,
    bankCardNumber: bankCard(`62220200000${String(process.pid % 1000).padStart(3, '0')}${n}`),
  };
}

export const adult = () => applicantAged(30);
