import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { invalidParameter } from '../../core/errors.js';

/**
 * Addresses a webhook may not reach: the server's own loopback, private networks, link-local
 * (where cloud metadata services answer, 169.254.169.254 and fd00:ec2::254), carrier-grade NAT,
 * and the unspecified, multicast and reserved ranges. A rule's author is an editor, not the
 * server's operator: without this the server would POST, and report the answer of, any address
 * it can reach.
 */
const forbidden = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  forbidden.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  forbidden.addSubnet(net, prefix, 'ipv6');

/** Why `address` may not be a webhook's target, or undefined when it may. */
export function forbiddenAddress(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  // An IPv4 address written as IPv6 (::ffff:127.0.0.1, or NAT64's 64:ff9b::7f00:1) reaches IPv4.
  const embedded = family === 6 ? embeddedIpv4(address) : undefined;
  if (embedded !== undefined) return forbiddenAddress(embedded);
  if (!forbidden.check(address, family === 4 ? 'ipv4' : 'ipv6')) return undefined;
  return `${address} is a loopback, private, link-local or reserved address`;
}

/**
 * Where the server may send webhooks: public addresses, plus the hosts the operator allows
 * (`MLOOP_WEBHOOK_ALLOWED_HOSTS`, names or IP addresses, matched exactly, case-insensitively).
 */
export class WebhookTargets {
  private readonly allowed: ReadonlySet<string>;

  constructor(allowedHosts: readonly string[] = []) {
    this.allowed = new Set(allowedHosts.map(hostKey));
  }

  /**
   * Checks a rule's webhook URL when the rule is made: an http(s) URL whose host is allowed, or
   * resolves only to addresses a webhook may reach. Fails naming the `webhookUrl` field.
   */
  async check(url: string): Promise<URL> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw invalidParameter('webhookUrl', `webhookUrl "${url}" is not a URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw invalidParameter('webhookUrl', 'webhookUrl must be an http:// or https:// URL');
    }
    const problem = await this.problemOf(parsed.hostname);
    if (problem) throw invalidParameter('webhookUrl', `webhookUrl may not reach ${problem}`);
    return parsed;
  }

  /** Why a delivery to `host` is refused before connecting (an IP literal), if it is. */
  refusedLiteral(host: string): string | undefined {
    const bare = hostKey(host);
    if (this.allowed.has(bare) || isIP(bare) === 0) return undefined;
    return forbiddenAddress(bare);
  }

  /**
   * The DNS lookup deliveries connect with: the name is resolved once, every address is checked,
   * and the connection goes to the checked address, so a name re-pointed between the check and
   * the connection (DNS rebinding) reaches nothing new.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const allowed = this.allowed.has(hostKey(hostname));
    lookup(hostname, { all: true, family: options.family ?? 0 }).then(
      (addresses) => {
        const refused = allowed ? undefined : addresses.map((a) => forbiddenAddress(a.address)).find(Boolean);
        if (refused) {
          callback(
            Object.assign(new Error(`webhook refused: ${hostname} resolves to ${refused}`), {
              code: 'EREFUSED_ADDRESS',
            }),
            '',
            4,
          );
          return;
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 4),
    );
  };

  private async problemOf(hostname: string): Promise<string | undefined> {
    const host = hostKey(hostname);
    if (this.allowed.has(host)) return undefined;
    if (isIP(host) !== 0) return forbiddenAddress(host);
    let addresses: Array<{ address: string }>;
    try {
      addresses = await lookup(host, { all: true });
    } catch {
      return `${host}, which does not resolve`;
    }
    const refused = addresses.map((a) => forbiddenAddress(a.address)).find(Boolean);
    return refused ? `${host}, which resolves to ${refused}` : undefined;
  }
}

/** A host as URLs and lookups give it, compared without case or IPv6 brackets. */
function hostKey(host: string): string {
  return host.toLowerCase().replace(/^\[|\]$/g, '');
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::/96) IPv6 address. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const prefix = ['::ffff:', '64:ff9b::'].find((p) => lower.startsWith(p));
  if (!prefix) return undefined;
  const rest = lower.slice(prefix.length);
  if (isIP(rest) === 4) return rest;
  const groups = rest.split(':');
  if (groups.length !== 2 || !groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  const [high, low] = groups.map((g) => parseInt(g, 16)) as [number, number];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/**
 * A webhook URL as the API shows it: scheme, host and port only, with `***` for a path, query or
 * credentials, which is where such URLs carry their secret (a Slack hook's path, a `?token=`).
 */
export function maskWebhookUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const secretive =
      parsed.username || parsed.password || parsed.pathname !== '/' || parsed.search || parsed.hash;
    return `${parsed.protocol}//${parsed.host}/${secretive ? '***' : ''}`;
  } catch {
    return '***';
  }
}
