export * from './balance-as-of';
export * from './bigint.transformer';
export * from './entities';
export * from './entities/ledger-entry.entity';
export * from './entities/merchant.entity';
export * from './entities/provider-account.entity';
export * from './ingestion';
