import { startTcpProxy } from './tcp-proxy';

/**
 * A TCP proxy to Postgres that drops the startup parameter `options` from each connection's
 * StartupMessage, as PgBouncer does with `ignore_startup_parameters = options`: the connection
 * then has the server's default search_path.
 */
export function startOptionsDroppingProxy(targetHost: string, targetPort: number) {
  return startTcpProxy(targetHost, targetPort, { rewriteStart: startWithoutOptions });
}

/** The connection's first bytes with the StartupMessage rewritten, once it has all arrived. */
function startWithoutOptions(head: Buffer): Buffer | undefined {
  if (head.length < 4 || head.length < head.readInt32BE(0)) return undefined;
  const length = head.readInt32BE(0);
  return Buffer.concat([withoutOptions(head.subarray(0, length)), head.subarray(length)]);
}

/** A StartupMessage (length, protocol, key\0value\0 pairs, \0) without its `options` pair. */
function withoutOptions(message: Buffer): Buffer {
  const protocol = message.readInt32BE(4);
  if (protocol !== 196608) return message; // not a StartupMessage (SSLRequest, cancel)
  const fields = message
    .subarray(8, message.length - 1)
    .toString('utf8')
    .split('\0');
  const kept: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2)
    if (fields[i] !== 'options') kept.push(fields[i], fields[i + 1]);
  const body = Buffer.from(`${kept.join('\0')}\0\0`, 'utf8');
  const out = Buffer.alloc(8 + body.length);
  out.writeInt32BE(out.length, 0);
  out.writeInt32BE(protocol, 4);
  body.copy(out, 8);
  return out;
}
