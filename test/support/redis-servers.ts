import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import IORedis from 'ioredis';
import { freePort } from '../chaos/support/services';

const run = promisify(execFile);

/**
 * Private `redis-server` processes (Redis 7 on the PATH) for the Cluster and Sentinel tests:
 * free ports, one temp folder, no persistence, every child killed by `stop()`. The machine's
 * shared Redis is never touched.
 */
export class RedisServers {
  private readonly children = new Map<number, ChildProcess>();
  readonly dir = mkdtempSync(join(tmpdir(), 'snap-recon-redis-'));

  /** A redis-server on a free port with extra arguments; waits until it answers. */
  async server(args: string[] = [], password?: string): Promise<number> {
    const port = await freePort();
    const cwd = mkdtempSync(join(this.dir, `${port}-`));
    this.spawn(port, 'redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      cwd,
      ...args,
    ]);
    await this.waitFor(port, password);
    return port;
  }

  /**
   * A 3-master Redis Cluster (no replicas) made with `redis-cli --cluster create`, each node
   * with `password`; resolves with the master ports once every node says `cluster_state:ok`.
   */
  async cluster(password: string): Promise<number[]> {
    const auth = ['--requirepass', password, '--masterauth', password];
    const ports = await Promise.all(
      [0, 1, 2].map(() =>
        this.server(
          ['--cluster-enabled', 'yes', '--cluster-node-timeout', '5000', ...auth],
          password,
        ),
      ),
    );
    await run('redis-cli', [
      '-a',
      password,
      '--no-auth-warning',
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-yes',
    ]);
    for (const port of ports) {
      await this.until(async () => {
        const info = await this.command(port, password, 'CLUSTER', 'INFO');
        return String(info).includes('cluster_state:ok');
      }, `cluster node ${port}`);
    }
    return ports;
  }

  /**
   * A master, one replica and three sentinels (quorum 2, down after 1 s) watching it as
   * `name`: data nodes with `password`, sentinels with `sentinelPassword`.
   */
  async sentinel(
    name: string,
    password: string,
    sentinelPassword: string,
  ): Promise<{ master: number; replica: number; sentinels: number[] }> {
    const auth = ['--requirepass', password, '--masterauth', password];
    const master = await this.server(auth, password);
    const replica = await this.server(
      [...auth, '--replicaof', '127.0.0.1', String(master)],
      password,
    );
    await this.until(async () => {
      const info = await this.command(replica, password, 'INFO', 'replication');
      return String(info).includes('master_link_status:up');
    }, 'replica in sync');
    const sentinels: number[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const conf = join(this.dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${this.dir}`,
          `requirepass ${sentinelPassword}`,
          `sentinel monitor ${name} 127.0.0.1 ${master} 2`,
          `sentinel auth-pass ${name} ${password}`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 5000`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      this.spawn(port, 'redis-server', [conf, '--sentinel']);
      await this.waitFor(port, sentinelPassword);
      sentinels.push(port);
    }
    // Every sentinel knows the others (they find each other through the master's hello channel).
    for (const port of sentinels) {
      await this.until(async () => {
        const seen = (await this.command(
          port,
          sentinelPassword,
          'SENTINEL',
          'SENTINELS',
          name,
        )) as unknown[];
        return seen.length >= 2;
      }, `sentinel ${port} sees the others`);
    }
    return { master, replica, sentinels };
  }

  /**
   * A TLS-only redis-server with `password`, its certificate for 127.0.0.1 signed by a CA
   * made here with openssl; resolves with the port and the CA file clients must trust.
   */
  async tlsServer(password: string): Promise<{ port: number; caFile: string }> {
    const file = (name: string) => join(this.dir, name);
    const openssl = (...args: string[]) => run('openssl', args);
    await openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.crt'),
      '-subj',
      '/CN=snap-recon test CA',
    );
    await openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      file('server.key'),
      '-out',
      file('server.csr'),
      '-subj',
      '/CN=127.0.0.1',
    );
    writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    await openssl(
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      file('server.crt'),
      '-extfile',
      file('server.ext'),
    );
    const port = await freePort();
    const cwd = mkdtempSync(join(this.dir, `${port}-`));
    this.spawn(port, 'redis-server', [
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--tls-cert-file',
      file('server.crt'),
      '--tls-key-file',
      file('server.key'),
      '--tls-ca-cert-file',
      file('ca.crt'),
      '--tls-auth-clients',
      'no',
      '--requirepass',
      password,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      cwd,
    ]);
    const ca = () => readFileSync(file('ca.crt'));
    await this.until(async () => {
      const r = new IORedis({
        port,
        host: '127.0.0.1',
        password,
        tls: { ca: ca() },
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      r.on('error', () => undefined);
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } finally {
        r.disconnect();
      }
    }, `TLS redis-server on ${port}`);
    return { port, caFile: file('ca.crt') };
  }

  /** Kills one server at once (SIGKILL): a crashed master. */
  kill(port: number): void {
    this.children.get(port)?.kill('SIGKILL');
    this.children.delete(port);
  }

  /** Sends one command to a node (a fresh connection). */
  async command(port: number, password: string | undefined, ...args: string[]): Promise<unknown> {
    const r = new IORedis({
      port,
      host: '127.0.0.1',
      password,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    r.on('error', () => undefined);
    try {
      await r.connect();
      return await r.call(args[0], ...args.slice(1));
    } finally {
      r.disconnect();
    }
  }

  /** Kills every server and removes the folder. */
  async stop(): Promise<void> {
    const exits = [...this.children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    );
    await Promise.all(exits);
    this.children.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private spawn(port: number, command: string, args: string[]): void {
    const child = spawn(command, args, { stdio: 'ignore' });
    this.children.set(port, child);
  }

  private waitFor(port: number, password?: string): Promise<void> {
    return this.until(
      async () => (await this.command(port, password, 'PING')) === 'PONG',
      `redis-server on ${port}`,
    );
  }
}
