// One lazily connected Temporal client per API instance. grpc-js reconnects by itself, so the
// API starts while Temporal is down, answers 503 meanwhile, and recovers with no restart.
import { Client, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { ConnectionLike } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/config';
import { createTemporalClient } from '../../temporal/client';
import { isDeadlineExceeded, WorkflowNotAnswering } from '../temporal-errors';

export interface TemporalAccess {
  client: Client;
  connection: ConnectionLike;
  taskQueue: string;
  /**
   * Runs Temporal calls under a deadline so an outage answers 503 quickly, not after minutes. A
   * deadline passed while Temporal is up throws WorkflowNotAnswering.
   */
  call<T>(fn: () => Promise<T>, timeoutMs?: number): Promise<T>;
  isHealthy(): Promise<boolean>;
}

declare module 'fastify' {
  interface FastifyInstance {
    temporal: TemporalAccess;
  }
}

export default fp(
  async function temporal(app: FastifyInstance, opts: { config: Config }) {
    const { config } = opts;
    const client = createTemporalClient({
      config,
      store: app.store,
      connection: {
        connectTimeout: '5 seconds',
        // A person waits on the other end: a few quick retries, then a 503 they can retry.
        interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 3 }))],
        // Reconnect quickly once Temporal is back instead of backing off for up to two minutes.
        channelArgs: {
          'grpc.initial_reconnect_backoff_ms': 250,
          'grpc.max_reconnect_backoff_ms': 3000,
        },
      },
    });
    const connection = client.connection;
    const isHealthy = async () => {
      try {
        await connection.withDeadline(Date.now() + 2000, () =>
          connection.workflowService.getSystemInfo({}),
        );
        return true;
      } catch {
        return false;
      }
    };
    const call = async <T>(fn: () => Promise<T>, timeoutMs = 10_000) => {
      try {
        return await connection.withDeadline(Date.now() + timeoutMs, fn);
      } catch (error) {
        // Temporal answering its health check means it is the workflow that is late, not Temporal.
        if (isDeadlineExceeded(error) && (await isHealthy())) throw new WorkflowNotAnswering(error);
        throw error;
      }
    };
    app.decorate('temporal', {
      client,
      connection,
      taskQueue: config.temporal.taskQueue,
      call,
      isHealthy,
    });
    app.addHook('onClose', async () => {
      await connection.close();
    });
  },
  { name: 'temporal', dependencies: ['database'] },
);
