import { KeyObject } from 'node:crypto';
import { request } from 'undici';
import {
  jakartaTimestamp,
  loadPrivateKey,
  ProviderName,
  SignatureEncoding,
  signTokenRequest,
  signTransactional,
} from '@app/snap';
import type { SimulatorPaths } from '../../../apps/snap-simulator/src';
import type { TestPartner } from './world';

/** A raw answer: HTTP status and parsed JSON (or the text when it is not JSON). */
export interface RawAnswer {
  status: number;
  json: Record<string, unknown>;
  text: string;
}

async function post(
  url: string,
  headers: Record<string, string>,
  body: string | Buffer,
): Promise<RawAnswer> {
  const res = await request(url, { method: 'POST', headers, body });
  const text = await res.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // leave json empty: the caller looks at text
  }
  return { status: res.statusCode, json, text };
}

export interface RawTokenOptions {
  timestamp?: string;
  /** Sign with another key. */
  key?: KeyObject;
  /** Send another X-CLIENT-KEY than the one signed. */
  clientKey?: string;
  /** Sign `clientId|timestamp` with another timestamp than sent. */
  signedTimestamp?: string;
  body?: unknown;
}

/** A hand-made access-token request. */
export function rawToken(
  baseUrl: string,
  paths: SimulatorPaths,
  partner: TestPartner,
  o: RawTokenOptions = {},
): Promise<RawAnswer> {
  const timestamp = o.timestamp ?? jakartaTimestamp();
  const key = o.key ?? loadPrivateKey(partner.keys.privateKeyPem);
  return post(
    baseUrl + paths.tokenPath,
    {
      'Content-Type': 'application/json',
      'X-TIMESTAMP': timestamp,
      'X-CLIENT-KEY': o.clientKey ?? partner.clientId,
      'X-SIGNATURE': signTokenRequest(partner.clientId, o.signedTimestamp ?? timestamp, key),
    },
    JSON.stringify(o.body ?? { grantType: 'client_credentials', additionalInfo: {} }),
  );
}

/** A fresh access token, asked for by hand. */
export async function tokenFor(
  baseUrl: string,
  paths: SimulatorPaths,
  partner: TestPartner,
): Promise<string> {
  const answer = await rawToken(baseUrl, paths, partner);
  if (answer.json.responseCode !== '2007300')
    throw new Error(`token request failed: ${answer.text}`);
  return answer.json.accessToken as string;
}

let sequence = 0;

/** A 32-digit numeric external id, unique in this process. */
export function externalId(): string {
  sequence += 1;
  return (
    String(Date.now()).padStart(13, '0') +
    String(process.pid % 1e7).padStart(7, '0') +
    String(sequence).padStart(12, '0')
  );
}

const HEADER_NAMES: Record<ProviderName, { partnerId: string; channel: string }> = {
  netzme: { partnerId: 'X-PARTNER-ID', channel: 'CHANNEL-ID' },
  nicepay: { partnerId: 'X-PARTNER-ID', channel: 'CHANNEL-ID' },
  finnet: { partnerId: 'X-PARTNERID', channel: 'X-CHANNEL-ID' },
};

const ENCODING: Record<ProviderName, SignatureEncoding> = {
  netzme: 'hex',
  nicepay: 'base64',
  finnet: 'base64',
};

export interface RawCallOptions {
  /** Which endpoint; default the balance inquiry. */
  endpoint?: 'balance' | 'account-inquiry' | 'history';
  /** The body object (default: the provider's balance body for `accountNo`). */
  body?: unknown;
  accountNo?: string;
  /** Exact bytes to send (default: `JSON.stringify(body)`). */
  sendText?: string;
  /** Bytes the signature covers (default: the bytes sent). */
  signText?: string;
  /** Path the signature covers (default: the provider's signed path). */
  signedPath?: string;
  /** Token text inside the string to sign (default: the bare token). */
  tokenInSignature?: string;
  encoding?: SignatureEncoding;
  timestamp?: string;
  externalId?: string;
  /** Header overrides; `undefined` drops the header. */
  headers?: Record<string, string | undefined>;
  /** Sign with another secret. */
  clientSecret?: string;
}

/** A hand-made, correctly signed transactional call, with knobs to get it wrong on purpose. */
export function rawCall(
  baseUrl: string,
  paths: SimulatorPaths,
  partner: TestPartner,
  token: string,
  o: RawCallOptions = {},
): Promise<RawAnswer> {
  const provider = partner.provider;
  const extId = o.externalId ?? externalId();
  const accountNo = o.accountNo ?? partner.clientId;
  const endpoint = o.endpoint ?? 'balance';
  const defaultBody =
    endpoint === 'account-inquiry'
      ? { partnerReferenceNo: extId, additionalInfo: { custId: accountNo } }
      : provider === 'netzme'
        ? { partnerReferenceNo: extId, accountNo }
        : provider === 'nicepay'
          ? { accountNo }
          : { partnerReferenceNo: extId };
  const sendText = o.sendText ?? JSON.stringify(o.body ?? defaultBody);
  const timestamp = o.timestamp ?? jakartaTimestamp();
  const urlPath =
    endpoint === 'account-inquiry'
      ? paths.accountInquiryPath!
      : endpoint === 'history'
        ? paths.historyPath!
        : paths.balancePath;
  const signedPath =
    o.signedPath ??
    (endpoint === 'account-inquiry'
      ? paths.accountInquirySignedPath!
      : endpoint === 'history'
        ? paths.historySignedPath!
        : paths.balanceSignedPath);
  const signature = signTransactional(
    o.clientSecret ?? partner.clientSecret,
    {
      method: 'POST',
      signedPath,
      accessToken: o.tokenInSignature ?? token,
      body: o.signText ?? sendText,
      timestamp,
    },
    o.encoding ?? ENCODING[provider],
  );
  const names = HEADER_NAMES[provider];
  const headers: Record<string, string | undefined> = {
    'Content-Type': 'application/json',
    // Netzme's Get Balance curl sends the bare token; every other page `Bearer <token>`.
    Authorization: provider === 'netzme' && endpoint === 'balance' ? token : `Bearer ${token}`,
    'X-TIMESTAMP': timestamp,
    'X-SIGNATURE': signature,
    [names.partnerId]: partner.clientId,
    'X-EXTERNAL-ID': extId,
    [names.channel]: provider === 'nicepay' ? `${partner.clientId}01` : partner.channelId,
    // Netzme's pages list X-CLIENT-SECRET and every curl sends it.
    ...(provider === 'netzme' ? { 'X-CLIENT-SECRET': partner.clientSecret } : {}),
    ...o.headers,
  };
  const sent = Object.fromEntries(
    Object.entries(headers).filter(([, v]) => v !== undefined),
  ) as Record<string, string>;
  return post(baseUrl + urlPath, sent, sendText);
}
