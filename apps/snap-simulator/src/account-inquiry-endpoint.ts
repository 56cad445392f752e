import { randomUUID } from 'node:crypto';
import { accountLabel } from './accounts';
import type { ProviderCall, SimulatorContext } from './context';
import { CommonFault, commonFaultReply } from './fault-replies';
import { pageReply, Reply, snapReply } from './replies';
import { fieldAt, verifyTransactional } from './transactional-check';

/**
 * `POST {accountInquiryPath}` (Netzme registration-account-inquiry, service 08): the status of
 * the customer `additionalInfo.custId`, shaped as the page's example (`userStatus`, `userType`,
 * `status`, `benefits`; a UUID `referenceNo`). A known account answers the page's own example
 * values unless its seed or an admin patch gives others (e.g. `status: "blocked"`).
 */
export function handleAccountInquiry(ctx: SimulatorContext, call: ProviderCall): Reply {
  const { provider, rules } = call.route;
  const verified = verifyTransactional(ctx, call);
  if ('caseCode' in verified) {
    ctx.logger.warn(
      { provider, endpoint: 'account-inquiry', reason: verified.reason, hint: verified.hint },
      'account inquiry rejected',
    );
    return snapReply('account-inquiry', verified.httpStatus, verified.caseCode, verified.detail);
  }
  const custId = String(fieldAt(verified.body, 'additionalInfo.custId'));
  const account = ctx.accounts.get(provider, custId);
  if (!account) {
    ctx.logger.warn(
      {
        provider,
        endpoint: 'account-inquiry',
        custId,
        reason: `no ${accountLabel(provider, custId)}`,
      },
      'account inquiry for an unknown account',
    );
    return pageReply('account-inquiry', rules.unknownAccount['account-inquiry']!);
  }
  const fault = account.statusFaults.take();
  if (fault) {
    ctx.logger.info(
      { provider, endpoint: 'account-inquiry', custId, fault: fault.kind },
      'injecting fault',
    );
    const reply: Reply =
      fault.kind === 'raw'
        ? {
            type: 'raw',
            status: fault.status ?? 200,
            contentType: fault.contentType ?? 'application/json',
            text: fault.body ?? '',
            label: 'raw',
          }
        : commonFaultReply('account-inquiry', {
            kind: fault.kind as CommonFault,
            responseCode: fault.responseCode,
            retryAfter: fault.retryAfter,
          });
    return reply.type === 'hold' || !account.latencyMs
      ? reply
      : { ...reply, delayMs: account.latencyMs };
  }
  const body = rules.accountInquiryAnswer!({
    request: verified.body,
    userStatus: account.userStatus,
    userType: account.userType,
    status: account.status,
    benefits: [...account.benefits],
    referenceNo: () => randomUUID(),
  });
  return {
    ...pageReply(
      'account-inquiry',
      { httpStatus: 200, caseCode: '00', message: rules.successMessage['account-inquiry']! },
      body,
    ),
    delayMs: account.latencyMs || undefined,
  };
}
