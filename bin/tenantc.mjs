#!/usr/bin/env node
// Entry point: registers tsx so the TypeScript sources run as they are, then hands
// argv to the CLI. Kept in plain JS so `npx tenantc` works in a checkout with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../compiler/cli.ts');
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
