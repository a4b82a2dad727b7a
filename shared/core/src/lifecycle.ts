import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from './logger';

export interface ShutdownStep {
  name: string;
  run: () => Promise<void>;
}

export function listen(app: Express, port: number, host = '0.0.0.0'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) =>
      error ? reject(error) : resolve(server),
    );
    // Longer than the ALB's idle timeout (60 s), so the balancer closes first and never reuses a dead socket.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
  });
}

/**
 * Stops accepting, then waits for requests in flight. A keep-alive connection becomes idle
 * when its last response is sent; closing idle ones until none is left lets close() finish.
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    server.close((error) => {
      clearInterval(sweep);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * SIGTERM and SIGINT run the steps in order — stop accepting, finish work in flight, flush —
 * and exit before the ECS stop timeout, whatever a step does.
 */
export function drainOnSignals(logger: Logger, steps: ShutdownStep[], timeoutMs: number): void {
  let draining = false;
  const drain = async (signal: string) => {
    if (draining) return;
    draining = true;
    logger.info({ signal }, 'draining');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs }, 'drain timed out; exiting');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    let failed = false;
    for (const step of steps) {
      try {
        await step.run();
      } catch (error) {
        failed = true;
        logger.error({ err: error, step: step.name }, 'shutdown step failed');
      }
    }
    logger.info('drained; exiting');
    process.exit(failed ? 1 : 0);
  };
  process.once('SIGTERM', () => void drain('SIGTERM'));
  process.once('SIGINT', () => void drain('SIGINT'));
}
