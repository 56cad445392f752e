export * from './job-options';
export * from './jobs';
export * from './queue-names';
export * from './enqueue';
export * from './job-catalogue';
export * from './job-handlers';
