import { connect, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy to Postgres that drops the startup parameter `options` from each connection's
 * StartupMessage, as PgBouncer does with `ignore_startup_parameters = options`: the connection
 * then has the server's default search_path. `connections` counts the connections it took.
 */
export async function startOptionsDroppingProxy(targetHost: string, targetPort: number) {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((client) => {
    connections += 1;
    const upstream = connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    let head = Buffer.alloc(0);
    const onStartup = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      if (head.length < 4 || head.length < head.readInt32BE(0)) return;
      client.off('data', onStartup);
      const length = head.readInt32BE(0);
      upstream.write(withoutOptions(head.subarray(0, length)));
      if (head.length > length) upstream.write(head.subarray(length));
      client.pipe(upstream);
    };
    client.on('data', onStartup);
    upstream.pipe(client);
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return {
    port,
    get connections() {
      return connections;
    },
    /** A URL like `url` pointing at the proxy instead. */
    via(url: string): string {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
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
