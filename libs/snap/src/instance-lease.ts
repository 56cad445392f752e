import { randomUUID } from 'node:crypto';
import { ExternalIdGenerator, randomInstanceId } from './external-id';

/** The minimal Redis surface a lease needs (ioredis' `Redis` and `Cluster` both fit). */
export interface LeaseRedis {
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<string | null>;
  eval(script: string, keys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** Renews the lease if still ours, takes it back if Redis lost it; 0 when another holds it. */
const RENEW = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Options of an {@link InstanceLease}. */
export interface InstanceLeaseOptions {
  /** Prefix of the lease keys; the instance number is appended (`<prefix>:<n>`). */
  keyPrefix: string;
  /** Lifetime of a lease without renewal (default 60 s). */
  ttlMs?: number;
  /** Renewal period (default a third of the lifetime). */
  renewEveryMs?: number;
  /** Told when the lease had to move or was taken back (for a log line). */
  onChange?: (event: { from: number; to: number; reason: string }) => void;
  /** The next instance number to try (default: uniformly random in 0..9,999,999). */
  pick?: () => number;
}

/**
 * The instance number of this process's X-EXTERNAL-IDs, leased in Redis so that no two
 * processes sharing it hold the same number, even after Redis lost every key.
 *
 * Each process draws a random number out of 10,000,000 and leases it (`SET NX PX`); a number
 * another process holds is skipped. The lease is renewed every `renewEveryMs`; when Redis has
 * lost it (restarted empty, or an asynchronous failover) the renewal takes it back, and when
 * meanwhile another process took it, this process moves to a new number before its next
 * renewal. So two processes can share a number only between a wipe and the next renewal, and
 * only if the newcomer drew exactly that number (1 in 10,000,000 per process started in
 * that window); even then an id repeats only if both also sent the same sequence number in the
 * same millisecond. The generator's sequence never goes back, whatever its number.
 */
export class InstanceLease {
  readonly ids: ExternalIdGenerator;
  private readonly token = randomUUID();
  private readonly ttlMs: number;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<unknown> | null = null;
  private held = 0;

  private constructor(
    private readonly redis: LeaseRedis,
    private readonly options: InstanceLeaseOptions,
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.ids = new ExternalIdGenerator(0);
  }

  /** Leases a free instance number and starts renewing it. */
  static async acquire(redis: LeaseRedis, options: InstanceLeaseOptions): Promise<InstanceLease> {
    const lease = new InstanceLease(redis, options);
    lease.held = await lease.leaseFree();
    lease.ids.reassign(lease.held);
    lease.start();
    return lease;
  }

  /** The instance number held now. */
  get instanceId(): number {
    return this.held;
  }

  /**
   * Renews the lease; takes it back if Redis lost it, moves to a free number if another
   * process took it meanwhile. Called by the timer; exposed for tests.
   */
  async renew(): Promise<void> {
    const answer = Number(
      await this.redis.eval(RENEW, 1, this.key(this.held), this.token, this.ttlMs),
    );
    if (answer === 1) return;
    const from = this.held;
    if (answer === 2) {
      this.options.onChange?.({ from, to: from, reason: 'lease lost by Redis; taken back' });
      return;
    }
    const to = await this.leaseFree();
    this.held = to;
    this.ids.reassign(to);
    this.options.onChange?.({ from, to, reason: 'lease taken by another process; moved' });
  }

  /** Stops renewing and frees the number. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
    await this.redis.eval(RELEASE, 1, this.key(this.held), this.token).catch(() => undefined);
  }

  private start(): void {
    const every = this.options.renewEveryMs ?? Math.floor(this.ttlMs / 3);
    this.timer = setInterval(() => {
      if (this.renewing) return;
      // Redis down: the next renewal tries again (the lease outlives two missed renewals).
      this.renewing = this.renew()
        .catch(() => undefined)
        .finally(() => (this.renewing = null));
    }, every);
    this.timer.unref();
  }

  private async leaseFree(): Promise<number> {
    const pick = this.options.pick ?? randomInstanceId;
    for (let tries = 0; tries < 100; tries++) {
      const n = pick();
      if ((await this.redis.set(this.key(n), this.token, 'PX', this.ttlMs, 'NX')) === 'OK') {
        return n;
      }
    }
    throw new Error('no free X-EXTERNAL-ID instance number after 100 tries');
  }

  private key(n: number): string {
    return `${this.options.keyPrefix}:${n}`;
  }
}
