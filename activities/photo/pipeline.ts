// The photo store and OCR reader as a worker process builds them: one pool per process,
// language data in DATA_DIR, terminated on shutdown. Photos are sealed under PII_KEY on disk.
import { join } from 'node:path';
import { createIdCardReader } from './ocr';
import { createOcrPool } from './ocr-pool';
import { createPhotoStore } from '../../db/repositories/photo-store';
import type { Config } from '../../config/config';
import { createPhotoCodec } from '../../crypto/photo-codec';

export function photoStoreFor(config: Config) {
  return createPhotoStore({ dir: config.photosDir, codec: createPhotoCodec(config.piiKey) });
}

export async function startPhotoPipeline(config: Config) {
  const pool = await createOcrPool({
    size: config.ocrWorkers,
    langDir: join(config.dataDir, 'tessdata'),
  });
  return {
    photoStore: photoStoreFor(config),
    idCardReader: createIdCardReader(pool),
    close: () => pool.terminate(),
  };
}
