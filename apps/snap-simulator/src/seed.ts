import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { SnapSimulatorOptions } from './simulator';
import { parseSpec, settingsSchema, SimulatorSpecError } from './specs';

/**
 * A seed file: `{ settings?, partners?, accounts?, tokens? }` (see README.md). A partner may name its
 * public key with `publicKeyFile`, relative to the seed file.
 */
const seedSchema = z
  .object({
    settings: settingsSchema.partial().optional(),
    partners: z.array(z.record(z.unknown())).optional(),
    accounts: z.array(z.record(z.unknown())).optional(),
    /** Per-provider rule overrides (see README.md). */
    rules: z.record(z.unknown()).optional(),
    /** Access tokens to hold (e.g. a provider page's token); see README.md. */
    tokens: z.array(z.record(z.unknown())).optional(),
  })
  .strict();

/** Reads and checks a seed file into simulator options; throws naming the file and field. */
export function loadSeedFile(file: string): SnapSimulatorOptions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const why =
      e instanceof SyntaxError
        ? 'not valid JSON'
        : `cannot read (${(e as NodeJS.ErrnoException).code})`;
    throw new SimulatorSpecError(`seed file ${file}`, [why]);
  }
  const seed = parseSpec(seedSchema, parsed, `seed file ${file}`);
  const partners = (seed.partners ?? []).map((p, i) => {
    if (typeof p.publicKeyFile !== 'string') return p;
    const keyPath = resolve(dirname(file), p.publicKeyFile);
    let publicKeyPem: string;
    try {
      publicKeyPem = readFileSync(keyPath, 'utf8');
    } catch (e) {
      throw new SimulatorSpecError(`seed file ${file}`, [
        `partners[${i}].publicKeyFile: cannot read ${keyPath} (${(e as NodeJS.ErrnoException).code})`,
      ]);
    }
    const { publicKeyFile: _ignored, ...rest } = p;
    return { ...rest, publicKeyPem };
  });
  return {
    ...seed.settings,
    partners: partners as unknown as SnapSimulatorOptions['partners'],
    accounts: seed.accounts as unknown as SnapSimulatorOptions['accounts'],
    tokens: seed.tokens as unknown as SnapSimulatorOptions['tokens'],
    rules: seed.rules as SnapSimulatorOptions['rules'],
  };
}
