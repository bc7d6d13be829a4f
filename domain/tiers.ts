// Wallet tiers and limits of SPEC §2, in fen, modelled on the public e-CNY wallet classes.
export const TIERS = ['STANDARD', 'RESTRICTED', 'GUARDIAN'] as const;
export type Tier = (typeof TIERS)[number];

export interface Limits {
  balanceCap: number;
  singlePayment: number;
  dailyPayments: number;
}

const CNY = 100;

export const TIER_LIMITS: Record<Tier, Limits> = {
  STANDARD: {
    balanceCap: 500_000 * CNY,
    singlePayment: 50_000 * CNY,
    dailyPayments: 100_000 * CNY,
  },
  RESTRICTED: { balanceCap: 20_000 * CNY, singlePayment: 5_000 * CNY, dailyPayments: 10_000 * CNY },
  GUARDIAN: { balanceCap: 10_000 * CNY, singlePayment: 2_000 * CNY, dailyPayments: 5_000 * CNY },
};

export const GUARDIAN_REQUIRED_UNDER = 16;
export const ADULT_AGE = 18;

export function tierForAge(age: number): Tier {
  if (age < GUARDIAN_REQUIRED_UNDER) return 'GUARDIAN';
  if (age < ADULT_AGE) return 'RESTRICTED';
  return 'STANDARD';
}
