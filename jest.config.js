/** Unit specs sit beside the code (libs, apps); integration and end-to-end tests live in test/. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testRegex: '.*\\.(spec|test)\\.ts$',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleNameMapper: {
    '^@app/migrations$': '<rootDir>/migrations',
    '^@app/(snap|ledger|reconciliation|queue|config|infra)$': '<rootDir>/libs/$1/src',
    '^@app/(snap|ledger|reconciliation|queue|config|infra)/(.*)$': '<rootDir>/libs/$1/src/$2',
  },
  testTimeout: 60000,
  // Ends the run once every test has finished: a handle some test file leaves open (a Redis or
  // pool connection still closing) must not hang CI for hours. Results are reported first.
  forceExit: true,
};
