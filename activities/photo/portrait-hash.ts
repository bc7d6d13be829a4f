// A perceptual hash of the card's portrait: the same face photographed again, at another size,
// angle or JPEG quality, keeps (almost) the same 64 bits; another face does not. DCT pHash:
// the portrait shrunk to 32 × 32 grey, its 8 × 8 lowest frequencies compared with their median.
// Light is taken out first: each pixel over a wide blur of the portrait, so that a lamp on one
// side of the card does not move the low frequencies the hash is made of.
import sharp from 'sharp';
import { ZONES, zoneBox, type GreyCard } from './card-photo';

const SIZE = 32;
const LOW = 8;
/** Wide enough to keep the face's own shapes (a quarter of the portrait), narrow enough for light. */
const LIGHT_SIGMA = 8;

/** Cosine table of the 1-D DCT-II: COS[u][x] = cos((2x + 1) u π / 2N). */
const COS = Array.from({ length: LOW }, (_, u) =>
  Float64Array.from({ length: SIZE }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * SIZE))),
);

/** 16 hex digits: the portrait zone's pHash, from the straightened upright card. */
export async function portraitHash(card: GreyCard): Promise<string> {
  const box = zoneBox(ZONES.portrait, card.width, card.height);
  const pixels = await sharp(card.data, {
    raw: { width: card.width, height: card.height, channels: 1 },
  })
    .extract(box)
    .resize(SIZE, SIZE, { fit: 'fill', kernel: 'cubic' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  const light = await sharp(pixels, { raw: { width: SIZE, height: SIZE, channels: 1 } })
    .blur(LIGHT_SIGMA)
    .extractChannel(0)
    .raw()
    .toBuffer();
  const flat = Float64Array.from(pixels, (v, i) => v / Math.max(8, light[i]!));
  // Rows first, then columns, only the LOW × LOW coefficients kept.
  const rows = new Float64Array(SIZE * LOW);
  for (let y = 0; y < SIZE; y++)
    for (let u = 0; u < LOW; u++) {
      let s = 0;
      for (let x = 0; x < SIZE; x++) s += flat[y * SIZE + x]! * COS[u]![x]!;
      rows[y * LOW + u] = s;
    }
  const coeffs: number[] = [];
  for (let v = 0; v < LOW; v++)
    for (let u = 0; u < LOW; u++) {
      let s = 0;
      for (let y = 0; y < SIZE; y++) s += rows[y * LOW + u]! * COS[v]![y]!;
      coeffs.push(s);
    }
  // The DC term is the mean brightness, not structure: left out of the median.
  const median = [...coeffs.slice(1)].sort((a, b) => a - b)[(LOW * LOW - 1) >> 1]!;
  let hex = '';
  for (let i = 0; i < LOW * LOW; i += 4) {
    let nibble = 0;
    for (let b = 0; b < 4; b++) nibble = (nibble << 1) | (coeffs[i + b]! > median ? 1 : 0);
    hex += nibble.toString(16);
  }
  return hex;
}

/** Bits that differ between two hashes of portraitHash. */
export function hammingDistance(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < 16; i++) {
    let x = parseInt(a[i]!, 16) ^ parseInt(b[i]!, 16);
    while (x) {
      d += x & 1;
      x >>= 1;
    }
  }
  return d;
}

/** Decodes a stored straightened card (JPEG) to grey for portraitHash. */
export async function greyCardOf(jpeg: Buffer): Promise<GreyCard> {
  const { data, info } = await sharp(jpeg)
    .greyscale()
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
