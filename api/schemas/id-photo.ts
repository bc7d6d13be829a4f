// The id-photo answer (SPEC §5): `{accepted, reasons, metrics, ocr}` beside the application.
import { Type } from '@fastify/type-provider-typebox';

const Point = Type.Object({ x: Type.Integer(), y: Type.Integer() });

export const PhotoMetricsSchema = Type.Object(
  {
    width: Type.Integer({ description: 'As displayed (after EXIF orientation), pixels' }),
    height: Type.Integer(),
    sharpness: Type.Number({ description: 'Laplacian variance on the straightened card' }),
    glare: Type.Number({ description: 'Share (0–1) of clipped pixels on the card' }),
    brightness: Type.Number({ description: 'Mean grey level (0–255) of the card' }),
    corners: Type.Union([Type.Array(Point, { minItems: 4, maxItems: 4 }), Type.Null()], {
      description:
        "The card's corners in the upload: its top-left, top-right, bottom-right, bottom-left",
    }),
    cardShare: Type.Union([Type.Number(), Type.Null()], {
      description: "The card's long side over the frame's width",
    }),
    glareZones: Type.Optional(
      Type.Object(
        { name: Type.Number(), number: Type.Number() },
        {
          description: 'Share of clipped pixels over the name and the number',
        },
      ),
    ),
  },
  { additionalProperties: true },
);

export const IdPhotoAnswer = Type.Object(
  {
    accepted: Type.Boolean(),
    reasons: Type.Array(Type.String()),
    metrics: Type.Union([PhotoMetricsSchema, Type.Null()]),
    ocr: Type.Union([
      Type.Object(
        {
          name: Type.Union([Type.String(), Type.Null()]),
          idNumber: Type.Union([Type.String(), Type.Null()]),
          matched: Type.Boolean(),
        },
        { additionalProperties: true },
      ),
      Type.Null(),
    ]),
  },
  { additionalProperties: true, description: 'The photo verdict, beside the application view' },
);

export const IdPhotoQuery = Type.Object(
  {
    variant: Type.Optional(
      Type.Enum(['upload', 'card'], {
        description: 'upload (default): the image as sent; card: the straightened card (JPEG)',
      }),
    ),
    // A string: the API does not coerce types, and a query string has no numbers.
    round: Type.Optional(
      Type.String({
        pattern: '^[1-9][0-9]?$',
        description:
          'The photo of an earlier round: 1 = the one rejected with RETRY first (review file rejectedRounds)',
      }),
    ),
  },
  { additionalProperties: false },
);
