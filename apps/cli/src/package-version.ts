import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The version in snap-recon's package.json, found by walking up from this file: the same code
 * runs from apps/cli/src (tests) and dist/apps/cli/src (npm run cli, the image, the bin link).
 */
export function packageVersion(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'snap-recon' && pkg.version) return pkg.version;
    } catch {
      // no package.json here: keep walking up
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}
