/** Accounts the demo seeds when `DEMO_ACCOUNTS` is not set. */
export const DEFAULT_DEMO_ACCOUNTS = 300;
/** The demo's account numbers have five digits (`NZ00001`). */
const MAX_DEMO_ACCOUNTS = 99_999;

/**
 * `DEMO_ACCOUNTS` as a count: plain decimal digits from 1 to 99,999, unset or empty the default.
 * Anything else is refused naming the variable and the value (`Number()` made `abc` a demo of
 * no accounts, `1e3` a thousand and `2.5` three).
 */
export function demoAccountCount(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_DEMO_ACCOUNTS;
  const count = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!(count >= 1 && count <= MAX_DEMO_ACCOUNTS))
    throw new Error(
      `DEMO_ACCOUNTS=${JSON.stringify(text)}: must be a whole number of accounts from 1 to ${MAX_DEMO_ACCOUNTS} in decimal digits (default ${DEFAULT_DEMO_ACCOUNTS})`,
    );
  return count;
}
