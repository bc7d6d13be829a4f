// SPEC §4 rules as JSON-schema formats: the same functions the workflow uses, so the API answers
// at once and the OpenAPI document names each rule.
import { Type } from '@fastify/type-provider-typebox';
import type { ReasonCode } from '../../domain/codes';
import {
  chinaDate,
  isValidBankCard,
  isValidLoginPassword,
  isValidName,
  isValidPhone,
  parseIdNumber,
} from '../../domain/fields';

export const fieldFormats: Record<string, (value: string) => boolean> = {
  'cn-name': isValidName,
  'cn-resident-id': (value) => parseIdNumber(value, chinaDate(Date.now())) !== null,
  'cn-mobile': (value) => isValidPhone(value.trim()),
  'bank-card': isValidBankCard,
  'login-password': isValidLoginPassword,
  'app-version': (value) => /^\d+(\.\d+){0,3}$/.test(value),
};

/** Which reason code a failing field answers with, whatever the schema keyword that failed. */
export const fieldReasonCodes: Record<string, ReasonCode> = {
  name: 'INVALID_NAME',
  idNumber: 'INVALID_ID_NUMBER',
  phone: 'INVALID_PHONE',
  toPhone: 'INVALID_PHONE',
  bankCardNumber: 'INVALID_BANK_CARD',
  loginPassword: 'INVALID_LOGIN_PASSWORD',
};

export const NameField = Type.String({ format: 'cn-name', maxLength: 200, examples: ['张三'] });
export const IdNumberField = Type.String({
  format: 'cn-resident-id',
  maxLength: 40,
  examples: ['11010519491231002X'],
});
export const PhoneField = Type.String({
  format: 'cn-mobile',
  maxLength: 20,
  examples: ['13800138000'],
});
export const BankCardField = Type.String({
  format: 'bank-card',
  maxLength: 40,
  examples: ['6222020000000000008'],
});
export const LoginPasswordField = Type.String({ format: 'login-password', maxLength: 256 });
export const AppVersionField = Type.String({
  format: 'app-version',
  maxLength: 20,
  examples: ['3.2.0'],
});
