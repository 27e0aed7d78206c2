// The tenant's certificate and DNS. One ACM certificate per tenant (DNS-validated)
// covers its sign-in host and, unless the platform wildcard covers them, its domains.
// (Its assets host is under the platform's user-content domain, whose wildcard
// certificate and record are the root's: ../dns.ts, ../cdn.ts.) Where we answer DNS (platform zone, or the zone the tenant delegated),
// ACM writes the validation records and we write the aliases; where DNS is external,
// compile writes the records the tenant must create (out/dns/<id>.txt).
//
// A delegated or external tenant's certificate is in its stack only once its DNS is
// ready (t.serving.hostNames): a certificate CloudFormation waits on until a customer
// acts would hold the tenant stack, its group, the root and every other tenant's
// change. Until then its domain stage (../domainStage.ts) asks for the same names on
// its own; ACM gives every certificate of a name in an account the same validation
// record, so once the stage's certificate is issued, the tenant's own validates at
// once. A delegated zone is in the tenant stack from the start: its name servers are
// what the customer needs first.
import type { EstatePlan, PlatformScope, TenantPlan } from '../../../plan/model.ts';
import { TENANT_TAG_KEY, tenantTagPairs } from '../../../plan/isolation.ts';
import { handoverText } from '../../handover.ts';
import type { StackParameters } from '../stackParameters.ts';
import { getAtt, join, ref, tags, type LayerOutput, type ResourceOf, type Resources, type Value } from '../template.ts';

export { TENANT_CERTIFICATE } from '../../../outputFormat.ts';
import { TENANT_CERTIFICATE } from '../../../outputFormat.ts';
export { TENANT_ZONE } from '../../../outputFormat.ts';
import { TENANT_NAME_SERVERS_OUTPUT, TENANT_ZONE } from '../../../outputFormat.ts';
/** Route 53 hosted zone id of every CloudFront distribution (alias targets). */
export const CLOUDFRONT_ZONE_ID = 'Z2FDTNDATAQYW2';

/** The hosted zone that answers for the tenant's names, where we answer DNS at all. */
export function zoneOf(t: TenantPlan, params: StackParameters): Value | null {
  return t.dns.servedOnPlatform ? params.ref('PlatformHostedZoneId') : t.dns.mode === 'delegated' ? ref(TENANT_ZONE) : null;
}

/** The alias of a platform host kept beside a tenant's own names once they are served (plan: dns.platformDomain). */
export const KEPT_PLATFORM_RECORD = 'tenantPlatformDomainRecord';

export const appRecordId = (i: number) => `tenantDomain${i}Record`;

export function emitTenantDns(plan: PlatformScope, t: TenantPlan, params: StackParameters): LayerOutput {
  const zone = zoneOf(t, params);
  const r: Resources = {};
  if (t.dns.mode === 'delegated') {
    r[TENANT_ZONE] = {
      Type: 'AWS::Route53::HostedZone',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { Name: t.dns.zone, HostedZoneConfig: { Comment: `Delegated by tenant ${t.id}` }, HostedZoneTags: tags([[TENANT_TAG_KEY, t.id]]) },
    };
  }
  const outputs =
    t.dns.mode === 'delegated'
      ? {
          [TENANT_NAME_SERVERS_OUTPUT]: { Description: `Name servers the tenant sets for ${t.dns.zone}`, Value: join(',', getAtt(TENANT_ZONE, 'NameServers')) },
        }
      : undefined;
  if (!t.serving.hostNames) return { resources: r, ...(outputs ? { outputs } : {}) };
  r[TENANT_CERTIFICATE] = certificate(plan, t, zone);
  if (t.dns.platformDomain && !t.dns.servedOnPlatform) {
    r[KEPT_PLATFORM_RECORD] = aliasRecord(
      params.ref('PlatformHostedZoneId'),
      t.dns.platformDomain,
      params.ref('LoadBalancerDnsName'),
      params.ref('LoadBalancerHostedZoneId'),
    );
  }
  if (zone) {
    t.domains.forEach((domain, i) => {
      r[appRecordId(i)] = aliasRecord(zone, domain, params.ref('LoadBalancerDnsName'), params.ref('LoadBalancerHostedZoneId'));
    });
  }
  return { resources: r, ...(outputs ? { outputs } : {}) };
}

