import type { ProviderCall, SimulatorContext } from './context';
import { Reply, snapReply } from './replies';
import { nextReferenceNo } from './reference-no';
import { verifyTransactional } from './transactional-check';

/**
 * Netzme `POST {accountInquiryPath}` (registration-account-inquiry, service 08): the status of
 * the customer `additionalInfo.custId`, in `additionalInfo.{userStatus,userType,status,benefits}`.
 */
export function handleAccountInquiry(ctx: SimulatorContext, call: ProviderCall): Reply {
  const { provider } = call.route;
  const verified = verifyTransactional(ctx, call);
  if ('caseCode' in verified) {
    ctx.logger.warn(
      { provider, endpoint: 'account-inquiry', reason: verified.reason, hint: verified.hint },
      'account inquiry rejected',
    );
    return snapReply('account-inquiry', verified.httpStatus, verified.caseCode, verified.detail);
  }
  const custId = String((verified.body.additionalInfo as { custId: string }).custId);
  const account = ctx.accounts.get(provider, custId);
  if (!account) {
    ctx.logger.warn(
      { provider, endpoint: 'account-inquiry', custId, reason: 'no such account' },
      'account inquiry for an unknown account',
    );
    return snapReply('account-inquiry', 404, '11');
  }
  return {
    ...snapReply('account-inquiry', 200, '00', undefined, {
      referenceNo: nextReferenceNo(),
      partnerReferenceNo: verified.body.partnerReferenceNo,
      additionalInfo: {
        custId,
        userStatus: account.status,
        userType: account.userType,
        status: account.status,
        benefits: [],
      },
    }),
    delayMs: account.latencyMs || undefined,
  };
}
