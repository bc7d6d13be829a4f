// Watch-list import as CSV (SPEC §7): a header row `name,birthDate,source,aliases`, aliases in one
// cell separated by `|` or `;`. It becomes the JSON body `{entries: [...]}`, validated as such.
import { parse } from 'csv-parse/sync';
import { splitAliases } from '../domain/watchlist';
import { Problem } from './problem';

const COLUMNS = ['name', 'birthDate', 'source', 'aliases'] as const;

export function watchlistCsvToBody(text: string): { entries: Record<string, unknown>[] } {
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: true });
  } catch (error) {
    throw new Problem('VALIDATION_FAILED', `The CSV cannot be read: ${(error as Error).message}`, {
      errors: [{ field: '(body)', code: 'INVALID_CSV' }],
    });
  }
  const [header, ...lines] = rows;
  const names = (header ?? []).map((h) => h.trim());
  if (
    !COLUMNS.slice(0, 3).every((c) => names.includes(c)) ||
    names.some((n) => !(COLUMNS as readonly string[]).includes(n))
  )
    throw new Problem(
      'VALIDATION_FAILED',
      'The CSV header must be name,birthDate,source,aliases.',
      {
        errors: [{ field: '(header)', code: 'INVALID_CSV' }],
      },
    );
  const entries = lines.map((cells) => {
    const at = (column: (typeof COLUMNS)[number]) => {
      const i = names.indexOf(column);
      return i < 0 ? '' : (cells[i] ?? '');
    };
    const aliases = splitAliases(at('aliases'));
    return {
      name: at('name'),
      source: at('source'),
      ...(at('birthDate') !== '' ? { birthDate: at('birthDate') } : {}),
      ...(aliases.length > 0 ? { aliases } : {}),
    };
  });
  return { entries };
}
