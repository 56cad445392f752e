const JAKARTA_OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;

/**
 * X-EXTERNAL-IDs seen today (Jakarta calendar day), per provider and partner. A repeat within
 * the day is a duplicate (`409xx00`); at midnight Jakarta time the memory starts afresh.
 */
export class ExternalIdLedger {
  private day = -1;
  private readonly seen = new Map<string, Set<string>>();

  /** Records the id; `false` when this partner already used it today. */
  claim(provider: string, partnerId: string, externalId: string, now: number): boolean {
    const day = Math.floor((now + JAKARTA_OFFSET_MS) / DAY_MS);
    if (day !== this.day) {
      this.seen.clear();
      this.day = day;
    }
    const key = `${provider}|${partnerId}`;
    let ids = this.seen.get(key);
    if (!ids) {
      ids = new Set();
      this.seen.set(key, ids);
    }
    if (ids.has(externalId)) return false;
    ids.add(externalId);
    return true;
  }

  clear(): void {
    this.seen.clear();
  }
}
