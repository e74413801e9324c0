import { BlockList, isIP } from 'node:net';

/**
 * Which address a request comes from, for limits and the audit trail. Only a peer listed in
 * FIRSTKEY_TRUSTED_PROXIES may speak for the client: its forwarding header is read from the right
 * (the hop it added) leftwards, and the first address not itself a trusted proxy is the client.
 * Anything a client writes into the header before it reaches the first proxy lies further left
 * than that, so it is never reached: a forged header from an untrusted peer changes nothing.
 */

/** The header the operator's proxy sets; exactly one is read, so a client cannot pick the other. */
export type ForwardedHeader = 'x-forwarded-for' | 'forwarded';

/** An IPv4 or IPv6 address, or a CIDR block of either. */
export function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * The shortest prefixes a trusted-proxy block may have. Anything wider (`0.0.0.0/0`, `::/0`, a
 * stray `/1`) would trust most of the internet to name the client, so any client could pick the
 * address its limits count under: a typo that quietly switches the limits off.
 */
export const SHORTEST_PROXY_PREFIX = { ipv4: 8, ipv6: 32 } as const;

/** A block narrow enough to be somebody's proxies; a single address always is. */
export function isNarrowEnough(entry: string): boolean {
  const [address = '', prefix] = entry.split('/');
  if (prefix === undefined) return true;
  return Number(prefix) >= (isIP(address) === 6 ? SHORTEST_PROXY_PREFIX.ipv6 : SHORTEST_PROXY_PREFIX.ipv4);
}

/** `::ffff:10.0.0.5` is how a dual-stack socket reports an IPv4 peer: compare it as IPv4. */
function plain(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

export type ProxyTrust = (address: string) => boolean;

export function proxyTrust(entries: readonly string[]): ProxyTrust {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return (address) => {
    const ip = plain(address);
    const family = isIP(ip);
    return family !== 0 && list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/**
 * An address as proxies write it, without its port: `203.0.113.7:51234` and
 * `[2001:db8::7]:51234` (some proxies and load balancers append the peer's port) are the client
 * `203.0.113.7` and `2001:db8::7`. A bare IPv6 address keeps its colons.
 */
function withoutPort(raw: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(raw);
  if (bracketed?.[1]) return bracketed[1];
  const withPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(raw);
  return withPort?.[1] ?? raw;
}

/** X-Forwarded-For: `client, proxy1, proxy2`. */
function xForwardedFor(value: string): string[] {
  return value
    .split(',')
    .map((s) => withoutPort(s.trim()))
    .filter(Boolean);
}

/**
 * RFC 7239 `Forwarded: for=192.0.2.60;proto=https, for="[2001:db8::17]:4711"`: the `for`
 * parameter of each element, without quotes, brackets or port. An obfuscated or unknown
 * identifier (`_hidden`, `unknown`) stays as it is and ends the walk below.
 */
function forwardedFor(value: string): string[] {
  return value.split(',').map((element) => {
    const pair = element
      .split(';')
      .map((p) => p.trim())
      .find((p) => p.toLowerCase().startsWith('for='));
    return withoutPort((pair?.slice(4) ?? '').replace(/^"|"$/g, ''));
  });
}

export interface AddressInput {
  /** The TCP peer. */
  peer: string;
  /** The forwarding header's value(s) as received (several lines count as one list). */
  header: string | string[] | undefined;
}

export function clientAddress(input: AddressInput, trust: ProxyTrust, which: ForwardedHeader): string {
  let client = plain(input.peer);
  if (!trust(client) || input.header === undefined) return client;
  const value = Array.isArray(input.header) ? input.header.join(',') : input.header;
  const hops = which === 'forwarded' ? forwardedFor(value) : xForwardedFor(value);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = plain(hops[i] ?? '');
    // Not an address: whoever wrote it is unknown, so the last trusted hop is as far as we can see.
    if (isIP(hop) === 0) return client;
    client = hop;
    if (!trust(hop)) return client;
  }
  return client;
}
