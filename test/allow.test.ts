// The allow language shared by the review (diff --allow, the workflow's tenantc-allow:
// lines) and deploy (--allow-replace, --allow-remove, --allow-file): its grammar, what
// each target covers, and the one table of kinds both sides read.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ALLOW_KIND_SPECS,
  ALLOW_KINDS,
  type Allow,
  type AllowKind,
  REVIEW_KINDS,
  allowLines,
  type AllowSubject,
  allowsCovering,
  covers,
  flagAllow,
  formatAllow,
  parseAllow,
  parseAllowGrammar,
  parseTarget,
  unusedAllows,
} from '../compiler/allow.ts';
import { evaluateGate, gateFindings, parseFailOn } from '../compiler/diff/failOn.ts';
import { type EstateDiff, FAIL_ON_KINDS, type ResourceChange, type StackChange } from '../compiler/diff/model.ts';
import type { AssetsManifest, NestedTemplate } from '../compiler/outputFormat.ts';
import type { ResourceChangeInfo } from '../deploy/changeSet.ts';
import { guard, staleAllows } from '../deploy/guard.ts';
import { removedBeforeOffboarded } from '../deploy/lifecycle.ts';
import { restoresIn } from '../deploy/restore.ts';
import { runMain } from './helpers.ts';

const A = suite('allow language');

const allow = (text: string) => {
  const a = parseAllow(text);
  if (typeof a === 'string') throw new Error(a);
  return a;
};

A('targets: tenant, tenant resource, estate resource; anything else says how to write one', () => {
  assert.equal(parseTarget('tenant:acme'), { scope: 'tenant', tenant: 'acme', logicalId: null });
  assert.equal(parseTarget('tenant:wayne-enterprises/tenantUserPool'), { scope: 'tenant', tenant: 'wayne-enterprises', logicalId: 'tenantUserPool' });
  assert.equal(parseTarget('estate:root/platformDatabaseCluster'), { scope: 'estate', template: 'root', logicalId: 'platformDatabaseCluster' });
  assert.equal(parseTarget('estate:shards/cache-0/replicationGroup'), { scope: 'estate', template: 'shards/cache-0', logicalId: 'replicationGroup' });
  assert.match(parseTarget('tenantUserPool') as string, 'is a bare logical id, which every stack holding one of that name would match');
  assert.match(parseTarget('tenantUserPool') as string, 'tenant:<id>/tenantUserPool');
  assert.match(parseTarget('estate:root') as string, 'an estate target names one resource');
  assert.match(parseTarget('estate:root.template.json/x') as string, 'without .template.json');
  for (const bad of ['tenant:', 'tenant:Acme', 'tenant:acme/', 'tenant:acme/user-pool', 'tenant:acme--x', 'groups/group-0.template.json', 'estate:/x', '*'])
    assert.type(parseTarget(bad), 'string', bad);
});

A('an allow line: kind, target, reason; a bare logical id, an unknown kind or a missing reason is an error', () => {
  assert.equal(allow('removal tenant:globex: contract ended, export delivered (OPS-12)'), {
    kind: 'removal',
    target: { scope: 'tenant', tenant: 'globex', logicalId: null },
    reason: 'contract ended, export delivered (OPS-12)',
  });
  assert.is(
    formatAllow(allow('replacement  estate:root/platformDatabaseCluster :  rename, data migrated (DB-4)')),
    'replacement estate:root/platformDatabaseCluster: rename, data migrated (DB-4)',
  );
  assert.match(parseAllow('replacement tenantUserPool: the pool must be recreated') as string, 'bare logical id');
  assert.match(parseAllow('deletion tenant:acme: a reason long enough') as string, `kind "deletion" is not one of ${ALLOW_KINDS.join(', ')}`);
  assert.match(parseAllow('removal tenant:acme: ok') as string, 'the reason must say why');
  assert.match(parseAllow('removal tenant:acme') as string, 'the reason must say why');
  assert.match(parseAllow('just words') as string, 'kind "just" is not one of');
  assert.match(parseAllow('') as string, 'is not an allow');
});

