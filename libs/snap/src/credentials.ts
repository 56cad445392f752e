import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { loadPrivateKey } from './signing';
import { PROVIDERS, ProviderName, isProviderName } from './providers/index';
import { Secret } from './secret';
import { rememberPemSecret } from './secret-values';

/** The name of the credential set built from the `SNAP_<PROVIDER>_*` variables. */
export const DEFAULT_CREDENTIAL_SET = 'default';

/** One partner identity at one provider. Printing it never shows the secret or the key. */
export interface SnapCredentials {
  provider: ProviderName;
  /** `default`, or the set's name in the credentials file. */
  name: string;
  baseUrl: string;
  clientId: string;
  /** The value of the partner-id header; the client id unless configured. */
  partnerId: string;
  clientSecret: Secret;
  privateKey: KeyObject;
  channelId?: string;
}

/** Raised at start-up with every problem found; never contains a secret value. */
export class CredentialsConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid SNAP credentials:\n  - ${problems.join('\n  - ')}`);
    this.name = 'CredentialsConfigError';
  }
}

/** The fields of one credential set, as written in env or the JSON file. */
interface RawCredentialFields {
  baseUrl?: unknown;
  clientId?: unknown;
  clientSecret?: unknown;
  privateKey?: unknown;
  privateKeyFile?: unknown;
  channelId?: unknown;
  partnerId?: unknown;
}

type ReadFile = (path: string) => string;

function checkUrl(value: unknown, where: string, problems: string[]): string | undefined {
  if (typeof value !== 'string' || value === '') {
    problems.push(`${where}: required`);
    return undefined;
  }
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
    return value.replace(/\/+$/, '');
  } catch {
    problems.push(`${where}: ${JSON.stringify(value)} is not an http(s) URL`);
    return undefined;
  }
}

function checkText(
  value: unknown,
  where: string,
  problems: string[],
  required: boolean,
): string | undefined {
  if (value === undefined || value === '') {
    if (required) problems.push(`${where}: required`);
    return undefined;
  }
  if (typeof value !== 'string') {
    problems.push(`${where}: must be a string`);
    return undefined;
  }
  return value;
}

/**
 * Parsed private keys by PEM: many credential sets may share one key (e.g. thousands of Finnet
 * merchants of one partner), and a key object costs ~0.6 ms to parse and ~3 KB of native
 * memory each; one object per distinct key also signs faster (its precomputations are reused).
 */
const parsedKeys = new Map<string, KeyObject>();

/** Validates one credential set; secret values are never echoed into problems. */
function buildSet(
  provider: ProviderName,
  name: string,
  raw: RawCredentialFields,
  names: Record<keyof RawCredentialFields, string>,
  readFile: ReadFile,
  problems: string[],
): SnapCredentials | undefined {
  const before = problems.length;
  const baseUrl = checkUrl(raw.baseUrl, names.baseUrl, problems);
  const clientId = checkText(raw.clientId, names.clientId, problems, true);
  const secret = checkText(raw.clientSecret, names.clientSecret, problems, true);
  const channelId = checkText(raw.channelId, names.channelId, problems, false);
  const partnerId = checkText(raw.partnerId, names.partnerId, problems, false);
  let pem = checkText(raw.privateKey, names.privateKey, problems, false);
  const keyFile = checkText(raw.privateKeyFile, names.privateKeyFile, problems, false);
  if (pem === undefined && keyFile !== undefined) {
    try {
      pem = readFile(keyFile);
    } catch (e) {
      problems.push(
        `${names.privateKeyFile}: cannot read ${JSON.stringify(keyFile)} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  } else if (pem === undefined) {
    problems.push(`${names.privateKey} or ${names.privateKeyFile}: one is required`);
  }
  let privateKey: KeyObject | undefined;
  if (pem !== undefined) {
    rememberPemSecret(pem);
    try {
      privateKey =
        parsedKeys.get(pem) ??
        loadPrivateKey(pem, keyFile ? names.privateKeyFile : names.privateKey);
      parsedKeys.set(pem, privateKey);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (problems.length > before || !baseUrl || !clientId || !secret || !privateKey) return undefined;
  return {
    provider,
    name,
    baseUrl,
    clientId,
    partnerId: partnerId ?? clientId,
    clientSecret: new Secret(secret),
    privateKey,
    channelId,
  };
}

/** Every configured credential set, looked up by provider and set name. */
export class CredentialRegistry {
  private readonly sets = new Map<string, SnapCredentials>();

  constructor(sets: SnapCredentials[] = []) {
    for (const set of sets) this.sets.set(`${set.provider}/${set.name}`, set);
  }

  /** The credential set, or an error naming what is missing (never a secret). */
  get(provider: ProviderName, name: string = DEFAULT_CREDENTIAL_SET): SnapCredentials {
    const set = this.sets.get(`${provider}/${name}`);
    if (!set)
      throw new Error(`no SNAP credentials for provider ${provider}, set ${JSON.stringify(name)}`);
    return set;
  }

  /** Whether a credential set of that name is configured for the provider. */
  has(provider: ProviderName, name: string = DEFAULT_CREDENTIAL_SET): boolean {
    return this.sets.has(`${provider}/${name}`);
  }

  /** Every set, for start-up summaries (print names only). */
  all(): SnapCredentials[] {
    return [...this.sets.values()];
  }
}

const ENV_FIELDS: Record<keyof RawCredentialFields, string> = {
  baseUrl: 'BASE_URL',
  clientId: 'CLIENT_ID',
  clientSecret: 'CLIENT_SECRET',
  privateKey: 'PRIVATE_KEY',
  privateKeyFile: 'PRIVATE_KEY_FILE',
  channelId: 'CHANNEL_ID',
  partnerId: 'PARTNER_ID',
};

/** Every `SNAP_<PROVIDER>_<FIELD>` variable a provider's default credential set is read from. */
export function credentialEnvKeys(): string[] {
  return PROVIDERS.flatMap((p) =>
    Object.values(ENV_FIELDS).map((field) => `SNAP_${p.toUpperCase()}_${field}`),
  );
}

/**
 * Reads the default credential set of each provider from `SNAP_<PROVIDER>_*` variables and
 * the named sets from the JSON file at `SNAP_CREDENTIALS_FILE`. A provider with none of its
 * variables set simply has no default set. Throws {@link CredentialsConfigError} listing
 * every problem at once.
 */
export function loadCredentials(
  env: NodeJS.ProcessEnv = process.env,
  read: ReadFile = (p) => readFileSync(p, 'utf8'),
): CredentialRegistry {
  const problems: string[] = [];
  const sets: SnapCredentials[] = [];
  // Key files named by many sets are read once.
  const files = new Map<string, string>();
  const readFile = (path: string) => files.get(path) ?? files.set(path, read(path)).get(path)!;
  for (const provider of PROVIDERS) {
    const prefix = `SNAP_${provider.toUpperCase()}_`;
    const names = Object.fromEntries(
      Object.entries(ENV_FIELDS).map(([k, v]) => [k, prefix + v]),
    ) as Record<keyof RawCredentialFields, string>;
    const raw = Object.fromEntries(
      Object.entries(names).map(([k, v]) => [k, env[v]]),
    ) as RawCredentialFields;
    if (Object.values(raw).every((v) => v === undefined || v === '')) continue;
    const set = buildSet(provider, DEFAULT_CREDENTIAL_SET, raw, names, readFile, problems);
    if (set) sets.push(set);
  }
  const file = env.SNAP_CREDENTIALS_FILE;
  if (file) sets.push(...readCredentialsFile(file, sets, readFile, problems));
  if (problems.length > 0) throw new CredentialsConfigError(problems);
  return new CredentialRegistry(sets);
}

/**
 * A field of a set that is none of the known ones is a typo that would be ignored (a
 * `partnerID` left the partner id to default to the client id): refused, naming it.
 */
function unknownFields(raw: object, where: string, problems: string[]): void {
  const known = Object.keys(ENV_FIELDS);
  for (const key of Object.keys(raw)) {
    if (known.includes(key)) continue;
    const near = known.find((k) => k.toLowerCase() === key.toLowerCase());
    problems.push(
      `${where}.${key}: not a known field${near ? `; did you mean "${near}"?` : ''} (fields: ${known.join(', ')})`,
    );
  }
}

/** What a credential set's name may be: the accounts import's id rule. */
const CREDENTIAL_SET_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Whether the first `length` characters of `text` already hold a JSON error, rather than just
 * ending too soon: an error V8 places before their end, or one it names without a place (an
 * unexpected character).
 */
function errsWithin(text: string, length: number): boolean {
  try {
    JSON.parse(text.slice(0, length));
    return false;
  } catch (e) {
    const message = (e as Error).message;
    if (/end of JSON input/.test(message)) return false;
    const position = /at position (\d+)/.exec(message)?.[1];
    return position === undefined || Number(position) < length;
  }
}

/**
 * Where a text that is not JSON goes wrong, as ` at line L, column C`: the shortest start of
 * it that is already wrong, found by halving (V8's message gives no position for most errors
 * and quotes the text instead, which may hold a secret, so it is never shown).
 */
function jsonErrorPlace(text: string): string {
  let good = 0;
  let bad = text.length;
  if (!errsWithin(text, bad)) return ' (it ends too soon)';
  while (bad - good > 1) {
    const middle = Math.floor((good + bad) / 2);
    if (errsWithin(text, middle)) bad = middle;
    else good = middle;
  }
  const lines = text.slice(0, bad).split('\n');
  return ` at line ${lines.length}, column ${lines[lines.length - 1].length}`;
}

function readCredentialsFile(
  file: string,
  defaults: SnapCredentials[],
  readFile: ReadFile,
  problems: string[],
): SnapCredentials[] {
  let parsed: unknown;
  let text = '';
  try {
    // A byte order mark (an editor's "UTF-8 with BOM") is not JSON, but not a fault either.
    text = readFile(file).replace(/^\uFEFF/, '');
    parsed = JSON.parse(text);
  } catch (e) {
    const why =
      e instanceof SyntaxError
        ? `not valid JSON${jsonErrorPlace(text)}`
        : `cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
    problems.push(`SNAP_CREDENTIALS_FILE ${JSON.stringify(file)}: ${why}`);
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(
      `SNAP_CREDENTIALS_FILE ${JSON.stringify(file)}: must be an object keyed by provider`,
    );
    return [];
  }
  const sets: SnapCredentials[] = [];
  for (const [provider, byName] of Object.entries(parsed)) {
    if (!isProviderName(provider)) {
      problems.push(
        `SNAP_CREDENTIALS_FILE: unknown provider ${JSON.stringify(provider)} (expected ${PROVIDERS.join(', ')})`,
      );
      continue;
    }
    if (typeof byName !== 'object' || byName === null || Array.isArray(byName)) {
      problems.push(
        `SNAP_CREDENTIALS_FILE: ${provider} must be an object keyed by credential set name`,
      );
      continue;
    }
    for (const [name, raw] of Object.entries(byName as Record<string, RawCredentialFields>)) {
      const where = `SNAP_CREDENTIALS_FILE ${provider}.${name}`;
      if (!CREDENTIAL_SET_NAME.test(name)) {
        // An account's credential column could never name it (the accounts import's id rule).
        problems.push(
          `SNAP_CREDENTIALS_FILE ${provider}: set name ${JSON.stringify(name)} must be 1 to 64 letters, digits, ".", "_" or "-" (an account's credential column names it)`,
        );
        continue;
      }
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        problems.push(`${where}: must be an object of ${Object.keys(ENV_FIELDS).join(', ')}`);
        continue;
      }
      if (name === DEFAULT_CREDENTIAL_SET && defaults.some((d) => d.provider === provider)) {
        // One of the two would silently stand in for the other on every default account.
        const P = provider.toUpperCase();
        problems.push(
          `${where}: the SNAP_${P}_* settings already make ${provider}'s "${DEFAULT_CREDENTIAL_SET}" set; give this one another name`,
        );
        continue;
      }
      unknownFields(raw, where, problems);
      const names = Object.fromEntries(
        Object.keys(ENV_FIELDS).map((k) => [k, `${where}.${k}`]),
      ) as Record<keyof RawCredentialFields, string>;
      const fallbackUrl = defaults.find((d) => d.provider === provider)?.baseUrl;
      const set = buildSet(
        provider,
        name,
        { baseUrl: fallbackUrl, ...raw },
        names,
        readFile,
        problems,
      );
      if (set) sets.push(set);
    }
  }
  return sets;
}
