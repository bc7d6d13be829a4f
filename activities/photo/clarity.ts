// Is the photo good enough to read? One decode, downscaled on load to a fixed working size, then
// every measure in a single pass over 8-bit grey pixels. Calibration: THRESHOLDS.md.
import type { ReasonCode } from '../../domain/codes';
import { openPhoto } from './guards';

export interface PhotoMetrics {
  /** As displayed (after EXIF orientation), in pixels of the upload. */
  width: number;
  height: number;
  /**
   * Variance of the Laplacian over the most detailed tiles, at the working size, with the grey
   * levels stretched to full contrast first.
   */
  sharpness: number;
  /** Share (0–1) of clipped pixels (≥ CLIPPED_LEVEL). */
  glare: number;
  /** Mean grey level (0–255). */
  brightness: number;
}

export interface ClarityThresholds {
  minLongSide: number;
  minSharpness: number;
  maxGlare: number;
  minBrightness: number;
}

// The values and their reasoning: activities/photo/THRESHOLDS.md.
export const CLARITY_THRESHOLDS: ClarityThresholds = {
  minLongSide: 1000,
  minSharpness: 1200,
  maxGlare: 0.02,
  minBrightness: 60,
};

/**
 * Blur is measured with the long side resized to this: a Laplacian's response depends on the
 * scale, so without it the same card would look sharper when uploaded smaller. Below the
 * minimum accepted long side, so an acceptable photo is only ever shrunk, never enlarged; and
 * half of a common 1600 px upload, which libjpeg then decodes at half size for a fraction of
 * the cost of a full decode (shrink-on-load).
 */
export const WORKING_LONG_SIDE = 800;
const TILE = 50;
/** The share of tiles, most detailed first, whose sharpness is averaged: the text. */
const DETAILED_SHARE = 0.25;
const CLIPPED_LEVEL = 250;
/** Below this grey-level range there is no card to judge, only noise to amplify. */
const MIN_CONTRAST = 16;

function percentile(histogram: Uint32Array, count: number, p: number): number {
  const rank = p * count;
  let seen = 0;
  for (let v = 0; v < histogram.length; v++) {
    seen += histogram[v]!;
    if (seen >= rank) return v;
  }
  return histogram.length - 1;
}

/** Measures a photo. Throws when it cannot be decoded (truncated, corrupt). */
export async function measureClarity(bytes: Buffer): Promise<PhotoMetrics> {
  const [meta, { data, info }] = await Promise.all([
    // Header only: the size as displayed, which the working copy has lost.
    openPhoto(bytes).metadata(),
    openPhoto(bytes)
      .resize({ width: WORKING_LONG_SIDE, height: WORKING_LONG_SIDE, fit: 'inside' })
      .raw()
      .toBuffer({ resolveWithObject: true }),
  ]);
  const { width = info.width, height = info.height } = meta.autoOrient;
  const grey = luminanceOf(data, info.channels);
  return { width, height, ...pixelMeasures(grey, info.width, info.height) };
}

/**
 * One grey channel: green for colour images, which carries most of the luminance. Taken here
 * because libvips' greyscale() and extractChannel() each cost more than the decode itself on
 * these machines (colour conversion), while this copy is a millisecond.
 */
function luminanceOf(data: Buffer, channels: number): Uint8Array {
  if (channels === 1) return data;
  const pick = channels >= 3 ? 1 : 0;
  const grey = new Uint8Array(data.length / channels);
  for (let i = 0, j = pick; i < grey.length; i++, j += channels) grey[i] = data[j]!;
  return grey;
}

/** Laplacian sharpness per tile, clipped share and mean, over one grey channel. */
export function pixelMeasures(grey: Uint8Array, width: number, height: number) {
  const histogram = new Uint32Array(256);
  for (let i = 0; i < grey.length; i++) histogram[grey[i]!]!++;
  let sum = 0;
  for (let v = 0; v < 256; v++) sum += v * histogram[v]!;
  let clipped = 0;
  for (let v = CLIPPED_LEVEL; v < 256; v++) clipped += histogram[v]!;
  // A Laplacian scales with contrast, so a dim photo of a sharp card would also read as blurry.
  // Rescaling to the 1st–99th percentile range keeps blur and darkness apart.
  const contrast = Math.max(
    MIN_CONTRAST,
    percentile(histogram, grey.length, 0.99) - percentile(histogram, grey.length, 0.01),
  );
  const gain = (255 / contrast) ** 2;
  const tilesX = Math.max(1, Math.floor((width - 2) / TILE));
  const tilesY = Math.max(1, Math.floor((height - 2) / TILE));
  const tileSum = new Float64Array(tilesX * tilesY);
  const tileSq = new Float64Array(tilesX * tilesY);
  const tileN = new Float64Array(tilesX * tilesY);
  // Walked tile run by tile run so the inner loop is plain arithmetic: this loop is most of
  // the check's cost after the decode.
  for (let y = 1; y < height - 1; y++) {
    const rowTile = Math.min(tilesY - 1, Math.floor((y - 1) / TILE)) * tilesX;
    const row = y * width;
    for (let tx = 0; tx < tilesX; tx++) {
      const x0 = 1 + tx * TILE;
      const x1 = tx === tilesX - 1 ? width - 1 : x0 + TILE;
      let s = 0;
      let sq = 0;
      for (let i = row + x0, end = row + x1; i < end; i++) {
        const lap =
          grey[i - 1]! + grey[i + 1]! + grey[i - width]! + grey[i + width]! - 4 * grey[i]!;
        s += lap;
        sq += lap * lap;
      }
      const t = rowTile + tx;
      tileSum[t]! += s;
      tileSq[t]! += sq;
      tileN[t]! += x1 - x0;
    }
  }
  const variances: number[] = [];
  for (let t = 0; t < tileN.length; t++) {
    const n = tileN[t]!;
    if (n === 0) continue;
    const mean = tileSum[t]! / n;
    variances.push(tileSq[t]! / n - mean * mean);
  }
  variances.sort((a, b) => b - a);
  const top = variances.slice(0, Math.max(1, Math.round(variances.length * DETAILED_SHARE)));
  const sharpness = (gain * top.reduce((a, b) => a + b, 0)) / top.length;
  return {
    sharpness: round(sharpness, 1),
    glare: round(clipped / grey.length, 4),
    brightness: round(sum / grey.length, 1),
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * The reasons a photo fails the clarity check, in a fixed order. A photo too small to judge is
 * not also called blurry: enlarged to the working size it always would be, and the one
 * actionable reason is its size.
 */
export function judgeClarity(
  m: PhotoMetrics,
  t: ClarityThresholds = CLARITY_THRESHOLDS,
): ReasonCode[] {
  const reasons: ReasonCode[] = [];
  if (Math.max(m.width, m.height) < t.minLongSide) reasons.push('PHOTO_TOO_SMALL');
  else if (m.sharpness < t.minSharpness) reasons.push('PHOTO_BLURRY');
  if (m.glare > t.maxGlare) reasons.push('PHOTO_GLARE');
  if (m.brightness < t.minBrightness) reasons.push('PHOTO_TOO_DARK');
  return reasons;
}

export async function checkClarity(
  bytes: Buffer,
  thresholds: ClarityThresholds = CLARITY_THRESHOLDS,
): Promise<{ metrics: PhotoMetrics; reasons: ReasonCode[] }> {
  const metrics = await measureClarity(bytes);
  return { metrics, reasons: judgeClarity(metrics, thresholds) };
}
