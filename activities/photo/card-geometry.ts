// Finds the ID card in a photo and straightens it: the four corners of the card's outline, then
// a perspective warp to the canonical upright card (85.6 × 54 mm). Everything after this step
// (clarity, OCR, the portrait hash) is judged on the card alone, whatever the background.
// Recipe and measurements: docs/photo-pipeline.md.
import { num, openCv, type OpenCv } from './opencv';

export interface Point {
  x: number;
  y: number;
}

/** Corners in reading order of the card: top-left, top-right, bottom-right, bottom-left. */
export type Quad = [Point, Point, Point, Point];

/** Packed 8-bit RGB pixels. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** The canonical card: 85.6 × 54 mm at 20 px/mm; the layout zones are in these pixels / 2. */
export const CARD_WIDTH = 1712;
export const CARD_HEIGHT = 1080;

/** Contours are found at this long side: enough for the card's outline, cheap to search. */
const DETECT_LONG_SIDE = 800;
/** A smaller outline is text, a photo on the card, or desk texture, not the card. */
const MIN_AREA_SHARE = 0.015;
/** An outline this close to the whole frame is the frame's own border. */
const MAX_AREA_SHARE = 0.97;
/** The hull's area over its quad's: a card fills its quad, a card with a hand does not. */
const MIN_FILL = 0.9;
/** Long side over short side of an acceptable outline: 1.586 for the card, with perspective. */
const ASPECT_RANGE = [1.25, 2.0] as const;

const dist = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);

/**
 * Orders four points as the card's top-left, top-right, bottom-right, bottom-left, with its long
 * side first: a card standing on its short side in the frame (a photo turned 90°) comes out
 * landscape. Which of the two landscape readings is upright is decided later, on the card.
 */
export function orderCorners(points: readonly Point[]): Quad {
  const bySum = [...points].sort((a, b) => a.x + a.y - (b.x + b.y));
  const byDiff = [...points].sort((a, b) => a.x - a.y - (b.x - b.y));
  const tl = bySum[0]!;
  const br = bySum[3]!;
  const tr = byDiff[3]!;
  const bl = byDiff[0]!;
  const quad: Quad = [tl, tr, br, bl];
  // Long side vertical: start from the bottom-left so that it becomes the top edge.
  if (dist(tl, tr) + dist(bl, br) < dist(tr, br) + dist(tl, bl)) return [bl, tl, tr, br];
  return quad;
}

/** The same card turned half a turn: the other landscape reading of the outline. */
export function halfTurn(q: Quad): Quad {
  return [q[2], q[3], q[0], q[1]];
}

export function quadArea(q: Quad): number {
  let s = 0;
  for (let i = 0; i < 4; i++) {
    const a = q[i]!;
    const b = q[(i + 1) % 4]!;
    s += a.x * b.y - b.x * a.y;
  }
  return Math.abs(s) / 2;
}

/** The card's long side in pixels of the image its corners are in (mean of the two edges). */
export function cardLength(q: Quad): number {
  return (dist(q[0], q[1]) + dist(q[3], q[2])) / 2;
}

function aspect(q: Quad): number {
  const long = cardLength(q);
  const short = (dist(q[1], q[2]) + dist(q[0], q[3])) / 2;
  return short > 0 ? long / short : Infinity;
}

/**
 * The card's outline in `image`, or null: shrink → grey → blur → Canny → dilate → the largest
 * contour → its convex hull simplified to four points (a rotated bounding box when it
 * does not simplify to four). Tried again with a wider blur (desk texture), lower edge
 * thresholds (a light card on a light desk), then with skin-coloured pixels painted over (a hand
 * whose outline joins the card's).
 */
export async function findCard(image: RgbImage): Promise<Quad | null> {
  const { cv } = await openCv();
  const scale = Math.min(1, DETECT_LONG_SIDE / Math.max(image.width, image.height));
  const small = shrink(cv, image, scale);
  const quad = searchPasses(cv, small);
  if (quad) return quad.map((p) => ({ x: p.x / scale, y: p.y / scale })) as Quad;
  // In a dark room the card's edge is a step of a few grey levels: searched again stretched.
  // Only then, as stretching a plain dark desk's texture makes outlines of it.
  const stretched = stretchContrast(small, DARK_FRAME_P99);
  const again = stretched && searchPasses(cv, stretched);
  if (again) return again.map((p) => ({ x: p.x / scale, y: p.y / scale })) as Quad;
  return null;
}

/**
 * Every channel mapped so that the 1st–99th percentile of green spans 0–255 (a copy), for a dark
 * frame only; null for any other.
 */
function searchPasses(cv: OpenCv, small: RgbImage): Quad | null {
  // [skin painted, blur kernel, Canny low, Canny high], in order of cost and likelihood.
  const passes: [boolean, number, number, number][] = [
    [false, 5, 40, 120],
    [false, 11, 40, 120],
    [false, 5, 15, 45],
    [true, 5, 40, 120],
    [true, 11, 15, 45],
  ];
  let painted: RgbImage | undefined;
  for (const [paint, blur, low, high] of passes) {
    if (paint) painted ??= paintSkin(small);
    const quad = outline(cv, paint ? painted! : small, blur, low, high);
    if (quad) return quad;
  }
  return null;
}

