// Screening before review (SPEC §1 step 5): the watch list (sanctions, politically exposed
// persons) and repeats (the same portrait or bank card used by another person).
import { ApplicationFailure } from '@temporalio/common';
import { normalizeIdNumber, normalizeName } from '../domain/fields';
import {
  editDistance,
  findWatchlistHits,
  STRONG_MATCH_SCORE,
  type DateMatchKind,
  type WatchlistCandidate,
  type WatchlistHit,
} from './screening/name-match';
import { blindIndex, personIdOf } from '../crypto/pii';
import type { ActivityDeps } from './index';
import type { RiskLevel, ScreeningFlag } from '../domain/contract';
import { PhotoErasedError, PhotoNotFoundError } from '../db/store';
import { greyCardOf, hammingDistance, portraitHash } from './photo/portrait-hash';

/**
 * Portraits this many bits apart or fewer are the same portrait. Evidence (same person's card
 * photographed again vs other people's): docs/photo-pipeline.md.
 */
export const REPEAT_PORTRAIT_MAX_DISTANCE = 6;

export interface ScreenApplicantInput {
  applicationId: string;
  name: string;
  idNumber: string;
  bankCardNumber: string;
  photoRef: string | null;
}

export interface ScreeningResult {
  riskLevel: RiskLevel;
  flags: ScreeningFlag[];
}

/**
 * What OCR read against what was submitted (activities/id-photo.ts): exact after normalisation,
 * or one edit apart when both names have at least three characters.
 */
export function namesMatch(a: string, b: string): boolean {
  const x = [...normalizeName(a).replace(/\u00B7/g, '')];
  const y = [...normalizeName(b).replace(/\u00B7/g, '')];
  if (x.length === 0 || y.length === 0) return false;
  if (x.join('') === y.join('')) return true;
  if (Math.min(x.length, y.length) < 3) return false;
  return Math.abs(x.length - y.length) <= 1 && editDistance(x, y) <= 1;
}

/** YYYY-MM-DD from a resident ID number (positions 7–14). */
export function birthDateOf(idNumber: string): string {
  const id = normalizeIdNumber(idNumber);
  return `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
}

const DATE_WORDS: Record<DateMatchKind, (listed: string | null) => string> = {
  SAME: (d) => `birth date ${d} the same`,
  SAME_YEAR: (d) => `birth year ${d} the same`,
  UNKNOWN: () => 'no birth date listed',
  DIFFERENT: (d) => `listed birth date ${d} different`,
};

/** What a reviewer reads of one hit: the entry, how it matched and its score. */
export function watchlistFlag(hit: WatchlistHit): ScreeningFlag {
  const { entry } = hit;
  const via = hit.matchedName === entry.name ? '' : ` (as "${hit.matchedName}")`;
  return {
    code: hit.score >= STRONG_MATCH_SCORE ? 'WATCHLIST_MATCH' : 'WATCHLIST_NAME_SIMILAR',
    detail:
      `Watch-list entry #${entry.id} "${entry.name}"${via} (${entry.source}): ` +
      `name ${hit.nameKind.toLowerCase()}, ${DATE_WORDS[hit.dateKind](entry.birthDate)}; ` +
      `score ${hit.score.toFixed(2)}.`,
    score: hit.score,
    watchlistEntryId: entry.id,
  };
}

/** The watch-list flags for one person, the closest hit first. */
export function matchWatchlist(
  person: { name: string; birthDate: string },
  entries: readonly WatchlistCandidate[],
): ScreeningFlag[] {
  return findWatchlistHits(person, entries).map(watchlistFlag);
}

export function createScreeningActivities({
  store,
  config,
  photoStore,
}: Pick<ActivityDeps, 'store' | 'config' | 'photoStore'>) {
  /** The accepted card's portrait hash, or null when no straightened card is stored for it. */
  const portraitOf = async (
    applicationId: string,
    photoRef: string | null,
  ): Promise<string | null> => {
    if (!photoRef || !photoStore) return null;
    try {
      const card = await photoStore.of(applicationId).getDerived(photoRef, 'card');
      return await portraitHash(await greyCardOf(card));
    } catch (error) {
      // Erased: the person's key went while they were being screened; nothing to compare.
      if (error instanceof PhotoNotFoundError || error instanceof PhotoErasedError) return null;
      throw error;
    }
  };

  return {
    /**
     * Flags raise the risk to HIGH: each one is something a reviewer must look at. This
     * application's portrait and card uses are recorded after the check (idempotently), in the
     * same immediate transaction, so two people screened at once still see each other.
     */
    async screenApplicant(input: ScreenApplicantInput): Promise<ScreeningResult> {
      for (const field of ['applicationId', 'name', 'idNumber', 'bankCardNumber'] as const)
        if (typeof input[field] !== 'string' || input[field].trim() === '')
          throw ApplicationFailure.nonRetryable(`${field} is missing`, 'INVALID_INPUT');
      if (!/^\d{17}[\dX]$/.test(normalizeIdNumber(input.idNumber)))
        throw ApplicationFailure.nonRetryable('idNumber is not an ID number', 'INVALID_INPUT');

      // The list is small (thousands of entries) and fuzzy matching cannot use an index.
      const flags = matchWatchlist(
        { name: input.name, birthDate: birthDateOf(input.idNumber) },
        await store.loadWatchlist(),
      );

      const personId = personIdOf(config.piiKey, input.idNumber);
      const cardIndex = blindIndex(config.piiKey, 'bank-card', input.bankCardNumber);
      const portrait = await portraitOf(input.applicationId, input.photoRef);
      const repeats = await store.recordAndFindRepeats({
        applicationId: input.applicationId,
        personId,
        cardIndex,
        portrait,
        maxPortraitDistance: REPEAT_PORTRAIT_MAX_DISTANCE,
        hammingDistance,
        at: new Date(),
      });
      if (repeats.portrait)
        flags.push({
          code: 'DUPLICATE_PHOTO',
          detail: `The card's portrait matches another person's accepted card (application ${repeats.portrait.applicationId}, ${repeats.portrait.distance}/64 bits apart).`,
        });
      if (repeats.card)
        flags.push({
          code: 'DUPLICATE_BANK_CARD',
          detail: `The same bank card was used by another person (application ${repeats.card.applicationId}).`,
        });
      const phoneRepeat = await store.phoneVerifiedByAnotherPerson(input.applicationId);
      if (phoneRepeat)
        flags.push({
          code: 'DUPLICATE_PHONE',
          detail: `The same phone number was verified by another person (application ${phoneRepeat.applicationId}).`,
        });

      return { riskLevel: flags.length > 0 ? 'HIGH' : 'LOW', flags };
    },
  };
}
