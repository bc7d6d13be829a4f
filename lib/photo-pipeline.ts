// The photo store and OCR reader as a worker process builds them: one pool per process,
// language data in DATA_DIR, terminated on shutdown.
import { join } from 'node:path';
import { createIdCardReader } from '../activities/photo/ocr';
import { createOcrPool } from '../activities/photo/ocr-pool';
import { createPhotoStore } from '../activities/photo/store';
import type { Config } from './config';

export function photoStoreFor(config: Config) {
  return createPhotoStore({ dir: config.photosDir });
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
