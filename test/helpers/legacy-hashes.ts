// Passwords as the first version of crypto/password-hash stored them (scrypt, N=2^15, r=8, p=1),
// computed once with node:crypto: databases written then hold hashes like these.
export const LEGACY_SCRYPT = {
  secret123:
    'scrypt$32768$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$YGnDtx1N98s7wKo2vuqrx5l4f/UzVM/SlzP1PLtThz4=',
  '580314':
    'scrypt$32768$8$1$ZmVkY2JhOTg3NjU0MzIxMA==$rIHStMIBWAheeQDux+zZiq1wdCTa83tl2/9hDlh8ZaE=',
} as const;
