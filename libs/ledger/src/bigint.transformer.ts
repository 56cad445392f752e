import type { ValueTransformer } from 'typeorm';

/** Postgres `bigint` comes back from pg as a string; money stays exact as a JS `bigint`. */
export const bigintTransformer: ValueTransformer = {
  to: (value: bigint | null | undefined) =>
    value === null || value === undefined ? value : value.toString(),
  from: (value: string | null) => (value === null ? null : BigInt(value)),
};
