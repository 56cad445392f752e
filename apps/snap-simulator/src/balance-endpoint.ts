import type { ProviderName } from '@app/snap';
import type { AccountState } from './accounts';
import type { ProviderCall, SimulatorContext } from './context';
import type { FaultSpec } from './faults';
import { commonFaultReply } from './fault-replies';
import { Reply, snapReply } from './replies';
import { nextReferenceNo } from './reference-no';
import { verifyTransactional, VerifiedCall } from './transactional-check';

/**
 * `POST {balancePath}`: a verified balance inquiry answered from the account's state, or the
 * account's next fault.
 */
export function handleBalanceInquiry(ctx: SimulatorContext, call: ProviderCall): Reply {
  const { provider } = call.route;
  const verified = verifyTransactional(ctx, call);
  if ('caseCode' in verified) {
    ctx.logger.warn(
      { provider, endpoint: 'balance', reason: verified.reason, hint: verified.hint },
      'balance inquiry rejected',
    );
    return snapReply('balance', verified.httpStatus, verified.caseCode, verified.detail);
  }
  const accountNo = accountKey(provider, verified);
  const account = ctx.accounts.get(provider, accountNo);
  const log = {
    provider,
    endpoint: 'balance',
    clientId: verified.partner.clientId,
    accountNo,
    externalId: verified.externalId,
  };
  if (!account) {
    ctx.logger.warn(
      { ...log, reason: 'no such account' },
      'balance inquiry for an unknown account',
    );
    return snapReply('balance', 404, '11');
  }
  const fault = account.takeFault();
  if (fault) {
    ctx.logger.info({ ...log, fault: fault.kind }, 'injecting fault');
    return withDelay(faultReply(ctx, fault, account, verified), account.latencyMs);
  }
  return withDelay(
    success(ctx, provider, account, verified, account.nextBalance()),
    account.latencyMs,
  );
}

/** Netzme and NICEPay name the account in the body; Finnet's account is the asking partner. */
function accountKey(provider: ProviderName, call: VerifiedCall): string {
  return provider === 'finnet' ? call.partner.clientId : String(call.body.accountNo);
}

function withDelay(reply: Reply, delayMs: number): Reply {
  return delayMs > 0 && reply.type !== 'hold' ? { ...reply, delayMs } : reply;
}

function success(
  ctx: SimulatorContext,
  provider: ProviderName,
  account: AccountState,
  call: VerifiedCall,
  value: string,
  currency = account.currency,
): Reply {
  const infos = (type: string | null, v: string) => ({
    ...(type ? { balanceType: type } : {}),
    availableBalance: { value: v, currency },
  });
  const partnerReferenceNo = call.body.partnerReferenceNo;
  switch (provider) {
    case 'netzme':
      return snapReply('balance', 200, '00', undefined, {
        referenceNo: nextReferenceNo(),
        partnerReferenceNo,
        accountNo: account.accountNo,
        name: account.name,
        accountInfos: [infos('Cash', value), infos('Points', '0.00')],
        additionalInfo: { ts: ctx.now() + ctx.settings.clockOffsetMs },
      });
    case 'nicepay': {
      const msId = (call.body.additionalInfo as { msId?: unknown } | undefined)?.msId;
      return snapReply('balance', 200, '00', undefined, {
        accountNo: account.accountNo,
        name: account.name,
        accountInfos: [infos(null, value)],
        ...(msId !== undefined ? { additionalInfo: { msId } } : {}),
      });
    }
    case 'finnet':
      return snapReply('balance', 200, '00', undefined, {
        referenceNo: nextReferenceNo(),
        partnerReferenceNo,
        name: account.name,
        accountInfos: [infos(null, value)],
      });
  }
}

function faultReply(
  ctx: SimulatorContext,
  fault: FaultSpec,
  account: AccountState,
  call: VerifiedCall,
): Reply {
  const provider = account.provider;
  switch (fault.kind) {
    case '500':
    case '504':
    case '429':
    case 'connection-reset':
    case 'read-timeout':
    case 'non-json':
    case 'code':
      return commonFaultReply('balance', { kind: fault.kind, responseCode: fault.responseCode });
    case 'raw':
      return {
        type: 'raw',
        status: fault.status ?? 200,
        contentType: fault.contentType ?? 'application/json',
        text: fault.body ?? '',
        label: 'raw',
      };
    case '403xx04':
      return snapReply('balance', 403, '04');
    case '404xx11':
      return snapReply('balance', 404, '11');
    case '400xx01':
      return snapReply('balance', 400, '01');
    case '202':
      return snapReply('balance', 202, '00');
    case 'token-revoked':
      ctx.tokens.revoke(call.accessToken);
      return snapReply('balance', 401, '01');
    case 'token-rejected':
      return snapReply('balance', 401, '01');
    case 'no-code':
      return {
        type: 'json',
        status: 200,
        body: { responseMessage: 'Successful' },
        label: 'no-code',
      };
    case 'no-balance':
      return snapReply('balance', 200, '00', undefined, { accountNo: account.accountNo });
    case 'bad-amount':
      return success(ctx, provider, account, call, '10,000');
    case 'wrong-currency':
      return success(
        ctx,
        provider,
        account,
        call,
        account.balances[0],
        account.currency === 'USD' ? 'IDR' : 'USD',
      );
  }
}
