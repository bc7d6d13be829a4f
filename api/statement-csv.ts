// The statement as CSV (SPEC §2.1 数据备份): RFC 4180 quoting, and no cell that a spreadsheet
// would run as a formula (CSV injection): a cell starting with = + - @ (or a tab or carriage
// return, which some spreadsheets skip before looking) is prefixed with an apostrophe. Written by
// hand: csv-parse's sibling would quote, but the formula guard is ours either way, and it is
// these few lines.
import type { LedgerTransaction } from '../db/store';

export const STATEMENT_COLUMNS = [
  'transactionId',
  'createdAt',
  'type',
  'status',
  'amountFen',
  'balanceAfterFen',
  'merchantId',
  'reference',
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: formula-guarded, then quoted when it holds a comma, a quote or a line break. */
export function csvCell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(cells: readonly (string | number | null | undefined)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export function statementRow(t: LedgerTransaction): string {
  return csvRow([
    t.transactionId,
    t.createdAt,
    t.type,
    t.status,
    t.amount,
    t.balanceAfter,
    t.merchantId ?? '',
    t.reference ?? '',
  ]);
}
