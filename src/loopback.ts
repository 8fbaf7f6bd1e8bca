/** Loopback hosts, read from the URL text alone (no lookup): live-order safety and the ws clock offset share it. */

/**
 * Whether a URL's host is this machine's loopback: `localhost`, 127.0.0.0/8, `::1` (and IPv4-mapped
 * `::ffff:127.x.y.z`). WHATWG URL parsing normalises the spellings first (`127.1`, `0x7f.0.0.1`,
 * `[0:0:0:0:0:0:0:1]`), so they are caught too. Anything else, including names that might resolve to loopback
 * (`foo.localhost`, an /etc/hosts entry), counts as remote: no lookup is made to find out.
 */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost') return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return h.split('.').every((p) => Number(p) <= 255);
  const v6 = h.replace(/^\[|\]$/g, '');
  if (v6 === '::1') return true;
  return /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(v6);
}

/** The host (as the URL spells it after normalisation) of a URL, or undefined when it does not parse. */
export function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}
