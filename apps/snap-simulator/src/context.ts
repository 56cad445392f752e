import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { AccountStore } from './accounts';
import type { ExternalIdLedger } from './external-ids';
import type { PartnerRegistry } from './partners';
import type { Route } from './provider-rules';
import type { SimulatorSettings } from './specs';
import type { StatsRecorder } from './stats';
import type { TokenStore } from './tokens';

/** The simulator's state, shared by every endpoint. */
export interface SimulatorContext {
  settings: SimulatorSettings;
  partners: PartnerRegistry;
  accounts: AccountStore;
  tokens: TokenStore;
  externalIds: ExternalIdLedger;
  stats: StatsRecorder;
  logger: Logger;
  /** Wall clock in epoch ms (injectable for tests). */
  now: () => number;
  externalIdMaxLength: Record<string, number>;
}

/** One request to a provider endpoint, with the raw bytes received. */
export interface ProviderCall {
  route: Route;
  urlPath: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}
