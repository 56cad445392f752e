import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccountView } from './accounts';
import type { TokenFaultSpec } from './faults';
import { readBody, sendJson } from './http-io';
import { isSimulatedProvider } from './providers';
import type { AccountPatch, AccountSpec, PartnerSpec, SimulatorSettings, TokenSpec } from './specs';
import { SimulatorSpecError } from './specs';
import type { SimulatorStats } from './stats';

/** The state operations the admin API exposes (the same ones the programmatic API offers). */
export interface SimulatorAdmin {
  stats(): SimulatorStats;
  resetStats(): void;
  reset(): void;
  registerPartners(specs: PartnerSpec[]): number;
  partnerCounts(): Record<string, number>;
  putAccounts(specs: AccountSpec[], options?: { replace?: boolean }): number;
  patchAccount(
    provider: string,
    accountNo: string,
    patch: AccountPatch,
    msId?: string,
  ): AccountView;
  account(provider: string, accountNo: string, msId?: string): AccountView | undefined;
  accounts(provider?: string): AccountView[];
  setTokenFaults(provider: string, clientId: string, faults: TokenFaultSpec[]): void;
  revokeTokens(filter?: { provider?: string; clientId?: string }): number;
  /** Holds tokens the simulator did not issue (a provider page's token, to replay its request). */
  holdTokens(specs: TokenSpec[]): number;
  settings(): SimulatorSettings;
  updateSettings(patch: Partial<SimulatorSettings>): SimulatorSettings;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const ADMIN_BODY_LIMIT = 64 * 1024 * 1024;

/**
 * `/admin/*`: JSON endpoints without SNAP signatures, for tests and demos only. Never expose
 * the simulator beyond the machine or the test network.
 *
 * | method | path | body → answer |
 * | --- | --- | --- |
 * | GET | /admin/stats | → {@link SimulatorStats} |
 * | POST | /admin/stats/reset | → `{ok}` |
 * | POST | /admin/reset | back to the start-up partners and accounts; tokens, ids and stats cleared |
 * | GET | /admin/accounts[?provider=] | → `AccountView[]` |
 * | PUT | /admin/accounts | `AccountSpec[]` or `{accounts}`: replaces every account → `{count}` |
 * | POST | /admin/accounts | `AccountSpec[]` or `{accounts}`: adds or replaces these → `{count}` |
 * | GET | /admin/accounts/:provider/:accountNo[?msId=] | → `AccountView` |
 * | PATCH | /admin/accounts/:provider/:accountNo[?msId=] | `AccountPatch` → `AccountView` |
 * | GET | /admin/partners | → client ids per provider |
 * | POST | /admin/partners | `PartnerSpec[]` or `{partners}` → `{count}` |
 * | PUT | /admin/partners/:provider/:clientId/token-faults | `TokenFaultSpec[]` or `{faults}` → `{ok}` |
 * | POST | /admin/tokens/revoke | `{provider?, clientId?}` → `{revoked}` |
 * | POST | /admin/tokens | `[token]` or `{tokens}` → `{count}` |
 * | GET, PATCH | /admin/settings | `Partial<SimulatorSettings>` → settings |
 */
export async function handleAdmin(
  admin: SimulatorAdmin,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
): Promise<void> {
  try {
    const body = async () => {
      const raw = await readBody(req, ADMIN_BODY_LIMIT);
      if (raw.length === 0) return {};
      try {
        return JSON.parse(raw.toString('utf8')) as unknown;
      } catch {
        throw new HttpError(400, 'body is not JSON');
      }
    };
    const result = await route(admin, req.method ?? 'GET', path, query, body);
    sendJson(res, 200, result);
  } catch (e) {
    if (e instanceof SimulatorSpecError)
      sendJson(res, 400, { error: e.message, problems: e.problems });
    else if (e instanceof HttpError) sendJson(res, e.status, { error: e.message });
    else throw e;
  }
}

function list<T>(body: unknown, key: string): T[] {
  if (Array.isArray(body)) return body as T[];
  const inner = (body as Record<string, unknown> | null)?.[key];
  if (Array.isArray(inner)) return inner as T[];
  throw new HttpError(400, `body must be an array or {"${key}": [...]}`);
}

/** A path segment decoded; a malformed escape (`%E0%A4%A`) is the caller's mistake: 400. */
function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new HttpError(400, `path segment ${JSON.stringify(part)} is not valid percent-encoding`);
  }
}

function provider(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (!isSimulatedProvider(value))
    throw new HttpError(404, `unknown provider ${JSON.stringify(value)}`);
  return value;
}

async function route(
  admin: SimulatorAdmin,
  method: string,
  path: string,
  query: URLSearchParams,
  body: () => Promise<unknown>,
): Promise<unknown> {
  const parts = path.split('/').filter(Boolean).map(decodePart); // ['admin', ...]
  switch (`${method} ${parts.slice(1).join('/')}`) {
    case 'GET stats':
      return admin.stats();
    case 'POST stats/reset':
      admin.resetStats();
      return { ok: true };
    case 'POST reset':
      admin.reset();
      return { ok: true };
    case 'GET accounts':
      return admin.accounts(provider(query.get('provider')));
    case 'PUT accounts':
      return { count: admin.putAccounts(list(await body(), 'accounts'), { replace: true }) };
    case 'POST accounts':
      return { count: admin.putAccounts(list(await body(), 'accounts')) };
    case 'GET partners':
      return admin.partnerCounts();
    case 'POST partners':
      return { count: admin.registerPartners(list(await body(), 'partners')) };
    case 'POST tokens/revoke': {
      const b = await body();
      if (typeof b !== 'object' || b === null || Array.isArray(b)) {
        throw new HttpError(400, 'body must be an object {"provider"?, "clientId"?}');
      }
      const { provider: p, clientId } = b as { provider?: unknown; clientId?: unknown };
      if (p !== undefined && p !== null && typeof p !== 'string') {
        throw new HttpError(400, `provider ${JSON.stringify(p)} must be a string`);
      }
      if (clientId !== undefined && typeof clientId !== 'string') {
        throw new HttpError(400, `clientId ${JSON.stringify(clientId)} must be a string`);
      }
      return {
        revoked: admin.revokeTokens({
          provider: provider(p as string | null | undefined),
          clientId,
        }),
      };
    }
    case 'POST tokens':
      return { count: admin.holdTokens(list(await body(), 'tokens')) };
    case 'GET settings':
      return admin.settings();
    case 'PATCH settings':
      return admin.updateSettings((await body()) as Partial<SimulatorSettings>);
  }
  if (
    parts[1] === 'partners' &&
    parts[4] === 'token-faults' &&
    parts.length === 5 &&
    method === 'PUT'
  ) {
    const p = provider(parts[2])!;
    admin.setTokenFaults(p, parts[3], list(await body(), 'faults'));
    return { ok: true };
  }
  if (parts[1] === 'accounts' && parts.length === 4) {
    const p = provider(parts[2])!;
    const msId = query.get('msId') ?? undefined;
    const missing = () =>
      new HttpError(
        404,
        `no ${p} account ${JSON.stringify(parts[3])}${msId !== undefined ? ` seller ${JSON.stringify(msId)}` : ''}`,
      );
    if (method === 'GET') {
      const view = admin.account(p, parts[3], msId);
      if (!view) throw missing();
      return view;
    }
    if (method === 'PATCH') {
      if (!admin.account(p, parts[3], msId)) throw missing();
      return admin.patchAccount(p, parts[3], (await body()) as AccountPatch, msId);
    }
  }
  throw new HttpError(404, `no admin endpoint ${method} ${path}`);
}
