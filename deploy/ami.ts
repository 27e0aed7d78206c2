// `tenantc ami --latest`: the app fleets' image is data in the repository. AWS keeps a
// public SSM parameter pointing at the current Amazon Linux 2023 image of each Region;
// this command reads it for the platform's Region and writes the image id into the
// platform manifest (app.ami), keeping the file's comments and layout. Templates carry
// that id literally, so a new image reaches the estate only as a pull request whose diff
// shows each launch template it changes and each fleet that rolls (and in what batches:
// each fleet's AutoScalingRollingUpdate), never as a side effect of an unrelated deploy.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { parseDocument } from 'yaml';
import type { Io } from '../cli/command.ts';
import { clientConfig } from './awsConfig.ts';

/** The public SSM parameters of the current AL2023 image (kernel default), by CPU architecture. */
export const AL2023_AMI_PARAMETERS = {
  x86_64: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
  arm64: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
} as const;

/** Graviton instance families carry a `g` after their generation: m7g, m7gd, c7gn, t4g, x2gd, is4gen (g4dn, a GPU family, does not). */
export const architectureOf = (instanceType: string): keyof typeof AL2023_AMI_PARAMETERS =>
  /^[a-z]+\d+[a-z]*g[a-z]*\./.test(instanceType) ? 'arm64' : 'x86_64';

/** No platform manifest where one was expected, or one that cannot be edited: a usage error. */
export class PlatformFileError extends Error {}

export interface AmiRequest {
  /** The manifests directory, resolved. */
  readonly tenants: string;
  /** How it is named in messages. */
  readonly display: string;
  /** Say whether app.ami is current, write nothing. */
  readonly check: boolean;
  readonly profile?: string;
  readonly region?: string;
}

function platformFile(dir: string, display: string): string {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.ya?ml$/.test(n) && !n.startsWith('placement.lock'));
  } catch {
    throw new PlatformFileError(`${display}: no such directory`);
  }
  const found = names.filter((n) => /^kind:\s*Platform\s*$/m.test(readFileSync(join(dir, n), 'utf8')));
  if (found.length !== 1) throw new PlatformFileError(`${display}: ${found.length ? 'more than one' : 'no'} manifest of kind Platform`);
  return found[0]!;
}

/** Reads the current image and pins it (or, with --check, compares). Exit 0, or 1 when --check finds it stale. */
export async function pinLatestAmi(req: AmiRequest, io: Io, ssm?: SSMClient): Promise<number> {
  const name = platformFile(req.tenants, req.display);
  const path = join(req.tenants, name);
  const doc = parseDocument(readFileSync(path, 'utf8'));
  const region = doc.get('region');
  const instanceType = doc.getIn(['app', 'instanceType']);
  if (typeof region !== 'string' || typeof instanceType !== 'string') throw new PlatformFileError(`${req.display}/${name}: needs region and app.instanceType`);
  if (req.region && req.region !== region)
    throw new PlatformFileError(`--region ${req.region}: an image id belongs to one Region, and the platform is in ${region}`);
  const parameter = AL2023_AMI_PARAMETERS[architectureOf(instanceType)];
  const client = ssm ?? new SSMClient({ ...clientConfig({ ...(req.profile ? { profile: req.profile } : {}) }), region });
  const r = await client.send(new GetParameterCommand({ Name: parameter }));
  const latest = r.Parameter?.Value;
  if (!latest || !/^ami-[0-9a-f]{8,17}$/.test(latest))
    throw new Error(`SSM ${parameter} in ${region} answered ${JSON.stringify(latest ?? null)}, not an image id`);
  const pinned = doc.getIn(['app', 'ami']);
  const since = r.Parameter?.LastModifiedDate ? ` (published ${r.Parameter.LastModifiedDate.toISOString().slice(0, 10)})` : '';
  if (pinned === latest) {
    io.stdout.write(`app.ami is ${latest}, the current Amazon Linux 2023 image in ${region}${since}: nothing to change\n`);
    return 0;
  }
  if (req.check) {
    io.stdout.write(`app.ami is ${String(pinned ?? '(not set)')}; the current Amazon Linux 2023 image in ${region} is ${latest}${since}\n`);
    return 1;
  }
  doc.setIn(['app', 'ami'], latest);
  writeFileSync(path, doc.toString());
  io.stdout.write(
    `${req.display}/${name}: app.ami ${String(pinned ?? '(not set)')} → ${latest}, the current Amazon Linux 2023 image in ${region}${since}\n` +
      'Compile and open a pull request: its diff lists every launch template that changes and every fleet that rolls.\n',
  );
  return 0;
}
