import { accountLabel, AccountState } from './accounts';
import type { ProviderCall, SimulatorContext } from './context';
import type { FaultSpec } from './faults';
import { commonFaultReply } from './fault-replies';
import type { ProviderRules } from './providers';
import { nextReferenceNo } from './reference-no';
import { pageReply, Reply, snapReply } from './replies';
import { fieldAt, verifyTransactional, VerifiedCall } from './transactional-check';

/**
 * `POST {balancePath}`: a verified balance inquiry answered from the account's state in the
 * provider page's shape, or the account's next fault.
 */
export function handleBalanceInquiry(ctx: SimulatorContext, call: ProviderCall): Reply {
  const { provider, rules } = call.route;
  const verified = verifyTransactional(ctx, call);
  if ('caseCode' in verified) {
    ctx.logger.warn(
      { provider, endpoint: 'balance', reason: verified.reason, hint: verified.hint },
      'balance inquiry rejected',
    );
    return snapReply('balance', verified.httpStatus, verified.caseCode, verified.detail);
  }
  const accountNo =
    rules.balanceAccount === 'partner'
      ? verified.partner.clientId
      : String(fieldAt(verified.body, rules.balanceAccount.field));
  const seller = rules.sellerField ? fieldAt(verified.body, rules.sellerField) : undefined;
  const msId = typeof seller === 'string' ? seller : undefined;
  const account = ctx.accounts.get(provider, accountNo, msId);
  const log = {
    provider,
    endpoint: 'balance',
    clientId: verified.partner.clientId,
    accountNo,
    ...(msId !== undefined ? { msId } : {}),
    externalId: verified.externalId,
  };
  if (!account) {
    ctx.logger.warn(
      { ...log, reason: `no ${accountLabel(provider, accountNo, msId)}` },
      'balance inquiry for an unknown account',
    );
    return pageReply('balance', rules.unknownAccount.balance);
  }
  const fault = account.takeFault();
  if (fault) {
    ctx.logger.info({ ...log, fault: fault.kind }, 'injecting fault');
    return withDelay(faultReply(ctx, rules, fault, account, verified), account.latencyMs);
  }
  return withDelay(
    success(ctx, rules, account, verified, account.nextBalance()),
    account.latencyMs,
  );
}

function withDelay(reply: Reply, delayMs: number): Reply {
  return delayMs > 0 && reply.type !== 'hold' ? { ...reply, delayMs } : reply;
}

/** The provider's success answer, in the order and shape its page prints. */
function success(
  ctx: SimulatorContext,
  rules: ProviderRules,
  account: AccountState,
  call: VerifiedCall,
  value: string,
  currency = account.currency,
): Reply {
  const body = rules.balanceAnswer({
    accountNo: account.accountNo,
    request: call.body,
    accountInfos: account.accountInfos(value, currency),
    name: account.name,
    providerTimeMs: ctx.now() + ctx.settings.clockOffsetMs + account.providerTimeOffsetMs,
    providerTimeUnit: account.providerTimeUnit,
    referenceNo: (length) => nextReferenceNo(length, ctx.now()),
  });
  return pageReply(
    'balance',
    { httpStatus: 200, caseCode: '00', message: rules.successMessage.balance },
    body,
  );
}

function faultReply(
  ctx: SimulatorContext,
  rules: ProviderRules,
  fault: FaultSpec,
  account: AccountState,
  call: VerifiedCall,
): Reply {
  switch (fault.kind) {
    case '500':
    case '504':
    case '429':
    case 'connection-reset':
    case 'read-timeout':
    case 'non-json':
    case 'code':
      return commonFaultReply('balance', { ...fault, kind: fault.kind });
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
    case 'unknown-account':
      return pageReply('balance', rules.unknownAccount.balance);
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
      return success(ctx, rules, account, call, '10,000');
    case 'wrong-currency':
      return success(
        ctx,
        rules,
        account,
        call,
        account.balances[0],
        account.currency === 'USD' ? 'IDR' : 'USD',
      );
  }
}
