// Token claims and signing options, shared by the API and `npm run token` so they cannot drift.
import { createSigner } from 'fast-jwt';

export const ROLES = ['applicant', 'reviewer', 'ops', 'merchant'] as const;
export type Role = (typeof ROLES)[number];
/** Roles of `npm run token` tokens; merchants (SPEC §2.1) charge payment codes and nothing else. */
export type StaffRole = Exclude<Role, 'applicant'>;

export interface TokenClaims {
  sub: string;
  role: Role;
  /** For applicants: the application this token may act on. */
  applicationId?: string;
  /**
   * For applicants: when the token was issued, in ms (JWT `iat` has whole seconds only), so that
   * a sign-out of every session (a password reset) refuses exactly the tokens issued before it.
   */
  issuedAtMs?: number;
}

export const TOKEN_ALGORITHM = 'HS256';
export const APPLICANT_TOKEN_TTL = '24h';
export const STAFF_TOKEN_TTL = '12h';
export const TOKEN_ISSUER = 'wallet-onboarding';

export function applicantClaims(applicationId: string): TokenClaims {
  return { sub: `application:${applicationId}`, role: 'applicant', applicationId };
}

export function staffClaims(role: StaffRole, name: string): TokenClaims {
  return { sub: `${role}:${name}`, role };
}

/** The merchant id a merchant token was issued for (`merchant:<id>`), or null. */
export function merchantIdOf(claims: TokenClaims): string | null {
  return claims.role === 'merchant' && claims.sub.startsWith('merchant:')
    ? claims.sub.slice('merchant:'.length)
    : null;
}

export function signStaffToken(secret: string, role: StaffRole, name: string): string {
  const sign = createSigner({
    key: secret,
    algorithm: TOKEN_ALGORITHM,
    expiresIn: STAFF_TOKEN_TTL,
    iss: TOKEN_ISSUER,
  });
  return sign({ ...staffClaims(role, name) });
}
