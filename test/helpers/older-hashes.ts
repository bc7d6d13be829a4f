// Password hashes under weaker Argon2id parameters than crypto/password-hash writes today, as a
// database would hold them after the parameters are raised: they verify and must be replaced.
import { hash, type Algorithm } from '@node-rs/argon2';

export function hashUnderOlderParameters(password: string): Promise<string> {
  return hash(password.normalize('NFC'), {
    algorithm: 2 as Algorithm.Argon2id,
    memoryCost: 4096,
    timeCost: 1,
    parallelism: 1,
  });
}
