import { finding, type Finding, type SecurityRule } from '../rule.ts';

/**
 * How CloudFormation spells a dynamic reference, and the variants a lenient parser
 * might accept (any case, spaces inside the braces): `{{resolve:service:key}}`.
 */
const DYNAMIC_REFERENCE = /\{\{\s*resolve\s*:/i;
const REFERENCE_TEXT = /\{\{\s*resolve\s*:[^}]*\}?\}?/gi;

/** A dynamic reference tenantc writes itself: where, and exactly what it resolves. */
interface OwnReference {
  /** The templates that hold it; the first group, when there is one, is the tenant. */
  readonly template: RegExp;
  readonly resource: string;
  /** Property path inside the resource, as findings print it. */
  readonly path: string;
  /** The whole value, given the template's tenant: a reference to anything else is not ours. */
  readonly value: (tenant: string) => RegExp;
  readonly what: string;
}

/**
 * The allow-list, by template, logical id and property path. An OIDC tenant's client
 * secret is put in Secrets Manager by the operator under the tenant's own path (never
 * in a manifest) and resolved at deploy (emit/cfn/tenant/auth.ts): the reference must
 * name that tenant's own secret, so even this path cannot reach another tenant's.
 */
export const OWN_DYNAMIC_REFERENCES: readonly OwnReference[] = [
  {
    template: /^tenants\/([a-z][a-z0-9-]*)\.template\.json$/,
    resource: 'tenantIdentityProvider',
    path: 'Properties.ProviderDetails.client_secret',
    value: (tenant) => new RegExp(`^\\{\\{resolve:secretsmanager:/[a-z][a-z0-9-]{1,20}/tenants/${tenant}/oidc-client-secret\\}\\}$`),
    what: "its tenant's own OIDC client secret",
  },
];

/** Template sections whose entries have logical ids; anything else is reported by its section name. */
const SECTIONS_BY_ID = new Set(['Resources', 'Outputs', 'Parameters', 'Conditions', 'Mappings']);

interface Hit {
  readonly path: string;
  readonly value: string;
}

/**
 * Whether any string (value or key) under `v` holds "{{": the cheap pass over every
 * resource of thousands of templates, almost none of which holds a brace pair; the
 * walk that records paths runs only where this says yes.
 */
function holdsBraces(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('{{');
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (const item of v) if (holdsBraces(item)) return true;
    return false;
  }
  for (const key in v) if (key.includes('{{') || holdsBraces((v as Record<string, unknown>)[key])) return true;
  return false;
}

/** Every string (values and keys) under `root` that holds a dynamic reference, with its path. */
function dynamicReferences(root: unknown): Hit[] {
  const hits: Hit[] = [];
  const path: (string | number)[] = [];
  const show = () =>
    path.map((s, i) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z0-9_:-]+$/.test(s) ? `${i ? '.' : ''}${s}` : `[${JSON.stringify(s)}]`)).join('');
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      // The cheap test first: most strings of thousands of templates hold no brace at all.
      if (DYNAMIC_REFERENCE.test(v)) hits.push({ path: show(), value: v });
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        path.push(i);
        visit(item);
        path.pop();
      });
      return;
    }
    for (const [key, child] of Object.entries(v)) {
      path.push(key);
      if (DYNAMIC_REFERENCE.test(key)) hits.push({ path: show(), value: key });
      visit(child);
      path.pop();
    }
  };
  visit(root);
  return hits;
}

/** The references in a string, as a message shows them: quoted, each cut to 120 characters. */
const shown = (value: string) => [...value.matchAll(REFERENCE_TEXT)].map((m) => JSON.stringify(m[0].length > 120 ? `${m[0].slice(0, 120)}…` : m[0])).join(', ');

/**
 * CloudFormation resolves a dynamic reference in any string of a template, with the
 * deployer's permissions: a manifest value that reached a template holding
 * `{{resolve:secretsmanager:<another tenant's secret>}}` would hand that secret to
 * whatever the property feeds (an identity provider's client id travels to the issuer
 * the tenant chose; a registration lands in a registry item the tenant reads). The
 * string grammar refuses `{{` in every manifest string and templateText checks it
 * again; this rule is the last wall, over every template compile writes and every
 * template `tenantc check` reads, whatever put the string there.
 */
export const noForeignDynamicReference: SecurityRule = {
  id: 'E701',
  title: 'No dynamic reference tenantc does not write itself',
  reason:
    "CloudFormation resolves {{resolve:...}} anywhere in a template with the deployer's permissions: one written by a manifest value would read any secret or parameter whose name is known, another tenant's included, into a property the attacker sees.",
  fix: 'Find the manifest value that reached the property and the emitter that placed it without templateText (emit/cfn/template.ts); tenantc writes only the references in OWN_DYNAMIC_REFERENCES (review/rules/noForeignDynamicReference.ts).',
  suppressible: false,
  check(template, name, _seen, text) {
    const out: Finding[] = [];
    // In JSON text "{{" occurs only inside a string (an object opens with `{"`, `{}` or
    // `{` and a line break; escapes never spell a brace), so the written text without
    // it holds no string or key with it: the walk over the parsed template is skipped.
    if (text !== undefined ? !text.includes('{{') : !holdsBraces(template)) return out;
    for (const [section, body] of Object.entries(template as unknown as Record<string, unknown>)) {
      // Resources, outputs...: each entry by its logical id; the rest (Description,
      // Metadata) as a whole, its paths starting with the section's name.
      const entries: [string, unknown][] =
        SECTIONS_BY_ID.has(section) && body !== null && typeof body === 'object' ? Object.entries(body) : [[section, { [section]: body }]];
      for (const [id, entry] of entries) {
        if (!holdsBraces(entry)) continue;
        const hits = dynamicReferences(entry);
        if (hits.length === 0) continue;
        const problems: string[] = [];
        const own: string[] = [];
        for (const hit of hits) {
          const allowed =
            section === 'Resources' &&
            OWN_DYNAMIC_REFERENCES.find((o) => {
              const m = o.template.exec(name);
              return m !== null && o.resource === id && o.path === hit.path && o.value(m[1] ?? '').test(hit.value);
            });
          if (allowed) own.push(`${hit.path}: ${allowed.what}`);
          else problems.push(`${hit.path} holds the dynamic reference ${shown(hit.value)}, which tenantc does not write there`);
        }
        const resource = section === 'Resources' ? id : `${section}${section === id ? '' : `.${id}`}`;
        out.push(finding(this, name, resource, problems.length === 0, problems.length ? problems.join('; ') : own.join('; ')));
      }
    }
    return out;
  },
};
