// Who published each image the output's fleets boot. The image is a manifest value
// (app.ami) a pull request may change, and the review shows it as a bare id: it has no
// AWS credentials, so a reviewer cannot tell Amazon Linux from an image its author built.
// An instance of the pooled fleet holds a role that can assume every standard tenant's
// role and the tenant-context key, so a foreign image there is the whole estate. Deploy
// therefore asks EC2 (DescribeImages, in the deploy's account and Region: the image a
// launch template names is resolved there) who owns every image of the output, and
// refuses any image not owned by Amazon or by an account the operator names
// (--image-owner, a flag of the workflow on main, which no pull request writes).
//
// The ids are read from the output's templates, the bytes CloudFormation will run
// (readCompiledOutput proved them against their keys; an adopted change set is proven
// to hold those bytes), never from a list the compiler could get wrong.
import { DescribeImagesCommand, type Image } from '@aws-sdk/client-ec2';
import type { Aws } from './aws.ts';
import type { CompiledForDeploy } from './compiledOutput.ts';
import { inParallel } from './concurrent.ts';

/**
 * The owner of the Amazon Linux images (AL2023's public SSM parameter points at images of
 * this account in every commercial Region: Amazon Linux 2023 User Guide, "Amazon Linux 2023
 * on Amazon EC2"). Amazon's own images also carry ImageOwnerAlias `amazon`, which only AWS
 * sets; either proves the image is Amazon's.
 */
export const AMAZON_LINUX_OWNER = '137112412989';
export const AMAZON_OWNER_ALIAS = 'amazon';
/**
 * The name every Amazon Linux 2023 image starts with (`tenantc ami --latest`'s parameter,
 * `al2023-ami-kernel-default-*`, points at `al2023-ami-2023.<release>-kernel-<v>-<arch>`).
 * Only the owner names an image, so on an image of Amazon's the name is Amazon's word.
 * "Amazon's" alone admits every image Amazon ever published (Amazon Linux 1 and 2,
 * Windows, ...), which the hardened launch template was never written for
 * (templates/userdata.sh.hbs: dnf, the CloudWatch agent's and cfn-bootstrap's packages).
 */
export const AMAZON_LINUX_2023_NAME = 'al2023-ami-';

/** Keys of resource properties that choose an image (EC2 launch templates and instances, Auto Scaling launch configurations, Batch compute environments). */
const IMAGE_KEY = /^ImageId(Override)?$/;
/** A literal image id: the only kind EC2 can be asked about before CloudFormation resolves anything. */
const IMAGE_ID = /^ami-[0-9a-f]{8,17}$/;

export interface ImageUse {
  readonly imageId: string;
  /** `<template file>: <logical id>` of every resource naming it. */
  readonly where: readonly string[];
}

export interface ProvenImage extends ImageUse {
  readonly ownerId: string | null;
  readonly ownerAlias: string | null;
  readonly name: string | null;
  /** Why it is accepted: `amazon`, or `--image-owner` when the operator named its owner; null: refused. */
  readonly acceptedAs: 'amazon' | '--image-owner' | null;
  /** Why it is refused, in a clause (null when accepted). */
  readonly refusal: string | null;
}

export interface ImagesOfOutput {
  readonly images: readonly ImageUse[];
  /** Image properties whose value is not a literal id (a Ref, a parameter, resolve:ssm:…): unprovable before CloudFormation resolves it. */
  readonly unprovable: readonly string[];
}

/**
 * Every image the output's templates name, by id. A template whose bytes hold neither an
 * image key nor a JSON \u escape (which could spell one) names none and is not parsed:
 * most tenant stacks have no fleet, and an estate of thousands is parsed in no time.
 */
