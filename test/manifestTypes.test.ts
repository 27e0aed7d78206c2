// The manifest types (compiler/generated/manifest.ts) are what the JSON Schemas
// generate, and the generator types only what it understands: a schema change shows as
// a reviewed change of types, and a keyword it cannot type soundly stops it.
// test/types/manifest.typecheck.ts proves, at compile time, what the types refuse.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GENERATED_FILE, generateManifestTypes, MANIFEST_TYPES, type Schema, SchemaTypeError } from '../scripts/manifestTypes.ts';
import { type Editable, edited, SCHEMAS } from './support/schemas.ts';

const M = suite('generated manifest types');

/** The generated text of one member declaration, such as `readonly contacts: ...` at two spaces. */
const member = (text: string, declaration: string) => text.split('\n').some((l) => l === declaration);

M('the committed file is what the schemas generate (run `npm run manifest-types` after changing a schema)', () => {
  assert.fixture(readFileSync(GENERATED_FILE, 'utf8'), generateManifestTypes(SCHEMAS));
});

M('a schema change changes the types (so the check above can fail)', () => {
  const now = generateManifestTypes(SCHEMAS);
  assert.ok(member(now, '  readonly contacts: readonly {'));
  const optional = generateManifestTypes(edited('tenant.schema.json', (s) => (s.required = s.required.filter((k: string) => k !== 'contacts'))));
  assert.ok(member(optional, '  readonly contacts?: readonly {'), 'a key no longer required is optional');

  assert.ok(member(now, "  readonly status: 'active' | 'suspended' | 'offboarded';"));
  const more = generateManifestTypes(edited('tenant.schema.json', (s) => s.properties.status.enum.push('archived')));
  assert.ok(member(more, "  readonly status: 'active' | 'suspended' | 'offboarded' | 'archived';"), 'an enum value added is a literal added');

  const added = generateManifestTypes(edited('platform.schema.json', (s) => (s.properties.cdn.properties.priceClass = { enum: ['all', 'na-eu'] })));
  assert.ok(member(added, "    readonly priceClass?: 'all' | 'na-eu';"), 'a property added is a key added');
  assert.is.not(added, now);
});

M('the saml/oidc branches of auth.federation are a discriminated union, each with what it requires and rules out', () => {
  const text = generateManifestTypes(SCHEMAS);
  const federation = text.slice(text.indexOf('readonly federation?:'), text.indexOf('readonly identityPool?:'));
  const saml = federation.slice(federation.indexOf("protocol: 'saml'"), federation.indexOf("protocol: 'oidc'"));
  const oidc = federation.slice(federation.indexOf("protocol: 'oidc'"));
  assert.ok(saml.includes('readonly metadataUrl: string;') && saml.includes('readonly issuer?: never;') && saml.includes('readonly clientId?: never;'));
  assert.ok(oidc.includes('readonly metadataUrl?: never;') && oidc.includes('readonly issuer: string;') && oidc.includes('readonly clientId: string;'));
  // A branch that no longer requires a key leaves it optional in that member only.
  const loose = generateManifestTypes(edited('tenant.schema.json', (s) => (s.properties.auth.properties.federation.allOf[0].then.required = [])));
  const looseSaml = loose.slice(loose.indexOf("protocol: 'saml'"), loose.indexOf("protocol: 'oidc'"));
  assert.ok(looseSaml.includes('readonly metadataUrl?: string;'));
});

M('strings stay string whatever their grammar kind; maps of tags are string records', () => {
  const text = generateManifestTypes(SCHEMAS);
  for (const line of ['  readonly id: string;', '  readonly name: string;', '    readonly email: string;', '  readonly alarmEmail: string;'])
    assert.ok(member(text, line), line);
  assert.ok(member(text, '  readonly tags?: { readonly [key: string]: string };'));
});

/** The message the generator stops with on `schemas`, or null when it does not stop. */
function refusal(schemas: ReadonlyMap<string, Schema>): string | null {
  try {
    generateManifestTypes(schemas);
    return null;
  } catch (e) {
    if (!(e instanceof SchemaTypeError)) throw e;
    return e.message;
  }
}

