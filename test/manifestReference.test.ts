// docs/manifest-reference.md is what the JSON Schemas generate, and every field of every
// document it describes has a description: a schema change shows as a reviewed change of
// the reference, and a field added without words stops the generator.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generateManifestReference, REFERENCE_DOCUMENTS, REFERENCE_FILE, UndescribedFieldError } from '../scripts/manifestReference.ts';
import type { Schema } from '../scripts/manifestTypes.ts';
import { type Editable, edited, SCHEMAS } from './support/schemas.ts';

const R = suite('manifest reference');

/** The message the generator stops with, or null when it writes the reference. */
function refusal(schemas: ReadonlyMap<string, Schema>): string | null {
  try {
    generateManifestReference(schemas);
    return null;
  } catch (e) {
    if (!(e instanceof UndescribedFieldError)) throw e;
    return e.message;
  }
}

/** The table row of `path` in the generated text. */
const row = (text: string, path: string) => text.split('\n').find((l) => l.startsWith(`| \`${path}\` |`));

R('the committed file is what the schemas generate (run `npm run manifest-reference` after changing a schema)', () => {
  assert.fixture(readFileSync(REFERENCE_FILE, 'utf8'), generateManifestReference(SCHEMAS));
});

R('every field of every document has a description (the generator refuses one without)', () => {
  assert.is(refusal(SCHEMAS), null);
  // Deep in a map's values, in a list's items, through a $ref: each is found and named.
  const cases: [string, (s: Editable) => void, string][] = [
    [
      'platform.schema.json',
      (s) => delete s.properties.tiers.additionalProperties.properties.dedicatedInstances.properties.max.description,
      'platform.schema.json: tiers.<name>.dedicatedInstances.max',
    ],
    ['tenant.schema.json', (s) => delete s.properties.contacts.items.properties.email.description, 'tenant.schema.json: contacts[].email'],
    ['tenant.schema.json', (s) => delete s.properties.auth.properties.identityPool.description, 'tenant.schema.json: auth.identityPool'],
    [
      'placement-lock.schema.json',
      (s) => delete s.properties.removed.additionalProperties.properties.removed.description,
      'placement-lock.schema.json: removed.<tenant id>.removed',
    ],
    ['prices.schema.json', (s) => delete s.$defs.price.properties.tiers.items.properties.usd.description, 'prices.schema.json: prices.<name>.tiers[].usd'],
  ];
  for (const [file, edit, expected] of cases) {
    const message = refusal(edited(file, edit));
    assert.ok(message?.split('\n').includes(`  ${expected}`), `${expected}: ${message}`);
  }
});

R('a field described only where its $ref points is described (the lock reuses the tenant schema)', () => {
  const own = row(generateManifestReference(SCHEMAS), 'tenants.<tenant id>.identity.name');
  assert.ok(own?.includes('Its name, as its manifest wrote it.'), own);
  const referred = row(
    generateManifestReference(edited('placement-lock.schema.json', (s) => delete s.$defs.identity.properties.name.description)),
    'tenants.<tenant id>.identity.name',
  );
  assert.ok(referred?.includes('Display name of the organisation'), referred);
});

R('a schema change changes the reference (so the first check can fail)', () => {
  const now = generateManifestReference(SCHEMAS);
  const described = generateManifestReference(edited('tenant.schema.json', (s) => (s.properties.users.description = 'Seats, counted differently.')));
  assert.ok(row(described, 'users')?.includes('Seats, counted differently.'));
  assert.is.not(described, now);
  const optional = generateManifestReference(edited('tenant.schema.json', (s) => (s.required = s.required.filter((k: string) => k !== 'users'))));
  assert.ok(row(now, 'users')?.includes('**required**'));
  assert.ok(row(optional, 'users')?.includes('optional'));
});

R('what a type cannot say is written out: ranges, lengths, defaults, formats, the federation branches', () => {
  const text = generateManifestReference(SCHEMAS);
  assert.ok(row(text, 'users')?.includes('integer 1–1000000'), row(text, 'users'));
  assert.ok(row(text, 'id')?.includes('2–24 characters'));
  assert.ok(row(text, 'auth.passwordPolicy.minLength')?.includes('default `12`'));
  assert.ok(row(text, 'auth.domain')?.includes('Format: a lower-case host name'));
  const federation = row(text, 'auth.federation') ?? '';
  assert.ok(federation.includes('With `protocol` `saml`, it requires `metadataUrl` and takes no `issuer`, `clientId`.'), federation);
  assert.ok(federation.includes('With `protocol` `oidc`, it requires `issuer`, `clientId` and takes no `metadataUrl`.'), federation);
});

R('markdown stays text: <placeholders> are escaped outside code, pipes never split a cell', () => {
  const text = generateManifestReference(SCHEMAS);
  const platformDomain = row(text, 'dns.platformDomain') ?? '';
  assert.ok(platformDomain.includes('the &lt;name&gt;.&lt;apex&gt; host'), platformDomain);
  const piped = generateManifestReference(edited('tenant.schema.json', (s) => (s.properties.users.description = 'a | b <c> `x|<y>`')));
  assert.ok(row(piped, 'users')?.includes('| a \\| b &lt;c&gt; `x\\|<y>` Example: `250`. |'), row(piped, 'users'));
});

R('every document of REFERENCE_DOCUMENTS is a schema of schema/, and the reference links each', () => {
  const text = generateManifestReference(SCHEMAS);
  for (const doc of REFERENCE_DOCUMENTS) {
    assert.ok(SCHEMAS.has(doc.schema), doc.schema);
    assert.ok(text.includes(`\n## ${doc.title}\n`), doc.title);
  }
});

R.run();
