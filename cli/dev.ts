// `npm run dev -- <args>`: the CLI from its TypeScript sources, for working on tenantc
// itself without rebuilding the bundle. bin/tenantc.mjs runs the bundle only.
import { main, terminalPrompt } from './main.ts';

const prompt = terminalPrompt(process.stdin, process.stdout);
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), ...(prompt ? { prompt } : {}) });
