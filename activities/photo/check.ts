// The ID-photo step of SPEC §1 step 3: guards, then the card found and straightened, clarity
// judged on the card, then OCR of the card cross-checked against what the applicant submitted.
// Bad images are answers (reasons), never exceptions; only the infrastructure (store, OCR
// engine) may throw.
import sharp from 'sharp';
import type { ReasonCode } from '../../domain/codes';
import { decodePhoto, straightenCard, turnStraightCard, type DecodedPhoto } from './card-photo';
import { CLARITY_THRESHOLDS, judgeClarity, measureCard, type PhotoMetrics } from './clarity';
import { inspectPhoto } from './guards';
import { compareWithSubmitted, type IdCardReader } from './ocr';
import type { ApplicationPhotos } from '../../db/store';

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
  /** The photos of the application being judged. */
  store: Pick<ApplicationPhotos, 'get' | 'putDerived'>;
  ocr: IdCardReader;
}

export interface IdPhotoCheckInput {
  ref: string;
  submitted: { name: string; idNumber: string };
}

function rejected(reasons: ReasonCode[], metrics: PhotoMetrics | null = null): IdPhotoCheckResult {
  return { accepted: false, reasons, metrics, ocr: null };
}

function frameMetrics(photo: DecodedPhoto): PhotoMetrics {
  return {
    width: photo.width,
    height: photo.height,
    sharpness: 0,
    glare: 0,
    brightness: Math.round(photo.brightness * 10) / 10,
    corners: null,
    cardShare: null,
  };
}

/** The straightened card as reviewers see it. */
const CARD_JPEG_QUALITY = 85;

export async function checkIdPhoto(
  deps: IdPhotoCheckDeps,
  input: IdPhotoCheckInput,
): Promise<IdPhotoCheckResult> {
  const bytes = await deps.store.get(input.ref);

  const guard = await inspectPhoto(bytes);
  if (!guard.ok) return rejected([guard.reason]);
  if (Math.max(guard.width, guard.height) < CLARITY_THRESHOLDS.minLongSide)
    return rejected(['PHOTO_TOO_SMALL'], {
      width: guard.width,
      height: guard.height,
      sharpness: 0,
      glare: 0,
      brightness: 0,
      corners: null,
      cardShare: null,
    });

  let photo: DecodedPhoto;
  try {
    photo = await decodePhoto(bytes);
  } catch {
    // The header parsed but the pixels do not: truncated or corrupt data.
    return rejected(['PHOTO_UNREADABLE']);
  }
  let card = await straightenCard(photo);
  if (!card) {
    // Nothing can be found in a frame too dark to see: saying so is the actionable answer.
    const metrics = frameMetrics(photo);
    return rejected(
      [
        metrics.brightness < CLARITY_THRESHOLDS.minFrameBrightness
          ? 'PHOTO_TOO_DARK'
          : 'PHOTO_CARD_NOT_FOUND',
      ],
      metrics,
    );
  }
  const measured = measureCard(card.grey);
  let metrics: PhotoMetrics = {
    ...frameMetrics(photo),
    ...measured,
    corners: card.corners,
    cardShare: Math.round(card.share * 1000) / 1000,
  };
  const clarity = judgeClarity(metrics);
  if (clarity.length > 0) {
    await storeCard(deps, input.ref, card.rgb);
    return rejected(clarity, metrics);
  }

  const reading = await deps.ocr.readCard(card.grey);
  if (reading.turned) {
    card = turnStraightCard(card);
    metrics = { ...metrics, corners: card.corners };
  }
  await storeCard(deps, input.ref, card.rgb);
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
    metrics,
    ocr: { name: reading.name, idNumber: reading.idNumber, ...comparison },
  };
}

async function storeCard(
  deps: IdPhotoCheckDeps,
  ref: string,
  rgb: { data: Uint8Array; width: number; height: number },
) {
  const jpeg = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .jpeg({ quality: CARD_JPEG_QUALITY })
    .toBuffer();
  await deps.store.putDerived(ref, 'card', jpeg);
}
