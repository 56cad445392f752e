/**
 * The account-status operation (Netzme registration-account-inquiry): asks for a customer's
 * account status and reads it by the rules of account-status.ts.
 */
import { DEFAULT_INACTIVE_STATUS_VALUES, judgeStatus, UnseenStatusLog } from './account-status';
import { answerBreach, AuthorizedCaller } from './authorized-call';
import type { SnapLogger } from './client-deps';
import { pick } from './response-body';

/** An account-status inquiry (Netzme registration-account-inquiry), parsed. */
export interface AccountStatusResult {
  custId: string;
  /** False only when a status field carries a value of the inactive list. */
  active: boolean;
  /** The status values the provider gave, by field name (e.g. `userStatus`, `status`). */
  values: Record<string, string>;
  /** The field and value that made the account inactive, e.g. `userStatus=blocked`. */
  inactiveBecause: string | null;
  responseCode: string;
}

/** How a status answer is judged, and where an unseen value is told. */
export interface AccountStatusOptions {
  /** Status values that mean "not active" (default {@link DEFAULT_INACTIVE_STATUS_VALUES}). */
  inactiveStatusValues?: readonly string[];
  /** Shared by the clients of a process so an unseen status value is logged once. */
  unseenStatusLog?: UnseenStatusLog;
  logger?: SnapLogger;
}

const DEFAULT_UNSEEN_STATUS_LOG = new UnseenStatusLog();

/**
 * The account's status for a customer id. Read as the page means it: inactive only when a
 * status field carries a value of the inactive list; any other value, including one never seen
 * before (logged once), is an active account. Throws when the provider offers no such inquiry.
 */
export async function inquireAccountStatus(
  client: AuthorizedCaller,
  custId: string,
  options: AccountStatusOptions = {},
): Promise<AccountStatusResult> {
  const { profile } = client;
  const { accountStatusPath, accountStatusSignedPath, statusFields, statusInfoFields } = profile;
  if (!profile.capabilities.accountStatus || !accountStatusPath || !accountStatusSignedPath) {
    throw new Error(`${profile.provider}: account status inquiry is not offered`);
  }
  const answer = await client.authorizedCall(
    'account-status',
    accountStatusPath,
    accountStatusSignedPath,
    (ref) => ({ partnerReferenceNo: ref, additionalInfo: { custId } }),
  );
  const read = (paths: readonly string[]) => {
    const found: Record<string, string> = {};
    for (const path of paths) {
      const v = pick(answer.json, path);
      if (typeof v === 'string') found[path.split('.').pop()!] = v;
    }
    return found;
  };
  const judged = read(statusFields);
  if (Object.keys(judged).length === 0) {
    throw answerBreach(
      profile.provider,
      `${statusFields.join(' and ')} ${statusFields.length > 1 ? 'are all' : 'is'} missing`,
      answer,
    );
  }
  const values = { ...judged, ...read(statusInfoFields) };
  const verdict = judgeStatus(
    judged,
    options.inactiveStatusValues ?? DEFAULT_INACTIVE_STATUS_VALUES,
    profile.knownStatusValues,
  );
  const log = options.unseenStatusLog ?? DEFAULT_UNSEEN_STATUS_LOG;
  for (const { field, value } of verdict.unseen) {
    if (log.firstTime(profile.provider, field, value)) {
      options.logger?.warn(
        { provider: profile.provider, field, value },
        'account status value never seen before: read as active (add it to ACCOUNT_INACTIVE_STATUS_VALUES if it means not active)',
      );
    }
  }
  return {
    custId,
    active: verdict.active,
    values,
    inactiveBecause: verdict.inactiveBecause,
    responseCode: answer.code,
  };
}
