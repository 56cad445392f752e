import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { CredentialsConfigError, loadCredentials } from './credentials';

const SECRET = 'very-secret-client-secret-value-123';

const rsa2048 = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const rsa512 = generateKeyPairSync('rsa', {
  modulusLength: 512,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const ecKey = generateKeyPairSync('ec', {
  namedCurve: 'prime256v1',
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;

/** The base64 lines of a PEM: none of them may show up in an error. */
const pemLines = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----'));

function problemsOf(env: NodeJS.ProcessEnv): string {
  try {
    loadCredentials(env);
  } catch (e) {
    expect(e).toBeInstanceOf(CredentialsConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a CredentialsConfigError');
}

function expectNoSecrets(message: string, pems: string[] = []) {
  expect(message).not.toContain(SECRET);
  for (const pem of pems) for (const line of pemLines(pem)) expect(message).not.toContain(line);
}

describe('loadCredentials', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'snap-cred-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const netzme = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    SNAP_NETZME_BASE_URL: 'https://netzme.example/',
    SNAP_NETZME_CLIENT_ID: 'NZ-1',
    SNAP_NETZME_CLIENT_SECRET: SECRET,
    SNAP_NETZME_PRIVATE_KEY: rsa512,
    SNAP_NETZME_CHANNEL_ID: '95221',
    ...extra,
  });

  it('loads a complete set from env; the secret and key never print', () => {
    const registry = loadCredentials(netzme());
    const set = registry.get('netzme');
    expect(set).toMatchObject({
      clientId: 'NZ-1',
      partnerId: 'NZ-1',
      channelId: '95221',
      name: 'default',
    });
    expect(set.baseUrl).toBe('https://netzme.example');
    expect(set.clientSecret.reveal()).toBe(SECRET);
    expect(set.privateKey.asymmetricKeyType).toBe('rsa');
    expect(registry.has('nicepay')).toBe(false);
    const printed = JSON.stringify(set) + inspect(set) + String(set.clientSecret);
    expectNoSecrets(printed, [rsa512]);
  });

  it('a missing client secret names the variable', () => {
    const message = problemsOf(netzme({ SNAP_NETZME_CLIENT_SECRET: undefined }));
    expect(message).toContain('SNAP_NETZME_CLIENT_SECRET: required');
    expectNoSecrets(message, [rsa512]);
  });

  it('an unreadable key file names the variable and the file, not the secret', () => {
    const missing = join(dir, 'absent.pem');
    const message = problemsOf(
      netzme({ SNAP_NETZME_PRIVATE_KEY: undefined, SNAP_NETZME_PRIVATE_KEY_FILE: missing }),
    );
    expect(message).toContain(
      `SNAP_NETZME_PRIVATE_KEY_FILE: cannot read ${JSON.stringify(missing)} (ENOENT)`,
    );
    expectNoSecrets(message);
  });

  it('a key file is read when readable', () => {
    const file = join(dir, 'nicepay.pem');
    writeFileSync(file, rsa2048);
    const registry = loadCredentials({
      SNAP_NICEPAY_BASE_URL: 'http://127.0.0.1:8090',
      SNAP_NICEPAY_CLIENT_ID: 'IONPAYTEST',
      SNAP_NICEPAY_CLIENT_SECRET: SECRET,
      SNAP_NICEPAY_PRIVATE_KEY_FILE: file,
    });
    expect(registry.get('nicepay').privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('an EC key names the variable and the key type, not the key', () => {
    const message = problemsOf(netzme({ SNAP_NETZME_PRIVATE_KEY: ecKey }));
    expect(message).toContain('SNAP_NETZME_PRIVATE_KEY: key type is ec, RSA expected');
    expectNoSecrets(message, [ecKey]);
  });

  it('an EC key in a file names the file variable', () => {
    const file = join(dir, 'ec.pem');
    writeFileSync(file, ecKey);
    const message = problemsOf(
      netzme({ SNAP_NETZME_PRIVATE_KEY: undefined, SNAP_NETZME_PRIVATE_KEY_FILE: file }),
    );
    expect(message).toContain('SNAP_NETZME_PRIVATE_KEY_FILE: key type is ec, RSA expected');
    expectNoSecrets(message, [ecKey]);
  });

  it('a key that is not PEM names the variable and does not echo it', () => {
    const notPem = `${SECRET}-looks-like-a-key`;
    const message = problemsOf(netzme({ SNAP_NETZME_PRIVATE_KEY: notPem }));
    expect(message).toContain('SNAP_NETZME_PRIVATE_KEY: not a readable PEM private key');
    expect(message).not.toContain(notPem);
    expectNoSecrets(message);
  });

  it.each(['not a url', 'ftp://netzme.example', 'netzme.example/api'])(
    'a malformed URL %p names the variable',
    (url) => {
      const message = problemsOf(netzme({ SNAP_NETZME_BASE_URL: url }));
      expect(message).toContain(
        `SNAP_NETZME_BASE_URL: ${JSON.stringify(url)} is not an http(s) URL`,
      );
      expectNoSecrets(message, [rsa512]);
    },
  );

  it('lists every problem at once, across providers', () => {
    const message = problemsOf({
      ...netzme({ SNAP_NETZME_CLIENT_SECRET: '' }),
      SNAP_FINNET_CLIENT_ID: 'F-1',
    });
    expect(message).toContain('SNAP_NETZME_CLIENT_SECRET: required');
    expect(message).toContain('SNAP_FINNET_BASE_URL: required');
    expect(message).toContain('SNAP_FINNET_CLIENT_SECRET: required');
    expect(message).toContain(
      'SNAP_FINNET_PRIVATE_KEY or SNAP_FINNET_PRIVATE_KEY_FILE: one is required',
    );
  });

  it('reads named sets from SNAP_CREDENTIALS_FILE, inheriting the provider base URL', () => {
    const file = join(dir, 'creds.json');
    writeFileSync(
      file,
      JSON.stringify({
        netzme: {
          'merchant-a': {
            clientId: 'NZ-A',
            clientSecret: SECRET,
            privateKey: rsa512,
            channelId: '95221',
          },
        },
      }),
    );
    const registry = loadCredentials(netzme({ SNAP_CREDENTIALS_FILE: file }));
    expect(registry.get('netzme', 'merchant-a')).toMatchObject({
      clientId: 'NZ-A',
      baseUrl: 'https://netzme.example',
      name: 'merchant-a',
    });
    expect(registry.all()).toHaveLength(2);
  });

  it('refuses a file set named "default" where the SNAP_<P>_* settings make one (one replaced the other without a word; found by a review)', () => {
    const file = join(dir, 'default-twice.json');
    const set = { clientId: 'NZ-B', clientSecret: SECRET, privateKey: rsa512, channelId: '95221' };
    writeFileSync(file, JSON.stringify({ netzme: { default: set } }));
    expect(() => loadCredentials(netzme({ SNAP_CREDENTIALS_FILE: file }))).toThrow(
      `SNAP_CREDENTIALS_FILE netzme.default: the SNAP_NETZME_* settings already make netzme's "default" set; give this one another name`,
    );
    // Without the env set, the file's "default" is the default set.
    writeFileSync(
      file,
      JSON.stringify({ netzme: { default: { ...set, baseUrl: 'https://netzme.example' } } }),
    );
    expect(loadCredentials({ SNAP_CREDENTIALS_FILE: file }).get('netzme')).toMatchObject({
      clientId: 'NZ-B',
      name: 'default',
    });
  });

  it('errors in SNAP_CREDENTIALS_FILE name the file path and field, never the secret', () => {
    const file = join(dir, 'bad-creds.json');
    writeFileSync(
      file,
      JSON.stringify({
        paypal: {},
        finnet: { m1: { baseUrl: 'nope', clientId: 'F', clientSecret: SECRET, privateKey: ecKey } },
      }),
    );
    const message = problemsOf({ SNAP_CREDENTIALS_FILE: file });
    expect(message).toContain('SNAP_CREDENTIALS_FILE: unknown provider "paypal"');
    expect(message).toContain(
      'SNAP_CREDENTIALS_FILE finnet.m1.baseUrl: "nope" is not an http(s) URL',
    );
    expect(message).toContain(
      'SNAP_CREDENTIALS_FILE finnet.m1.privateKey: key type is ec, RSA expected',
    );
    expectNoSecrets(message, [ecKey]);

    writeFileSync(file, `{"netzme": {"x": {"clientSecret": "${SECRET}"`);
    const broken = problemsOf({ SNAP_CREDENTIALS_FILE: file });
    expect(broken).toContain('not valid JSON');
    expectNoSecrets(broken);
    expect(problemsOf({ SNAP_CREDENTIALS_FILE: join(dir, 'none.json') })).toContain(
      'cannot read (ENOENT)',
    );
  });

  it('names where a credentials file stops being JSON (line and column), never the text there (a tester could not find the fault in a large file)', () => {
    const file = join(dir, 'where-creds.json');
    writeFileSync(file, `{\n  "finnet": {\n    "m1": {"clientSecret": "${SECRET}",}\n  }\n}\n`);
    const message = problemsOf({ SNAP_CREDENTIALS_FILE: file });
    expect(message).toContain(
      `SNAP_CREDENTIALS_FILE ${JSON.stringify(file)}: not valid JSON at line 3, column ${`    "m1": {"clientSecret": "${SECRET}",}`.length}`,
    );
    expectNoSecrets(message);
    // A byte order mark is taken: an editor's "UTF-8 with BOM" is no fault of the file.
    writeFileSync(file, '\uFEFF{"finnet": {}}');
    expect(() => loadCredentials({ SNAP_CREDENTIALS_FILE: file })).not.toThrow();
  });

  it('refuses a provider given as a list, and a set name an account could never name (a tester found both accepted)', () => {
    const file = join(dir, 'shape-creds.json');
    const set = {
      baseUrl: 'https://snap.example',
      clientId: 'NZ-A',
      clientSecret: SECRET,
      privateKey: rsa512,
    };
    writeFileSync(file, JSON.stringify({ netzme: [set], finnet: { 'a b': set, ok: set } }));
    const message = problemsOf({ SNAP_CREDENTIALS_FILE: file });
    expect(message).toContain(
      'SNAP_CREDENTIALS_FILE: netzme must be an object keyed by credential set name',
    );
    expect(message).toContain(
      'SNAP_CREDENTIALS_FILE finnet: set name "a b" must be 1 to 64 letters, digits, ".", "_" or "-" (an account\'s credential column names it)',
    );
    expect(message).not.toContain('finnet.ok');
  });

  it('refuses a field it does not know, naming it (a typo was ignored: partnerID left the partner id to the client id)', () => {
    const file = join(dir, 'typo-creds.json');
    const set = { clientId: 'NZ-A', clientSecret: SECRET, privateKey: rsa512 };
    writeFileSync(
      file,
      JSON.stringify({
        netzme: { a: { ...set, partnerID: 'P-1', channel: '95221' }, b: 'not a set' },
      }),
    );
    const message = problemsOf({ SNAP_CREDENTIALS_FILE: file });
    expect(message).toContain(
      'SNAP_CREDENTIALS_FILE netzme.a.partnerID: not a known field; did you mean "partnerId"? (fields: baseUrl, clientId, clientSecret, privateKey, privateKeyFile, channelId, partnerId)',
    );
    expect(message).toContain('SNAP_CREDENTIALS_FILE netzme.a.channel: not a known field (fields:');
    expect(message).toContain('SNAP_CREDENTIALS_FILE netzme.b: must be an object of baseUrl,');
    expectNoSecrets(message);
  });
});
