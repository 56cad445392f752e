import { LedgerEntry } from './entities/ledger-entry.entity';
import { Merchant } from './entities/merchant.entity';
import { ProviderAccount } from './entities/provider-account.entity';

/** Entities of this library; apps add the reconciliation ones. */
export const LEDGER_ENTITIES = [Merchant, ProviderAccount, LedgerEntry];
