// The parts of a template every resource type shares: intrinsic functions, which stand
// for a value CloudFormation resolves at deploy time, and the resource attributes that
// sit beside Type and Properties. The generated resource types build on these.

export type Intrinsic =
  | { readonly Ref: string }
  | { readonly 'Fn::GetAtt': readonly [string, string] }
  | { readonly 'Fn::Sub': string | readonly [string, Readonly<Record<string, Value>>] }
  | { readonly 'Fn::Join': readonly [string, readonly Value[] | Intrinsic] }
  | { readonly 'Fn::Base64': Value };

export interface ResourceAttributes {
  readonly DependsOn?: readonly string[];
  readonly DeletionPolicy?: 'Delete' | 'Retain' | 'Snapshot' | 'RetainExceptOnCreate';
  readonly UpdateReplacePolicy?: 'Delete' | 'Retain' | 'Snapshot';
  readonly Condition?: string;
  readonly Metadata?: object;
  /** Auto Scaling groups: how CloudFormation replaces instances when the launch template changes. */
  readonly UpdatePolicy?: {
    readonly AutoScalingRollingUpdate?: {
      readonly MinInstancesInService?: number;
      readonly MaxBatchSize?: number;
      readonly PauseTime?: string;
      readonly WaitOnResourceSignals?: boolean;
      readonly SuspendProcesses?: readonly string[];
    };
  };
  readonly CreationPolicy?: { readonly ResourceSignal?: { readonly Count?: number; readonly Timeout?: string } };
}

/** A value of a property: a literal, or an intrinsic that resolves to one. */
export type Value<T = string> = T | Intrinsic;
