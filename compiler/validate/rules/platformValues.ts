import type { Diagnostic } from '../../diagnostics.ts';
import { PLATFORM_VALUES } from '../generated/platformValues.ts';
import type { Rule } from '../rule.ts';

/** Whether `value` is in the set a bitmap of `all` encodes (scripts/platformValues.ts). */
function inBitmap(all: readonly string[], bitmap: string | undefined, value: string): boolean {
  const i = all.indexOf(value);
  if (i < 0 || bitmap === undefined) return false;
  const bytes = Buffer.from(bitmap, 'base64');
  return ((bytes[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
}

function members(all: readonly string[], bitmap: string | undefined): string[] {
  return all.filter((v) => inBitmap(all, bitmap, v));
}

/** Size order within a family: nano … large, xlarge, 2xlarge … 48xlarge, metal. */
function sizeRank(size: string): number {
  const named = ['nano', 'micro', 'small', 'medium', 'large', 'xlarge'].indexOf(size);
  if (named >= 0) return named;
  const n = /^(\d+)xlarge$/.exec(size);
  return n ? 5 + Number(n[1]) : 1000;
}

/** The accepted values of the same family a reviewer most likely meant, smallest first. */
export function nearest(value: string, accepted: readonly string[], max = 4): string[] {
  const cut = value.lastIndexOf('.');
  const family = value.slice(0, cut);
  return accepted
    .filter((a) => a.lastIndexOf('.') === cut && a.startsWith(`${family}.`))
    .sort((a, b) => sizeRank(a.slice(cut + 1)) - sizeRank(b.slice(cut + 1)))
    .slice(0, max);
}

const SOURCE = PLATFORM_VALUES.source;

export const platformValues: Rule = {
  id: 'platform-values',
  codes: ['platform-value'],
  title: 'Instance types, classes, node types and engine versions are ones AWS offers',
  reason:
    'A value AWS does not offer passes the schema (it only knows the shape) and fails the deploy, or only cfn-lint inside `check` catches it, as an enum dump at a template position. Checked here against the values cfn-lint maintains from the AWS APIs, at the line the value is written.',
  check({ platforms }) {
    const out: Diagnostic[] = [];
    for (const { source, value } of platforms) {
      const at = (path: (string | number)[], what: string, accepted: readonly string[], where: string) => {
        const near = path.at(-1) === 'engineVersion' ? [] : nearest(what, accepted);
        out.push(
          source.diagnostic(
            'platform-value',
            path,
            `${path.join('.')} "${what}" is not ${where}, by ${SOURCE}${near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(', ')}?` : ''}`,
          ),
        );
      };
      const region = value.region;
      const ec2 = PLATFORM_VALUES.ec2InstanceTypes;
      const ec2Here = ec2.regions[region];
      if (!inBitmap(ec2.all, ec2Here, value.app.instanceType)) {
        at(['app', 'instanceType'], value.app.instanceType, members(ec2.all, ec2Here), `an EC2 instance type offered in ${region}`);
      }
      const db = value.database;
      const versions = PLATFORM_VALUES.auroraPostgresVersions;
      if (!versions.includes(db.engineVersion)) {
        at(
          ['database', 'engineVersion'],
          db.engineVersion,
          versions.filter((v) => v.split('.')[0] === db.engineVersion.split('.')[0]),
          'an Aurora PostgreSQL version',
        );
      } else {
        const classes = PLATFORM_VALUES.auroraPostgresClasses;
        const offered = classes.byVersion[db.engineVersion];
        if (!inBitmap(classes.all, offered, db.instanceClass)) {
          at(
            ['database', 'instanceClass'],
            db.instanceClass,
            members(classes.all, offered),
            `a DB instance class Aurora PostgreSQL ${db.engineVersion} offers`,
          );
        }
      }
      const cache = PLATFORM_VALUES.cacheNodeTypes;
      const cacheHere = cache.regions[region];
      if (!inBitmap(cache.all, cacheHere, value.cache.nodeType)) {
        at(['cache', 'nodeType'], value.cache.nodeType, members(cache.all, cacheHere), `an ElastiCache node type offered in ${region}`);
      }
      const engineVersions = PLATFORM_VALUES.cacheEngineVersions[value.cache.engine];
      if (!engineVersions.includes(value.cache.engineVersion)) {
        at(
          ['cache', 'engineVersion'],
          value.cache.engineVersion,
          engineVersions,
          `a ${value.cache.engine === 'valkey' ? 'Valkey' : 'Redis OSS'} version ElastiCache offers (${engineVersions.join(', ')})`,
        );
      }
    }
    return out;
  },
};
