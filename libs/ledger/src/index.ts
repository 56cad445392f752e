export * from './balance-as-of';
export * from './data-source';
export * from './ingestion';
export * from './micro-batcher';
export * from './repositories';