/** The tenant's certificate: its names, DNS-validated in `zone` where we answer DNS. */
export function certificate(
  plan: PlatformScope,
  t: TenantPlan,
  zone: Value | null,
  names: readonly [string, ...string[]] = t.certificateNames,
): ResourceOf<'AWS::CertificateManager::Certificate'> {
  const [first, ...rest] = names;
  return {
    Type: 'AWS::CertificateManager::Certificate',
    Properties: {
      DomainName: first,
      ...(rest.length ? { SubjectAlternativeNames: rest } : {}),
      ValidationMethod: 'DNS',
      ...(zone ? { DomainValidationOptions: names.map((name) => ({ DomainName: name, HostedZoneId: zone })) } : {}),
      KeyAlgorithm: 'EC_prime256v1',
      Tags: tags(tenantTagPairs(plan.platform.tags, t)),
    },
  };
}

export function aliasRecord(zone: Value, name: string, dnsName: Value, targetZone: Value): ResourceOf<'AWS::Route53::RecordSet'> {
  return {
    Type: 'AWS::Route53::RecordSet',
    Properties: { HostedZoneId: zone, Name: name, Type: 'A', AliasTarget: { DNSName: dnsName, HostedZoneId: targetZone, EvaluateTargetHealth: false } },
  };
}

/**
 * What a tenant with its own DNS must do, and in what order (out/dns/<id>.txt). Values
 * in <angle brackets> are known once deployed: tenantc deploy prints them.
 */
export function dnsInstructions(t: TenantPlan): string {
  // Every value on one line (emit/handover.ts): a name can never start a record of its own.
  const id = handoverText(t.id);
  const zone = t.dns.zone === null ? '' : handoverText(t.dns.zone);
  const stage = `its domain stage (stack <root stack>-domain-${id})`;
  const lines = [
    `# DNS of tenant ${id} (${handoverText(t.name)}): ${t.dns.mode === 'delegated' ? `zone ${zone}, delegated to the platform` : 'external (the tenant keeps its DNS)'}.`,
  ];
  const platformHost = t.dns.platformDomain === null ? null : handoverText(t.dns.platformDomain);
  lines.push(
    `# Status: ${
      t.dns.ready
        ? `ready (dns.validated): its names are served${platformHost ? `, and its platform host ${platformHost} still forwards (remove dns.platformDomain once its users have moved)` : ''}.`
        : `not ready: ${platformHost ? `it is served at its platform host ${platformHost} as before` : 'nothing of it is served yet'}, and no deploy waits for it; ${stage} waits for the records below.`
    }`,
    '# Generated by tenantc compile. Values in <angle brackets> are known once deployed: the validation',
    `# records and name servers from tenantc deploy's report, the rest from the outputs of ALB shard ${t.placement.albShard}, the root and the tenant stack.`,
    '',
  );
  const validated = `set \`dns.validated: true\` in ${handoverText(t.source)} once tenantc deploy reports ${stage} issued: the next deploy serves its names`;
  if (t.dns.mode === 'delegated') {
    lines.push(
      `# 1. At the registrar of ${zone}, set its name servers to these (NameServers output of the tenant stack):`,
      `${zone}\tNS\t<NameServers output of the tenant stack>`,
      '# Every other record is in the zone we host: ACM writes the validation records there, and',
      '# compile the aliases of its names.',
      '',
      t.dns.ready ? '# 2. Done: keep the delegation (ACM renews the certificate through it).' : `# 2. Then ${validated}.`,
      '',
    );
    return lines.join('\n');
  }
  lines.push(
    '# 1. Certificate validation: one CNAME per name below, exactly as tenantc deploy prints it',
    `#    (from ${t.dns.ready ? "the tenant stack's certificate" : stage}; or aws acm describe-certificate).`,
    '#    Keep them: ACM renews with them.',
    ...t.dns.own.certificateNames.map((n) => `#    ${handoverText(n)}`),
    '',
    ...(t.dns.ready ? [] : [`# 2. Then ${validated}.`, '']),
    `# ${t.dns.ready ? '2' : '3'}. Traffic${t.dns.ready ? '' : ', once its names are served'}:`,
    // A registrable domain is its zone's apex, where DNS allows no CNAME (plan: apexDomains).
    ...t.dns.own.domains.map(
      (d) => `${handoverText(d)}\t${t.apexDomains.includes(d) ? 'ALIAS/ANAME' : 'CNAME'}\t<LoadBalancerDnsName of ALB shard ${t.placement.albShard}>`,
    ),
    `${handoverText(t.dns.own.signIn)}\tCNAME\t<CloudFront domain of the Cognito custom domain: UserPoolDomainTarget output of the tenant stack>`,
    '',
  );
  return lines.join('\n');
}
