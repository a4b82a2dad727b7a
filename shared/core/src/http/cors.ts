import type { Request, Response } from 'express';

export interface CorsPolicy {
  methods: string[];
  allowedHeaders: string[];
  exposedHeaders?: string[];
  maxAgeSeconds: number;
}

/** An origin is allowed only when it is listed exactly: never `*` for anything that accepts data. */
export function isOriginAllowed(
  origin: string | undefined,
  allowed: readonly string[],
): origin is string {
  return origin !== undefined && allowed.includes(origin);
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
