// Stack policies: the same guard for whoever updates a stack outside tenantc (console,
// CLI). Every stack tenantc deploys carries one that denies replacing or deleting a
// resource of a stateful type, and deleting a nested stack. ExecuteChangeSet takes no
// override policy, so a deploy that the operator allowed to replace or remove named
// resources relaxes the policy of their stacks for exactly those logical ids, runs,
// and restores the strict policy whatever happened.
import { SetStackPolicyCommand } from '@aws-sdk/client-cloudformation';
import { STATEFUL_TYPES } from '../compiler/stateful.ts';
import type { Aws } from './aws.ts';

export interface Exemptions {
  readonly replace: readonly string[];
  readonly remove: readonly string[];
}

const NONE: Exemptions = { replace: [], remove: [] };

function deny(action: string, types: readonly string[], exempt: readonly string[]) {
  return {
    Effect: 'Deny',
    Action: action,
    Principal: '*',
    ...(exempt.length ? { NotResource: exempt.map((id) => `LogicalResourceId/${id}`) } : { Resource: '*' }),
    Condition: { StringEquals: { ResourceType: [...types] } },
  };
}

export function stackPolicy(exempt: Exemptions = NONE): string {
  const stateful = [...STATEFUL_TYPES].sort();
  return JSON.stringify({
    Statement: [
      { Effect: 'Allow', Action: 'Update:*', Principal: '*', Resource: '*' },
      deny('Update:Replace', stateful, exempt.replace),
      deny('Update:Delete', [...stateful, 'AWS::CloudFormation::Stack'], exempt.remove),
    ],
  });
}

export async function setStackPolicy(aws: Aws, stack: string, policy: string): Promise<void> {
  await aws.cfn.send(new SetStackPolicyCommand({ StackName: stack, StackPolicyBody: policy }));
}
