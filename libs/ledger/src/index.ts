export * from './account-key';
export * from './balance-as-of';
export * from './ingestion';
export * from './repositories';
export * from './readiness';
