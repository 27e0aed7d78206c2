// Which build of tenantc is running: scripts/build.ts writes the SHA-256 of the built
// CLI here (esbuild `define`). Run from the TypeScript sources (tests, `npm run dev`)
// there is none, and nothing that needs one (the compile cache) is used.
declare const __TENANTC_BUILD_ID__: string | undefined;

export const BUILD_ID: string | null = typeof __TENANTC_BUILD_ID__ === 'string' ? __TENANTC_BUILD_ID__ : null;
