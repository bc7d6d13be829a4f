import { execFileSync } from 'node:child_process';
import { inject } from 'vitest';

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
