// The ID-photo step of SPEC §1 step 3: guards, clarity, then OCR cross-checked against what the
// applicant submitted. Bad images are answers (reasons), never exceptions; only the
// infrastructure (store, OCR engine) may throw.
import type { ReasonCode } from '../../domain/codes';
import { checkClarity, type PhotoMetrics } from './clarity';
import { inspectPhoto } from './guards';
import { compareWithSubmitted, type IdCardReader } from './ocr';
import type { PhotoStore } from '../../db/repositories/photo-store';

export interface IdPhotoOcrResult {
  name: string | null;
  idNumber: string | null;
  matched: boolean;
  nameMatched?: boolean;
  idNumberMatched?: boolean;
}

/** The id-photo answer of the SPEC. */
export interface IdPhotoCheckResult {
  accepted: boolean;
  reasons: ReasonCode[];
  metrics: PhotoMetrics | null;
  ocr: IdPhotoOcrResult | null;
}

export interface IdPhotoCheckDeps {
  store: Pick<PhotoStore, 'get'>;
  ocr: IdCardReader;
}

export interface IdPhotoCheckInput {
  ref: string;
  submitted: { name: string; idNumber: string };
}

function rejected(reasons: ReasonCode[], metrics: PhotoMetrics | null = null): IdPhotoCheckResult {
  return { accepted: false, reasons, metrics, ocr: null };
}

export async function checkIdPhoto(
  deps: IdPhotoCheckDeps,
  input: IdPhotoCheckInput,
): Promise<IdPhotoCheckResult> {
  const bytes = await deps.store.get(input.ref);

  const guard = await inspectPhoto(bytes);
  if (!guard.ok) return rejected([guard.reason]);

  let clarity: Awaited<ReturnType<typeof checkClarity>>;
  try {
    clarity = await checkClarity(bytes);
  } catch {
    // The header parsed but the pixels do not: truncated or corrupt data.
    return rejected(['PHOTO_UNREADABLE']);
  }
  if (clarity.reasons.length > 0) return rejected(clarity.reasons, clarity.metrics);

  const reading = await deps.ocr.read(bytes);
  const comparison = compareWithSubmitted(reading, input.submitted);
  const reasons: ReasonCode[] = [];
  if (reading.idNumber === null) reasons.push('PHOTO_NO_ID_NUMBER');
  // A number that cannot be read is its own reason; the mismatch is about what was read.
  if (!comparison.nameMatched || (reading.idNumber !== null && !comparison.idNumberMatched)) {
    reasons.push('PHOTO_FIELDS_MISMATCH');
  }
  return {
    accepted: reasons.length === 0,
    reasons,
    metrics: clarity.metrics,
    ocr: { name: reading.name, idNumber: reading.idNumber, ...comparison },
  };
}
