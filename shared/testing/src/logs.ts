import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@leadflow/core';

/** A service's logger whose every line is kept, as text, for a test to read. */
export function capturingLogger(
  service: string,
  level = process.env.TEST_LOG_LEVEL ?? 'debug',
): { logger: Logger; logs: string[] } {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString());
      callback();
    },
  });
  return { logger: createLogger({ service, level, destination }), logs };
}
