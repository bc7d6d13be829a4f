// Masked personal data for the applicant's own screens: enough to recognise, not enough to
// reuse. Staff see the data whole.
import type { Applicant } from './contract';

function keepEnds(value: string, head: number, tail: number): string {
  const chars = [...value];
  if (chars.length <= head + tail) return '*'.repeat(chars.length);
  return (
    chars.slice(0, head).join('') +
    '*'.repeat(chars.length - head - tail) +
    chars.slice(chars.length - tail).join('')
  );
}

export function maskName(name: string): string {
  const chars = [...name];
  // 张三 → *三, 欧阳娜娜 → ***娜: the family name is what identifies most, so it goes first.
  return (
    '*'.repeat(Math.max(1, chars.length - 1)) + (chars.length > 1 ? chars[chars.length - 1] : '')
  );
}

export const maskIdNumber = (id: string) => keepEnds(id, 1, 1);
export const maskPhone = (phone: string) => keepEnds(phone, 3, 4);
export const maskBankCard = (card: string) => keepEnds(card, 0, 4);

export function maskApplicant(a: Applicant): Applicant {
  return {
    name: maskName(a.name),
    idNumber: maskIdNumber(a.idNumber),
    phone: maskPhone(a.phone),
    bankCardNumber: maskBankCard(a.bankCardNumber),
  };
}
