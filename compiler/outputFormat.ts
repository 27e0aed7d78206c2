// The contract between compile and deploy: out/assets.json. deploy/ reads the compiled
// output and nothing of the compiler but this file and stateful.ts, so the format is
// declared here, with no stage logic.

/** out/assets.json */
export const ASSETS_FILE = 'assets.json';
export const ASSETS_FORMAT = 'tenantc-assets/2';

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

export interface AssetsManifest {
  readonly format: typeof ASSETS_FORMAT;
  /** The root template, deployed with its TemplateURL (it is over the 51,200-byte inline limit). */
  readonly root: AssetTemplate;
  /** Nested templates, by file. */
  readonly nested: readonly NestedTemplate[];
}
