// `npm run sample-card -- <file.jpg>` writes a phone-like photo of an invented person's ID card
// (the test fixtures' generator; never a real person) and prints the fields that match it, so
// that the README's walk-through has a photo whose name and number agree with the application.
import { writeFileSync } from 'node:fs';
import { idCardPhoto, PEOPLE } from '../test/fixtures/id-card';

const [file] = process.argv.slice(2);
if (!file) {
  console.error('usage: npm run sample-card -- <file.jpg>');
  process.exit(2);
}
const person = PEOPLE[0]!;
writeFileSync(file, await idCardPhoto(person, 'clear-1600'));
process.stdout.write(`${JSON.stringify({ file, name: person.name, idNumber: person.idNumber })}\n`);
