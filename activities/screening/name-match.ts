// Watch-list matching (SPEC §1 step 5): names through simplified/traditional characters, pinyin,
// aliases and one-character near misses, birth dates in full, year-only or missing, and one
// score per hit. The weights and the threshold are argued in docs/decisions.md ("Screening").
import * as OpenCC from 'opencc-js/t2cn';
import { pinyin } from 'pinyin-pro';
import { normalizeName } from '../../domain/fields';

export interface WatchlistCandidate {
  id: number;
  name: string;
  aliases: readonly string[];
  /** `YYYY-MM-DD`, `YYYY` or null. */
  birthDate: string | null;
  source: string;
}

export type NameMatchKind = 'EXACT' | 'PINYIN' | 'NEAR';
export type DateMatchKind = 'SAME' | 'SAME_YEAR' | 'UNKNOWN' | 'DIFFERENT';

export interface WatchlistHit {
  entry: WatchlistCandidate;
  /** The entry's name or alias that matched. */
  matchedName: string;
  nameKind: NameMatchKind;
  dateKind: DateMatchKind;
  /** 0..1, rounded to two decimals. */
  score: number;
}

/** How much each kind of name agreement counts. */
export const NAME_SCORES = {
  EXACT: 1,
  // Latin entries of three or more syllables: a pinyin spelling drops tones and so merges
  // homophones, but three syllables together are rarely shared by chance.
  PINYIN: 0.9,
  // Two syllables (Wang Wei: 王伟, 王维, 汪伟, 王薇 …) are shared by very many people.
  PINYIN_TWO_SYLLABLES: 0.7,
  // One Han character inserted, removed or replaced, both names of three characters or more.
  NEAR: 0.8,
} as const;

/** How much the birth date changes the name's score. */
export const DATE_FACTORS: Record<DateMatchKind, number> = {
  SAME: 1,
  SAME_YEAR: 0.85,
  UNKNOWN: 0.75,
  DIFFERENT: 0.5,
};

/** A hit at or above this score is flagged; below, it is not a hit. */
export const HIT_THRESHOLD = 0.4;
/** A hit at or above this score is a WATCHLIST_MATCH, below a WATCHLIST_NAME_SIMILAR. */
export const STRONG_MATCH_SCORE = 0.8;

// Loaded once per process: building the dictionaries takes tens of milliseconds.
const toSimplified = OpenCC.Converter({ from: 't', to: 'cn' });

const HAN = /\p{Script=Han}/u;
const LATIN = /\p{Script=Latin}/u;
const NAME_DOTS = /[\u00B7\u2022\u2027\u30FB\u0387.]/gu;

/** Han names compared as characters: normalised, simplified, without the middle dot. */
export function hanKey(raw: string): string[] {
  return [...toSimplified(normalizeName(raw)).replace(NAME_DOTS, '')];
}

/** Latin names compared as letters: no tone marks, case, spaces, hyphens or apostrophes. */
export function latinKey(raw: string): string {
  return raw
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/v/g, 'u')
    .replace(/[^a-z]/g, '');
}

/** Each way a Han name is written in pinyin: family name first, then given name first. */
const spellingCache = new Map<string, { spellings: Set<string>; syllables: number }>();

function pinyinSpellings(han: string[]): { spellings: Set<string>; syllables: number } {
  const text = han.join('');
  const cached = spellingCache.get(text);
  if (cached) return cached;
  // One person is compared with every Latin entry: convert the name once, not once per entry.
  if (spellingCache.size >= 1000) spellingCache.clear();
  const result = spellingsOf(text);
  spellingCache.set(text, result);
  return result;
}

function spellingsOf(text: string): { spellings: Set<string>; syllables: number } {
  const spellings = new Set<string>();
  let syllables = 0;
  for (const surname of ['head', 'off'] as const) {
    const parts = pinyin(text, { toneType: 'none', type: 'array', surname, v: false }).map(
      latinKey,
    );
    syllables = parts.length;
    spellings.add(parts.join(''));
    // Given name first (Sanfeng Zhang), with a one- or two-character family name (欧阳).
    for (const cut of [1, 2])
      if (parts.length > cut) spellings.add([...parts.slice(cut), ...parts.slice(0, cut)].join(''));
  }
  return { spellings, syllables };
}

export function editDistance(a: string[], b: string[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * How a person's (Han) name agrees with one listed name, or null. Han against Han: equal after
 * simplification, or one character apart when both have three or more (two-character names one
 * apart, 张三 and 张四, are different people far too often; homophones such as 王伟 and 汪伟
 * too). Han against Latin: the pinyin equal, tones, spacing, case and name order aside.
 */
export interface NameAgreement {
  kind: NameMatchKind;
  score: number;
}

export function nameAgreement(personName: string, listedName: string): NameAgreement | null {
  const person = hanKey(personName);
  if (person.length === 0) return null;
  if (LATIN.test(listedName) && !HAN.test(listedName)) {
    const listed = latinKey(listedName);
    if (listed === '' || !person.every((c) => HAN.test(c))) return null;
    const { spellings, syllables } = pinyinSpellings(person);
    if (!spellings.has(listed)) return null;
    return {
      kind: 'PINYIN',
      score: syllables >= 3 ? NAME_SCORES.PINYIN : NAME_SCORES.PINYIN_TWO_SYLLABLES,
    };
  }
  const listed = hanKey(listedName);
  if (listed.length === 0) return null;
  if (person.join('') === listed.join('')) return { kind: 'EXACT', score: NAME_SCORES.EXACT };
  if (Math.min(person.length, listed.length) < 3) return null;
  if (Math.abs(person.length - listed.length) > 1) return null;
  return editDistance(person, listed) <= 1 ? { kind: 'NEAR', score: NAME_SCORES.NEAR } : null;
}

/** Compared with a person's full birth date (YYYY-MM-DD). */
export function dateAgreement(personBirthDate: string, listed: string | null): DateMatchKind {
  if (listed === null || listed === '') return 'UNKNOWN';
  if (listed.length === 4)
    return personBirthDate.startsWith(`${listed}-`) ? 'SAME_YEAR' : 'DIFFERENT';
  return listed === personBirthDate ? 'SAME' : 'DIFFERENT';
}

/** The best hit of each entry at or above HIT_THRESHOLD, the highest score first. */
export function findWatchlistHits(
  person: { name: string; birthDate: string },
  entries: readonly WatchlistCandidate[],
): WatchlistHit[] {
  const hits: WatchlistHit[] = [];
  for (const entry of entries) {
    let best: (NameAgreement & { name: string }) | null = null;
    for (const listed of [entry.name, ...entry.aliases]) {
      const agreement = nameAgreement(person.name, listed);
      if (agreement && (!best || agreement.score > best.score))
        best = { ...agreement, name: listed };
    }
    if (!best) continue;
    const dateKind = dateAgreement(person.birthDate, entry.birthDate);
    const score = Math.round(best.score * DATE_FACTORS[dateKind] * 100) / 100;
    if (score < HIT_THRESHOLD) continue;
    hits.push({
      entry,
      matchedName: best.name,
      nameKind: best.kind,
      dateKind,
      score,
    });
  }
  return hits.sort((a, b) => b.score - a.score || a.entry.id - b.entry.id);
}
