// `npm run bench`: every benchmark, one table each, and all rows in bench/results.json with the
// machine they were measured on. Ratios are measured side by side in the same run.
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { runPhotoBench } from './photo';

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: process.platform,
};

console.log('photo pipeline');
const photo = await runPhotoBench();
console.table(photo);

const results = { measuredAt: new Date().toISOString(), machine, photo };
writeFileSync(join(import.meta.dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`written to bench/results.json (${machine.cpus} cores, ${machine.memoryGiB} GiB)`);
