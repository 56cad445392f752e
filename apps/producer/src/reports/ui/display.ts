import type { AppConfig } from '@app/config';
import { formatInZone, zoneAbbreviation } from '../zoned-day';

/**
 * How pages write amounts: `id-ID` as an Indonesian finance team reads them (`Rp 1.343.486,00`),
 * or `plain` as the API and CSV carry them (`1343486.00`). Setting: `UI_AMOUNT_FORMAT`.
 */
export type AmountFormat = AppConfig['UI_AMOUNT_FORMAT'];

const DECIMAL = /^(-?)(\d+)\.(\d{2})$/;
/**
 * An amount inside a text of the API (an explanation): `1234.56`, `-2.50` (or `1,234.56`, as
 * explanations were stored before), never part of a time or of a reference like `TRX12.50`, `TRX-12.50` or `INV/2026/10.25`.
 */
const AMOUNT_IN_TEXT = /(?<![\w.,:/-])-?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d{2}(?!\d)/g;

const rupiah = new Intl.NumberFormat('id-ID', {
  style: 'currency',
  currency: 'IDR',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const MINUS = rupiah.formatToParts(-1n).find((p) => p.type === 'minusSign')!.value;

/**
 * `Rp 1.343.486,00` from `"1343486.00"`, exact at any size: the whole rupiah go to
 * `Intl.NumberFormat('id-ID')` as a bigint (grouping, currency sign, decimal comma from the
 * locale) and the two decimals are put in as written, so no float ever holds the amount.
 * The sign is written in front, where id-ID puts it (`-Rp 10,00`), also for `-0.50`.
 */
export function rupiahText(decimal: string): string {
  const m = DECIMAL.exec(decimal);
  if (!m) return decimal; // not an amount of ours: shown as received rather than guessed at
  const parts = rupiah.formatToParts(BigInt(m[2]));
  const text = parts.map((p) => (p.type === 'fraction' ? m[3] : p.value)).join('');
  return m[1] && /[1-9]/.test(m[2] + m[3]) ? MINUS + text : text;
}

/** What every page needs to show figures to people: the time zone and the amount format. */
export class Display {
  readonly zone: string;

  constructor(
    readonly timeZone: string,
    readonly amountFormat: AmountFormat = 'id-ID',
  ) {
    this.zone = zoneAbbreviation(timeZone);
  }

  /** `2026-12-01 17:05:09 WIB`, or `–`: every time on a page says its zone. */
  when(iso: string | null): string {
    return iso === null ? '–' : `${formatInZone(new Date(iso), this.timeZone)} ${this.zone}`;
  }

  /** An amount (a decimal string of the API) as the page's readers read it, or `–`. */
  amount(decimal: string | null): string {
    if (decimal === null) return '–';
    return this.amountFormat === 'plain' ? decimal : rupiahText(decimal);
  }

  /**
   * A text of the API with amounts in it (a break's one-line explanation, written
   * `769,585.29`), each amount as the page writes amounts: beside `Rp 769.585,29` in the same
   * row, `769,585.29` reads as another number to an Indonesian reader.
   */
  amountsIn(text: string): string {
    if (this.amountFormat === 'plain') return text;
    return text.replace(AMOUNT_IN_TEXT, (m) => rupiahText(m.replace(/,/g, '')));
  }
}
