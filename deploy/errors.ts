// Errors deploy meets outside its own logic, each turned into one line that names the
// fix: a missing Region or credentials, expired credentials, a bucket never
// bootstrapped, AWS refusing a call. Never a stack trace: an operator (or CI's log)
// reads what was being done and what to do about it.
import { CompiledOutputError } from './compiledOutput.ts';
import { BucketMissingError } from './record.ts';

const fromAws = (e: Error): e is Error & { $metadata: { httpStatusCode?: number } } => '$metadata' in e;

/** One line for an error deploy (or bootstrap, or ami) cannot go on from; null for a bug, which keeps its trace. */
export function explain(e: unknown): string | null {
  if (!(e instanceof Error)) return null;
  if (e instanceof BucketMissingError || e instanceof CompiledOutputError) return e.message;
  if (/region is missing/i.test(e.message) || e.name === 'RegionMissingError')
    return 'no AWS Region: pass --region, or set AWS_REGION (or the region of the AWS_PROFILE in use)';
  if (e.name === 'CredentialsProviderError' || /Could not load credentials/i.test(e.message))
    return `no AWS credentials: set AWS_PROFILE (after \`aws sso login\`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role provides them (CI: OIDC role assumption) (${e.message})`;
  if (/^(ExpiredToken|ExpiredTokenException|RequestExpired|TokenRefreshRequired)$/.test(e.name) || /security token .* expired/i.test(e.message))
    return `AWS credentials expired (${e.name}): renew them (e.g. \`aws sso login\`) and deploy again; a plain re-run finishes what this one started`;
  if (e.name === 'NoSuchBucket') return `${e.message}: run \`tenantc bootstrap --assets-bucket <bucket>\` once in this account and Region`;
  if (fromAws(e)) {
    const status = e.$metadata.httpStatusCode;
    const denied = e.name === 'AccessDenied' || e.name === 'AccessDeniedException' || status === 403;
    return `AWS ${e.name}${status ? ` (HTTP ${status})` : ''}: ${e.message}${denied ? ' (the credentials in use lack this permission: see docs/deploy.md#the-deploy-identitys-permissions)' : ''}`;
  }
  if (e.name === 'TimeoutError' || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|socket hang up/.test(e.message))
    return `cannot reach AWS (${e.message}): check the network, AWS_ENDPOINT_URL and the Region`;
  return null;
}
