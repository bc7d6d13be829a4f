// Connection settings shared by the API's client and the worker, so local dev, a remote cluster
// with mTLS and Temporal Cloud with an API key are configured the same way for both.
import { readFileSync } from 'node:fs';
import type { TemporalSettings } from '../config/config';

export interface TemporalConnectionOptions {
  address: string;
  apiKey?: string;
  tls?: {
    serverNameOverride?: string;
    serverRootCACertificate?: Buffer;
    clientCertPair?: { crt: Buffer; key: Buffer };
  };
}

export function temporalConnectionOptions(settings: TemporalSettings): TemporalConnectionOptions {
  const { tls } = settings;
  return {
    address: settings.address,
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    ...(tls
      ? {
          tls: {
            ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
            ...(tls.caPath ? { serverRootCACertificate: readFileSync(tls.caPath) } : {}),
            ...(tls.clientCertPath && tls.clientKeyPath
              ? {
                  clientCertPair: {
                    crt: readFileSync(tls.clientCertPath),
                    key: readFileSync(tls.clientKeyPath),
                  },
                }
              : {}),
          },
        }
      : {}),
  };
}
