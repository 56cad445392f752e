/**
 * Reading an account-status answer the way the provider's page means it.
 *
 * Netzme's page shows an ordinary, working account answering `userStatus: "premium"` and
 * `status: "approved_v2"`: a tier and the state of a request, never the word "ACTIVE". Its
 * table calls `userStatus` "Account status" and `status` "Status request", so only the first
 * is judged (the profile's `statusFields`; `statusInfoFields` are recorded beside it). An
 * account is *not active* only when a judged field carries a value that says so (the
 * configurable {@link DEFAULT_INACTIVE_STATUS_VALUES}, compared case-insensitively). Any other
 * value is active: a real break must never be hidden by a status rule.
 */

/** The values that say an account is not active (compared case-insensitively). */
export const DEFAULT_INACTIVE_STATUS_VALUES: readonly string[] = [
  'blocked',
  'inactive',
  'suspended',
  'closed',
  'frozen',
  'deactivated',
  'dormant',
];

/** What the status fields of one answer say. */
export interface StatusVerdict {
  active: boolean;
  /** The field whose value says "not active", e.g. `status=blocked`. */
  inactiveBecause: string | null;
  /** Values neither in the inactive list nor known to the profile: worth an operator's look. */
  unseen: { field: string; value: string }[];
}

/**
 * Decides whether the provider's status values describe an inactive account.
 *
 * @param values field name → value, as the provider gave them
 * @param inactiveValues values that mean "not active"
 * @param knownValues values the provider is known to answer for a working account (the
 *   profile's vocabulary); anything outside both lists is returned in `unseen`
 */
export function judgeStatus(
  values: Record<string, string>,
  inactiveValues: readonly string[],
  knownValues: readonly string[] = [],
): StatusVerdict {
  const inactive = new Set(inactiveValues.map((v) => v.trim().toLowerCase()));
  const known = new Set(knownValues.map((v) => v.trim().toLowerCase()));
  let inactiveBecause: string | null = null;
  const unseen: StatusVerdict['unseen'] = [];
  for (const [field, value] of Object.entries(values)) {
    const v = value.trim().toLowerCase();
    if (inactive.has(v)) inactiveBecause ??= `${field}=${value}`;
    else if (!known.has(v)) unseen.push({ field, value });
  }
  return { active: inactiveBecause === null, inactiveBecause, unseen };
}

/**
 * Remembers which unseen status values were already logged, so each is logged once per
 * process (an operator extends the list from the log, not from a flood of it).
 */
export class UnseenStatusLog {
  private readonly seen = new Set<string>();

  /** True the first time this (provider, field, value) is offered. */
  firstTime(provider: string, field: string, value: string): boolean {
    const key = `${provider}\u0000${field}\u0000${value.toLowerCase()}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }
}

/** `userStatus=premium, status=approved_v2`: the values as a report shows them. */
export function describeStatus(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}
