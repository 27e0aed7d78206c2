// Sign-in: the tenant's own Cognito user pool (users of one tenant can never sign in
// to another's pool), its password policy and MFA from the manifest, a custom domain
// (auth.<first domain> by default) on the tenant's certificate, federation and an
// identity pool only where the manifest asks. The pool is retained whatever happens:
// it holds the tenant's users.
//
// Suspending (or offboarding) keeps every identity: the pool, its app client (its id is
// published as a stack output and an SSM parameter, and never changes) and the identity
// pool (whose identity ids name each user's S3 folder). Sign-in is refused another way:
//   - the app client keeps only refresh-token auth: no SRP sign-in, no hosted UI, no
//     OAuth flow, so nobody signs in anew;
//   - the identity pool's role trusts nobody, so no token, refreshed or not, buys AWS
//     credentials;
//   - the tenant's hosts answer the suspended page (routing.ts), so a token refreshed
//     until it expires (RefreshTokenValidity) opens nothing.
import type { EstatePlan, PlatformScope, TenantPlan } from '../../../plan/model.ts';
import { TENANT_TAG_KEY, tenantEndUserS3Prefix } from '../../../plan/isolation.ts';
import { handoverText, shellQuote, urlComponent } from '../../handover.ts';
import type { PolicyDocument } from '../policy.ts';
import type { StackParameters } from '../stackParameters.ts';
import { getAtt, join, ref, sub, tagMap, templateText, type LayerOutput, type Resources } from '../template.ts';
import { appRecordId, aliasRecord, CLOUDFRONT_ZONE_ID, TENANT_CERTIFICATE, zoneOf } from './dns.ts';
import { tenantDataBucketArn } from './iam.ts';

export const USER_POOL = 'tenantUserPool';
export const USER_POOL_CLIENT = 'tenantUserPoolClient';

const MFA = { off: 'OFF', optional: 'OPTIONAL', required: 'ON' } as const;
const SAML_EMAIL = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';

/** What a signed-in end user's identity-pool credentials may do: their own folder, nothing else. */
export function endUserPolicyDocument(t: TenantPlan, params: StackParameters): PolicyDocument {
  const own = { StringEquals: { [`aws:PrincipalTag/${TENANT_TAG_KEY}`]: t.id } };
  const bucketArn = tenantDataBucketArn(params);
  const folder = tenantEndUserS3Prefix(t.id);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OwnUserObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        Resource: join('', [bucketArn, `/${folder}*`]),
        Condition: own,
      },
      {
        Sid: 'ListOwnUserFolder',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: bucketArn,
        Condition: { ...own, StringLike: { 's3:prefix': [`${folder}*`] } },
      },
      {
        Sid: 'DataKeyThroughS3',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: params.ref('DataKeyArn'),
        Condition: { StringEquals: { ...own.StringEquals, 'kms:ViaService': sub('s3.${AWS::Region}.amazonaws.com') } },
      },
    ],
  };
}

/** Who may become a signed-in end user: authenticated identities of this tenant's identity pool only. */
function identityTrust(): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: 'cognito-identity.amazonaws.com' },
        // No sts:TagSession: the session keeps the role's tenant-id tag, which no
        // claim of the user's token can replace.
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { 'cognito-identity.amazonaws.com:aud': ref('tenantIdentityPool') },
          'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
        },
      },
    ],
  };
}

