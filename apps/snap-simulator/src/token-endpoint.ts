import type { ProviderCall, SimulatorContext } from './context';
import { header } from './headers';
import { commonFaultReply } from './fault-replies';
import type { Partner } from './partners';
import { reject, Rejection, Reply, snapReply } from './replies';
import { verifyTokenSignature } from './signing';
import { checkTimestamp } from './timestamp-check';

/**
 * `POST {tokenPath}`: verifies the RSA-SHA256 signature over `clientId|X-TIMESTAMP` with the
 * partner's public key and issues a bearer token (`2007300`, `expiresIn` as a string).
 */
export function handleTokenRequest(ctx: SimulatorContext, call: ProviderCall): Reply {
  const { provider } = call.route;
  const clientId = header(call.headers, 'X-CLIENT-KEY');
  const outcome = verify(ctx, call, clientId);
  if ('caseCode' in outcome) {
    ctx.logger.warn(
      { provider, endpoint: 'token', clientId, reason: outcome.reason },
      'token request rejected',
    );
    return snapReply('token', outcome.httpStatus, outcome.caseCode, outcome.detail);
  }
  const fault = outcome.partner.tokenFaults?.take();
  if (fault) {
    ctx.logger.info(
      { provider, endpoint: 'token', clientId, fault: fault.kind },
      'injecting fault',
    );
    if (fault.kind === 'slow') {
      const reply = issue(ctx, outcome.partner);
      return reply.type === 'hold' ? reply : { ...reply, delayMs: fault.delayMs };
    }
    if (fault.kind === 'no-code' || fault.kind === 'no-token' || fault.kind === 'bad-expires-in') {
      return issue(ctx, outcome.partner, fault.kind);
    }
    return commonFaultReply('token', { ...fault, kind: fault.kind });
  }
  return issue(ctx, outcome.partner);
}

/** Issues a token and answers it (or, for a fault, answers it wrongly). */
function issue(
  ctx: SimulatorContext,
  partner: Partner,
  fault?: 'no-code' | 'no-token' | 'bad-expires-in',
): Reply {
  const { provider, clientId } = partner;
  const lifetime = ctx.settings.tokenLifetimeSeconds;
  if (fault === 'no-token') {
    return snapReply('token', 200, '00', undefined, {
      tokenType: 'Bearer',
      expiresIn: String(lifetime),
    });
  }
  const accessToken = ctx.tokens.issue(provider, clientId, lifetime, ctx.now());
  ctx.stats.tokenIssued(provider);
  ctx.logger.debug({ provider, clientId, expiresIn: lifetime }, 'token issued');
  const fields = {
    accessToken,
    tokenType: 'Bearer',
    expiresIn:
      fault === 'bad-expires-in' ? `${Math.round(lifetime / 60)} minutes` : String(lifetime),
  };
  if (fault === 'no-code') return { type: 'json', status: 200, body: fields, label: 'no-code' };
  return snapReply('token', 200, '00', undefined, fields);
}

function verify(
  ctx: SimulatorContext,
  call: ProviderCall,
  clientId: string | undefined,
): Rejection | { partner: Partner } {
  const { provider } = call.route;
  if (!clientId) return reject(401, '00', 'X-CLIENT-KEY header is missing', '[Unknown client]');
  const partner = ctx.partners.get(provider, clientId);
  if (!partner) {
    return reject(
      401,
      '00',
      `X-CLIENT-KEY ${JSON.stringify(clientId)} is not a registered ${provider} partner`,
      '[Unknown client]',
    );
  }
  const timestamp = header(call.headers, 'X-TIMESTAMP');
  const badTime = checkTimestamp(timestamp, ctx.now(), ctx.settings, call.route.rules);
  if (badTime) return badTime;
  const signature = header(call.headers, 'X-SIGNATURE');
  if (!signature) return reject(400, '02', 'X-SIGNATURE header is missing', '[X-SIGNATURE]');
  if (!verifyTokenSignature(clientId, timestamp!, signature, partner.publicKey)) {
    return reject(
      401,
      '00',
      `X-SIGNATURE is not a valid base64 RSA-SHA256 signature over "clientId|X-TIMESTAMP" by ${provider} partner ${clientId}'s key`,
      '[Signature]',
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(call.body.toString('utf8'));
  } catch {
    return reject(400, '00', 'body is not JSON');
  }
  const grantType = (body as { grantType?: unknown } | null)?.grantType;
  if (grantType === undefined) return reject(400, '02', 'grantType is missing', '[grantType]');
  if (grantType !== 'client_credentials') {
    return reject(
      400,
      '01',
      `grantType ${JSON.stringify(grantType)} is not "client_credentials"`,
      '[grantType]',
    );
  }
  return { partner };
}
