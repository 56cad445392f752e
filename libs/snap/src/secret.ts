import { inspect } from 'node:util';
import { rememberSecretValue } from './secret-values';

const REDACTED = '[REDACTED]';

/**
 * Holds a secret value so that printing, logging or serializing the holder can never show it:
 * `String()`, `JSON.stringify()` and `util.inspect()` all give `[REDACTED]`. Read it with `reveal()`.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    rememberSecretValue(value);
  }

  /** The secret itself; call only where it is used (signing), never to print. */
  reveal(): string {
    return this.#value;
  }

  /** `[REDACTED]`: a secret printed by mistake shows nothing. */
  toString(): string {
    return REDACTED;
  }

  /** `[REDACTED]`: a secret serialised by mistake shows nothing. */
  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
