// Compile-time proof that a manifest value cannot reach a template by accident (issue
// 18): a ManifestText is not a string, and a Fn::Sub template is a literal of the
// compiler's source. Each @ts-expect-error fails `npm test`'s typecheck if its line
// ever stops being an error; the last entries must compile as they are.
import { ManifestText } from '../../compiler/plan/manifestText.ts';
import { sub, tags, templateText, type Resources } from '../../compiler/emit/cfn/template.ts';
import { ref } from '../../compiler/emit/cfn/template.ts';

const name = new ManifestText('Acme Corporation');
const computed: string = ['arn', 'partition'].join(':');
const LITERAL = 'tenantSecret';

export const typecheckOnly: Resources = {
  registration: {
    Type: 'Custom::TenantRegistration',
    Properties: {
      ServiceToken: ref('ProvisioningFunctionArn'),
      TenantId: 'acme',
      // @ts-expect-error a manifest value placed as a template string
      Name: name,
      Tier: 'standard',
      Status: 'active',
      StackId: ref('AWS::StackId'),
    },
  },
  // @ts-expect-error a manifest value as a tag, without tags()
  taggedRaw: { Type: 'AWS::SNS::Topic', Properties: { Tags: [{ Key: 'owner', Value: name }] } },
  // These compile: the value through templateText, the tag through tags().
  registered: {
    Type: 'Custom::TenantRegistration',
    Properties: {
      ServiceToken: ref('ProvisioningFunctionArn'),
      TenantId: 'acme',
      Name: templateText(name),
      Tier: 'standard',
      Status: 'active',
      StackId: ref('AWS::StackId'),
    },
  },
  tagged: { Type: 'AWS::SNS::Topic', Properties: { Tags: tags([['owner', name]]) } },
};

export const subTemplates = [
  // @ts-expect-error a computed string as a Fn::Sub template
  sub(computed),
  // @ts-expect-error a computed string spliced into a Fn::Sub template
  sub(`arn:\${AWS::Partition}:logs:${computed}:*`),
  // These compile: a literal, a constant spliced in, a value as a Sub variable.
  sub('arn:${AWS::Partition}:s3:::bucket'),
  sub(`\${${LITERAL}}`),
  sub('arn:${AWS::Partition}:logs:${Name}:*', { Name: computed }),
];
