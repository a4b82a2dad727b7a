import pino, { type Logger, type LoggerOptions } from 'pino';
import { currentContext } from './request-context';

export type { Logger } from 'pino';

const SECRET_KEYS = new Set(
  [
    'authorization',
    'cookie',
    'set-cookie',
    'x-api-key',
    'token',
    'idtoken',
    'accesstoken',
    'refreshtoken',
    'apikey',
    'key',
    'secret',
    'clientsecret',
    'signingsecret',
    'password',
    'credentials',
    'email',
    'phone',
    'phonenumber',
    'google_key',
    'googlekey',
  ].map((k) => k.toLowerCase()),
);

// Every run is bounded (to what an address or number can be): unbounded runs that backtrack
// made one 16 KB header cost half a second of the event loop on every request that logged it.
const EMAIL = /[^\s@"'<>(),;:]{1,64}@[^\s@"'<>(),;:]{1,253}\.[A-Za-z]{2,63}/g;
const INTERNATIONAL_PHONE = /\+\d[\d ().-]{6,30}\d/g;
// The same, percent-encoded as in a URL path (jane%40example.com, %2B4930…).
const ENCODED_EMAIL = /[^\s@%"'<>(),;:/?&=]{1,64}%40[^\s@"'<>(),;:/?&=]{1,253}\.[A-Za-z]{2,63}/gi;
const ENCODED_PHONE = /%2B\d(?:[\d().-]|%20){6,40}\d/gi;
const BEARER = /(bearer\s{1,8})[A-Za-z0-9._~+/=-]+/gi;
const API_KEY = /lf_(live|test)_[A-Za-z0-9]+/g;

/** Each pattern above needs one of these; most strings have none and are returned as they are. */
const MAY_HOLD_SECRET = /[@+]|%40|%2b|lf_|bearer/i;

export function redactString(value: string): string {
  if (!MAY_HOLD_SECRET.test(value)) return value;
  return value
    .replace(BEARER, '$1[redacted]')
    .replace(API_KEY, 'lf_$1_[redacted]')
    .replace(EMAIL, '[email]')
    .replace(ENCODED_EMAIL, '[email]')
    .replace(INTERNATIONAL_PHONE, '[phone]')
    .replace(ENCODED_PHONE, '[phone]');
}

/** Deep copy with secrets and personal data removed, by key name and by value shape. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value instanceof Error) {
    return {
      type: value.name,
      message: redactString(value.message),
      stack: value.stack && redactString(value.stack),
    };
  }
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = SECRET_KEYS.has(key.toLowerCase()) ? '[redacted]' : redact(child, depth + 1);
  }
  return out;
}

export interface LoggerSettings {
  service: string;
  level?: string;
  destination?: pino.DestinationStream;
}

export function createLogger({ service, level = 'info', destination }: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redact(object) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        const redacted = args.map((arg) => (typeof arg === 'string' ? redactString(arg) : arg));
        method.apply(this, redacted as Parameters<typeof method>);
      },
    },
    mixin() {
      const context = currentContext();
      if (!context) return {};
      return context.tenantId
        ? { requestId: context.requestId, tenantId: context.tenantId }
        : { requestId: context.requestId };
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
