let counter = 0;

/** A provider-side reference number: 20 digits, unique within the process. */
export function nextReferenceNo(now: number = Date.now()): string {
  counter = (counter + 1) % 1e7;
  return String(now).padStart(13, '0') + String(counter).padStart(7, '0');
}
