import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { AccountStore } from './accounts';
import { handleAccountInquiry } from './account-inquiry-endpoint';
import { handleHistory } from './history-endpoint';
import { handleAdmin, SimulatorAdmin } from './admin-api';
import { handleBalanceInquiry } from './balance-endpoint';
import type { ProviderCall, SimulatorContext } from './context';
import { ExternalIdLedger } from './external-ids';
import { header } from './headers';
import { BodyTooLargeError, readBody, send, sendJson, splitTarget } from './http-io';
import { createSimulatorLogger } from './logger';
import { PartnerRegistry } from './partners';
import {
  buildRoutes,
  PROVIDER_RULES,
  resolvePaths,
  resolveRules,
  Route,
  SIMULATED_PROVIDERS,
  SimulatorPathOverrides,
  SimulatorPaths,
  SimulatorRuleOverrides,
} from './provider-rules';
import { outageReply } from './outage-replies';
import { Reply, snapReply } from './replies';
import {
  AccountPatch,
  AccountSpec,
  DEFAULT_SETTINGS,
  parseSpec,
  PartnerSpec,
  settingsSchema,
  SimulatorSettings,
  SimulatorSpecError,
  TokenSpec,
  tokenSpecSchema,
} from './specs';
import { SimulatorStats, StatsRecorder } from './stats';
import { handleTokenRequest } from './token-endpoint';
import { parseTimestamp } from './timestamp-check';
import { TokenStore } from './tokens';
import { drawLatencyMs, drawTimeout } from './latency';

/** How to build a simulator; every setting can also change later (`updateSettings`). */
export interface SnapSimulatorOptions extends Partial<SimulatorSettings> {
  /** Partners known from the start (and after `reset()`). */
  partners?: PartnerSpec[];
  /** Accounts present from the start (and after `reset()`). */
  accounts?: AccountSpec[];
  /** Access tokens held from the start (and after `reset()`), e.g. a provider page's token. */
  tokens?: TokenSpec[];
  /** URL/signed path overrides per provider; defaults are the provider rules' (providers/). */
  paths?: SimulatorPathOverrides;
  /**
   * Per-provider changes to the checks where the pages contradict each other, e.g.
   * `{ finnet: { headers: { partnerId: 'X-PARTNER-ID' }, signatureEncoding: 'hex' } }`
   * (Finnet's general headers page instead of its balance page).
   */
  rules?: SimulatorRuleOverrides;
  /** Longest X-EXTERNAL-ID per provider (defaults: Netzme 32, NICEPay 40, Finnet 36). */
  externalIdMaxLength?: Partial<Record<string, number>>;
  /** A pino logger; by default a JSON logger at `LOG_LEVEL` (info) on stdout. */
  logger?: Logger;
  /** The simulator's wall clock (epoch ms); tests may inject one. */
  now?: () => number;
  /** Largest provider request body accepted (default 1 MiB). */
  maxBodyBytes?: number;
}

/** A running (or startable) SNAP provider simulator. */
export interface SnapSimulator extends SimulatorAdmin {
  /** Listens on `port` (0 = any free port) and `host` (default 127.0.0.1); resolves the base URL. */
  start(port?: number, host?: string): Promise<string>;
  /** Stops listening, drops every connection and held request; never hangs. */
  stop(): Promise<void>;
  /** `http://host:port` once started. */
  readonly baseUrl: string | undefined;
  /** The URL and signed paths served per provider. */
  readonly paths: Record<string, SimulatorPaths>;
  /** Every access token issued since start or `reset()` (in process only, for leak scans). */
  issuedTokens(): string[];
}

/** The instant of the `frozenClock` setting, in epoch ms. */
function frozenAt(text: string): number {
  return parseTimestamp(text)?.ms ?? Date.parse(text);
}

