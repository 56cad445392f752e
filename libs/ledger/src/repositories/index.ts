export * as accountsRepository from './accounts.repository';
export * as databaseRepository from './database.repository';
export * as ledgerEntriesRepository from './ledger-entries.repository';
export * from './row-mapping';
export * from './prepared-query';
