import { isIP } from 'node:net';

/**
 * The key limits count a client under. An IPv4 address is one client. An IPv6 host is handed a
 * whole /64 (RFC 7421: the usual subnet, SLAAC picks any address inside it, and privacy addresses
 * rotate within it), so counting single IPv6 addresses would give one machine 2^64 fresh counters.
 * The /64 is written in one canonical form, whatever spelling the address arrived in.
 */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (isIP(address) !== 6) return address;
  const groups = expand(address).slice(0, 4);
  return `${groups.map((g) => Number.parseInt(g, 16).toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, `::` filled in and an embedded IPv4 tail turned into two groups. */
function expand(address: string): string[] {
  const unzoned = address.split('%')[0] ?? address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(unzoned);
  let text = unzoned;
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${unzoned.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right];
}
