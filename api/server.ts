// The API process: builds the app and listens; everything else lives in the app plugin.
import { loadConfig } from '../config/config';
import { buildApi } from './build';

async function main() {
  const config = loadConfig();
  const api = await buildApi(config);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      api.log.info(`${signal}: closing`);
      api.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  await api.listen({ host: config.host, port: config.port });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
