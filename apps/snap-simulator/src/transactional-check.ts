import type { ProviderCall, SimulatorContext } from './context';
import { header } from './headers';
import type { Partner } from './partners';
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

/** The value at a dotted path of a parsed body. */
export function fieldAt(body: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], body);
}

/**
 * Checks a transactional call like a strict provider, in this order: bearer token (`401xx01`),
 * X-TIMESTAMP (`400xx01`/`02`), partner id (`400xx02` missing, `401xx00` not the token's),
 * X-EXTERNAL-ID format (`400xx01`/`02`), channel (`400xx02`), X-CLIENT-SECRET where the page
 * lists it and it is sent (`401xx00`), X-SIGNATURE over the provider's signed path and the
 * minified body (`401xx00`), body and mandatory fields (`400xx00`/`01`/`02`), and finally
 * X-EXTERNAL-ID reuse within the Jakarta day (`409xx00`).
 */
export function verifyTransactional(
  ctx: SimulatorContext,
  call: ProviderCall,
): Rejection | VerifiedCall {
  const { provider, kind, signedPath, rules } = call.route;
  const now = ctx.now();

  const scheme = kind === 'token' ? 'Bearer' : (rules.authorization?.[kind] ?? 'Bearer');
  const checked = ctx.tokens.check(provider, header(call.headers, 'Authorization'), now, scheme);
  if ('problem' in checked) {
    return reject(401, '01', `Authorization bearer token is ${checked.problem}`);
  }
  const partner = ctx.partners.get(provider, checked.record.clientId);
  if (!partner)
    return reject(401, '01', 'the token belongs to a partner that is no longer registered');

  const timestamp = header(call.headers, 'X-TIMESTAMP');
  const badTime = checkTimestamp(timestamp, now, ctx.settings, rules);
  if (badTime) return badTime;

  const names = rules.headers;
  const partnerId = header(call.headers, names.partnerId);
  if (!partnerId) {
    return reject(400, '02', `${names.partnerId} header is missing`, `[${names.partnerId}]`);
  }
  if (partnerId !== partner.partnerId) {
    return reject(
      401,
      '00',
      `${names.partnerId} ${JSON.stringify(partnerId)} is not the token's partner ${JSON.stringify(partner.partnerId)}`,
      '[Unknown partner]',
    );
  }

  const externalId = header(call.headers, names.externalId);
  if (!externalId) {
    return reject(400, '02', `${names.externalId} header is missing`, `[${names.externalId}]`);
  }
  const maxLength = ctx.externalIdMaxLength[provider];
  if (!/^\d+$/.test(externalId) || externalId.length > maxLength) {
    return reject(
      400,
      '01',
      `${names.externalId} ${JSON.stringify(externalId)} is not numeric of at most ${maxLength} digits`,
      `[${names.externalId}]`,
    );
  }

  const channel = header(call.headers, names.channel);
  const wantedChannel =
    rules.channelRule === 'client-id-plus-01' ? `${partner.clientId}01` : partner.channelId;
  if (!channel) {
    return reject(400, '02', `${names.channel} header is missing`, `[${names.channel}]`);
  }
  if (wantedChannel !== undefined && channel !== wantedChannel) {
    return reject(
      400,
      '02',
      `${names.channel} ${JSON.stringify(channel)} is not ${JSON.stringify(wantedChannel)}` +
        (rules.channelRule === 'client-id-plus-01'
          ? ' (client id + "01")'
          : " (the partner's channel id)"),
      `[${names.channel}]`,
    );
  }

  for (const name of rules.requiredHeaders ?? []) {
    if (!header(call.headers, name)) {
      return reject(400, '02', `${name} header is missing`, `[${name}]`);
    }
  }

  if (rules.clientSecretHeader) {
    const sentSecret = header(call.headers, 'X-CLIENT-SECRET');
    if (sentSecret === undefined) {
      return reject(400, '02', 'X-CLIENT-SECRET header is missing', '[X-CLIENT-SECRET]');
    }
    if (!sameSignature(sentSecret, partner.clientSecret)) {
      return reject(
        401,
        '00',
        "X-CLIENT-SECRET is not the partner's client secret",
        '[Unknown client]',
      );
    }
  }

  const signature = header(call.headers, 'X-SIGNATURE');
  if (!signature) return reject(400, '02', 'X-SIGNATURE header is missing', '[X-SIGNATURE]');
  const signed: SignedCall = {
    clientSecret: partner.clientSecret,
    method: call.route.method,
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
      `X-SIGNATURE is not the ${rules.signatureEncoding} HMAC-SHA512 of ${call.route.method}:${signedPath}:<token>:<sha256 of the minified body>:<X-TIMESTAMP>`,
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
  for (const field of rules.mandatory[kind as 'balance' | 'account-inquiry' | 'history'] ?? []) {
    const value = fieldAt(body, field);
    if (value === undefined || value === null || value === '') {
      return reject(400, '02', `body field ${field} is missing`, `[${field}]`);
    }
    if (typeof value !== 'string') {
      return reject(400, '01', `body field ${field} is not a string`, `[${field}]`);
    }
  }
  if (kind === 'balance') {
    for (const [field, max] of Object.entries(rules.balanceFieldMaxLength ?? {})) {
      const value = fieldAt(body, field);
      if (typeof value === 'string' && value.length > max) {
        return reject(
          400,
          '01',
          `body field ${field} is ${value.length} characters, the page allows ${max}`,
          `[${field}]`,
        );
      }
    }
  }
  if (rules.sellerField) {
    const seller = fieldAt(body, rules.sellerField);
    if (seller !== undefined && (typeof seller !== 'string' || seller === '')) {
      return reject(
        400,
        '01',
        `body field ${rules.sellerField} is not a non-empty string`,
        `[${rules.sellerField}]`,
      );
    }
  }

  if (!ctx.externalIds.claim(provider, partner.partnerId, externalId, now)) {
    return reject(
      409,
      '00',
      `${names.externalId} ${externalId} was already used today by partner ${partner.partnerId}`,
    );
  }
  return { partner, accessToken: checked.token, externalId, body: body as Record<string, unknown> };
}
