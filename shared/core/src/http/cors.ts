import type { Request, RequestHandler, Response } from 'express';

export interface CorsPolicy {
  methods: string[];
  allowedHeaders: string[];
  exposedHeaders?: string[];
  maxAgeSeconds: number;
}

/**
 * The serialisation of an opaque origin: sandboxed pages, `file:` pages, and every cross-origin
 * non-GET request (a plain HTML form post among them) from a page whose referrer policy is
 * `no-referrer` or `same-origin`. It names no page, so it can be no one’s allowed origin.
 */
const OPAQUE_ORIGIN = 'null';

/**
 * The origin CORS applies to, or undefined: a request without `Origin` (servers, curl) and one
 * with the opaque `null` are alike — neither names a page whose access could be granted.
 */
export function corsOriginOf(req: Request): string | undefined {
  const origin = req.headers.origin;
  return origin === OPAQUE_ORIGIN ? undefined : origin;
}

/** An origin is allowed only when it is listed exactly: never `*` for anything that accepts data. */
export function isOriginAllowed(
  origin: string | undefined,
  allowed: readonly string[],
): origin is string {
  // Every sandboxed page can send `null`: granting it would grant them all.
  return origin !== undefined && origin !== OPAQUE_ORIGIN && allowed.includes(origin);
}

/** Sets the CORS headers of an allowed origin; answers whether it was allowed. */
export function applyCors(
  req: Request,
  res: Response,
  allowed: readonly string[],
  policy: CorsPolicy,
): boolean {
  res.vary('Origin');
  const origin = req.headers.origin;
  if (!isOriginAllowed(origin, allowed)) return false;
  res.setHeader('Access-Control-Allow-Origin', origin);
  if (policy.exposedHeaders?.length)
    res.setHeader('Access-Control-Expose-Headers', policy.exposedHeaders.join(', '));
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', policy.methods.join(', '));
    res.setHeader('Access-Control-Allow-Headers', policy.allowedHeaders.join(', '));
    res.setHeader('Access-Control-Max-Age', String(policy.maxAgeSeconds));
  }
  return true;
}

/** `https://example.com` — scheme, host and port only — and nothing else. */
export function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

/** What the product UI may send and read: its tokens, bodies, conditional requests, and answers. */
const FRONTEND_CORS: CorsPolicy = {
  methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
  allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key'],
  exposedHeaders: [
    'ETag',
    'Location',
    'Retry-After',
    'RateLimit',
    'RateLimit-Policy',
    'Content-Disposition',
    'Idempotent-Replayed',
    'X-Request-Id',
  ],
  maxAgeSeconds: 600,
};

/** `a,b` → the origins listed; an entry that is not an origin is a configuration error. */
export function originList(value: string): string[] {
  const origins = value
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  const wrong = origins.find((origin) => !isOrigin(origin));
  if (wrong) throw new Error(`${wrong} is not an origin (scheme://host[:port])`);
  return origins;
}

/**
 * CORS for the product UI on another origin (app.<domain> calling api.<domain>): its origins
 * get the CORS headers, and their preflights a 204. Other origins get none, so browsers keep
 * their pages out; servers and curl send no Origin and are not concerned.
 */
export function frontendCors(origins: readonly string[]): RequestHandler {
  return (req, res, next) => {
    if (corsOriginOf(req) === undefined) return next();
    const allowed = applyCors(req, res, origins, FRONTEND_CORS);
    if (allowed && req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.status(204).end();
      return;
    }
    next();
  };
}
