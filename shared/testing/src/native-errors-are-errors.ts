import { types } from 'node:util';

/**
 * Jest runs each test file in a realm of its own, but Node creates the errors of its sockets
 * (a refused connection, a reset) in the main realm, so `error instanceof Error` is false for
 * them in a test while it is true in production. The AWS SDK then replaces such an error with
 * a bare "AWS SDK error wrapper" and its code is lost: a test would see a 500 where the service
 * answers 503. Here the test realm's Error recognises every native error, as production's one
 * realm does; its subclasses keep the ordinary check.
 */
const ordinaryInstanceOf = Function.prototype[Symbol.hasInstance];

Object.defineProperty(Error, Symbol.hasInstance, {
  value(this: unknown, value: unknown): boolean {
    return ordinaryInstanceOf.call(this, value) || (this === Error && types.isNativeError(value));
  },
});
