export * from './append-ledger-entries';
export * from './field-rules';
export * from './iso-instant';
export * from './row-error';
