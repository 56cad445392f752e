/**
 * `npm run bench:spread`: what an object literal costs in this Node's V8 when properties follow
 * a spread, against the same object written out or built with Object.assign. It is the reason
 * for eslint.config.mjs's rule against a property after a spread on the per-account paths
 * (bench/README.md, eleventh round); when a newer Node makes the first rows as cheap as the
 * others, the rule can go. Prints a table; asserts nothing.
 */

type Base = { runId: string; accountId: string; attempts: number };

const ROUNDS = 5;
const CALLS = 200_000;

/**
 * The worker's result object as it was: 14 properties after `...base`. This literal and the
 * written-out one below are what is measured, so each spells its fields out.
 */
const afterSpread = (base: Base, i: number) => ({
  ...base,
  status: 'matched',
  final: true,
  providerBalance: BigInt(i),
  ledgerBalance: BigInt(i),
  difference: 0n,
  inFlightAmount: null,
  currency: 'IDR',
  responseCode: '2001100',
  providerTime: null,
  asOf: null,
  externalId: String(i),
  errorMessage: null,
  providerName: null,
  providerReference: null,
});

const writtenOut = (base: Base, i: number) => ({
  runId: base.runId,
  accountId: base.accountId,
  attempts: base.attempts,
  status: 'matched',
  final: true,
  providerBalance: BigInt(i),
  ledgerBalance: BigInt(i),
  difference: 0n,
  inFlightAmount: null,
  currency: 'IDR',
  responseCode: '2001100',
  providerTime: null,
  asOf: null,
  externalId: String(i),
  errorMessage: null,
  providerName: null,
  providerReference: null,
});

/** The 14 fields after `base`, as one literal (Object.assign copies them either way). */
const resultFields = (i: number) => ({
  status: 'matched',
  final: true,
  providerBalance: BigInt(i),
  ledgerBalance: BigInt(i),
  difference: 0n,
  inFlightAmount: null,
  currency: 'IDR',
  responseCode: '2001100',
  providerTime: null,
  asOf: null,
  externalId: String(i),
  errorMessage: null,
  providerName: null,
  providerReference: null,
});

const assigned = (base: Base, i: number) => Object.assign({}, base, resultFields(i));

const oneAfterSpread = (base: Base, i: number) => ({ ...base, externalId: String(i) });
const spreadLast = (base: Base, i: number) => ({ externalId: String(i), ...base });
const spreadAlone = (base: Base) => ({ ...base });

const CASES: [string, (base: Base, i: number) => object][] = [
  ['{ ...base, 14 properties } (the old result)', afterSpread],
  ['the same written out', writtenOut],
  ['Object.assign({}, base, { 14 properties })', assigned],
  ['{ ...base, 1 property }', oneAfterSpread],
  ['{ 1 property, ...base } (spread last)', spreadLast],
  ['{ ...base }', spreadAlone],
];

/** Median nanoseconds per call of `make` over {@link ROUNDS} rounds of {@link CALLS}. */
function nsPerCall(make: (base: Base, i: number) => object): number {
  const rounds: number[] = [];
  let keep: object | null = null;
  for (let r = 0; r <= ROUNDS; r++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++)
      keep = make({ runId: '1', accountId: String(i), attempts: 1 }, i);
    // The first round warms the function up (the JIT), and is not counted.
    if (r > 0) rounds.push(Number(process.hrtime.bigint() - started) / CALLS);
  }
  if (keep === null) throw new Error('nothing built');
  return rounds.sort((a, b) => a - b)[Math.floor(rounds.length / 2)];
}

function main(): void {
  console.log(
    `Node ${process.version} (V8 ${process.versions.v8}), median of ${ROUNDS} rounds of ${CALLS.toLocaleString('en-US')} calls`,
  );
  console.log('| object literal | ns per call |');
  console.log('| --- | --- |');
  for (const [name, make] of CASES) console.log(`| ${name} | ${nsPerCall(make).toFixed(0)} |`);
}

main();
