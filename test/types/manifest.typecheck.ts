// Compile-time proof that the manifest types (generated from schema/ by
// scripts/manifestTypes.ts) refuse what the schemas refuse where a type can say it.
// `npm test` typechecks this file first; each @ts-expect-error fails the typecheck if
// its line ever stops being an error (a key made optional, an enum widened, a lost
// discriminant), and the entries without one must compile as they are.
import type { PlatformManifest, TenantManifest, TierManifest } from '../../compiler/manifest.ts';

const contacts = [{ role: 'owner', name: 'Jane Doe', email: 'jane@acme.example' }] as const;
const auth = { mfa: 'required' } as const;

export const tenants: readonly TenantManifest[] = [
  {
    kind: 'Tenant',
    id: 'acme',
    name: 'Acme',
    tier: 'premium',
    status: 'active',
    users: 250,
    domains: ['acme.tessera.app'],
    dns: { mode: 'platform' },
    auth,
    contacts,
    // @ts-expect-error a misspelt key (restoredFrom)
    restoredFom: '2026-11-27',
  },
  {
    kind: 'Tenant',
    id: 'acme',
    name: 'Acme',
    tier: 'premium',
    users: 250,
    domains: ['acme.tessera.app'],
    // @ts-expect-error a misspelt key inside a nested mapping (dns.zone)
    dns: { mode: 'delegated', zon: 'acme.com' },
    auth,
    contacts,
    status: 'active',
  },
  {
    kind: 'Tenant',
    id: 'acme',
    name: 'Acme',
    tier: 'premium',
    // @ts-expect-error a value outside the enum (status)
    status: 'paused',
    users: 250,
    domains: ['acme.tessera.app'],
    dns: { mode: 'platform' },
    auth,
    contacts,
  },
  {
    kind: 'Tenant',
    id: 'acme',
    name: 'Acme',
    tier: 'premium',
    status: 'active',
    users: 250,
    domains: ['acme.tessera.app'],
    // @ts-expect-error a value outside a nested enum (dns.mode)
    dns: { mode: 'hosted' },
    auth,
    contacts,
  },
  {
    kind: 'Tenant',
    id: 'acme',
    name: 'Acme',
    tier: 'premium',
    status: 'active',
    users: 250,
    domains: ['acme.tessera.app'],
    dns: { mode: 'platform' },
    auth,
    contacts,
    // @ts-expect-error a number outside an integer enum (CloudWatch Logs has no 45-day retention)
    logs: { retentionDays: 45 },
  },
  // @ts-expect-error a required key missing (contacts)
  {
    kind: 'Tenant',
    id: 'acme',
    name: 'Acme',
    tier: 'premium',
    status: 'active',
    users: 250,
    domains: ['acme.tessera.app'],
    dns: { mode: 'platform' },
    auth,
  },
  {
    kind: 'Tenant',
    id: 'acme',
    name: 'Acme',
    tier: 'premium',
    status: 'active',
    users: 250,
    domains: ['acme.tessera.app'],
    dns: { mode: 'platform' },
    // @ts-expect-error a nested required key missing (auth.mfa)
    auth: { domain: 'auth.acme.tessera.app' },
    contacts,
  },
  {
    // @ts-expect-error the other manifest kind's const
    kind: 'Platform',
    id: 'acme',
    name: 'Acme',
    tier: 'premium',
    status: 'active',
    users: 250,
    domains: ['acme.tessera.app'],
    dns: { mode: 'platform' },
    auth,
    contacts,
  },
  {
    kind: 'Tenant',
    id: 'acme',
    name: 'Acme',
    tier: 'premium',
    status: 'active',
    users: 250,
    domains: ['acme.tessera.app'],
    dns: { mode: 'platform' },
    auth,
    contacts,
    // @ts-expect-error a tag value that is no string
    tags: { 'cost-center': 42 },
  },

  // These compile: both federation protocols with what each requires, and a full tenant.
  {
    kind: 'Tenant',
    id: 'initech',
    name: 'Initech',
    tier: 'premium',
    status: 'suspended',
    restoredFrom: '2026-11-27',
    users: 1200,
    domains: ['app.initech.com'],
    dns: { mode: 'delegated', zone: 'initech.com', validated: true, platformDomain: 'initech.tessera.app' },
    auth: {
      mfa: 'optional',
      domain: 'login.initech.com',
      passwordPolicy: { minLength: 14, requireSymbols: false },
      federation: { protocol: 'saml', providerName: 'InitechAD', metadataUrl: 'https://idp.initech.com/metadata' },
      identityPool: true,
    },
    logs: { retentionDays: 365 },
    contacts: [...contacts, { role: 'security', name: 'Sam Lee', email: 'sec@initech.com' }],
    tags: { 'cost-center': 'cc-42' },
  },
  {
    kind: 'Tenant',
    id: 'globex',
    name: 'Globex',
    tier: 'standard',
    status: 'active',
    users: 40,
    domains: ['globex.tessera.app'],
    dns: { mode: 'platform' },
    auth: { mfa: 'required', federation: { protocol: 'oidc', providerName: 'okta', issuer: 'https://globex.okta.com', clientId: '0oa1b2c3d4' } },
    contacts,
  },
];

type Federation = NonNullable<TenantManifest['auth']['federation']>;
export const federations: readonly Federation[] = [
  // @ts-expect-error saml without its metadataUrl
  { protocol: 'saml', providerName: 'InitechAD' },
  // @ts-expect-error oidc without its clientId
  { protocol: 'oidc', providerName: 'okta', issuer: 'https://globex.okta.com' },
  // @ts-expect-error saml with an oidc key (issuer is ruled out for saml)
  { protocol: 'saml', providerName: 'InitechAD', metadataUrl: 'https://idp.initech.com/metadata', issuer: 'https://idp.initech.com' },
  // @ts-expect-error oidc with the saml key (metadataUrl is ruled out for oidc)
  { protocol: 'oidc', providerName: 'okta', issuer: 'https://globex.okta.com', clientId: '0oa1', metadataUrl: 'https://globex.okta.com/m' },
  // @ts-expect-error a protocol the schema does not offer
  { protocol: 'ldap', providerName: 'corp' },
];

/** The discriminant narrows: each protocol's required keys are strings, without a check. */
export function idpUrl(f: Federation): string {
  if (f.protocol === 'saml') return f.metadataUrl;
  return f.issuer;
}

export function notNarrowed(f: Federation): string {
  // @ts-expect-error without testing the protocol, metadataUrl may be absent
  return f.metadataUrl;
}

export const tiers: readonly TierManifest[] = [
  // @ts-expect-error a tier without the required federation flag
  { description: 'Premium', compute: 'dedicated', cache: 'dedicated', logRetentionDays: 365 },
  // @ts-expect-error a value outside a tier's enum (compute)
  { description: 'Pooled', compute: 'pooled', cache: 'shared', logRetentionDays: 30, federation: false },
  { description: 'Premium', compute: 'dedicated', cache: 'dedicated', logRetentionDays: 365, federation: true, dedicatedInstances: { min: 2, max: 6 } },
];

export function readOnly(t: TenantManifest, p: PlatformManifest): void {
  // @ts-expect-error manifests are read-only to every stage after validation
  t.status = 'offboarded';
  // @ts-expect-error and so are their lists
  t.domains.push('evil.example.com');
  // @ts-expect-error and their maps
  p.tiers['free'] = p.tiers['premium']!;
  // @ts-expect-error a misspelt key read from the platform (apexDomain)
  p.apexDomian;
}
