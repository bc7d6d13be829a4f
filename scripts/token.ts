// `npm run token -- <reviewer|ops> <name>` prints a staff token signed with AUTH_SECRET.
import { loadConfig } from '../config/config';
import { signStaffToken } from '../api/tokens';

const [role, name] = process.argv.slice(2);
if ((role !== 'reviewer' && role !== 'ops') || !name || !/^[\w.@-]{1,64}$/.test(name)) {
  console.error('usage: npm run token -- <reviewer|ops> <name>');
  process.exit(2);
}
process.stdout.write(`${signStaffToken(loadConfig().authSecret, role, name)}\n`);
