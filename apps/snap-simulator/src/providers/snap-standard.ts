/**
 * What the SNAP BI standard fixes and several providers' pages repeat word for word, written
 * once for the simulator's rules (still from the pages, never imported from libs/snap).
 */
import type { BalanceFacts, CodeParts } from './rules';

/** The general page's transactional header names (X-PARTNER-ID, X-EXTERNAL-ID, CHANNEL-ID). */
export const SNAP_HEADER_NAMES = {
  partnerId: 'X-PARTNER-ID',
  externalId: 'X-EXTERNAL-ID',
  channel: 'CHANNEL-ID',
} as const;

/** The `responseMessage` of a successful token request and balance inquiry. */
export const SUCCESSFUL = { token: 'Successful', balance: 'Successful' } as const;

/** SNAP's code for an account the provider does not know: `404xx11` "Invalid Account". */
export const INVALID_ACCOUNT: CodeParts = {
  httpStatus: 404,
  caseCode: '11',
  message: 'Invalid Account',
};

/**
 * The `accountInfos` of a balance answer: each entry's `balanceType` (where it has one) and its
 * money under the provider's amount field (`availableBalance`, Midtrans `amount`).
 */
export function accountInfosAnswer(
  infos: BalanceFacts['accountInfos'],
  amountField: 'availableBalance' | 'amount',
): Record<string, unknown>[] {
  return infos.map((i) => ({
    ...(i.balanceType !== undefined ? { balanceType: i.balanceType } : {}),
    [amountField]: { value: i.value, currency: i.currency },
  }));
}
