// `npm run token -- <reviewer|ops|merchant> <name>` prints a staff or merchant token signed with
// AUTH_SECRET (a merchant's name is its merchant id, SPEC §2.1).
import { loadConfig } from '../config/config';
import { signStaffToken } from '../api/tokens';

const [role, name] = process.argv.slice(2);
if (
  (role !== 'reviewer' && role !== 'ops' && role !== 'merchant') ||
  !name ||
  !/^[\w.@-]{1,64}$/.test(name)
) {
  console.error('usage: npm run token -- <reviewer|ops|merchant> <name>');
  process.exit(2);
}
process.stdout.write(`${signStaffToken(loadConfig().authSecret, role, name)}\n`);
