import express, { type Router } from 'express';
import { Type } from '@sinclair/typebox';
import { defineOperation } from './operation';

export interface ReadinessCheck {
  name: string;
  check: (signal: AbortSignal) => Promise<unknown>;
}

export interface Readiness {
  /** After this, /readyz answers 503 so the load balancer stops sending traffic. */
  startDraining(): void;
  isDraining(): boolean;
}

const CHECK_TIMEOUT_MS = 2_000;
const RESULT_TTL_MS = 5_000;

const ReadinessBody = Type.Object(
  {
    status: Type.Union([
      Type.Literal('ready'),
      Type.Literal('not-ready'),
      Type.Literal('draining'),
    ]),
    checks: Type.Record(Type.String(), Type.Union([Type.Literal('ok'), Type.Literal('failing')])),
  },
  { additionalProperties: false },
);

export const livenessOperation = defineOperation({
  method: 'get',
  path: '/healthz',
  operationId: 'getLiveness',
  summary: 'Liveness: the process answers',
  tags: ['operations'],
  auth: { scheme: 'none' },
  responses: {
    200: {
      description: 'The process is alive.',
      schema: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false }),
      example: { status: 'ok' },
    },
  },
});

export const readinessOperation = defineOperation({
  method: 'get',
  path: '/readyz',
  operationId: 'getReadiness',
  summary: 'Readiness: the AWS dependencies answer',
  description:
    'Every dependency is checked at most every 5 seconds. Answers 503 while the task drains on shutdown.',
  tags: ['operations'],
  auth: { scheme: 'none' },
  responses: {
    200: {
      description: 'Ready to take traffic.',
      schema: ReadinessBody,
      example: { status: 'ready', checks: { dynamodb: 'ok' } },
    },
    503: {
      description: 'A dependency is failing, or the task is draining.',
      schema: ReadinessBody,
      example: { status: 'not-ready', checks: { dynamodb: 'failing' } },
    },
  },
});

async function runCheck(check: ReadinessCheck): Promise<'ok' | 'failing'> {
  try {
    await check.check(AbortSignal.timeout(CHECK_TIMEOUT_MS));
    return 'ok';
  } catch {
    return 'failing';
  }
}

export function healthRoutes(checks: ReadinessCheck[]): { router: Router; readiness: Readiness } {
  const router = express.Router();
  let draining = false;
  let cached: { at: number; results: Record<string, 'ok' | 'failing'> } | undefined;

  async function results(): Promise<Record<string, 'ok' | 'failing'>> {
    if (cached && Date.now() - cached.at < RESULT_TTL_MS) return cached.results;
    const outcomes = await Promise.all(
      checks.map(async (c) => [c.name, await runCheck(c)] as const),
    );
    cached = { at: Date.now(), results: Object.fromEntries(outcomes) };
    return cached.results;
  }

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checkResults = await results();
    if (draining) {
      res.status(503).json({ status: 'draining', checks: checkResults });
      return;
    }
    const ready = Object.values(checkResults).every((r) => r === 'ok');
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'not-ready', checks: checkResults });
  });

  return {
    router,
    readiness: {
      startDraining: () => {
        draining = true;
      },
      isDraining: () => draining,
    },
  };
}
