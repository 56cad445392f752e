/**
 * `npm run test:chaos`: the full chaos suite (test/chaos/*.chaos.ts): real worker, producer
 * and simulator processes from dist/ (the script builds first), private Redis and Postgres
 * restarted mid-run. A reduced set (test/chaos/reduced.test.ts) runs in `npm test`.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/chaos'],
  testRegex: '.*\\.chaos\\.ts$',
  testTimeout: 300000,
};
