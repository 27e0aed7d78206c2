// The contract between compile and deploy: out/assets.json. deploy/ reads the compiled
// output and nothing of the compiler but this file and stateful.ts, so the format is
// declared here, with no stage logic.

/** out/assets.json */
export const ASSETS_FILE = 'assets.json';
export const ASSETS_FORMAT = 'tenantc-assets/3';

/** Every template is uploaded under a key made from the SHA-256 of its bytes. */
export const ASSET_KEY = /^tenantc\/([0-9a-f]{64})\.template\.json$/;

export interface AssetTemplate {
  /** Path inside the output directory. */
  readonly file: string;
  /** Key in the assets bucket: tenantc/<sha256 of the file>.template.json. */
  readonly key: string;
}

export interface NestedTemplate extends AssetTemplate {
  /** Logical ids from the root down to this nested stack, joined by `/`. */
  readonly stack: string;
  /** The tenant whose stack this is, for tenant stacks. */
  readonly tenant?: string;
}

/**
 * A tenant's domain stage (compiler/emit/cfn/domainStage.ts): a stack of its own,
 * deployed after the root and never waited on, named `<root stack>-domain-<tenant>`.
 */
export interface DomainStageTemplate extends AssetTemplate {
  readonly tenant: string;
  readonly mode: 'delegated' | 'external';
  /** The tenant's nested stack (logical ids from the root), whose outputs a delegated stage takes its zone from. */
  readonly tenantStack: string;
  /** The manifest says the stage's certificate was issued (dns.validated): the tenant stack holds its own. */
  readonly attached: boolean;
}

/**
 * Logical id of a tenant stack's certificate: deploy refuses a change set that adds or
 * replaces it while the tenant's domain stage is not issued (deploy/domainGate.ts).
 */
export const TENANT_CERTIFICATE = 'tenantCertificate';

/** Logical id of a delegated tenant's hosted zone in its stack: its domain stage validates there. */
export const TENANT_ZONE = 'tenantHostedZone';

export const domainStageStackName = (rootStack: string, tenant: string) => `${rootStack}-domain-${tenant}`;

export interface AssetsManifest {
  readonly format: typeof ASSETS_FORMAT;
  /** The root template, deployed with its TemplateURL (it is over the 51,200-byte inline limit). */
  readonly root: AssetTemplate;
  /** Nested templates, by file. */
  readonly nested: readonly NestedTemplate[];
  /** Domain stages, by file. */
  readonly domains: readonly DomainStageTemplate[];
}
