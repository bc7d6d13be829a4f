// Where the ID photos live: in the app database with PostgreSQL (DATABASE_URL; many API and
// worker processes, no shared disk: SPEC §8), else as sealed files in DATA_DIR/photos beside the
// SQLite file. Sealed under each applicant's own key either way (SPEC §9), looked up per use.
import type { Config } from '../config/config';
import { sealedUnderPersonKeys } from './shared/photo-refs';
import { createPhotoStore, type PhotoStore } from './sqlite/repositories/photo-store';
import type { Store } from './store';

export function photoStoreFor(
  config: Pick<Config, 'photosDir' | 'piiKey'>,
  store: Pick<Store, 'photosInDatabase' | 'photoKeyOf'>,
): PhotoStore {
  const sealing = sealedUnderPersonKeys((applicationId) =>
    store.photoKeyOf(config.piiKey, applicationId),
  );
  return store.photosInDatabase?.(sealing) ?? createPhotoStore({ dir: config.photosDir, sealing });
}