export function emitTenantAuth(plan: PlatformScope, t: TenantPlan, params: StackParameters): LayerOutput {
  const p = plan.platform;
  const pp = t.auth.passwordPolicy;
  const fed = t.auth.federation;
  const canSignIn = t.serving.signIn;
  const r: Resources = {
    [USER_POOL]: {
      Type: 'AWS::Cognito::UserPool',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        UserPoolName: t.names.userPool,
        DeletionProtection: 'ACTIVE',
        UsernameAttributes: ['email'],
        AutoVerifiedAttributes: ['email'],
        // A user who changes their email keeps the old, verified one (in the ID token's
        // email claim too) until they confirm the new one with the code Cognito sends
        // it: an unverified address is never the claim an app trusts (rule E406).
        UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] },
        MfaConfiguration: MFA[t.auth.mfa],
        ...(t.auth.mfa === 'off' ? {} : { EnabledMfas: ['SOFTWARE_TOKEN_MFA'] }),
        Policies: {
          PasswordPolicy: {
            MinimumLength: pp.minLength,
            RequireLowercase: pp.requireLowercase,
            RequireUppercase: pp.requireUppercase,
            RequireNumbers: pp.requireNumbers,
            RequireSymbols: pp.requireSymbols,
            TemporaryPasswordValidityDays: pp.temporaryPasswordValidityDays,
          },
        },
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        // Threat protection (identity.threatProtection): compromised-credential checks and
        // adaptive authentication, which need the Plus feature plan.
        ...(p.identity.threatProtection === 'off'
          ? {}
          : { UserPoolTier: 'PLUS' as const, UserPoolAddOns: { AdvancedSecurityMode: p.identity.threatProtection === 'enforced' ? 'ENFORCED' : 'AUDIT' } }),
        AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
        UserPoolTags: tagMap([[TENANT_TAG_KEY, t.id], ...p.tags]),
      },
    },
  };
  // The sign-in host needs the tenant's certificate: none before its DNS is ready.
  if (t.serving.hostNames) {
    r.tenantUserPoolDomain = {
      Type: 'AWS::Cognito::UserPoolDomain',
      // Cognito requires the parent of a custom domain to resolve (an A record).
      ...(zoneOf(t, params) && t.auth.domain.endsWith(`.${t.domains[0]}`) ? { DependsOn: [appRecordId(0)] } : {}),
      Properties: { UserPoolId: ref(USER_POOL), Domain: t.auth.domain, CustomDomainConfig: { CertificateArn: ref(TENANT_CERTIFICATE) } },
    };
  }
  const zone = zoneOf(t, params);
  if (zone && t.serving.hostNames)
    r.tenantAuthRecord = aliasRecord(zone, t.auth.domain, getAtt('tenantUserPoolDomain', 'CloudFrontDistribution'), CLOUDFRONT_ZONE_ID);
  const providers = ['COGNITO'];
  if (fed) {
    providers.push(templateText(fed.providerName));
    r.tenantIdentityProvider = {
      Type: 'AWS::Cognito::UserPoolIdentityProvider',
      Properties:
        fed.protocol === 'saml'
          ? {
              UserPoolId: ref(USER_POOL),
              ProviderName: templateText(fed.providerName),
              ProviderType: 'SAML',
              ProviderDetails: { MetadataURL: templateText(fed.metadataUrl) },
              AttributeMapping: { email: SAML_EMAIL },
            }
          : {
              UserPoolId: ref(USER_POOL),
              ProviderName: templateText(fed.providerName),
              ProviderType: 'OIDC',
              ProviderDetails: {
                client_id: templateText(fed.clientId),
                // Put there by the operator before deploy; never in a manifest.
                client_secret: `{{resolve:secretsmanager:${t.names.oidcClientSecret}}}`,
                oidc_issuer: templateText(fed.issuer),
                authorize_scopes: 'openid email profile',
                attributes_request_method: 'GET',
              },
              AttributeMapping: { email: 'email' },
            },
    };
  }
  r[USER_POOL_CLIENT] = {
    Type: 'AWS::Cognito::UserPoolClient',
    ...(fed ? { DependsOn: ['tenantIdentityProvider'] } : {}),
    Properties: {
      UserPoolId: ref(USER_POOL),
      ClientName: t.names.userPoolClient,
      GenerateSecret: false,
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      ...(canSignIn
        ? {
            ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
            AllowedOAuthFlowsUserPoolClient: true,
            AllowedOAuthFlows: ['code'],
            AllowedOAuthScopes: ['openid', 'email', 'profile'],
            CallbackURLs: t.appHosts.map((d) => `https://${d}/auth/callback`),
            LogoutURLs: t.appHosts.map((d) => `https://${d}/`),
          }
        : // Refused sign-in (see the top of this file): an empty list would mean
          // Cognito's defaults, which include SRP sign-in.
          { ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'], AllowedOAuthFlowsUserPoolClient: false }),
      SupportedIdentityProviders: providers,
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
      RefreshTokenValidity: 30,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
    },
  };
  if (t.auth.identityPool) {
    r.tenantIdentityPool = {
      Type: 'AWS::Cognito::IdentityPool',
      Properties: {
        IdentityPoolName: t.names.identityPool,
        AllowUnauthenticatedIdentities: false,
        CognitoIdentityProviders: [{ ClientId: ref(USER_POOL_CLIENT), ProviderName: getAtt(USER_POOL, 'ProviderName'), ServerSideTokenCheck: true }],
      },
    };
    r.tenantIdentityRole = {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: `Signed-in end users of tenant ${t.id}, through its identity pool: each user's own S3 folder only`,
        AssumeRolePolicyDocument: canSignIn
          ? identityTrust()
          : {
              Version: '2012-10-17',
              Statement: [{ Sid: 'SignInRefused', Effect: 'Deny', Principal: { Federated: 'cognito-identity.amazonaws.com' }, Action: 'sts:*' }],
            },
        // Not the tenant's workload policy: an end user is not the application. The
        // application decides what a user may see; directly, a user reaches only
        // tenants/<id>/users/<their identity id>/.
        Policies: [{ PolicyName: 'own-user-folder', PolicyDocument: endUserPolicyDocument(t, params) }],
        Tags: [{ Key: TENANT_TAG_KEY, Value: t.id }],
      },
    };
    r.tenantIdentityPoolRoles = {
      Type: 'AWS::Cognito::IdentityPoolRoleAttachment',
      Properties: { IdentityPoolId: ref('tenantIdentityPool'), Roles: { authenticated: getAtt('tenantIdentityRole', 'Arn') } },
    };
  }
  return {
    resources: r,
    outputs: {
      UserPoolId: { Description: 'Cognito user pool', Value: ref(USER_POOL) },
      UserPoolClientId: { Description: 'App client of the web app; kept through suspension', Value: ref(USER_POOL_CLIENT) },
      ...(t.serving.hostNames
        ? {
            UserPoolDomainTarget: {
              Description: 'CloudFront domain the sign-in host points to',
              Value: getAtt('tenantUserPoolDomain', 'CloudFrontDistribution'),
            },
          }
        : {}),
    },
  };
}