A("a pull request's description: only tenantc-allow: lines are read, each with its line", () => {
  const body = [
    'Offboard globex for good.',
    '',
    'tenantc-allow: removal tenant:globex: contract ended, export delivered (OPS-12)\r',
    '  tenantc-allow: stateful tenant:globex: contract ended, export delivered (OPS-12)',
    'tenantc-allow: removal tenantGlobexStack: the stack goes',
    'not an allow: tenantc-allow is mentioned here',
  ].join('\n');
  const lines = allowLines(body);
  assert.equal(
    lines.map((l) => [l.line, typeof l.allow === 'string' ? 'error' : formatAllow(l.allow)]),
    [
      [3, 'removal tenant:globex: contract ended, export delivered (OPS-12)'],
      [4, 'stateful tenant:globex: contract ended, export delivered (OPS-12)'],
      [5, 'error'],
    ],
  );
});

A('hidden and lookalike characters: an error naming the code point, never normalised or skipped', () => {
  const line = 'removal tenant:acme: contract ended, export delivered (OPS-12)';
  // Each character the line may hide, at a separator, inside the target and inside the reason.
  const hidden = ['\u00a0', '\u2000', '\u2002', '\u2003', '\u2007', '\u2009', '\u200a', '\u200b', '\u200c', '\u200d', '\u2028', '\u202e', '\u3000', '\ufeff'];
  for (const c of hidden) {
    const code = `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    for (const text of [line.replace(' ', c), line.replace('acme', `ac${c}me`), line.replace('export ', `export${c}`)]) {
      const a = parseAllow(text);
      assert.type(a, 'string', JSON.stringify(text));
      assert.match(a as string, `holds ${code} at column`);
    }
  }
  // Lookalikes in the kind or the target: Cyrillic а/е, a fullwidth colon, a non-breaking hyphen.
  for (const [text, code] of [
    [line.replace('acme', '\u0430cme'), 'U+0430'],
    [line.replace('removal', 'r\u0435moval'), 'U+0435'],
    [line.replace('tenant:', 'tenant\uff1a'), 'U+FF1A'],
    ['removal tenant:wayne\u2011enterprises: contract ended, export delivered', 'U+2011'],
  ] as const) {
    assert.match(parseAllow(text) as string, `holds ${code} at column`, text);
    assert.match(parseAllow(text) as string, "an allow's kind and target are ASCII");
  }
  // The reason is free text: letters of any script are words, not lookalikes.
  assert.equal(allow('removal tenant:acme: Jürgen Müller confirmed the export (OPS-12)').reason, 'Jürgen Müller confirmed the export (OPS-12)');
  // The mutation: the grammar alone reads a line with NBSP separators as an allow of
  // tenant:acme (JavaScript's \s is Unicode's), which a reader of the sed-filtered
  // description may not see at all. The check is what refuses it.
  const nbsp = line.replaceAll(' ', '\u00a0');
  const read = parseAllowGrammar(nbsp) as Allow;
  assert.equal([read.kind, read.target], ['removal', { scope: 'tenant', tenant: 'acme', logicalId: null }], 'the hole the check closes');
  assert.type(parseAllow(nbsp), 'string');
});

A('a line that looks like tenantc-allow: but hides a character is an error at its line, not a line skipped', () => {
  const body = [
    'tenantc-allow: removal tenant:globex: contract ended, export delivered (OPS-12)',
    '\u00a0tenantc-allow: removal tenant:acme: contract ended, export delivered (OPS-12)',
    't\u0435nantc-allow: removal tenant:acme: contract ended, export delivered (OPS-12)',
    'tenantc\u2011allow: removal tenant:acme: contract ended, export delivered (OPS-12)',
    '\u3000tenantc-allow:\u00a0removal tenant:acme: contract ended, export delivered (OPS-12)',
    'tenantc-allow: removal\u00a0tenant:acme: contract ended, export delivered (OPS-12)',
    'This mentions tenantc-allow: in prose, which is not a line of its own.',
  ].join('\n');
  const read = allowLines(body).map((l) => [
    l.line,
    typeof l.allow === 'string' ? (/holds (U\+[0-9A-F]{4})/.exec(l.allow)?.[1] ?? l.allow) : formatAllow(l.allow),
  ]);
  assert.equal(read, [
    [1, 'removal tenant:globex: contract ended, export delivered (OPS-12)'],
    [2, 'U+00A0'],
    [3, 'U+0435'],
    [4, 'U+2011'],
    [5, 'U+3000'],
    [6, 'U+00A0'],
  ]);
});

A('what a target covers: its tenant (all of it, or one resource), or one resource of a shared template', () => {
  const subject = (over: Omit<Partial<AllowSubject>, 'check'>): AllowSubject => ({
    kind: 'replacement',
    tenant: 'acme',
    template: 'tenants/acme',
    logicalId: 'tenantUserPool',
    ...over,
  });
  const a = (text: string) => flagAllow('replacement', text) as Allow;
  assert.ok(covers(a('tenant:acme'), subject({})));
  assert.ok(covers(a('tenant:acme'), subject({ logicalId: null })), 'a tenant target covers its whole stack');
  assert.ok(covers(a('tenant:acme/tenantUserPool'), subject({})));
  assert.not.ok(covers(a('tenant:acme/tenantUserPool'), subject({ tenant: 'globex', template: 'tenants/globex' })), "not another tenant's");
  assert.not.ok(covers(a('tenant:acme/tenantUserPool'), subject({ logicalId: 'tenantLogGroup' })));
  assert.not.ok(covers(a('tenant:acme/tenantUserPool'), subject({ logicalId: null })), "one resource does not cover the tenant's whole stack");
  assert.not.ok(covers(a('tenant:acme'), subject({ tenant: null, template: 'root', logicalId: 'tenantUserPool' })));
  const shared = subject({ tenant: null, template: 'root', logicalId: 'platformDatabaseCluster' });
  assert.ok(covers(a('estate:root/platformDatabaseCluster'), shared));
  assert.not.ok(covers(a('estate:groups/group-0/platformDatabaseCluster'), shared));
  assert.not.ok(covers(flagAllow('removal', 'estate:root/platformDatabaseCluster') as Allow, shared), 'the kind must match');
  // A whole nested stack is named by the resource holding it.
  const group = subject({
    kind: 'removal',
    tenant: null,
    template: 'groups/group-1',
    logicalId: null,
    holder: { template: 'root', logicalId: 'tenantGroup1Stack' },
  });
  assert.ok(covers(flagAllow('removal', 'estate:root/tenantGroup1Stack') as Allow, group));
  assert.not.ok(covers(flagAllow('removal', 'estate:root/tenantGroup2Stack') as Allow, group));
});

A('one table of kinds: the diff accepts each, and each says what it lifts in deploy', () => {
  assert.equal(parseFailOn(REVIEW_KINDS.join(',')), [...REVIEW_KINDS]);
  assert.type(parseFailOn('lifecycle'), 'string', 'a kind the review does not report yet is not offered to --fail-on');
  // The kinds whose allow lifts a deploy check, as deploy's matcher decides it.
  type Check = Extract<AllowSubject, { check: string }>['check'];
  const kindsLifting = (check: Check) =>
    ALLOW_KINDS.filter((k) =>
      covers(
        { kind: k, target: { scope: 'tenant', tenant: 'acme', logicalId: null }, reason: '' },
        { check, tenant: 'acme', template: 'tenants/acme', logicalId: null },
      ),
    );
  assert.equal(kindsLifting('replace'), ['replacement', 'stateful']);
  assert.equal(kindsLifting('remove'), ['removal', 'stateful']);
  assert.equal(kindsLifting('lifecycle'), ['lifecycle']);
  assert.equal(kindsLifting('restore'), ['restore'], 'a restore is lifted by its own kind only: no wider allow hands a removed id over');
  assert.ok(REVIEW_KINDS.includes('restore'), '--fail-on takes restore');
  for (const k of ALLOW_KINDS) assert.ok(ALLOW_KIND_SPECS[k].summary.length > 10, k);
});

A('restore and lifecycle are about a whole tenant: tenant:<id> only, never a resource or a shared template', () => {
  assert.equal(allow('restore tenant:vandelay: the same customer returns, contract CHG-9 signed by Art Vandelay'), {
    kind: 'restore',
    target: { scope: 'tenant', tenant: 'vandelay', logicalId: null },
    reason: 'the same customer returns, contract CHG-9 signed by Art Vandelay',
  });
  assert.equal(flagAllow('restore', 'tenant:vandelay'), { kind: 'restore', target: { scope: 'tenant', tenant: 'vandelay', logicalId: null }, reason: '' });
  assert.match(
    parseAllow('restore tenant:vandelay/tenantSecret: the same customer returns') as string,
    'restore is about a whole tenant: its target is tenant:<id>, not tenant:vandelay/tenantSecret',
  );
  assert.match(flagAllow('restore', 'estate:root/platformDatabaseCluster') as string, 'its target is tenant:<id>');
  assert.match(flagAllow('lifecycle', 'tenant:acme/tenantUserPool') as string, 'lifecycle is about a whole tenant');
});

A('the CLI: a bare logical id is a usage error on both sides (diff --allow, deploy --allow-replace)', async () => {
  const diff = await runMain(['diff', '--base', 'HEAD', '--fail-on', 'replacement', '--allow', 'replacement tenantUserPool: pools are recreated on purpose']);
  assert.is(diff.status, 2, diff.stderr);
  assert.match(diff.stderr, 'bare logical id');
  const deploy = await runMain(['deploy', '--stack', 's', '--assets-bucket', 'b', '--allow-replace', 'tenantUserPool']);
  assert.is(deploy.status, 2, deploy.stderr);
  assert.match(deploy.stderr, '--allow-replace "tenantUserPool" is a bare logical id');
  const restore = await runMain(['deploy', '--stack', 's', '--assets-bucket', 'b', '--allow-restore', 'tenant:vandelay/tenantSecret']);
  assert.is(restore.status, 2, restore.stderr);
  assert.match(restore.stderr, '--allow-restore restore is about a whole tenant: its target is tenant:<id>');
});

A(
  'strict lines: a lookalike prefix, a list mark, another case, Unicode whitespace or an invisible character, trailing words: each an error naming its line, never skipped',
  () => {
    const good = 'tenantc-allow: removal tenant:globex: contract ended, export delivered (OPS-12)';
    const cases: [string, string | RegExp][] = [
      ['- tenantc-allow: removal tenant:globex: contract ended (OPS-12)', /looks like a tenantc-allow: line but (is not one|holds U\+)/],
      ['> tenantc-allow: removal tenant:globex: contract ended (OPS-12)', /looks like a tenantc-allow: line but (is not one|holds U\+)/],
      ['TENANTC-ALLOW: removal tenant:globex: contract ended (OPS-12)', /looks like a tenantc-allow: line but (is not one|holds U\+)/],
      ['tenantc allow: removal tenant:globex: contract ended (OPS-12)', /looks like a tenantc-allow: line but (is not one|holds U\+)/],
      // U+2010 HYPHEN, U+0430 CYRILLIC SMALL LETTER A, U+200B ZERO WIDTH SPACE before the prefix.
      ['tenantc\u2010allow: removal tenant:globex: contract ended (OPS-12)', /looks like a tenantc-allow: line but (is not one|holds U\+)/],
      ['tenantc-\u0430llow: removal tenant:globex: contract ended (OPS-12)', /looks like a tenantc-allow: line but (is not one|holds U\+)/],
      ['\u200btenantc-allow: removal tenant:globex: contract ended (OPS-12)', /looks like a tenantc-allow: line but (is not one|holds U\+)/],
      ['tenantc-allow: removal\u00a0tenant:globex: contract ended (OPS-12)', 'holds U+00A0'],
      ['tenantc-allow: removal tenant:globex:\u2003contract ended (OPS-12)', 'holds U+2003'],
      ['tenantc-allow: removal tenant:globex: contract ended \u202e(OPS-12)', 'holds U+202E'],
      ['tenantc-allow: removal tenant:glob\u200bex: contract ended (OPS-12)', 'holds U+200B'],
      ['tenantc-allow: r\u0435moval tenant:globex: contract ended (OPS-12)', 'U+0435'],
      ['tenantc-allow: removal tenant:gl\u043ebex: contract ended (OPS-12)', 'U+043E'],
      ['tenantc-allow: removal tenant:globex extra: contract ended (OPS-12)', 'is not an allow'],
      ['tenantc-allow: removal tenant:globex tenant:acme: contract ended (OPS-12)', 'is not an allow'],
      ['tenantc-allow: removal tenantGlobexStack: contract ended (OPS-12)', 'bare logical id'],
      ['tenantc-allow: removals tenant:globex: contract ended (OPS-12)', 'kind "removals" is not one of'],
    ];
    for (const [line, says] of cases) {
      const found = allowLines(`Offboard globex.\n${good}\n${line}\n`);
      assert.equal(
        found.map((l) => [l.line, typeof l.allow]),
        [
          [2, 'object'],
          [3, 'string'],
        ],
        JSON.stringify(line),
      );
      assert.match(found[1]!.allow as string, says, JSON.stringify(line));
    }
    // Prose that mentions the prefix mid-sentence is not a line of it; a reason may hold non-ASCII letters.
    assert.equal(allowLines('we write tenantc-allow: lines in the description').length, 0);
    assert.equal(
      formatAllow(allowLines('tenantc-allow: removal tenant:globex: Müller & Søn left (OPS-12)')[0]!.allow as Allow),
      'removal tenant:globex: Müller & Søn left (OPS-12)',
    );
  },
);

A('deploy --allow-file reads the lines strictly too: a lookalike line is a usage error naming its file and line', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'tenantc-allow-'));
  try {
    const file = join(dir, 'allow.txt');
    writeFileSync(
      file,
      'tenantc-allow: removal tenant:globex: contract ended, export delivered (OPS-12)\n- tenantc-allow: removal tenant:acme: slipped in as a list item\n',
    );
    const r = await runMain(['deploy', '--stack', 's', '--assets-bucket', 'b', '--allow-file', file]);
    assert.is(r.status, 2, r.stderr);
    assert.match(r.stderr, `${file}:2: `);
    assert.match(r.stderr, /looks like a tenantc-allow: line but (is not one|holds U\+)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

A('every allow covering a subject, never the first: overlapping allows each cover it, in the order given', () => {
  const pool = { tenant: 'acme', template: 'tenants/acme', logicalId: 'tenantUserPool' } as const;
  const given = [
    flagAllow('replacement', 'tenant:acme') as Allow,
    flagAllow('replacement', 'tenant:globex') as Allow,
    flagAllow('stateful', 'tenant:acme/tenantUserPool') as Allow,
    flagAllow('replacement', 'tenant:acme/tenantUserPool') as Allow,
  ];
  // The review's finding names its kind: only allows of that kind cover it.
  assert.equal(allowsCovering(given, { kind: 'replacement', ...pool }).map(formatAllow), ['replacement tenant:acme', 'replacement tenant:acme/tenantUserPool']);
  // Deploy's refusal names its check: every kind that lifts it covers it.
  assert.equal(allowsCovering(given, { check: 'replace', ...pool }).map(formatAllow), [
    'replacement tenant:acme',
    'stateful tenant:acme/tenantUserPool',
    'replacement tenant:acme/tenantUserPool',
  ]);
  assert.equal(allowsCovering(given, { check: 'remove', ...pool }).map(formatAllow), ['stateful tenant:acme/tenantUserPool']);
  assert.equal(allowsCovering(given, { check: 'restore', ...pool }), [], 'no wider allow lifts a restore');
  // Unused: covered by no subject. Overlap leaves none of the overlapping unused.
  const used = allowsCovering(given, { check: 'replace', ...pool }).map(formatAllow);
  assert.equal(unusedAllows(given, used).map(formatAllow), ['replacement tenant:globex']);
});

/**
 * One change as both sides see it: acme's user pool, acme's certificate (which holds no
 * data) and the shared database cluster replaced, goneco removed while active, vandelay back as incarnation 2. The review
 * reads it as an EstateDiff (its findings from gateFindings), deploy as a change set
 * tree, the last rollout's manifest and this output's.
 */
function oneChangeBothSides() {
  const replaced = (logicalId: string, type: string, stateful = true): ResourceChange => ({
    logicalId,
    type,
    change: 'modify',
    impact: 'replace',
    stateful,
    paths: [],
    risks: [],
    causes: [],
  });
  const stack = (template: string, resources: ResourceChange[]): StackChange => ({
    template,
    change: 'modify',
    resources,
    nestedUpdated: [],
    parameters: { added: [], removed: [] },
    outputs: { added: [], removed: [], modified: [] },
    broadening: [],
  });
  const tenant = (id: string, change: 'modify' | 'remove' | 'add', s: StackChange | null) => ({
    id,
    change,
    before: null,
    after: null,
    stack: s,
    files: [],
    notes: [],
  });
  const diff: EstateDiff = {
    base: { label: 'main', tenants: 3 },
    head: { label: 'work tree', tenants: 3 },
    tenants: [
      tenant(
        'acme',
        'modify',
        stack('tenants/acme.template.json', [
          replaced('tenantUserPool', 'AWS::Cognito::UserPool'),
          replaced('tenantCertificate', 'AWS::CertificateManager::Certificate', false),
        ]),
      ),
      tenant('goneco', 'remove', null),
    ],
    estate: [stack('root.template.json', [replaced('platformDatabaseCluster', 'AWS::RDS::DBCluster')])],
    suppressions: [],
    sql: [],
    lock: null,
    lifecycle: [],
    restores: [
      {
        tenant: 'vandelay',
        from: 'removed',
        removedOn: '2026-10-01',
        removedIncarnation: 1,
        incarnation: 2,
        removed: null,
        now: { name: 'Vandelay Industries', tier: 'standard', domains: [], owners: [], federation: null },
        differs: null,
        handover: {
          s3Prefix: 'tenants/vandelay/',
          secretPath: '/tessera/tenants/vandelay/',
          retainedSecret: '/tessera/tenants/vandelay/app-credentials',
          rows: { schema: 'app', tables: [] },
        },
      },
    ],
    attributions: [],
    stranded: [],
  };
  const modify = (logicalId: string, type: string): ResourceChangeInfo => ({
    action: 'Modify',
    logicalId,
    type,
    replacement: 'True',
    policyAction: 'ReplaceAndDelete',
    scope: ['Properties'],
    physicalId: null,
    nestedChangeSetId: null,
  });
  const acmePath = 'tenantGroup0Stack/tenantAcmeStack';
  const stacks = [
    { path: '', stackId: 'root-id', tenant: null, changes: [modify('platformDatabaseCluster', 'AWS::RDS::DBCluster')] },
    {
      path: acmePath,
      stackId: 'acme-id',
      tenant: 'acme',
      changes: [modify('tenantUserPool', 'AWS::Cognito::UserPool'), modify('tenantCertificate', 'AWS::CertificateManager::Certificate')],
    },
  ];
  const nested = (id: string, more: Partial<NestedTemplate> = {}): NestedTemplate => ({
    file: `tenants/${id}.template.json`,
    key: `tenantc/${id}.template.json`,
    stack: `tenantGroup0Stack/tenant${id[0]!.toUpperCase()}${id.slice(1)}Stack`,
    tenant: id,
    status: 'active',
    incarnation: 1,
    ...more,
  });
  const manifest = (n: NestedTemplate[]) =>
    ({ format: 'tenantc-assets/1', root: { file: 'root.template.json', key: 'tenantc/root' }, nested: n, domains: [] }) as unknown as AssetsManifest;
  const last = manifest([nested('acme'), nested('goneco')]);
  const now = manifest([nested('acme'), nested('vandelay', { incarnation: 2, restoredFrom: '2026-10-01' })]);
  return {
    /** The review: the allows its gate accepted (each covers a finding), as the workflow's comment repeats them. */
    review: (allows: readonly Allow[]) => evaluateGate(gateFindings(diff, new Map()), FAIL_ON_KINDS, allows).accepted.map(formatAllow),
    /** Deploy: the allows its three checks and its stale check let through (deploy/deploy.ts). */
    deploy: (allows: readonly Allow[]) => {
      const verdict = guard(stacks, new Map([[acmePath, 'acme']]), new Map([[acmePath, 'tenants/acme']]), allows);
      const lifecycle = removedBeforeOffboarded(last, now, allows);
      const restores = restoresIn(null, now, '0'.repeat(64), allows);
      const stale = staleAllows(allows, [...verdict.allowed, ...verdict.named, ...lifecycle, ...restores]);
      return allows.filter((a) => !stale.includes(a)).map(formatAllow);
    },
  };
}

A('overlapping allows: the review and deploy use the same ones (every allow that covers something), so a reviewed change deploys', () => {
  const sides = oneChangeBothSides();
  const given = (text: string): Allow => {
    const [kind, target] = text.split(' ') as [AllowKind, string];
    return text.includes(': ') ? allow(text) : (flagAllow(kind, target) as Allow);
  };
  const cases: [string, string[], string[]][] = [
    [
      'one target wider than the other',
      ['replacement tenant:acme', 'replacement tenant:acme/tenantUserPool'],
      ['replacement tenant:acme', 'replacement tenant:acme/tenantUserPool'],
    ],
    [
      'two kinds lifting one refusal (the review asks for both: a replacement and a stateful finding)',
      ['replacement tenant:acme/tenantUserPool', 'stateful tenant:acme/tenantUserPool'],
      ['replacement tenant:acme/tenantUserPool', 'stateful tenant:acme/tenantUserPool'],
    ],
    [
      'a shared resource named by two kinds',
      ['stateful estate:root/platformDatabaseCluster', 'replacement estate:root/platformDatabaseCluster'],
      ['stateful estate:root/platformDatabaseCluster', 'replacement estate:root/platformDatabaseCluster'],
    ],
    [
      'the same restore as a flag and as a reasoned line',
      ['restore tenant:vandelay', 'restore tenant:vandelay: the same customer returns, contract CHG-9'],
      ['restore tenant:vandelay', 'restore tenant:vandelay: the same customer returns, contract CHG-9'],
    ],
    [
      'a lifecycle allow written twice, on two pushes',
      ['lifecycle tenant:goneco: court order, data exported (LEGAL-7)', 'lifecycle tenant:goneco: export confirmed by the customer (LEGAL-8)'],
      ['lifecycle tenant:goneco: court order, data exported (LEGAL-7)', 'lifecycle tenant:goneco: export confirmed by the customer (LEGAL-8)'],
    ],
    [
      'a resource that holds no data: deploy does not refuse its replacement, but the review asks for the allow, so it is used',
      ['replacement tenant:acme/tenantCertificate', 'stateful tenant:acme/tenantCertificate', 'removal tenant:acme/tenantCertificate'],
      ['replacement tenant:acme/tenantCertificate'],
    ],
    [
      'beside the one that covers: another tenant, another kind, another resource (each unused on both sides)',
      ['replacement tenant:acme', 'replacement tenant:globex', 'removal tenant:acme', 'replacement tenant:acme/tenantLogGroup', 'restore tenant:acme'],
      ['replacement tenant:acme'],
    ],
  ];
  for (const [what, texts, used] of cases) {
    const allows = texts.map(given);
    assert.equal(sides.review(allows), used, `review: ${what}`);
    assert.equal(sides.deploy(allows), used, `deploy: ${what}`);
  }
});

A.run();
