/**
 * The instant, on our clock, the ledger is read as of for a provider's answer: the provider's
 * own time, where it gave one, kept inside the span of the request that got the answer
 * (`[sentAt, answeredAt]`); else when the request left.
 *
 * The provider made its answer inside that span, whatever its clock says. A time before the
 * request left is a clock behind ours (within the allowed skew): read as of it, a busy account
 * is short of every entry posted since, which the provider already holds, and was a break at
 * every run. A time after the answer arrived is a clock ahead: it cannot hold entries posted
 * after that.
 */
export function reconciliationInstant(
  providerTime: Date | null,
  sentAt: Date,
  answeredAt: Date,
): Date {
  if (providerTime === null || providerTime < sentAt) return sentAt;
  if (providerTime > answeredAt) return answeredAt;
  return providerTime;
}
