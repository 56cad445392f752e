import type { KeyObject } from 'node:crypto';
import { FaultQueue, TokenFaultSpec } from './faults';
import { SIMULATED_PROVIDERS } from './providers';
import { readPublicKey } from './signing';
import {
  parseSpec,
  partnerSchema,
  PartnerSpec,
  SimulatorSpecError,
  tokenFaultSchema,
} from './specs';

/** One client id's credentials as the provider holds them. */
export interface Partner {
  provider: string;
  clientId: string;
  partnerId: string;
  clientSecret: string;
  publicKey: KeyObject;
  channelId?: string;
  /** Faults for the next token requests, if any were set. */
  tokenFaults?: FaultQueue<TokenFaultSpec>;
}

/**
 * The partners each provider knows, by client id. Entries registered together with
 * `clientIds` share one parsed public key, so thousands cost little.
 */
export class PartnerRegistry {
  private readonly byProvider = new Map<string, Map<string, Partner>>(
    SIMULATED_PROVIDERS.map((p) => [p, new Map()]),
  );

  /**
   * Registers (or replaces) partners. `publicKeyFile` must already have been read into
   * `publicKeyPem` (the seed loader does that). Returns how many client ids were registered.
   */
  register(specs: readonly PartnerSpec[]): number {
    const prepared = specs.map((raw, i) => {
      const spec = parseSpec(partnerSchema, raw, `partners[${i}]`);
      if (spec.publicKeyPem === undefined) {
        throw new SimulatorSpecError(`partners[${i}]`, [
          'publicKeyFile is only read from a seed file',
        ]);
      }
      let publicKey: KeyObject;
      try {
        publicKey = readPublicKey(spec.publicKeyPem, `partners[${i}].publicKeyPem`);
      } catch (e) {
        throw new SimulatorSpecError(`partners[${i}]`, [(e as Error).message]);
      }
      return { spec, publicKey };
    });
    let count = 0;
    for (const { spec, publicKey } of prepared) {
      const map = this.byProvider.get(spec.provider)!;
      for (const clientId of spec.clientIds ?? [spec.clientId!]) {
        map.set(clientId, {
          provider: spec.provider,
          clientId,
          partnerId: spec.partnerId ?? clientId,
          clientSecret: spec.clientSecret,
          publicKey,
          channelId: spec.channelId,
          tokenFaults: spec.tokenFaults ? new FaultQueue(spec.tokenFaults) : undefined,
        });
        count += 1;
      }
    }
    return count;
  }

  /** Replaces the token-request faults of one client id; throws when it is unknown. */
  setTokenFaults(provider: string, clientId: string, faults: readonly TokenFaultSpec[]): void {
    const partner = this.get(provider, clientId);
    if (!partner) {
      throw new SimulatorSpecError('token faults', [
        `no ${provider} partner ${JSON.stringify(clientId)}`,
      ]);
    }
    const parsed = faults.map((f, i) => parseSpec(tokenFaultSchema, f, `tokenFaults[${i}]`));
    partner.tokenFaults = parsed.length ? new FaultQueue(parsed) : undefined;
  }

  get(provider: string, clientId: string): Partner | undefined {
    return this.byProvider.get(provider)?.get(clientId);
  }

  /** Client ids per provider (never secrets). */
  counts(): Record<string, number> {
    return Object.fromEntries(SIMULATED_PROVIDERS.map((p) => [p, this.byProvider.get(p)!.size]));
  }

  clear(): void {
    for (const map of this.byProvider.values()) map.clear();
  }
}
