// The Handlebars sources of templates/ as template specifications (Handlebars'
// precompiled form). Running from the TypeScript sources, a template is precompiled
// here when first used. The bundle replaces this module with one that scripts/build.ts
// generates with the same specifications compiled at build time, so the CLI loads only
// Handlebars' runtime and never runs its compiler (80 ms of every compile).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { TEMPLATES_DIR } from '../paths.ts';

/** strict: a name the context lacks is an error, not an empty string. */
const COMPILE_OPTIONS = { strict: true } as const;

/** The JavaScript source of a template's specification object. */
export function precompileTemplate(source: string): string {
  // The typings say TemplateSpecification; precompile() returns its source text.
  return Handlebars.precompile(source, COMPILE_OPTIONS) as unknown as string;
}

export function templateSpec(name: string): TemplateSpecification {
  // The same evaluation Handlebars.compile() performs on its own output.
  return new Function(`return ${precompileTemplate(readFileSync(join(TEMPLATES_DIR, name), 'utf8'))}`)() as TemplateSpecification;
}
