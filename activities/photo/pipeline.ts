// The photo store and OCR reader as a worker process builds them: one pool per process,
// language data in DATA_DIR, terminated on shutdown. Photos are sealed under PII_KEY, in the
// database with PostgreSQL, else on disk.
import { join } from 'node:path';
import { createIdCardReader } from './ocr';
import { createOcrPool } from './ocr-pool';
import { openCv } from './opencv';
import { photoStoreFor, type Store } from '../../db/store';
import type { Config } from '../../config/config';

export async function startPhotoPipeline(
  config: Config,
  store: Pick<Store, 'photosInDatabase' | 'photoKeyOf'>,
) {
  const pool = await createOcrPool({
    size: config.ocrWorkers,
    langDir: join(config.dataDir, 'tessdata'),
  });
  // Compiled at start rather than on the first photo, so that a broken build fails the start.
  await openCv().catch(async (error: unknown) => {
    await pool.terminate();
    throw error;
  });
  return {
    photoStore: photoStoreFor(config, store),
    idCardReader: createIdCardReader(pool),
    close: () => pool.terminate(),
  };
}
