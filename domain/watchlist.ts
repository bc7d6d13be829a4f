// Watch-list entries as ops send them (SPEC §1 step 5, §7): names, aliases and birth dates.
import { normalizeName } from './fields';

export const WATCHLIST_RESCREEN_WORKFLOW = 'watchlistRescreen';

/** One re-screen per change of the list. */
export function watchlistRescreenWorkflowId(changeId: string): string {
  return `watchlist-rescreen-${changeId}`;
}

export interface WatchlistRescreenInput {
  /** The audit row's event key of the change that started it. */
  changeId: string;
}

const HAN = /\p{Script=Han}/u;

/**
 * The stored form of a listed name: Han names without white space (normalizeName), Latin names
 * with single spaces, since their spaces separate words a reviewer reads.
 */
export function normalizeListedName(raw: string): string {
  if (HAN.test(raw)) return normalizeName(raw);
  return raw.normalize('NFC').trim().replace(/\s+/gu, ' ');
}

/** Aliases in a CSV cell, separated by `|` or `;` (a comma separates the cells). */
export function splitAliases(cell: string): string[] {
  return cell
    .split(/[|;]/u)
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

/** Distinct normalised aliases, the entry's own name left out. */
export function normalizeAliases(name: string, aliases: readonly string[]): string[] {
  const own = normalizeListedName(name);
  const out: string[] = [];
  for (const alias of aliases) {
    const a = normalizeListedName(alias);
    if (a !== '' && a !== own && !out.includes(a)) out.push(a);
  }
  return out;
}