/**
 * What the tenant's IdP administrator needs, and what the platform must create before
 * the deploy (out/idp/<id>.txt). Values in <angle brackets> are known once deployed.
 */
export function federationHandover(t: TenantPlan): string | null {
  const fed = t.auth.federation;
  if (!fed) return null;
  // Every value on one line (handoverText), the command's value one shell word (emit/handover.ts).
  const auth = `https://${handoverText(t.auth.domain)}`;
  const signIn = `${auth}/oauth2/authorize?identity_provider=${urlComponent(fed.providerName)}&response_type=code&client_id=<UserPoolClientId output of the tenant stack>&redirect_uri=${urlComponent(`https://${t.domains[0]}/auth/callback`)}`;
  const lines = [
    `# Federation of tenant ${handoverText(t.id)} (${handoverText(t.name)}): ${fed.protocol.toUpperCase()} identity provider "${handoverText(fed.providerName)}".`,
    '# Generated by tenantc compile. Values in <angle brackets> are known once deployed:',
    '# read them from the outputs of the tenant stack (tenantc deploy prints them).',
    '',
  ];
  if (fed.protocol === 'saml') {
    lines.push(
      '# For the IdP administrator: register this service provider.',
      'Entity ID (audience):      urn:amazon:cognito:sp:<UserPoolId output of the tenant stack>',
      `ACS (reply) URL:           ${auth}/saml2/idpresponse`,
      `Sign-in URL (SP-initiated): ${signIn}`,
      `Sign-out URL:              ${auth}/saml2/logout`,
      `Required claim:            ${SAML_EMAIL} (the user's email address)`,
      `Metadata the platform reads: ${handoverText(fed.metadataUrl)}`,
      '',
    );
  } else {
    lines.push(
      '# For the IdP administrator: register this client (authorization code flow).',
      `Client ID (registered):    ${handoverText(fed.clientId)}`,
      `Redirect (callback) URL:   ${auth}/oauth2/idpresponse`,
      `Sign-in URL:               ${signIn}`,
      'Scopes:                    openid email profile',
      `Issuer the platform trusts: ${handoverText(fed.issuer)}`,
      '',
      '# For the platform, BEFORE the deploy: the client secret the IdP issued, as a',
      '# plain-string secret under this exact name (the template resolves it at deploy time):',
      `aws secretsmanager create-secret --name ${shellQuote(t.names.oidcClientSecret)} --secret-string '<client secret from the IdP>'`,
      '',
    );
  }
  return lines.join('\n');
}
