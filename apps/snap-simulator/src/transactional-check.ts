import type { ProviderCall, SimulatorContext } from './context';
import { header } from './headers';
import type { Partner } from './partners';
import { PROVIDER_RULES } from './provider-rules';
import { reject, Rejection } from './replies';
import { diagnoseSignature, expectedSignature, sameSignature, SignedCall } from './signature-check';
import { checkTimestamp } from './timestamp-check';

/** A transactional call that passed every check. */
export interface VerifiedCall {
  partner: Partner;
  accessToken: string;
  externalId: string;
  body: Record<string, unknown>;
}

/**
 * Checks a transactional call like a strict provider, in this order: bearer token (`401xx01`),
 * X-TIMESTAMP (`400xx01`/`02`), partner id (`400xx02` missing, `401xx00` not the token's),
 * X-EXTERNAL-ID format (`400xx01`/`02`), channel (`400xx02`), X-SIGNATURE over the raw bytes
 * and the provider's signed path (`401xx00`), body and mandatory fields (`400xx00`/`01`/`02`),
 * and finally X-EXTERNAL-ID reuse within the Jakarta day (`409xx00`).
 */
export function verifyTransactional(
  ctx: SimulatorContext,
  call: ProviderCall,
): Rejection | VerifiedCall {
  const { provider, kind, signedPath } = call.route;
  const rules = PROVIDER_RULES[provider];
  const now = ctx.now();

  const checked = ctx.tokens.check(provider, header(call.headers, 'Authorization'), now);
  if ('problem' in checked) {
    return reject(401, '01', `Authorization bearer token is ${checked.problem}`);
  }
  const partner = ctx.partners.get(provider, checked.record.clientId);
  if (!partner)
    return reject(401, '01', 'the token belongs to a partner that is no longer registered');

  const timestamp = header(call.headers, 'X-TIMESTAMP');
  const badTime = checkTimestamp(timestamp, now, ctx.settings);
  if (badTime) return badTime;

  const partnerId = header(call.headers, rules.partnerIdHeader);
  if (!partnerId) {
    return reject(
      400,
      '02',
      `${rules.partnerIdHeader} header is missing`,
      `[${rules.partnerIdHeader}]`,
    );
  }
  if (partnerId !== partner.partnerId) {
    return reject(
      401,
      '00',
      `${rules.partnerIdHeader} ${JSON.stringify(partnerId)} is not the token's partner ${JSON.stringify(partner.partnerId)}`,
      '[Unknown partner]',
    );
  }

  const externalId = header(call.headers, rules.externalIdHeader);
  if (!externalId) {
    return reject(
      400,
      '02',
      `${rules.externalIdHeader} header is missing`,
      `[${rules.externalIdHeader}]`,
    );
  }
  const maxLength = ctx.externalIdMaxLength[provider];
  if (!/^\d+$/.test(externalId) || externalId.length > maxLength) {
    return reject(
      400,
      '01',
      `${rules.externalIdHeader} ${JSON.stringify(externalId)} is not numeric of at most ${maxLength} digits`,
      `[${rules.externalIdHeader}]`,
    );
  }

  const channel = header(call.headers, rules.channelHeader);
  const wantedChannel =
    rules.channelRule === 'client-id-plus-01' ? `${partner.clientId}01` : partner.channelId;
  if (!channel) {
    return reject(
      400,
      '02',
      `${rules.channelHeader} header is missing`,
      `[${rules.channelHeader}]`,
    );
  }
  if (wantedChannel !== undefined && channel !== wantedChannel) {
    return reject(
      400,
      '02',
      `${rules.channelHeader} ${JSON.stringify(channel)} is not ${JSON.stringify(wantedChannel)}` +
        (rules.channelRule === 'client-id-plus-01'
          ? ' (client id + "01")'
          : " (the partner's channel id)"),
      `[${rules.channelHeader}]`,
    );
  }

  const signature = header(call.headers, 'X-SIGNATURE');
  if (!signature) return reject(400, '02', 'X-SIGNATURE header is missing', '[X-SIGNATURE]');
  const signed: SignedCall = {
    clientSecret: partner.clientSecret,
    signedPath,
    urlPath: call.urlPath,
    accessToken: checked.token,
    body: call.body,
    timestamp: timestamp!,
    encoding: rules.signatureEncoding,
  };
  if (!sameSignature(expectedSignature(signed), signature)) {
    return reject(
      401,
      '00',
      `X-SIGNATURE is not the ${rules.signatureEncoding} HMAC-SHA512 of POST:${signedPath}:<token>:<sha256 of the bytes received>:<X-TIMESTAMP>`,
      '[Signature]',
      diagnoseSignature(signed, signature),
    );
  }

  const contentType = header(call.headers, 'Content-Type');
  if (!contentType || !/^application\/json\b/i.test(contentType)) {
    return reject(
      400,
      '00',
      `Content-Type ${JSON.stringify(contentType ?? null)} is not application/json`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(call.body.toString('utf8'));
  } catch {
    return reject(400, '00', 'body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return reject(400, '00', 'body is not a JSON object');
  }
  for (const field of rules.mandatory[kind as 'balance' | 'account-inquiry'] ?? []) {
    const value = field
      .split('.')
      .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], body);
    if (value === undefined || value === null || value === '') {
      return reject(400, '02', `body field ${field} is missing`, `[${field}]`);
    }
    if (typeof value !== 'string') {
      return reject(400, '01', `body field ${field} is not a string`, `[${field}]`);
    }
  }

  if (!ctx.externalIds.claim(provider, partner.partnerId, externalId, now)) {
    return reject(
      409,
      '00',
      `${rules.externalIdHeader} ${externalId} was already used today by partner ${partner.partnerId}`,
    );
  }
  return { partner, accessToken: checked.token, externalId, body: body as Record<string, unknown> };
}
