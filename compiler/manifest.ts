// TypeScript shapes of the two manifest kinds, as the JSON Schemas in schema/ admit
// them. Values reach these types only after schema validation has passed.
//
// The types are generated from the schemas (compiler/generated/manifest.ts, by
// scripts/manifestTypes.ts; test/manifestTypes.test.ts fails when they drift). This
// module names the parts the compiler speaks of, each read from the generated types,
// so nothing here can disagree with a schema.
import type { PlatformManifest, TenantManifest } from './generated/manifest.ts';

export type { PlatformManifest, TenantManifest };

export type TierManifest = PlatformManifest['tiers'][string];
export type QuotaManifest = NonNullable<PlatformManifest['quotas']>;
export type SuppressionManifest = NonNullable<NonNullable<PlatformManifest['review']>['suppressions']>[number];
/** The retention values CloudWatch Logs accepts, as a tier states them (a tenant's `logs.retentionDays` is the same list). */
export type LogRetentionDays = TierManifest['logRetentionDays'];

export type TenantStatus = TenantManifest['status'];
export type DnsMode = TenantManifest['dns']['mode'];
export type FederationManifest = NonNullable<TenantManifest['auth']['federation']>;
