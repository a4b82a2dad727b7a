import type { Request } from 'express';
import { clip } from '@leadflow/core';

/** What the transport says about a submission, beside its body. */
export interface RequestMeta {
  /** The client's address (behind TRUST_PROXY_HOPS proxies). */
  ip: string | undefined;
  userAgent: string | undefined;
  /** The page a plain HTML form was posted from, when the body does not say. */
  referer: string | undefined;
  receivedAt: Date;
  /** Epoch ms by which EventBridge must have accepted the request's leads. */
  deadline: number;
}

export function requestMeta(req: Request, deadline: number, receivedAt = new Date()): RequestMeta {
  return {
    ip: clip(req.ip, 64),
    userAgent: clip(req.headers['user-agent'], 512),
    referer: clip(req.headers.referer, 2048),
    receivedAt,
    deadline,
  };
}
