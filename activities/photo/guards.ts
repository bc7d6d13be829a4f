// Refusals that must happen before any pixel is decoded: a hostile or broken upload should cost
// a header read, never the memory of its claimed size.
import sharp from 'sharp';
import type { ReasonCode } from '../../domain/codes';
import {
  ACCEPTED_FORMATS,
  MAX_PHOTO_BYTES,
  MAX_PHOTO_PIXELS,
  type PhotoFormat,
} from '../../domain/photo-limits';

export type GuardResult =
  | { ok: true; format: PhotoFormat; width: number; height: number }
  | { ok: false; reason: ReasonCode };

function isAccepted(format: string | undefined): format is PhotoFormat {
  return (ACCEPTED_FORMATS as readonly string[]).includes(format ?? '');
}

/**
 * Size, format and pixel count, from the byte length and the image header only. Width and
 * height are as displayed, after the EXIF orientation.
 */
export async function inspectPhoto(bytes: Buffer): Promise<GuardResult> {
  if (bytes.length === 0) return { ok: false, reason: 'PHOTO_UNREADABLE' };
  if (bytes.length > MAX_PHOTO_BYTES) return { ok: false, reason: 'PHOTO_TOO_LARGE' };
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // libvips found no loader at all: not an image, or one of a kind we do not take.
    if (/unsupported image format/i.test(message)) {
      return { ok: false, reason: 'PHOTO_UNSUPPORTED_FORMAT' };
    }
    return { ok: false, reason: 'PHOTO_UNREADABLE' };
  }
  // SVG, GIF, HEIF, TIFF…: sharp reads them, but SVG renders external content and the others
  // are not what the app uploads; refusing them keeps the decoder surface small.
  if (!isAccepted(meta.format)) return { ok: false, reason: 'PHOTO_UNSUPPORTED_FORMAT' };
  const { width, height } = meta.autoOrient;
  if (!width || !height) return { ok: false, reason: 'PHOTO_UNREADABLE' };
  if (width * height > MAX_PHOTO_PIXELS) return { ok: false, reason: 'PHOTO_TOO_LARGE' };
  return { ok: true, format: meta.format, width, height };
}

// Every photo is decoded once and never again: libvips' operation cache (up to 50 MB and 100
// operations by default) would only hold pixels nobody asks for, and the process's memory would
// grow until it is full.
sharp.cache(false);

/**
 * The one way photo bytes are decoded: truncated or corrupt data is an error rather than a
 * half-grey image, the pixel limit is enforced again by libvips itself, and the EXIF
 * orientation is applied so that everything downstream sees the card as a person would.
 */
export function openPhoto(bytes: Buffer): sharp.Sharp {
  return sharp(bytes, {
    failOn: 'warning',
    limitInputPixels: MAX_PHOTO_PIXELS,
    sequentialRead: true,
  }).autoOrient();
}
