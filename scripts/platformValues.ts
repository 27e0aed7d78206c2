// Generates compiler/validate/generated/platformValues.ts: the values AWS accepts for
// what the platform manifest names (EC2 instance types and ElastiCache node types per
// region, Aurora PostgreSQL versions and the instance classes each offers, Valkey and
// Redis OSS versions). The CloudFormation registry (@aws-cdk/aws-service-spec) does not
// enumerate them; cfn-lint maintains them, updated from the AWS APIs, in its
// data/schemas/extensions. This script reads the installed cfn-lint's data once, and the
// generated file is committed: validate stays a pure function of the manifests, and
// reports a wrong value at the manifest's line instead of cfn-lint's enum dump at a
// template's.
//
// `npm run platform-values` rewrites the file; test/platformValues.test.ts fails when
// the installed cfn-lint would generate something else, so a data update shows as a
// reviewed change.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GENERATED = fileURLToPath(new URL('../compiler/validate/generated/platformValues.ts', import.meta.url));

/** cfn-lint's package directory and version, or null when it is not installed. */
export function findCfnLint(): { dir: string; version: string } | null {
  const r = spawnSync(
    'python3',
    ['-c', 'import cfnlint, os, importlib.metadata as m; print(os.path.dirname(cfnlint.__file__)); print(m.version("cfn-lint"))'],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) return null;
  const [dir, version] = r.stdout.trim().split('\n');
  return dir && version ? { dir, version } : null;
}

type Schema = {
  allOf: { if: { properties: Record<string, { const?: string; pattern?: string }> }; then: { properties: Record<string, { enum: string[] }> } }[];
};
type Regional = Record<string, { enum: string[] }>;

/** A set of `all` as a bitmap, base64: a region's 1,300 instance types in 224 characters. */
function bitmap(all: readonly string[], some: ReadonlySet<string>): string {
  const bytes = new Uint8Array(Math.ceil(all.length / 8));
  all.forEach((v, i) => {
    if (some.has(v)) bytes[i >> 3]! |= 1 << (i & 7);
  });
  return Buffer.from(bytes).toString('base64');
}

function regional(path: string): { all: string[]; regions: Record<string, string> } {
  // Every key but `description` is a region.
  const data = Object.fromEntries(Object.entries(JSON.parse(readFileSync(path, 'utf8')) as Regional).filter(([, r]) => Array.isArray(r?.enum)));
  const all = [...new Set(Object.values(data).flatMap((r) => r.enum.filter((v) => typeof v === 'string')))].sort();
  const regions = Object.fromEntries(
    Object.entries(data)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([region, r]) => [region, bitmap(all, new Set(r.enum))]),
  );
  return { all, regions };
}

function enumWhere(schema: Schema, engine: string, property: string): string[] {
  const entry = schema.allOf.find((x) => x.if.properties.Engine?.const === engine && !x.if.properties.EngineVersion?.pattern && x.then.properties[property]);
  return (entry?.then.properties[property]?.enum ?? []).filter((v) => typeof v === 'string');
}

/** The file's text, from cfn-lint's data in `dir`. */
export function generate(cfnLint: { dir: string; version: string }): string {
  const ext = join(cfnLint.dir, 'data', 'schemas', 'extensions');
  const ec2 = regional(join(ext, 'aws_ec2_instance', 'instancetype_enum.json'));
  const cache = regional(join(ext, 'aws_elasticache_cachecluster', 'cachenodetype_enum.json'));
  const clusterVersions = JSON.parse(readFileSync(join(ext, 'aws_rds_dbcluster', 'engine_version.json'), 'utf8')) as Schema;
  const cacheVersions = JSON.parse(readFileSync(join(ext, 'aws_elasticache_cachecluster', 'engine_version.json'), 'utf8')) as Schema;
  const classes = JSON.parse(readFileSync(join(ext, 'aws_rds_dbinstance', 'db_instance_class.json'), 'utf8')) as Schema;
  // Versions the platform schema admits (major.minor, 14 and later).
  const auroraVersions = enumWhere(clusterVersions, 'aurora-postgresql', 'EngineVersion').filter((v) => /^1[4-9]\.[0-9]+$/.test(v));
  const allClasses = [...new Set(classes.allOf.flatMap((x) => (x.then.properties.DBInstanceClass?.enum ?? []).filter((v) => typeof v === 'string')))].sort();
  const classesByVersion: Record<string, string> = {};
  const auroraClassEntries = classes.allOf.filter((x) => x.if.properties.Engine?.const === 'aurora-postgresql' && x.if.properties.EngineVersion?.pattern);
  for (const v of auroraVersions) {
    const entry = auroraClassEntries.find((x) => new RegExp(x.if.properties.EngineVersion!.pattern!).test(v));
    // A version cfn-lint lists no classes for: the classes any version of its major offers.
    const major = auroraClassEntries.filter((x) => x.if.properties.EngineVersion!.pattern!.startsWith(`^(${v.split('.')[0]}\\.`));
    const offered = entry ? [entry] : major;
    if (offered.length) classesByVersion[v] = bitmap(allClasses, new Set(offered.flatMap((x) => x.then.properties.DBInstanceClass!.enum)));
  }
  const data = {
    source: `the values cfn-lint ${cfnLint.version} keeps from the AWS APIs`,
    ec2InstanceTypes: ec2,
    cacheNodeTypes: cache,
    auroraPostgresVersions: auroraVersions,
    auroraPostgresClasses: { all: allClasses, byVersion: classesByVersion },
    cacheEngineVersions: { valkey: enumWhere(cacheVersions, 'valkey', 'EngineVersion'), redis: enumWhere(cacheVersions, 'redis', 'EngineVersion') },
  };
  return [
    '// Generated by scripts/platformValues.ts (npm run platform-values) from the data cfn-lint',
    '// maintains; do not edit. test/platformValues.test.ts fails when it is stale.',
    '/** A set as a bitmap over `all`, base64 (bit i of byte i >> 3 is all[i]). */',
    'type Bitmap = string;',
    'export interface PlatformValues {',
    '  readonly source: string;',
    '  readonly ec2InstanceTypes: { readonly all: readonly string[]; readonly regions: Readonly<Record<string, Bitmap>> };',
    '  readonly cacheNodeTypes: { readonly all: readonly string[]; readonly regions: Readonly<Record<string, Bitmap>> };',
    '  readonly auroraPostgresVersions: readonly string[];',
    '  readonly auroraPostgresClasses: { readonly all: readonly string[]; readonly byVersion: Readonly<Record<string, Bitmap>> };',
    '  readonly cacheEngineVersions: { readonly valkey: readonly string[]; readonly redis: readonly string[] };',
    '}',
    `export const PLATFORM_VALUES: PlatformValues = ${JSON.stringify(data)};`,
    '',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const cfnLint = findCfnLint();
  if (!cfnLint) {
    process.stderr.write('cfn-lint is not installed (pip install cfn-lint): it is the source of these values\n');
    process.exit(1);
  }
  writeFileSync(GENERATED, generate(cfnLint));
  process.stdout.write(`wrote ${GENERATED} from cfn-lint ${cfnLint.version}\n`);
}
