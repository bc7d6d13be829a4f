// Where the ID photos live: in the app database with PostgreSQL (DATABASE_URL; many API and
// worker processes, no shared disk: SPEC §8), else as sealed files in DATA_DIR/photos beside the
// SQLite file. Sealed under PII_KEY by the same codec either way.
import type { Config } from '../config/config';
import { createPhotoCodec } from '../crypto/photo-codec';
import { createPhotoStore, type PhotoStore } from './sqlite/repositories/photo-store';
import type { Store } from './store';

export function photoStoreFor(
  config: Pick<Config, 'photosDir' | 'piiKey'>,
  store: Pick<Store, 'photosInDatabase'>,
): PhotoStore {
  const codec = createPhotoCodec(config.piiKey);
  return store.photosInDatabase?.(codec) ?? createPhotoStore({ dir: config.photosDir, codec });
}
