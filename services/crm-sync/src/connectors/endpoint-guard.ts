import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { isPrivateHost } from '@leadflow/auth';

/**
 * Where a tenant may not aim crm-sync in production: loopback, private, link-local (the
 * instance metadata endpoint), carrier-grade NAT, documentation, benchmarking, multicast and
 * reserved ranges. IPv4-mapped IPv6 addresses are checked against the IPv4 rules.
 */
const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 127],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  blocked.addSubnet(network, prefix, 'ipv6');

export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  const plain = address.toLowerCase();
  // ::ffff:a.b.c.d and ::ffff:7f00:1 both reach an IPv4 host.
  const mapped = /^::ffff:(.+)$/.exec(plain)?.[1];
  if (mapped) {
    if (isIP(mapped) === 4) return isBlockedAddress(mapped);
    const [high = '', low = ''] = mapped.split(':');
    const word = (hex: string) => parseInt(hex || '0', 16);
    const v4 = [word(high) >> 8, word(high) & 255, word(low) >> 8, word(low) & 255].join('.');
    return isBlockedAddress(v4);
  }
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

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
  if (isPrivateHost(host) || (isIP(host) !== 0 && isBlockedAddress(host)))
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
