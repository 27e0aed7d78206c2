import { finding, resourcesOf, type SecurityRule } from '../rule.ts';

export const imdsV2Required: SecurityRule = {
  id: 'E201',
  types: ['AWS::EC2::LaunchTemplate'],
  title: 'Launch templates require IMDSv2 with a hop limit of 1',
  reason: 'IMDSv1 answers any forwarded GET (SSRF), handing out the instance role, which for a dedicated fleet is the tenant role.',
  fix: 'Set MetadataOptions HttpTokens to "required" and HttpPutResponseHopLimit to 1 in the launch template data (compute.ts hardenedLaunchTemplateData).',
  check(template, name) {
    return resourcesOf(this, template).map(([id, r]) => {
      const m = ((r.Properties?.LaunchTemplateData as Record<string, unknown> | undefined)?.MetadataOptions ?? {}) as Record<string, unknown>;
      const ok = m.HttpTokens === 'required' && Number(m.HttpPutResponseHopLimit) === 1;
      return finding(this, name, id, ok, ok ? 'IMDSv2 required, hop limit 1' : `MetadataOptions ${JSON.stringify(m)}`);
    });
  },
};
