// Registrable domains, shared by validation (the user-content domain must not share one
// with the platform or a tenant) and planning (which tenant domains are a zone's apex).
//
// A registrable domain is a public suffix plus one label (`acme.co.uk`, `tessera.app`,
// `foo.github.io`): the widest domain a page may set a cookie for. Browsers decide it
// with the Public Suffix List, its private section included (a page on foo.github.io
// cannot set cookies for github.io), so this does too, through tldts, which ships the
// list and is kept up to date with it. Counting labels instead calls `acme.co.uk` a
// sub-domain and `foo.github.io` a part of github.io.
import { getDomain } from 'tldts';

/** The registrable domain of a (normalized) host name, or null when it is itself a public suffix. */
export function registrableDomain(name: string): string | null {
  return getDomain(name, { allowPrivateDomains: true, extractHostname: false });
}

/** The name is a registrable domain itself: `acme.com`, `acme.co.uk`; not `app.acme.com`, not `co.uk`. */
export const isRegistrableDomain = (name: string): boolean => registrableDomain(name) === name;
