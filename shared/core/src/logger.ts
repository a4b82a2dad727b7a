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
// An address stops at URL delimiters (/?&=), so `?email=jane@x.test&y=1` keeps its query.
const EMAIL = /[^\s@"'<>(),;:/?&=]{1,64}@[^\s@"'<>(),;:/?&=]{1,253}\.[A-Za-z]{2,63}/g;
// `+` separates digits too: a query's encoded space.
const INTERNATIONAL_PHONE = /\+\d[\d ().+-]{6,30}\d/g;
const BEARER = /(bearer\s{1,8})[A-Za-z0-9._~+/=-]+/gi;
const API_KEY = /lf_(live|test)_[A-Za-z0-9]+/g;
const PERCENT_ENCODED_RUN = /(?:%[0-9A-F]{2})+/gi;

/** Each pattern above needs one of these; most strings have none and are returned as they are. */
const MAY_HOLD_SECRET = /[@+]|%40|%2b|lf_|bearer/i;

function redactPlain(value: string): string {
  return value
    .replace(BEARER, '$1[redacted]')
    .replace(API_KEY, 'lf_$1_[redacted]')
    .replace(EMAIL, '[email]')
    .replace(INTERNATIONAL_PHONE, '[phone]');
}

/** Decodes every well-formed run of %XX; a malformed run (`100%`, cut UTF-8) stays as it is. */
function percentDecoded(value: string): string {
  return value.replace(PERCENT_ENCODED_RUN, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/**
 * Redacts secrets, e-mail addresses and phone numbers, also percent-encoded ones as in a URL
 * (jane%2Bsales%40corp.test, %2B49%2030…): when the decoded text holds one, the decoded text is
 * redacted and returned, so no encoded part of an address survives beside its redaction.
 */
export function redactString(value: string): string {
  if (!MAY_HOLD_SECRET.test(value)) return value;
  const decoded = value.includes('%') ? percentDecoded(value) : value;
  const redacted = redactPlain(decoded);
  return redacted === decoded ? value : redacted;
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
