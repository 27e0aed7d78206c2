#!/usr/bin/env node
// Entry point: runs the bundle that `npm ci` (prepare) or `npm run build` writes to
// dist/. It never falls back to the TypeScript sources: `npm run dev -- <args>` runs
// those, on purpose.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/tenantc.mjs', import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  process.stderr.write(`tenantc: not built: run \`npm ci\` (or \`npm run build\`) in ${fileURLToPath(new URL('..', import.meta.url))}\n`);
  process.exit(2);
}
const { main, terminalPrompt } = await import(bundle.href);
// A prompt only when stdin and stdout are terminals (deploy asks before executing).
const prompt = terminalPrompt(process.stdin, process.stdout);
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), ...(prompt ? { prompt } : {}) });
