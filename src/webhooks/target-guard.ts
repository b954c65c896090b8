import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which addresses a webhook may reach. A department chooses its URL, so without this the service would POST
 * wherever it is told: to itself, its database, a cloud metadata endpoint, or the private network behind it.
 *
 * Only global unicast addresses are allowed (ipaddr.js's `range()` is 'unicast'); loopback, private, link-local
 * (169.254.169.254 among them), CGNAT, unique-local IPv6, multicast, reserved and the IPv6 forms that embed an IPv4
 * address are refused, and an IPv4-mapped IPv6 address is judged as the IPv4 address it maps. The URL parser has
 * already turned `2130706433`, `0x7f.0.0.1` and `127.1` into 127.0.0.1; names are judged by every address they
 * resolve to, since one private answer among public ones is how DNS rebinding gets in.
 *
 * The operator's allow-list (WEBHOOK_ALLOWED_HOSTS: host names, IP addresses or CIDR ranges) admits targets that
 * would otherwise be refused, e.g. a receiver on the internal network, or 127.0.0.1 in tests.
 */
export class WebhookTargetRefused extends Error {
  override readonly name = 'WebhookTargetRefused';
}

/** Names of cloud metadata services: refused before any look-up (they may resolve only inside that cloud). */
const METADATA_NAMES = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
]);

type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

export class WebhookTargetGuard {
  private readonly names = new Set<string>();
  private readonly ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];

  /** @param allowed entries of WEBHOOK_ALLOWED_HOSTS */
  constructor(
    allowed: readonly string[] = [],
    private readonly resolve: Resolver = systemResolver,
  ) {
    for (const raw of allowed) {
      const entry = raw
        .trim()
        .toLowerCase()
        .replace(/^\[(.*)\]$/, '$1');
      if (!entry) continue;
      if (entry.includes('/')) this.ranges.push(ipaddr.parseCIDR(entry));
      else if (ipaddr.isValid(entry)) {
        const ip = ipaddr.parse(entry);
        this.ranges.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
      } else this.names.add(entry.replace(/\.$/, ''));
    }
  }

  /** Parses WEBHOOK_ALLOWED_HOSTS ("a.example, 10.1.0.0/16, 127.0.0.1"); throws naming the entry it cannot read. */
  static parseAllowList(value: string | undefined): string[] {
    const entries = (value ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const e of entries) {
      const bare = e.replace(/^\[(.*)\]$/, '$1');
      if (bare.includes('/') ? !ipaddr.isValidCIDR(bare) : !(ipaddr.isValid(bare) || /^[a-z0-9.-]+$/i.test(bare))) {
        throw new Error(`WEBHOOK_ALLOWED_HOSTS: "${e}" is not a host name, an IP address or a CIDR range`);
      }
    }
    return entries;
  }

  /** Registration: refuses the URL unless its host is allowed now. Resolves names (the system resolver). */
  async check(url: URL): Promise<void> {
    const host = hostOf(url);
    if (this.names.has(host)) return;
    if (ipaddr.isValid(host)) return this.judge(host, host);
    if (METADATA_NAMES.has(host)) throw new WebhookTargetRefused(`${host} is a cloud metadata service`);
    let addresses: { address: string }[];
    try {
      addresses = await this.resolve(host);
    } catch {
      throw new WebhookTargetRefused(`${host} does not resolve`);
    }
    if (addresses.length === 0) throw new WebhookTargetRefused(`${host} does not resolve`);
    for (const a of addresses) this.judge(host, a.address);
  }

  /** Delivery, for a host that is an IP address: the connection skips look-up, so the address is judged here. */
  checkLiteral(url: URL): void {
    const host = hostOf(url);
    if (!this.names.has(host) && ipaddr.isValid(host)) this.judge(host, host);
  }

  /**
   * Delivery, for a host name: the socket's look-up. It resolves, judges every address and hands the connection
   * only the addresses it judged, so a name that resolved to a public address at registration and to 127.0.0.1
   * now (DNS rebinding) is refused, and the connection goes to exactly what was checked.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const host = hostname.toLowerCase().replace(/\.$/, '');
    const done = callback as (err: Error | null, address: string | dns.LookupAddress[], family?: number) => void;
    const judged = this.names.has(host)
      ? this.resolve(host)
      : METADATA_NAMES.has(host)
        ? Promise.reject(new WebhookTargetRefused(`${host} is a cloud metadata service`))
        : this.resolve(host).then((list) => {
            for (const a of list) this.judge(host, a.address);
            return list;
          });
    judged.then(
      (list) => {
        const wanted =
          options.family === 4 || options.family === 6 ? list.filter((a) => a.family === options.family) : list;
        if (wanted.length === 0)
          return done(Object.assign(new Error(`${host} does not resolve`), { code: 'ENOTFOUND' }), '', 0);
        if (options.all) return done(null, wanted);
        const first = wanted[0] as dns.LookupAddress;
        done(null, first.address, first.family);
      },
      (err: Error) => done(err, '', 0),
    );
  };

  private judge(host: string, address: string): void {
    let ip = ipaddr.parse(address);
    if (this.ranges.some((r) => ip.kind() === r[0].kind() && ip.match(r))) return;
    if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) {
      ip = (ip as ipaddr.IPv6).toIPv4Address();
      if (this.ranges.some((r) => ip.kind() === r[0].kind() && ip.match(r))) return;
    }
    const range = ip.range();
    if (range !== 'unicast') {
      const what = host === address ? address : `${host} resolves to ${address}, which`;
      throw new WebhookTargetRefused(`${what} is not a public address (${range}); WEBHOOK_ALLOWED_HOSTS can allow it`);
    }
  }
}

/** The URL's host as the URL parser normalised it, without IPv6 brackets or a trailing dot, lower case. */
function hostOf(url: URL): string {
  return url.hostname
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}