M('a keyword the generator does not understand stops it, at its schema path', () => {
  const cases: [string, (s: Editable) => void, string][] = [
    [
      'oneOf (a union it would drop)',
      (s) => (s.properties.users = { oneOf: [{ type: 'integer' }, { type: 'string', $ref: 'strings.schema.json#/$defs/identifier' }] }),
      'tenant.schema.json#/properties/users: keyword "oneOf" is not understood',
    ],
    [
      'patternProperties (keys it would not type)',
      (s) => (s.properties.tags.patternProperties = { '^x-': { type: 'integer' } }),
      'tenant.schema.json#/properties/tags: keyword "patternProperties" is not understood',
    ],
    [
      'an open object (no additionalProperties)',
      (s) => delete s.properties.dns.additionalProperties,
      'tenant.schema.json#/properties/dns: an object schema says `"additionalProperties": false`',
    ],
    [
      'an else branch',
      (s) => (s.properties.auth.properties.federation.allOf[0].else = { required: ['issuer'] }),
      'tenant.schema.json#/properties/auth/properties/federation/allOf/0: keyword "else" beside if/then is not understood',
    ],
    [
      'an if on something other than a const',
      (s) => (s.properties.auth.properties.federation.allOf[0].if = { required: ['issuer'] }),
      'tenant.schema.json#/properties/auth/properties/federation/allOf/0/if: an `if` is understood as',
    ],
    [
      'an if on an optional key (it holds when the key is absent)',
      (s) => (s.properties.auth.properties.federation.required = ['providerName']),
      'tenant.schema.json#/properties/auth/properties/federation: if/then on "protocol": it must be a required key',
    ],
    ['a required key that is no property', (s) => s.required.push('owner'), 'tenant.schema.json#: required key "owner" is not among its properties'],
    [
      'a ref to nothing',
      (s) => (s.properties.name.$ref = 'strings.schema.json#/$defs/prose'),
      'tenant.schema.json#/properties/name: $ref "strings.schema.json#/$defs/prose": nothing at /$defs/prose',
    ],
    ['an enum at odds with its type', (s) => (s.properties.users.enum = [1, 'many']), 'tenant.schema.json#/properties/users: "many" is not a number'],
  ];
  for (const [what, edit, expected] of cases) {
    const message = refusal(edited('tenant.schema.json', edit));
    assert.ok(message?.startsWith(expected), `${what}: ${message}`);
  }
  // A keyword in a referred-to schema is found there too.
  const deep = refusal(edited('strings.schema.json', (s) => (s.$defs.text.anyOf = [{ type: 'string' }])));
  assert.ok(deep?.startsWith('strings.schema.json#/$defs/text: keyword "anyOf" is not understood'), String(deep));
});

/** Every field of a schema (properties, list items' and map values' properties) without a description of its own. */
function undescribed(schema: Schema, path = ''): string[] {
  if (typeof schema === 'boolean') return [];
  const s = schema as Editable;
  const out: string[] = [];
  for (const [name, field] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
    const at = path ? `${path}.${name}` : name;
    if (typeof field === 'object' && typeof field.description !== 'string') out.push(at);
    out.push(...undescribed(field, at));
  }
  if (typeof s.items === 'object') out.push(...undescribed(s.items, `${path}[]`));
  if (typeof s.additionalProperties === 'object') out.push(...undescribed(s.additionalProperties, `${path}.<name>`));
  return out;
}

M('every field of a manifest has a description (the types carry it as their comment)', () => {
  for (const { schema } of MANIFEST_TYPES) assert.equal(undescribed(SCHEMAS.get(schema)!), [], schema);
  // The walk finds a field without one, however deep.
  const bare = edited('platform.schema.json', (s) => delete s.properties.tiers.additionalProperties.properties.dedicatedInstances.properties.max.description);
  assert.equal(undescribed(bare.get('platform.schema.json')!), ['tiers.<name>.dedicatedInstances.max']);
});

M('every manifest kind of MANIFEST_TYPES is a schema of schema/', () => {
  for (const { schema } of MANIFEST_TYPES) assert.ok(SCHEMAS.has(schema), schema);
});

M.run();
