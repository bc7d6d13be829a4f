// The ID-photo step as an activity: the pipeline of activities/photo plus the one policy the
// workflow needs from it — when a card that differs slightly may still go on to review.
import type { PhotoCheckView } from '../domain/contract';
import type { PhotoStore } from '../db/store';
import { checkIdPhoto, type IdPhotoCheckDeps } from './photo/check';
import { namesMatch } from './screening';

export interface IdPhotoDeps {
  photoStore: PhotoStore;
  idCardReader: IdPhotoCheckDeps['ocr'];
}

export interface CheckIdPhotoInput {
  applicationId: string;
  attempt: number;
  ref: string;
  submitted: { name: string; idNumber: string };
}

export function createIdPhotoActivities(deps: Partial<IdPhotoDeps>) {
  return {
    /**
     * Judges an uploaded photo. Pure with respect to its input (the ref names immutable bytes),
     * so a retry returns the same answer. A card whose number matches exactly and whose name is
     * one character off (a common OCR slip on names of three or more characters) is accepted as
     * a partial match, which sends the application to two reviewers instead of refusing it.
     */
    async checkIdPhoto(input: CheckIdPhotoInput): Promise<PhotoCheckView> {
      if (!deps.photoStore || !deps.idCardReader)
        throw new Error('This worker was started without the photo pipeline');
      const result = await checkIdPhoto(
        { store: deps.photoStore.of(input.applicationId), ocr: deps.idCardReader },
        { ref: input.ref, submitted: input.submitted },
      );
      const ocr = result.ocr;
      if (
        !result.accepted &&
        ocr &&
        result.reasons.length === 1 &&
        result.reasons[0] === 'PHOTO_FIELDS_MISMATCH' &&
        ocr.idNumberMatched &&
        ocr.name !== null &&
        namesMatch(ocr.name, input.submitted.name)
      )
        return { ...result, accepted: true, reasons: [], ocr: { ...ocr, partial: true } };
      return { ...result, ocr: ocr ? { ...ocr, partial: false } : null };
    },
  };
}
