import { execFileSync } from 'node:child_process';
import { inject } from 'vitest';
import type { JsonPayload } from '../../temporal/payload-codec';

/**
 * A workflow's history as Temporal stores it, in the proto3 JSON the CLI writes (and that
 * historyFromJSON reads). The CLI has no codec, so encrypted payloads stay encrypted.
 */
export function rawHistory(address: string, workflowId: string): string {
  return execFileSync(
    inject('temporalCli'),
    ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', '--address', address],
    { encoding: 'utf8' },
  );
}

/** Every payload in a JSON history (any object with base64 `metadata.encoding` and `data`). */
export function payloadsOf(value: unknown, out: JsonPayload[] = []): JsonPayload[] {
  if (Array.isArray(value)) for (const v of value) payloadsOf(v, out);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const metadata = o.metadata as Record<string, string> | undefined;
    if (metadata && typeof metadata.encoding === 'string') out.push(o);
    for (const v of Object.values(o)) payloadsOf(v, out);
  }
  return out;
}
