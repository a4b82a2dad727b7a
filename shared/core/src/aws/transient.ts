/** Error names of AWS calls refused for now, not for good: throttling and faults of the service. */
const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'InternalServerError',
  'InternalFailure',
  'TimeoutError',
  'RequestTimeout',
]);

/** Socket errors: the service could not be reached. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

/**
 * Whether a failed call of a dependency (an AWS service through the SDK) may well succeed if
 * tried again later: the service throttled or faulted, or could not be reached.
 */
export function isTransientFailure(error: unknown): boolean {
  // Not `instanceof Error`: socket errors come from Node's own realm, which need not be ours.
  if (typeof error !== 'object' || error === null) return false;
  const { name, $fault, $retryable, code } = error as {
    name?: unknown;
    $fault?: unknown;
    $retryable?: unknown;
    code?: unknown;
  };
  return (
    $fault === 'server' ||
    Boolean($retryable) ||
    (typeof name === 'string' && TRANSIENT_NAMES.has(name)) ||
    (typeof code === 'string' && NETWORK_CODES.has(code))
  );
}