/** Builds a SNAP simulator serving every provider of `providers/` on one port. */
export function createSnapSimulator(options: SnapSimulatorOptions = {}): SnapSimulator {
  const paths = resolvePaths(options.paths);
  const routes = buildRoutes(paths, resolveRules(options.rules));
  const initialSettings = parseSpec(
    settingsSchema,
    {
      ...DEFAULT_SETTINGS,
      ...Object.fromEntries(
        Object.keys(DEFAULT_SETTINGS)
          .map((k) => [k, options[k as keyof SimulatorSettings]])
          .filter(([, v]) => v !== undefined),
      ),
    },
    'simulator settings',
  );
  const wallClock = options.now ?? Date.now;
  const ctx: SimulatorContext = {
    settings: { ...initialSettings },
    partners: new PartnerRegistry(),
    accounts: new AccountStore(),
    tokens: new TokenStore(),
    externalIds: new ExternalIdLedger(),
    stats: new StatsRecorder(),
    logger: options.logger ?? createSimulatorLogger(),
    now: () =>
      ctx.settings.frozenClock !== null ? frozenAt(ctx.settings.frozenClock) : wallClock(),
    externalIdMaxLength: Object.fromEntries(
      SIMULATED_PROVIDERS.map((p) => [
        p,
        options.externalIdMaxLength?.[p] ?? PROVIDER_RULES[p].externalIdMaxLength,
      ]),
    ),
  };
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const timers = new Set<NodeJS.Timeout>();
  let server: Server | undefined;
  let baseUrl: string | undefined;

  /** Holds tokens for registered partners, valid from the simulator's clock. */
  const holdTokens = (specs: readonly TokenSpec[]): number => {
    const parsed = specs.map((raw, i) => parseSpec(tokenSpecSchema, raw, `tokens[${i}]`));
    for (const [i, t] of parsed.entries()) {
      if (!ctx.partners.get(t.provider, t.clientId)) {
        throw new SimulatorSpecError(`tokens[${i}]`, [
          `clientId: no ${t.provider} partner ${JSON.stringify(t.clientId)}`,
        ]);
      }
    }
    const now = ctx.now();
    for (const t of parsed) {
      const lifetime = t.expiresInSeconds ?? ctx.settings.tokenLifetimeSeconds;
      ctx.tokens.hold(t.provider, t.clientId, t.accessToken, now + lifetime * 1000);
    }
    return parsed.length;
  };

  const load = () => {
    ctx.partners.register(options.partners ?? []);
    ctx.accounts.put(options.accounts ?? []);
    holdTokens(options.tokens ?? []);
  };
  load();

  /** Runs `fn` after `ms`, unless the simulator stops or the client goes away first. */
  const later = (res: ServerResponse, ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    res.on('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  };

  const deliver = (
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    reply: Reply,
    started: number,
  ) => {
    ctx.stats.answered(route.provider, route.kind, reply.label);
    ctx.logger.debug(
      {
        provider: route.provider,
        endpoint: route.kind,
        answer: reply.label,
        ms: Math.round(performance.now() - started),
      },
      'answered',
    );
    if (reply.type === 'hold') {
      later(res, ctx.settings.readTimeoutHoldMs, () =>
        sendJson(res, 504, snapReply(route.kind, 504, '00').body),
      );
      return;
    }
    const write = () => {
      if (reply.type === 'reset') {
        const socket = req.socket as typeof req.socket & { resetAndDestroy?: () => void };
        if (socket.resetAndDestroy) socket.resetAndDestroy();
        else socket.destroy();
      } else if (reply.type === 'raw') {
        send(res, reply.status, reply.contentType, reply.text);
      } else {
        sendJson(res, reply.status, reply.body, reply.headers);
      }
    };
    const delay = drawLatencyMs(ctx.settings) + (reply.delayMs ?? 0);
    if (delay > 0) later(res, delay, write);
    else write();
  };

  const handleProvider = async (
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    urlPath: string,
  ) => {
    const started = performance.now();
    ctx.stats.arrived(route.provider, route.kind);
    let body: Buffer;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (e) {
      if (!(e instanceof BodyTooLargeError)) throw e;
      ctx.logger.warn(
        { provider: route.provider, endpoint: route.kind, reason: e.message },
        'request rejected',
      );
      deliver(req, res, route, snapReply(route.kind, 400, '00', '[body too large]'), started);
      return;
    }
    const call: ProviderCall = { route, urlPath, headers: req.headers, body };
    let reply: Reply;
    const outage = ctx.settings.outages[route.provider];
    if (outage) {
      deliver(req, res, route, outageReply(route.kind, outage), started);
      return;
    }
    if (drawTimeout(ctx.settings)) {
      // A provider's occasional lost request: held like the `read-timeout` fault, unprocessed.
      deliver(req, res, route, outageReply(route.kind, 'hang'), started);
      return;
    }
    try {
      reply =
        route.kind === 'token'
          ? handleTokenRequest(ctx, call)
          : route.kind === 'balance'
            ? handleBalanceInquiry(ctx, call)
            : route.kind === 'history'
              ? handleHistory(ctx, call)
              : handleAccountInquiry(ctx, call);
    } catch (e) {
      ctx.logger.error({ provider: route.provider, endpoint: route.kind, err: e }, 'simulator bug');
      reply = snapReply(route.kind, 500, '01');
    }
    deliver(req, res, route, reply, started);
  };

  /**
   * The provider a request is for when several share its path: for a token request the one
   * that knows its X-CLIENT-KEY, for a transactional call the one whose token it presents;
   * otherwise the first (whose checks then refuse it).
   */
  const pickRoute = (candidates: Route[], req: IncomingMessage): Route => {
    if (candidates.length === 1) return candidates[0];
    if (candidates[0].kind === 'token') {
      const clientId = header(req.headers, 'X-CLIENT-KEY');
      return (
        (clientId !== undefined &&
          candidates.find((r) => ctx.partners.get(r.provider, clientId))) ||
        candidates[0]
      );
    }
    const holder = ctx.tokens.providerOf(header(req.headers, 'Authorization'));
    return candidates.find((r) => r.provider === holder) ?? candidates[0];
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const { path: urlPath, query } = splitTarget(req.url);
    const work = async () => {
      if (urlPath === '/admin' || urlPath.startsWith('/admin/')) {
        return handleAdmin(api, req, res, urlPath, query());
      }
      if (urlPath === '/health' && req.method === 'GET')
        return sendJson(res, 200, { status: 'ok' });
      const candidates = routes.get(urlPath);
      const route = candidates && pickRoute(candidates, req);
      if (!route || req.method !== route.method) {
        ctx.stats.unroutedRequest();
        ctx.logger.warn({ method: req.method, path: urlPath }, 'no such endpoint');
        req.resume();
        return sendJson(res, route ? 405 : 404, {
          responseCode: route ? '4050000' : '4040000',
          responseMessage: `${route ? 'Method Not Allowed' : 'Not Found'} [${req.method} ${urlPath}]`,
        });
      }
      return handleProvider(req, res, route, urlPath);
    };
    work().catch((e: unknown) => {
      ctx.logger.error({ path: urlPath, err: e }, 'request failed');
      sendJson(res, 500, { error: 'simulator error' });
    });
  };

  const api: SnapSimulator = {
    get baseUrl() {
      return baseUrl;
    },
    paths,

    async start(port = 0, host = '127.0.0.1') {
      if (server) throw new Error('simulator already started');
      const s = createServer(onRequest);
      s.keepAliveTimeout = 65_000;
      server = s;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, host, () => {
          s.off('error', reject);
          resolve();
        });
      });
      const address = s.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      baseUrl = `http://${shownHost}:${address.port}`;
      ctx.stats.watchStalls();
      ctx.logger.info(
        { baseUrl, partners: ctx.partners.counts(), accounts: ctx.accounts.counts() },
        'SNAP simulator listening (test use only: never expose it)',
      );
      return baseUrl;
    },

    async stop() {
      const s = server;
      if (!s) return;
      server = undefined;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      ctx.stats.unwatchStalls();
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
      ctx.logger.info({ baseUrl }, 'SNAP simulator stopped');
      baseUrl = undefined;
    },

    issuedTokens: () => [...ctx.tokens.issued],
    stats: (): SimulatorStats => ctx.stats.snapshot(),
    resetStats: () => ctx.stats.reset(),
    reset() {
      ctx.partners.clear();
      ctx.accounts.clear();
      ctx.tokens.clear();
      ctx.externalIds.clear();
      ctx.stats.reset();
      ctx.settings = { ...initialSettings };
      load();
      ctx.logger.info({}, 'simulator reset');
    },
    registerPartners(specs) {
      const n = ctx.partners.register(specs);
      ctx.logger.info({ count: n }, 'partners registered');
      return n;
    },
    partnerCounts: () => ctx.partners.counts(),
    putAccounts(specs, opts = {}) {
      const n = ctx.accounts.put(specs, opts.replace ?? false);
      ctx.logger.info({ count: n, replace: opts.replace ?? false }, 'accounts stored');
      return n;
    },
    patchAccount(provider: string, accountNo: string, patch: AccountPatch, msId?: string) {
      const view = ctx.accounts.patch(provider, accountNo, patch, msId);
      ctx.logger.info(
        {
          provider,
          accountNo,
          ...(msId !== undefined ? { msId } : {}),
          fields: Object.keys(patch),
        },
        'account patched',
      );
      return view;
    },
    account: (provider, accountNo, msId) => ctx.accounts.get(provider, accountNo, msId)?.view(),
    accounts: (provider) => ctx.accounts.list(provider).map((a) => a.view()),
    setTokenFaults(provider, clientId, faults) {
      ctx.partners.setTokenFaults(provider, clientId, faults);
      ctx.logger.info(
        { provider, clientId, faults: faults.map((f) => f.kind) },
        'token faults set',
      );
    },
    revokeTokens(filter = {}) {
      const n = ctx.tokens.revokeWhere(filter);
      ctx.logger.info({ ...filter, revoked: n }, 'tokens revoked');
      return n;
    },
    holdTokens(specs) {
      const n = holdTokens(specs);
      ctx.logger.info({ count: n }, 'tokens held');
      return n;
    },
    settings: () => ({ ...ctx.settings }),
    updateSettings(patch) {
      ctx.settings = parseSpec(settingsSchema, { ...ctx.settings, ...patch }, 'settings');
      ctx.logger.info({ settings: ctx.settings }, 'settings changed');
      return { ...ctx.settings };
    },
  };
  return api;
}
