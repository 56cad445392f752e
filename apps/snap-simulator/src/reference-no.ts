let counter = 0;

/**
 * A provider-side reference number of `length` digits (default 20), unique within the
 * process for the last 10^7 numbers at 8 digits and more: the counter is the tail.
 */
export function nextReferenceNo(length = 20, now: number = Date.now()): string {
  counter = (counter + 1) % 1e7;
  return (String(now).padStart(13, '0') + String(counter).padStart(7, '0')).slice(-length);
}
