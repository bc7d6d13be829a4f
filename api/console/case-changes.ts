// What changed since the last RETRY rejection (SPEC §7 case page): the fields the applicant
// corrected and whether the photo was replaced, from the review file's rejected rounds.
import type { Applicant, RejectedRound } from '../../domain/contract';

export const CHANGE_FIELDS = [
  { key: 'name', label: 'Name' },
  { key: 'idNumber', label: 'ID number' },
  { key: 'phone', label: 'Phone' },
  { key: 'bankCardNumber', label: 'Bank card' },
] as const satisfies readonly { key: keyof Applicant; label: string }[];

export interface CaseChanges {
  rejectedAt: string | null;
  resubmittedAt: string;
  fields: { key: keyof Applicant; label: string; before: string; now: string }[];
  photoReplaced: boolean;
  /** The rejected round whose photo `GET …/id-photo?round=` serves, when it had one. */
  earlierPhotoRound: number | null;
}

/**
 * Null until the applicant has resubmitted after a RETRY rejection; otherwise every field that
 * differs between the rejected round and now, and whether the photo now shown is another one.
 */
export function changesSinceLastRejection(
  rounds: readonly RejectedRound[] | undefined,
  now: Partial<Applicant>,
  photoRef: string | null | undefined,
): CaseChanges | null {
  const last = rounds?.at(-1);
  if (!last?.resubmittedAt) return null;
  const rejection = last.decisions.findLast((d) => d.decision === 'REJECT');
  return {
    rejectedAt: rejection?.at ?? null,
    resubmittedAt: last.resubmittedAt,
    fields: CHANGE_FIELDS.filter((f) => (now[f.key] ?? '') !== (last.submitted[f.key] ?? '')).map(
      (f) => ({ ...f, before: last.submitted[f.key] ?? '', now: now[f.key] ?? '' }),
    ),
    photoReplaced: (photoRef ?? null) !== last.photoRef,
    earlierPhotoRound: last.photoRef ? rounds!.length : null,
  };
}
