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
  minSharpness: 3400,
  maxGlare: 0.02,
  minBrightness: 60,
};

/**
 * Blur is measured with the long side resized to this: a Laplacian's response depends on the
 * scale, so without it the same card would look sharper when uploaded smaller. Below the
 * minimum accepted long side, so an acceptable photo is only ever shrunk, never enlarged.
 *
 * 500 rather than a "natural" 800 for speed: sharp lets libjpeg decode at reduced scale
 * (shrink-on-load, DCT scaling) only when the overall shrink is at least one more than the
 * libjpeg factor (sharp src/pipeline.cc, "known libjpeg rounding errors"): 1600 → 800 is a
 * shrink of exactly 2 and gets a full-size decode plus a resize (1.6–1.9× a bare decode before
 * any measuring), whereas 1600 → 500 (shrink 3.2) is decoded at 800 by libjpeg and only then
 * reduced. Every JPEG of 1500 px or more gets the half-scale decode, 4000 px phone photos a
 * quarter-scale one.
 */
export const WORKING_LONG_SIDE = 500;
/**
 * Mitchell rather than sharp's default Lanczos 3: Lanczos rings at dark-on-light text edges,
 * which at this size pushed up to 0.5 % of a clear card's pixels past CLIPPED_LEVEL (false
 * glare). Mitchell also keeps the 1100 px and 1600 px uploads of a card within 5 % of each other
 * (the triangle filter: 6–8 %), although only the 1600 px one is scaled by libjpeg first.
 */
const WORKING_KERNEL = 'mitchell';
/** 50 px at 800 px, where the tiles were first tuned: the same share of the card. */
const TILE = 32;
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
      .resize({
        width: WORKING_LONG_SIDE,
        height: WORKING_LONG_SIDE,
        fit: 'inside',
        kernel: WORKING_KERNEL,
        // JPEG: sharp's default (true), under which libjpeg scales by 1/2 from a shrink of 3
        // rather than 4. WebP: off, as libwebp's own scale-on-load aliases and a sharp WebP
        // measured ~25 % sharper than the same JPEG; reduced like the rest, it measures alike.
        fastShrinkOnLoad: !isWebp(bytes),
      })
      .raw()
      .toBuffer({ resolveWithObject: true }),
  ]);
  const { width = info.width, height = info.height } = meta.autoOrient;
  return { width, height, ...pixelMeasures(data, info.width, info.height, info.channels) };
}

/** RIFF container with a WEBP form type: what libvips itself sniffs. */
function isWebp(bytes: Buffer): boolean {
  return (
    bytes.length >= 12 &&
    bytes.toString('latin1', 0, 4) === 'RIFF' &&
    bytes.toString('latin1', 8, 12) === 'WEBP'
  );
}

/**
 * Laplacian sharpness per tile, clipped share and mean, over one grey channel, in one pass over
 * the decoded pixels. The grey channel is green for colour images (it carries most of the
 * luminance), read in place: libvips' greyscale() costs a colour conversion, extractChannel()
 * measured no faster than reading every third byte here, and the pass needs no copy.
 */
export function pixelMeasures(pixels: Uint8Array, width: number, height: number, channels = 1) {
  const ch = channels;
  const stride = width * ch;
  const first = channels >= 3 ? 1 : 0;
  const histogram = new Uint32Array(256);
  const tilesX = Math.max(1, Math.floor((width - 2) / TILE));
  const tilesY = Math.max(1, Math.floor((height - 2) / TILE));
  const tileSum = new Float64Array(tilesX * tilesY);
  const tileSq = new Float64Array(tilesX * tilesY);
  const tileN = new Float64Array(tilesX * tilesY);
  // The first and last rows and columns have no 4 neighbours: counted, not differentiated.
  for (let x = 0, i = first; x < width; x++, i += ch) histogram[pixels[i]!]!++;
  if (height > 1) {
    for (let x = 0, i = (height - 1) * stride + first; x < width; x++, i += ch) {
      histogram[pixels[i]!]!++;
    }
  }
  // Walked tile run by tile run so the inner loop is plain arithmetic: this loop is most of
  // the check's cost after the decode.
  for (let y = 1; y < height - 1; y++) {
    const rowTile = Math.min(tilesY - 1, Math.floor((y - 1) / TILE)) * tilesX;
    const row = y * stride + first;
    histogram[pixels[row]!]!++;
    if (width > 1) histogram[pixels[row + (width - 1) * ch]!]!++;
    for (let tx = 0; tx < tilesX; tx++) {
      const x0 = 1 + tx * TILE;
      const x1 = tx === tilesX - 1 ? width - 1 : x0 + TILE;
      let s = 0;
      let sq = 0;
      for (let i = row + x0 * ch, end = row + x1 * ch; i < end; i += ch) {
        const c = pixels[i]!;
        histogram[c]!++;
        const lap =
          pixels[i - ch]! + pixels[i + ch]! + pixels[i - stride]! + pixels[i + stride]! - 4 * c;
        s += lap;
        sq += lap * lap;
      }
      const t = rowTile + tx;
      tileSum[t]! += s;
      tileSq[t]! += sq;
      tileN[t]! += x1 - x0;
    }
  }
  const count = width * height;
  let sum = 0;
  for (let v = 0; v < 256; v++) sum += v * histogram[v]!;
  let clipped = 0;
  for (let v = CLIPPED_LEVEL; v < 256; v++) clipped += histogram[v]!;
  // A Laplacian scales with contrast, so a dim photo of a sharp card would also read as blurry.
  // Rescaling to the 1st–99th percentile range keeps blur and darkness apart; being a constant
  // factor, it is applied to the variances after the pass.
  const contrast = Math.max(
    MIN_CONTRAST,
    percentile(histogram, count, 0.99) - percentile(histogram, count, 0.01),
  );
  const gain = (255 / contrast) ** 2;
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
    glare: round(clipped / count, 4),
    brightness: round(sum / count, 1),
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
