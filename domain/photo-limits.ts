// The upload limits of SPEC §1 step 3: checked by the API before a byte is stored and by the
// photo step before a pixel is decoded.
/** "Over 10 MB": binary megabytes, as upload limits are usually shown. */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
/** Width × height, read from the header only. */
export const MAX_PHOTO_PIXELS = 40_000_000;
export const ACCEPTED_FORMATS = ['jpeg', 'png', 'webp'] as const;
export type PhotoFormat = (typeof ACCEPTED_FORMATS)[number];
