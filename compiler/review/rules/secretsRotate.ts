import { finding, resourcesOf, resourcesOfTypes, type SecurityRule } from '../rule.ts';
import { text } from './shared.ts';

export const secretsRotate: SecurityRule = {
  id: 'E305',
  types: ['AWS::SecretsManager::Secret'],
  title: 'Every secret the estate creates has a rotation schedule',
  reason:
    'A tenant secret that never changes stays valid for as long as anyone who ever read it (an old instance image, a leaked log, a departed operator) keeps a copy; a rotation bounds that to one period.',
  fix: "Give the secret an AWS::SecretsManager::RotationSchedule in its template (tenant/config.ts tenantSecretRotation, on the estate's rotation Lambda).",
  check(template, name) {
    const scheduled = new Set(
      resourcesOfTypes(template, ['AWS::SecretsManager::RotationSchedule'])
        .filter(([, r]) => r.Properties?.RotationLambdaARN !== undefined || r.Properties?.HostedRotationLambda !== undefined)
        .map(([, r]) => text(r.Properties?.SecretId)),
    );
    return resourcesOf(this, template).map(([id]) => {
      const ok = scheduled.has(JSON.stringify({ Ref: id }));
      return finding(this, name, id, ok, ok ? 'rotates' : 'no rotation schedule names it');
    });
  },
};
