// Compile-time proof that resources are checked against the CloudFormation registry.
// `npm test` typechecks this file first; each @ts-expect-error fails the typecheck if
// its line ever stops being an error (a loosened type, a cast, a lost discriminant),
// and the last entries must compile as they are.
import type { CfnResource, Resources } from '../../compiler/emit/cfn/template.ts';
import { hardenedLaunchTemplateData } from '../../compiler/emit/cfn/compute.ts';
import { ref } from '../../compiler/emit/cfn/template.ts';

export const typecheckOnly: Resources = {
  // @ts-expect-error a misspelt property
  misspelt: { Type: 'AWS::EC2::VPC', Properties: { CidrBlok: '10.18.0.0/16' } },
  // @ts-expect-error a value of the wrong type (a boolean property given a string)
  wrongType: { Type: 'AWS::EC2::VPC', Properties: { EnableDnsSupport: 'yes' } },
  // @ts-expect-error a required property missing (a listener rule needs Conditions)
  missingRequired: { Type: 'AWS::ElasticLoadBalancingV2::ListenerRule', Properties: { Priority: 1, Actions: [{ Type: 'forward' }] } },
  // @ts-expect-error a value outside the registry's allowed set (log retention days)
  notAllowed: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 45 } },
  // @ts-expect-error a resource type tenantc does not know
  unknownType: { Type: 'AWS::EC2::Vpc', Properties: {} },
  // @ts-expect-error a misspelt property deep inside a property type
  nestedTypo: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpToken: 'required' } } } },
  // @ts-expect-error properties of one type under another type's name
  crossed: { Type: 'AWS::S3::Bucket', Properties: { CidrBlock: '10.18.0.0/16' } },
  // @ts-expect-error a misspelt resource attribute beside Properties
  attribute: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Keep' },
  // @ts-expect-error the custom resource needs its ServiceToken
  custom: {
    Type: 'Custom::TenantRegistration',
    Properties: { TenantId: 'acme', Name: 'Acme', Tier: 'standard', Status: 'active', StackId: ref('AWS::StackId') },
  },

  // These compile: intrinsics stand for values, literal values of the right type pass.
  vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: ref('VpcCidr'), EnableDnsSupport: true } },
  logGroup: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 90 } },
};

export const launchTemplate: CfnResource = {
  Type: 'AWS::EC2::LaunchTemplate',
  Properties: {
    LaunchTemplateData: hardenedLaunchTemplateData({
      fleet: 'shared',
      imageId: 'ami-0123456789abcdef0',
      instanceType: 'm5.large',
      securityGroupIds: [],
      instanceProfileArn: ref('x'),
      userData: '',
      tags: [],
    }),
  },
};
