import { createServer, Server, Socket } from 'node:net';
import IORedis from 'ioredis';
import { LoginFailures } from './login-failures';

/**
 * A Redis that hangs: it answers the client's ready check (`INFO`, "loading:0") so the client
 * is ready, then never answers anything else.
 */
async function hangingRedis(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', (data) => {
      if (!/info/i.test(data.toString())) return;
      const info = '# Server\r\nloading:0\r\n';
      socket.write(`$${Buffer.byteLength(info)}\r\n${info}\r\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, sockets };
}

describe('failed logins when Redis is not there', () => {
  it('a Redis connection that is not ready: each failure is counted in memory, once', async () => {
    // Never connected: its status stays "wait", so the Redis limiter refuses at once.
    const client = new IORedis({ port: 1, host: '127.0.0.1', lazyConnect: true });
    try {
      const failures = new LoginFailures(2, { client, keyPrefix: 'test:login-failures' });
      expect(await failures.record('10.0.0.1')).toBe(1);
      expect(await failures.waitMs('10.0.0.1')).toBe(0);
      expect(await failures.record('10.0.0.1')).toBe(2);
      expect(await failures.waitMs('10.0.0.1')).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
  });

  // Held for the outage, the first check would never end: the test's own time limit fails it.
  it('a check does not wait for a Redis that never answers: it counts in memory after the timeout', async () => {
    const { server, port, sockets } = await hangingRedis();
    // As the apps' shared connection: commands wait through an outage (maxRetriesPerRequest null).
    const client = new IORedis({
      port,
      host: '127.0.0.1',
      maxRetriesPerRequest: null,
    });
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      expect(client.status).toBe('ready');
      const failures = new LoginFailures(2, { client, keyPrefix: 'test:login-failures' });
      expect(await failures.waitMs('10.0.0.1')).toBe(0);
      expect(await failures.record('10.0.0.1')).toBe(1);
      expect(await failures.record('10.0.0.1')).toBe(2);
      expect(await failures.waitMs('10.0.0.1')).toBeGreaterThan(0);
      expect(await failures.waitMs('10.0.0.2')).toBe(0);
    } finally {
      client.disconnect();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 10_000);
});
