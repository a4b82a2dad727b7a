import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isBlockedAddress, isPrivateHost } from '@leadflow/auth';

export class UnsafeEndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeEndpointError';
  }
}

/** Refuses, before connecting, a URL that production must not call. */
export function assertSafeUrl(url: URL): void {
  if (url.protocol !== 'https:')
    throw new UnsafeEndpointError(`CRM endpoints must use https (got ${url.protocol})`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isPrivateHost(host))
    throw new UnsafeEndpointError(`CRM endpoint ${host} is not a public host`);
}

/**
 * A DNS lookup that fails when any address of the name is not public. The connection is made
 * to exactly the addresses checked here, so a name that resolves differently a moment later
 * (DNS rebinding) cannot slip through.
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const unsafe = addresses.find((a) => isBlockedAddress(a.address));
    if (unsafe || addresses.length === 0) {
      const refused = new UnsafeEndpointError(
        `CRM endpoint ${hostname} resolves to a non-public address`,
      ) as NodeJS.ErrnoException;
      refused.code = 'EUNSAFEENDPOINT';
      return callback(refused, '', 0);
    }
    if (options.all) {
      (callback as (e: null, addresses: LookupAddress[]) => void)(null, addresses);
      return;
    }
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
};
