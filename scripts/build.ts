// Bundles the CLI into dist/tenantc.mjs so `tenantc` starts in about a tenth of a
// second instead of half a second of on-the-fly TypeScript transforms and schema
// compilation. Run by `npm ci` (prepare), `npm run build` and `npm run bench`.
// bin/tenantc.mjs uses the bundle only while it is newer than every source file, so an
// edited checkout never runs stale code.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { build } from 'esbuild';
import { createAjv, SCHEMA_IDS } from '../compiler/validate/ajvSetup.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const validatorsFile = `${root}dist/schema-validators.cjs`;
mkdirSync(`${root}dist`, { recursive: true });
writeFileSync(validatorsFile, standaloneCode.default(createAjv(true), { Platform: SCHEMA_IDS.Platform, Tenant: SCHEMA_IDS.Tenant }));

await build({
  absWorkingDir: root,
  entryPoints: ['compiler/cli.ts'],
  outfile: 'dist/tenantc.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  // The generated validators are CommonJS that require ajv's small runtime helpers.
  banner: { js: "import { createRequire as __tenantcCreateRequire } from 'node:module'; const require = __tenantcCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
  plugins: [
    {
      name: 'precompiled-schema-validators',
      setup(b) {
        b.onResolve({ filter: /\/compileValidators\.ts$/ }, () => ({ path: validatorsFile }));
      },
    },
  ],
});