/** A frame whose 99th percentile of green is below this is dark. */
const DARK_FRAME_P99 = 90;

function stretchContrast(image: RgbImage, darkBelow: number): RgbImage | null {
  const histogram = new Uint32Array(256);
  const d = image.data;
  for (let i = 1; i < d.length; i += 3) histogram[d[i]!]!++;
  const n = d.length / 3;
  const level = (p: number) => {
    let seen = 0;
    for (let v = 0; v < 256; v++) if ((seen += histogram[v]!) >= p * n) return v;
    return 255;
  };
  const lo = level(0.01);
  const hi = level(0.99);
  if (hi >= darkBelow || hi - lo < 4) return null;
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++)
    lut[v] = Math.max(0, Math.min(255, Math.round(((v - lo) * 255) / (hi - lo))));
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = lut[d[i]!]!;
  return { data: out, width: image.width, height: image.height };
}

function shrink(cv: OpenCv, image: RgbImage, scale: number): RgbImage {
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  if (scale === 1) return image;
  const src = new cv.Mat(image.height, image.width, num(cv.CV_8UC3));
  const dst = new cv.Mat();
  try {
    src.data.set(image.data);
    cv.resize(src, dst, new cv.Size(width, height), 0, 0, num(cv.INTER_AREA));
    return { data: new Uint8Array(dst.data), width, height };
  } finally {
    src.delete();
    dst.delete();
  }
}

/**
 * Skin-coloured pixels (Kovač's RGB rule) replaced by the frame's mean colour, so that a hand
 * holding the card stops being part of its outline. The card itself is not skin-coloured.
 */
function paintSkin(image: RgbImage): RgbImage {
  const out = new Uint8Array(image.data);
  const n = image.width * image.height;
  let r = 0;
  let g = 0;
  let b = 0;
  for (let i = 0; i < n * 3; i += 3) {
    r += out[i]!;
    g += out[i + 1]!;
    b += out[i + 2]!;
  }
  const mean = [r / n, g / n, b / n];
  for (let i = 0; i < n * 3; i += 3) {
    const R = out[i]!;
    const G = out[i + 1]!;
    const B = out[i + 2]!;
    if (R > 95 && G > 40 && B > 20 && R > G && R > B && R - Math.min(G, B) > 15 && R - G > 15) {
      out[i] = mean[0]!;
      out[i + 1] = mean[1]!;
      out[i + 2] = mean[2]!;
    }
  }
  return { data: out, width: image.width, height: image.height };
}

/** One edge pass: the largest plausible card outline, or null. */
function outline(
  cv: OpenCv,
  image: RgbImage,
  blur: number,
  low: number,
  high: number,
): Quad | null {
  const { width: w, height: h } = image;
  const src = new cv.Mat(h, w, num(cv.CV_8UC3));
  const grey = new cv.Mat();
  const edges = new cv.Mat();
  const kernel = cv.Mat.ones(3, 3, num(cv.CV_8U));
  const contours = new cv.MatVector();
  const hierarchy = new cv.Mat();
  try {
    src.data.set(image.data);
    cv.cvtColor(src, grey, num(cv.COLOR_RGB2GRAY));
    cv.GaussianBlur(grey, grey, new cv.Size(blur, blur), 0);
    cv.Canny(grey, edges, low, high);
    cv.dilate(edges, edges, kernel, new cv.Point(-1, -1), 2);
    // Every contour, holes included: when desk texture joins the card's outline from outside,
    // the inside of the outline is still a clean hole of the card's shape.
    cv.findContours(edges, contours, hierarchy, num(cv.RETR_LIST), num(cv.CHAIN_APPROX_NONE));
    const order: { i: number; area: number }[] = [];
    for (let i = 0; i < contours.size(); i++) {
      const c = contours.get(i);
      try {
        const area = cv.contourArea(c);
        if (area >= MIN_AREA_SHARE * w * h) order.push({ i, area });
      } finally {
        c.delete();
      }
    }
    order.sort((a, b) => b.area - a.area);
    // The largest few: a bigger blob of desk texture, or the outside of the outline, may come
    // before the card.
    for (const { i } of order.slice(0, 6)) {
      const contour = contours.get(i);
      try {
        const quad = quadOf(cv, contour, w, h);
        if (quad) return refine(quad, contour.data32S);
      } finally {
        contour.delete();
      }
    }
    return null;
  } finally {
    for (const m of [src, grey, edges, kernel, hierarchy]) m.delete();
    contours.delete();
  }
}

/**
 * Corners from straight lines fitted to the middle of each side's contour points, intersected:
 * the hull's own corners sit inside the card's rounded corners, a few per cent off, which
 * moves every zone of the straightened card (the portrait's hash most of all).
 */
