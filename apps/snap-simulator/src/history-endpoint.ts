import { accountLabel } from './accounts';
import type { ProviderCall, SimulatorContext } from './context';
import { commonFaultReply, CommonFault } from './fault-replies';
import { historyPage } from './history-scenario';
import { pageReply, Reply, snapReply } from './replies';
import { fieldAt, verifyTransactional } from './transactional-check';

/**
 * `POST {historyPath}` (Netzme history-list, service 12, PROTOCOL.md §3): one page of the
 * account's history, newest first, paged by the `seqId` cursor (0: the newest page; otherwise
 * the events older than that seq). The account's balance faults (`faults`) do not apply here;
 * its `historyFaults` (the kinds every endpoint answers alike) are taken one per page.
 */
export function handleHistory(ctx: SimulatorContext, call: ProviderCall): Reply {
  const { provider, rules } = call.route;
  const history = rules.history!;
  const verified = verifyTransactional(ctx, call);
  if ('caseCode' in verified) {
    ctx.logger.warn(
      { provider, endpoint: 'history', reason: verified.reason, hint: verified.hint },
      'history request rejected',
    );
    return snapReply('history', verified.httpStatus, verified.caseCode, verified.detail);
  }
  const badInteger = (field: string, value: unknown, min: number, max: number) =>
    value !== undefined &&
    (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      ? snapReply('history', 400, '01', `[${field}]`)
      : null;
  const cursor = fieldAt(verified.body, history.cursorField);
  const size = fieldAt(verified.body, history.pageSizeField);
  const invalid =
    badInteger(history.cursorField, cursor, 0, Number.MAX_SAFE_INTEGER) ??
    badInteger(history.pageSizeField, size, 1, history.maxPageSize);
  if (invalid) {
    ctx.logger.warn(
      { provider, endpoint: 'history', cursor, size },
      'history paging field invalid',
    );
    return invalid;
  }
  const accountNo = String(fieldAt(verified.body, history.accountField));
  const account = ctx.accounts.get(provider, accountNo);
  if (!account) {
    ctx.logger.warn(
      {
        provider,
        endpoint: 'history',
        accountNo,
        reason: `no ${accountLabel(provider, accountNo)}`,
      },
      'history request for an unknown account',
    );
    return pageReply('history', rules.unknownAccount.history!);
  }
  const fault = account.historyFaults.take();
  if (fault) {
    ctx.logger.info(
      { provider, endpoint: 'history', accountNo, fault: fault.kind },
      'injecting fault',
    );
    return commonFaultReply('history', {
      kind: fault.kind as CommonFault,
      responseCode: fault.responseCode,
      retryAfter: fault.retryAfter,
    });
  }
  const events = historyPage(
    account.history?.events ?? [],
    (cursor as number | undefined) ?? 0,
    (size as number | undefined) ?? history.defaultPageSize,
    account.historyCursorInclusive,
  );
  const body = history.answer({
    request: verified.body,
    events,
    currency: account.currency,
    providerTimeMs: ctx.now() + ctx.settings.clockOffsetMs + account.providerTimeOffsetMs,
  });
  return {
    ...pageReply(
      'history',
      { httpStatus: 200, caseCode: '00', message: rules.successMessage.history! },
      body,
    ),
    delayMs: account.latencyMs || undefined,
  };
}
