// The domain gate and the validation records, as pure functions: which change sets
// would make CloudFormation wait on a customer's DNS, and what deploy prints from the
// certificate's events.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { DomainStageTemplate } from '../compiler/outputFormat.ts';
import { domainGate } from '../deploy/domainGate.ts';
import { recordsIn } from '../deploy/domainStage.ts';
import type { StackChanges } from '../deploy/guard.ts';
import type { ResourceChangeInfo } from '../deploy/changeSet.ts';

const G = suite('domain gate');

const stage = (tenant: string, attached: boolean): DomainStageTemplate => ({
  file: `domains/${tenant}.template.json`,
  key: `tenantc/${'0'.repeat(64)}.template.json`,
  tenant,
  mode: 'external',
  tenantStack: `tenantGroup0Stack/tenant${tenant[0]!.toUpperCase()}${tenant.slice(1)}Stack`,
  attached,
});
const change = (action: string, logicalId: string, replacement: string | null = null): ResourceChangeInfo => ({
  action,
  logicalId,
  type: logicalId.endsWith('Stack') ? 'AWS::CloudFormation::Stack' : 'AWS::CertificateManager::Certificate',
  replacement,
  policyAction: null,
  scope: [],
  physicalId: null,
  nestedChangeSetId: null,
});
const tree = (group: ResourceChangeInfo[], acme: ResourceChangeInfo[]): StackChanges[] => [
  { path: '', stackId: 'root', tenant: null, changes: [] },
  { path: 'tenantGroup0Stack', stackId: 'g0', tenant: null, changes: group },
  { path: 'tenantGroup0Stack/tenantAcmeStack', stackId: 'acme', tenant: 'acme', changes: acme },
];

G('what would wait on DNS: a new stack, an added or a replaced certificate of an attached tenant whose stage is not issued', () => {
  const attached = [stage('acme', true)];
  assert.equal(domainGate(tree([change('Add', 'tenantAcmeStack')], []), attached, new Set()), [{ tenant: 'acme', change: 'creates its stack' }]);
  assert.equal(domainGate(tree([], [change('Add', 'tenantCertificate')]), attached, new Set()), [{ tenant: 'acme', change: 'adds its certificate' }]);
  assert.equal(domainGate(tree([], [change('Modify', 'tenantCertificate', 'True')]), attached, new Set()), [
    { tenant: 'acme', change: 'replaces its certificate' },
  ]);
  assert.equal(domainGate(tree([], [change('Modify', 'tenantCertificate', 'Conditional')]), attached, new Set()), [
    { tenant: 'acme', change: 'replaces its certificate' },
  ]);
});

G('what does not: the stage issued, a tenant not attached (no certificate in its stack), an in-place change, other resources', () => {
  assert.equal(domainGate(tree([], [change('Add', 'tenantCertificate')]), [stage('acme', true)], new Set(['acme'])), []);
  assert.equal(domainGate(tree([change('Add', 'tenantAcmeStack')], []), [stage('acme', false)], new Set()), []);
  assert.equal(domainGate(tree([], [change('Modify', 'tenantCertificate', 'False')]), [stage('acme', true)], new Set()), []);
  assert.equal(domainGate(tree([], [change('Add', 'tenantLogGroup')]), [stage('acme', true)], new Set()), []);
});

G("validation records from the certificate's events: every record once, sorted; anything else ignored", () => {
  assert.equal(
    recordsIn([
      'Content of DNS Record is: {Name: _b.app.example.net.,Type: CNAME,Value: _y.acm-validations.aws.}',
      'Content of DNS Record is: {Name: _a.example.net.,Type: CNAME,Value: _x.acm-validations.aws.}',
      'Content of DNS Record is: {Name: _a.example.net.,Type: CNAME,Value: _x.acm-validations.aws.}',
      'Resource creation Initiated',
      '',
    ]),
    ['_a.example.net. CNAME _x.acm-validations.aws.', '_b.app.example.net. CNAME _y.acm-validations.aws.'],
  );
});

G.run();