function refine(quad: Quad, contour: Int32Array): Quad {
  const lines: { p: Point; d: Point }[] = [];
  for (let i = 0; i < 4; i++) {
    const a = quad[i]!;
    const b = quad[(i + 1) % 4]!;
    const len = dist(a, b);
    if (len < 8) return quad;
    const ux = (b.x - a.x) / len;
    const uy = (b.y - a.y) / len;
    const xs: number[] = [];
    const ys: number[] = [];
    for (let k = 0; k < contour.length; k += 2) {
      const px = contour[k]! - a.x;
      const py = contour[k + 1]! - a.y;
      const t = (px * ux + py * uy) / len;
      const off = Math.abs(px * -uy + py * ux);
      if (t > 0.15 && t < 0.85 && off < len * 0.03) {
        xs.push(contour[k]!);
        ys.push(contour[k + 1]!);
      }
    }
    if (xs.length < 10) return quad;
    // Total least squares: the line through the mean along the points' main direction.
    const mx = xs.reduce((s, v) => s + v, 0) / xs.length;
    const my = ys.reduce((s, v) => s + v, 0) / ys.length;
    let sxx = 0;
    let sxy = 0;
    let syy = 0;
    for (let k = 0; k < xs.length; k++) {
      const dx = xs[k]! - mx;
      const dy = ys[k]! - my;
      sxx += dx * dx;
      sxy += dx * dy;
      syy += dy * dy;
    }
    const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
    lines.push({ p: { x: mx, y: my }, d: { x: Math.cos(angle), y: Math.sin(angle) } });
  }
  const corners: Point[] = [];
  for (let i = 0; i < 4; i++) {
    // Corner i is where the side before it (i - 1) meets side i.
    const l1 = lines[(i + 3) % 4]!;
    const l2 = lines[i]!;
    const det = l1.d.x * -l2.d.y - l1.d.y * -l2.d.x;
    if (Math.abs(det) < 1e-6) return quad;
    const rx = l2.p.x - l1.p.x;
    const ry = l2.p.y - l1.p.y;
    const t = (rx * -l2.d.y - ry * -l2.d.x) / det;
    const c = { x: l1.p.x + t * l1.d.x, y: l1.p.y + t * l1.d.y };
    // A fit that moved a corner far is a bad fit: the hull's corners stand.
    if (dist(c, quad[i]!) > 0.06 * cardLength(quad)) return quad;
    corners.push(c);
  }
  return corners as Quad;
}

/** The contour's hull as a card-shaped quad, or null when it is no card. */
function quadOf(cv: OpenCv, contour: InstanceType<OpenCv['Mat']>, w: number, h: number) {
  const hull = new cv.Mat();
  const poly = new cv.Mat();
  try {
    cv.convexHull(contour, hull, false, true);
    cv.approxPolyDP(hull, poly, 0.02 * cv.arcLength(hull, true), true);
    let points: Point[];
    if (poly.rows === 4) {
      points = [];
      for (let k = 0; k < 4; k++)
        points.push({ x: poly.data32S[2 * k]!, y: poly.data32S[2 * k + 1]! });
    } else {
      points = cv.RotatedRect.points(cv.minAreaRect(hull)).map((p) => ({ x: p.x, y: p.y }));
    }
    const quad = orderCorners(points);
    const ratio = aspect(quad);
    const area = quadArea(quad);
    // Not card-shaped, or the frame itself (edges all along its border), or a blob the quad
    // fits badly (a hand joined to the card).
    if (ratio < ASPECT_RANGE[0] || ratio > ASPECT_RANGE[1]) return null;
    if (area > MAX_AREA_SHARE * w * h) return null;
    if (cv.contourArea(hull) / area < MIN_FILL) return null;
    return quad;
  } finally {
    hull.delete();
    poly.delete();
  }
}

/** The card inside `quad`, warped to CARD_WIDTH × CARD_HEIGHT RGB. */
export async function warpCard(image: RgbImage, quad: Quad): Promise<RgbImage> {
  const { cv } = await openCv();
  const src = new cv.Mat(image.height, image.width, num(cv.CV_8UC3));
  const from = cv.matFromArray(
    4,
    1,
    num(cv.CV_32FC2),
    quad.flatMap((p) => [p.x, p.y]),
  );
  const to = cv.matFromArray(4, 1, num(cv.CV_32FC2), [
    0,
    0,
    CARD_WIDTH,
    0,
    CARD_WIDTH,
    CARD_HEIGHT,
    0,
    CARD_HEIGHT,
  ]);
  const dst = new cv.Mat();
  let m: InstanceType<OpenCv['Mat']> | undefined;
  try {
    src.data.set(image.data);
    m = cv.getPerspectiveTransform(from, to);
    cv.warpPerspective(
      src,
      dst,
      m,
      new cv.Size(CARD_WIDTH, CARD_HEIGHT),
      num(cv.INTER_LINEAR),
      num(cv.BORDER_REPLICATE),
    );
    return { data: new Uint8Array(dst.data), width: CARD_WIDTH, height: CARD_HEIGHT };
  } finally {
    for (const mat of [src, from, to, dst]) mat.delete();
    m?.delete();
  }
}
