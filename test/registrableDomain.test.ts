// Registrable domains, decided once by the Public Suffix List (compiler/registrableDomain.ts):
// which of a tenant's domains are a zone's apex (plan: apexDomains, the ALIAS/ANAME
// lines of out/dns/<id>.txt), and what the user-content domain must not share with
// the platform (the invalid corpus's user-content-domain cases).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDiagnostic } from '../compiler/diagnostics.ts';
import { compileSources, parseSources } from '../compiler/pipeline.ts';
import { isRegistrableDomain, registrableDomain } from '../compiler/registrableDomain.ts';
import { rawFile, rawFilesFrom, SAMPLE_TENANTS } from './helpers.ts';

const R = suite('registrable domains');

R('the Public Suffix List decides, its private section included, as browsers do for cookies', () => {
  const cases: [string, string | null][] = [
    ['acme.com', 'acme.com'],
    ['app.acme.com', 'acme.com'],
    ['acme.co.uk', 'acme.co.uk'],
    ['app.acme.co.uk', 'acme.co.uk'],
    ['co.uk', null],
    ['com', null],
    ['soylent.tessera.app', 'tessera.app'],
    ['foo.github.io', 'foo.github.io'],
    ['github.io', null],
    ['a.b.herokuapp.com', 'b.herokuapp.com'],
  ];
  for (const [name, expected] of cases) assert.is(registrableDomain(name), expected, name);
  assert.ok(isRegistrableDomain('acme.co.uk'));
  assert.not.ok(isRegistrableDomain('app.acme.com'));
  // The guess it replaces (emit/cfn/tenant/dns.ts counted labels) was wrong both ways.
  const labelGuess = (d: string) => d.split('.').length === 2;
  assert.not.ok(labelGuess('acme.co.uk'), 'the old guess called acme.co.uk a sub-domain');
  assert.ok(labelGuess('github.io'), 'and github.io, a public suffix, an apex');
});

R("an external tenant's steps point its zone apexes with ALIAS/ANAME and the rest with CNAME, as the plan decides", () => {
  const files = rawFilesFrom(SAMPLE_TENANTS).map((f) =>
    f.name === 'tyrell.yaml'
      ? rawFile(
          f.name,
          Buffer.from(f.bytes!)
            .toString('utf8')
            .replace(/domains:[\s\S]*?\ndns:/, 'domains:\n  - tyrell.co.uk\n  - app.tyrell.co.uk\n  - tyrell.github.io\ndns:'),
        )
      : f,
  );
  const r = compileSources('tenants', parseSources(files));
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  const tyrell = r.plan.tenants.find((t) => t.id === 'tyrell')!;
  assert.equal(tyrell.domains, ['tyrell.co.uk', 'app.tyrell.co.uk', 'tyrell.github.io']);
  assert.equal(tyrell.apexDomains, ['tyrell.co.uk', 'tyrell.github.io']);
  const steps = r.files.find((f) => f.path === 'dns/tyrell.txt')!.content;
  assert.match(steps, 'tyrell.co.uk\tALIAS/ANAME\t');
  assert.match(steps, 'app.tyrell.co.uk\tCNAME\t');
  assert.match(steps, 'tyrell.github.io\tALIAS/ANAME\t');
});

R.run();
