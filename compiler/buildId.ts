// Which build of tenantc is running: scripts/build.ts writes the SHA-256 of the built
// CLI here (esbuild `define`). Run from the TypeScript sources (tests, `npm run dev`)
// there is none, and nothing that needs one (the compile cache) is used.
declare const __TENANTC_BUILD_ID__: string | undefined;

export const BUILD_ID: string | null = typeof __TENANTC_BUILD_ID__ === 'string' ? __TENANTC_BUILD_ID__ : null;

/**
 * The runtime a compile's results depend on besides the build (the compile cache keys
 * manifest readings and tenants' templates with both): the schemas' patterns use Unicode
 * properties (`\p{L}` in tag values, `\p{Cf}` in every string), which the engine's
 * Unicode tables decide, and Node's ICU changes them, even within a major version (20.0
 * had Unicode 15.0, 20.20 has 17.0): a tag value with a letter assigned since (U+10D4A)
 * is valid on one and refused on the other, and the build id does not name the runtime.
 */
export const RUNTIME = `node ${process.version} unicode ${process.versions['unicode'] ?? '?'} icu ${process.versions['icu'] ?? '?'}`;
