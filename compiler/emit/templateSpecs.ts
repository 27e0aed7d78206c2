// The files of templates/: Handlebars sources as template specifications (Handlebars'
// precompiled form), other files (the provisioning Lambda's source) as text. Running
// from the TypeScript sources, a file is read and precompiled here when first used.
// The bundle replaces this module with one that scripts/build.ts generates with the
// same specifications and texts compiled in, so the CLI reads no package file at run
// time and never runs Handlebars' compiler (80 ms of every compile).
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

/** A file of templates/ used verbatim (a Lambda's code). Not templateText (emit/cfn/template.ts), which places a manifest value in a template. */
export function templateFileText(name: string): string {
  return readFileSync(join(TEMPLATES_DIR, name), 'utf8');
}
