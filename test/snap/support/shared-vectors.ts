import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root: the nearest folder above this file holding both package.json and nest-cli.json. */
export function repoRoot(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'nest-cli.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no repository root above ${from}`);
    dir = parent;
  }
}

/** `shared/snap/vectors.json`, which lives beside the repository (not inside it). */
export function vectorsPath(): string {
  return resolve(repoRoot(), '..', 'shared', 'snap', 'vectors.json');
}

export interface SnapVectors {
  bodyHash: { source: string; minifiedBody: string; sha256Hex: string }[];
  symmetric: {
    source: string;
    clientSecret: string;
    method: string;
    endpointPath: string;
    accessToken: string;
    timestamp: string;
    rawBody: string;
    minifiedBodySha256Hex: string;
    stringToSign: string;
    signatureBase64: string;
  }[];
}

/** The published signing vectors. */
export function loadVectors(): SnapVectors {
  return JSON.parse(readFileSync(vectorsPath(), 'utf8')) as SnapVectors;
}
