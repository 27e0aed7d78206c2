// IAM policy documents as the emitters build them: identity policies, bucket policies
// and key policies. Typed so that a misspelt element (`Resources`, `Conditions`) does
// not compile; the registry types documents only as JSON.
import type { Value } from './intrinsic.ts';

type OneOrMany<T> = T | readonly T[];

export type PolicyPrincipal =
  | '*'
  | { readonly AWS?: OneOrMany<Value>; readonly Service?: OneOrMany<string>; readonly CanonicalUser?: Value; readonly Federated?: string };

/** Operator → condition key → value(s). */
export type PolicyCondition = { readonly [operator: string]: { readonly [key: string]: OneOrMany<Value> } };

export type PolicyStatement = {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: PolicyPrincipal;
  readonly Action?: OneOrMany<string>;
  readonly NotAction?: OneOrMany<string>;
  readonly Resource?: OneOrMany<Value>;
  readonly NotResource?: OneOrMany<Value>;
  readonly Condition?: PolicyCondition;
};

export type PolicyDocument = { readonly Version: '2012-10-17'; readonly Statement: readonly PolicyStatement[] };