export function imagesOf(compiled: CompiledForDeploy): ImagesOfOutput {
  const files = new Map([compiled.manifest.root, ...compiled.manifest.nested, ...compiled.manifest.domains].map((t) => [t.key, t.file] as const));
  const uses = new Map<string, string[]>();
  const unprovable: string[] = [];
  for (const [key, bytes] of compiled.bodies) {
    if (!bytes.includes('ImageId') && !bytes.includes('\\u')) continue;
    const file = files.get(key) ?? key;
    const resources = (JSON.parse(bytes.toString('utf8')) as { Resources?: Record<string, { Properties?: unknown }> }).Resources ?? {};
    for (const [logicalId, resource] of Object.entries(resources)) {
      const walk = (value: unknown, path: string): void => {
        if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${path}[${i}]`));
        if (!value || typeof value !== 'object') return;
        for (const [k, v] of Object.entries(value)) {
          const at = path ? `${path}.${k}` : k;
          if (!IMAGE_KEY.test(k)) walk(v, at);
          else if (typeof v === 'string' && IMAGE_ID.test(v)) uses.set(v, [...(uses.get(v) ?? []), `${file}: ${logicalId}`]);
          else unprovable.push(`${file}: ${logicalId} ${at} is ${JSON.stringify(v)}, not a literal image id`);
        }
      };
      walk(resource?.Properties, '');
    }
  }
  return {
    images: [...uses].sort(([a], [b]) => (a < b ? -1 : 1)).map(([imageId, where]) => ({ imageId, where: where.sort() })),
    unprovable: unprovable.sort(),
  };
}

/** EC2's answer for an image id it does not know, cannot show this account, or that is malformed. */
const NOT_FOUND = /^InvalidAMIID\.(NotFound|Unavailable|Malformed)$/;

/**
 * Whose image it is, and whether deploy takes it at `now` (epoch ms, the deploy's clock).
 * A deprecated image is refused whoever owns it: its publisher has said it is no longer
 * maintained (Amazon deprecates each Amazon Linux build once a newer one is out, so an
 * old build, with the vulnerabilities fixed since, passes no more than a stranger's).
 */
export function judgeImage(use: ImageUse, image: Image | null, owners: ReadonlySet<string>, now: number): ProvenImage {
  const base = { ...use, ownerId: image?.OwnerId ?? null, ownerAlias: image?.ImageOwnerAlias ?? null, name: image?.Name ?? null };
  if (!image) return { ...base, acceptedAs: null, refusal: 'is not found in this account and Region (deregistered, never shared with it, or never published)' };
  if (image.State !== 'available') return { ...base, acceptedAs: null, refusal: `is ${image.State ?? 'in no state'}, not available` };
  const deprecated = image.DeprecationTime ? Date.parse(image.DeprecationTime) : Number.NaN;
  // An unreadable time counts as deprecated: the field is there and cannot be shown to lie ahead.
  if (image.DeprecationTime && !(deprecated > now))
    return { ...base, acceptedAs: null, refusal: `is deprecated since ${image.DeprecationTime} (its publisher no longer maintains it)` };
  if (image.ImageOwnerAlias === AMAZON_OWNER_ALIAS || image.OwnerId === AMAZON_LINUX_OWNER) {
    if (image.Name?.startsWith(AMAZON_LINUX_2023_NAME)) return { ...base, acceptedAs: 'amazon', refusal: null };
    if (!(image.OwnerId && owners.has(image.OwnerId)))
      return {
        ...base,
        acceptedAs: null,
        refusal: `is Amazon's but not Amazon Linux 2023 (named ${JSON.stringify(image.Name ?? null)}, not ${AMAZON_LINUX_2023_NAME}…)`,
      };
  }
  if (image.OwnerId && owners.has(image.OwnerId)) return { ...base, acceptedAs: '--image-owner', refusal: null };
  return {
    ...base,
    acceptedAs: null,
    refusal: `is owned by ${image.OwnerId ?? 'no account'}${image.ImageOwnerAlias ? ` (alias ${image.ImageOwnerAlias})` : ''}`,
  };
}

/** Images described at once: each its own call, so that one id EC2 does not know does not hide the answer for the others. */
const DESCRIBE_IMAGES_CONCURRENCY = 4;

/** Asks EC2 about every image of the output and judges each. */
export async function proveImages(aws: Aws, uses: readonly ImageUse[], owners: readonly string[]): Promise<ProvenImage[]> {
  const now = aws.clock.now();
  const named = new Set(owners);
  const out: ProvenImage[] = [];
  await inParallel(
    uses,
    async (use) => {
      let image: Image | null = null;
      try {
        const r = await aws.ec2.send(new DescribeImagesCommand({ ImageIds: [use.imageId] }));
        image = r.Images?.find((i) => i.ImageId === use.imageId) ?? null;
      } catch (e) {
        if (!(e instanceof Error && NOT_FOUND.test(e.name))) throw e;
      }
      out.push(judgeImage(use, image, named, now));
    },
    DESCRIBE_IMAGES_CONCURRENCY,
  );
  return out.sort((a, b) => (a.imageId < b.imageId ? -1 : 1));
}

/** What deploy accepts, said in every refusal. */
export const ACCEPTED = `deploy accepts Amazon Linux 2023 images owned by Amazon (named ${AMAZON_LINUX_2023_NAME}…, owner alias ${AMAZON_OWNER_ALIAS} or the Amazon Linux account ${AMAZON_LINUX_OWNER}) or images of an account the deploy workflow names with --image-owner ACCOUNT, none deprecated`;

/**
 * Where an image is used, as a line can hold it: an estate's fleet shares one image
 * across thousands of tenant templates, and a refusal that names them all is a page,
 * not a line. The first few (sorted) and how many more.
 */
export const PLACES_NAMED = 3;
export function placesOf(where: readonly string[]): string {
  const named = where.slice(0, PLACES_NAMED).join(', ');
  return where.length > PLACES_NAMED ? `${named} and ${where.length - PLACES_NAMED} more` : named;
}

/** A line per image for the log. */
export function imageLines(images: readonly ProvenImage[]): string[] {
  return images.map(
    (i) =>
      `  image ${i.imageId}${i.name ? ` (${i.name})` : ''}: ${i.acceptedAs === 'amazon' ? `Amazon's (owner ${i.ownerId}${i.ownerAlias ? `, alias ${i.ownerAlias}` : ''})` : i.acceptedAs === '--image-owner' ? `owner ${i.ownerId}, named by --image-owner` : `REFUSED: ${i.refusal}`}, in ${placesOf(i.where)}`,
  );
}

/** The one line deploy refuses with, or null when every image is proven. */
export function imageRefusal(images: readonly ProvenImage[], unprovable: readonly string[]): string | null {
  const refused = images.filter((i) => i.acceptedAs === null);
  if (!refused.length && !unprovable.length) return null;
  const parts = [
    ...refused.map((i) => `image ${i.imageId} (${placesOf(i.where)}) ${i.refusal}`),
    ...unprovable.map((u) => `${u} (its owner cannot be asked before CloudFormation resolves it)`),
  ];
  return `refused: ${parts.join('; ')}; ${ACCEPTED}. Nothing was uploaded or executed`;
}
