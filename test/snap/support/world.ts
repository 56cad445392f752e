import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import {
  CredentialRegistry,
  ExternalIdGenerator,
  loadPrivateKey,
  ProfileOverrides,
  ProviderName,
  randomInstanceId,
  Secret,
  SnapClientDeps,
  SnapClientFactory,
  SnapCredentials,
  SnapHttp,
} from '@app/snap';
import {
  AccountSpec,
  createSnapSimulator,
  PartnerSpec,
  SnapSimulator,
  SnapSimulatorOptions,
} from '../../../apps/snap-simulator/src';
import { PemKeyPair, pemBody, rsaKeyPair } from './keys';
import { memoryLogger, memorySnapLogger } from './logs';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A random suffix for ids and key prefixes, so test files never share state. */
export function uniq(n = 6): string {
  return randomBytes(n).toString('hex');
}

/** One partner identity: what the simulator registers and what the client signs with. */
export interface TestPartner {
  provider: ProviderName;
  clientId: string;
  clientSecret: string;
  channelId?: string;
  keys: PemKeyPair;
}

/** Makes a partner with a key of the provider's usual kind (Netzme 512-bit PKCS#1, else 2048-bit PKCS#8). */
export function makePartner(provider: ProviderName, keys?: PemKeyPair): TestPartner {
  const id = uniq(4).toUpperCase();
  return {
    provider,
    clientId: provider === 'nicepay' ? `NP${id}` : `${provider.toUpperCase()}-${id}`,
    clientSecret: `secret-${provider}-${uniq(12)}`,
    channelId: provider === 'netzme' ? '95221' : provider === 'finnet' ? '12345' : undefined,
    keys: keys ?? (provider === 'netzme' ? rsaKeyPair(512, 'pkcs1') : rsaKeyPair(2048, 'pkcs8')),
  };
}

export function partnerSpec(p: TestPartner): PartnerSpec {
  return {
    provider: p.provider,
    clientId: p.clientId,
    clientSecret: p.clientSecret,
    publicKeyPem: p.keys.publicKeyPem,
    channelId: p.channelId,
  };
}

export function credentialsOf(p: TestPartner, baseUrl: string, name = 'default'): SnapCredentials {
  return {
    provider: p.provider,
    name,
    baseUrl,
    clientId: p.clientId,
    partnerId: p.clientId,
    clientSecret: new Secret(p.clientSecret),
    privateKey: loadPrivateKey(p.keys.privateKeyPem),
    channelId: p.channelId,
  };
}

/** Texts that must never be logged: secrets, PEM bodies and their lines. */
export function secretsOf(p: TestPartner): string[] {
  const lines = p.keys.privateKeyPem.split('\n').filter((l) => l && !l.startsWith('-----'));
  return [p.clientSecret, pemBody(p.keys.privateKeyPem), ...lines];
}

export interface WorldOptions {
  accounts?: AccountSpec[];
  simulator?: Omit<SnapSimulatorOptions, 'partners' | 'accounts' | 'logger'>;
  /** Client read timeout (ms). */
  readMs?: number;
  deps?: Partial<SnapClientDeps>;
}

/**
 * A simulator on a free port with one partner per provider, a Redis connection, and a
 * SnapClientFactory wired to both; every log line is kept. `close()` releases all of it and
 * deletes this world's Redis keys.
 */
export class World {
  readonly partners: Record<ProviderName, TestPartner>;
  readonly simLogs: { lines: string[] };
  readonly clientLogs: { lines: string[] };
  readonly sim: SnapSimulator;
  readonly keyPrefix = `test:snap:${uniq()}`;
  readonly redis = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
  readonly extraRedis: Redis[] = [];
  readonly https: SnapHttp[] = [];
  baseUrl = '';
  http!: SnapHttp;
  factory!: SnapClientFactory;
  tokenEvents: string[] = [];

  private constructor(private readonly options: WorldOptions) {
    this.partners = {
      netzme: makePartner('netzme'),
      nicepay: makePartner('nicepay'),
      finnet: makePartner('finnet'),
    };
    const sim = memoryLogger('debug');
    this.simLogs = sim;
    this.clientLogs = memoryLogger('debug');
    this.sim = createSnapSimulator({
      ...options.simulator,
      partners: Object.values(this.partners).map(partnerSpec),
      accounts: options.accounts ?? [],
      logger: sim.logger,
    });
  }

  static async create(options: WorldOptions = {}): Promise<World> {
    const world = new World(options);
    world.baseUrl = await world.sim.start(0);
    world.http = world.newHttp();
    world.factory = world.newFactory();
    return world;
  }

  newHttp(): SnapHttp {
    const http = new SnapHttp({ connectMs: 2_000, readMs: this.options.readMs ?? 5_000 });
    this.https.push(http);
    return http;
  }

  /** A factory standing for one process: its own Redis connection, HTTP agent and id generator. */
  newFactory(
    deps: Partial<SnapClientDeps> = {},
    redis: Redis = this.redis,
    profileOverrides: Partial<Record<ProviderName, ProfileOverrides>> = {},
  ): SnapClientFactory {
    const registry = new CredentialRegistry(
      Object.values(this.partners).map((p) => credentialsOf(p, this.baseUrl)),
    );
    const { logger } = memorySnapLogger(this.clientLogs.lines);
    return new SnapClientFactory(
      registry,
      {
        http: this.http,
        redis,
        ids: new ExternalIdGenerator(randomInstanceId()),
        logger,
        tokenKeyPrefix: this.keyPrefix,
        onTokenIssued: (provider, set) => this.tokenEvents.push(`${provider}/${set}`),
        ...this.options.deps,
        ...deps,
      },
      profileOverrides,
    );
  }

  /** Another Redis connection (another "process"). */
  newRedis(): Redis {
    const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    this.extraRedis.push(r);
    return r;
  }

  /** Every secret of every partner, plus the given extra texts. */
  secrets(extra: string[] = []): string[] {
    return [...Object.values(this.partners).flatMap(secretsOf), ...extra];
  }

  /** Deletes this world's Redis keys (shared tokens, locks). */
  async clearRedis(): Promise<void> {
    const keys = await this.redis.keys(`${this.keyPrefix}*`);
    if (keys.length) await this.redis.del(...keys);
  }

  async close(): Promise<void> {
    await this.sim.stop();
    for (const h of this.https) await h.close();
    await this.clearRedis();
    for (const r of this.extraRedis) r.disconnect();
    this.redis.disconnect();
  }
}
