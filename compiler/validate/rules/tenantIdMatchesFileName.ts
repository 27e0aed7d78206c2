import type { Rule } from '../rule.ts';

export const tenantIdMatchesFileName: Rule = {
  id: 'tenant-id-file-name',
  codes: ['tenant-id-file-name'],
  title: 'A tenant file is named after its id',
  reason: 'Reviewers find a tenant by its file; a file named acme.yaml that configures globex invites edits to the wrong tenant.',
  check({ tenants }) {
    return tenants.flatMap(({ source, value }) => {
      const stem = source.name.replace(/\.ya?ml$/, '');
      return stem === value.id
        ? []
        : [
            source.diagnostic(
              'tenant-id-file-name',
              ['id'],
              `id "${value.id}" does not match the file name "${source.name}": rename the file to ${value.id}.yaml or change the id`,
            ),
          ];
    });
  },
};
