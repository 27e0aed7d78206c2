import { finding, resourcesOf, resourcesOfTypes, type SecurityRule } from '../rule.ts';
import { asList, statements, text } from './shared.ts';

export const queuesRequireTls: SecurityRule = {
  id: 'E306',
  types: ['AWS::SQS::Queue'],
  title: 'Every queue refuses requests that do not come over TLS',
  reason:
    "A queue's messages (the provisioning dead letters carry tenant ids and names) could otherwise be sent or read over plain HTTP; only the queue's own policy can refuse that for every caller.",
  fix: 'Attach an AWS::SQS::QueuePolicy listing the queue, with a Deny of sqs:* to every principal when aws:SecureTransport is false (registry.ts).',
  check(template, name) {
    const enforced = new Set<string>();
    for (const [, r] of resourcesOfTypes(template, ['AWS::SQS::QueuePolicy'])) {
      const denies = statements(r.Properties?.PolicyDocument).some(
        (s) =>
          s.Effect === 'Deny' &&
          (s.Principal === '*' || text(s.Principal) === JSON.stringify({ AWS: '*' })) &&
          asList(s.Action).some((a) => a === 'sqs:*' || a === '*') &&
          String(s.Condition?.Bool?.['aws:SecureTransport']) === 'false',
      );
      if (denies) for (const q of asList(r.Properties?.Queues)) enforced.add(text(q));
    }
    return resourcesOf(this, template).map(([id]) => {
      const ok = enforced.has(JSON.stringify({ Ref: id }));
      return finding(this, name, id, ok, ok ? 'TLS only' : 'no queue policy denies requests without TLS');
    });
  },
};
