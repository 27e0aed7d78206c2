// The estate the isolation proofs run on: the sample estate plus `acme-eu`, a standard
// tenant whose id has another tenant's id (`acme`) as prefix and that has an identity
// pool, so prefix collisions and end-user roles are exercised too. Compiled once.
import { compileSources, parseSources, type CompileResult } from '../../compiler/pipeline.ts';
import { formatDiagnostic } from '../../compiler/diagnostics.ts';
import { rawFile, rawFilesFrom, SAMPLE_TENANTS } from '../helpers.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ACME_EU = [
  'kind: Tenant',
  'id: acme-eu',
  'name: Acme Europe',
  'tier: standard',
  'status: active',
  'users: 120',
  'domains: [acme-eu.tessera.app]',
  'dns: { mode: platform }',
  'auth: { mfa: required, identityPool: true }',
  'contacts: [{ role: owner, name: Owner, email: owner@acme-eu.example.com }]',
  '',
].join('\n');

let compiled: Extract<CompileResult, { ok: true }> | null = null;

export function isolationEstate(): Extract<CompileResult, { ok: true }> {
  if (compiled) return compiled;
  const lock = rawFile('placement.lock.yaml', readFileSync(join(SAMPLE_TENANTS, 'placement.lock.yaml'), 'utf8'));
  const r = compileSources('tenants', parseSources([...rawFilesFrom(SAMPLE_TENANTS), rawFile('acme-eu.yaml', ACME_EU)], lock));
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  compiled = r;
  return r;
}
