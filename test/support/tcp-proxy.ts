import { createServer, connect, Server, Socket } from 'node:net';

/**
 * A TCP proxy to a real service (Postgres, Redis) on a free port, so a test can take the
 * service away from one app without touching the shared service: `cut()` closes every
 * connection and refuses new ones, `restore()` listens again on the same port. `rewriteStart`
 * sees each connection's first bytes from the client, as they accumulate, and returns what to
 * send upstream instead once it has enough (undefined: wait for more); the rest is passed as is.
 */
export async function startTcpProxy(
  targetHost: string,
  targetPort: number,
  options: { recordSent?: boolean; rewriteStart?: (head: Buffer) => Buffer | undefined } = {},
) {
  const sockets = new Set<Socket>();
  let server: Server;
  let sent = '';
  let connections = 0;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server = createServer((client) => {
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
        if (options.recordSent)
          client.on('data', (chunk: Buffer) => (sent += chunk.toString('latin1')));
        upstream.pipe(client);
        const rewrite = options.rewriteStart;
        if (!rewrite) {
          client.pipe(upstream);
          return;
        }
        let head = Buffer.alloc(0);
        const onStart = (chunk: Buffer) => {
          head = Buffer.concat([head, chunk]);
          const rewritten = rewrite(head);
          if (rewritten === undefined) return;
          client.off('data', onStart);
          upstream.write(rewritten);
          client.pipe(upstream);
        };
        client.on('data', onStart);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
  const port = await listen(0);
  const closeAll = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return {
    port,
    /** Connections the proxy has taken since it started. */
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
    /** With `recordSent`: what clients have sent through it since it started or the last call. */
    takeSent(): string {
      const text = sent;
      sent = '';
      return text;
    },
    cut: closeAll,
    restore: async () => {
      await listen(port);
    },
    close: closeAll,
  };
}
