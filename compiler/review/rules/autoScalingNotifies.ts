import { finding, resourcesOf, type SecurityRule } from '../rule.ts';
import { asList } from './shared.ts';

/** The notification types every group must send (launches, terminations, and each failure of them). */
const REQUIRED = [
  'autoscaling:EC2_INSTANCE_LAUNCH',
  'autoscaling:EC2_INSTANCE_LAUNCH_ERROR',
  'autoscaling:EC2_INSTANCE_TERMINATE',
  'autoscaling:EC2_INSTANCE_TERMINATE_ERROR',
];

export const autoScalingNotifies: SecurityRule = {
  id: 'E202',
  types: ['AWS::AutoScaling::AutoScalingGroup'],
  title: 'Every Auto Scaling group notifies a topic of its launches, terminations and their failures',
  reason:
    "A fleet that cannot launch (a bad AMI, no capacity, a quota) fails silently until its alarms notice the lost capacity, and a premium tenant's dedicated fleet is that tenant's whole service; the scaling steps are also what on-call lines up with a latency alarm.",
  fix: 'Give the group NotificationConfigurations to the alarm topic with every type of compute.ts ASG_NOTIFICATION_TYPES (the pooled fleet, and each dedicated fleet through its AlarmTopicArn parameter).',
  check(template, name) {
    return resourcesOf(this, template).map(([id, r]) => {
      const configs = asList(r.Properties?.NotificationConfigurations) as { TopicARN?: unknown; NotificationTypes?: unknown }[];
      const sent = new Set(configs.filter((c) => c.TopicARN !== undefined && c.TopicARN !== '').flatMap((c) => asList(c.NotificationTypes)));
      const missing = REQUIRED.filter((t) => !sent.has(t));
      return finding(this, name, id, missing.length === 0, missing.length ? `sends no ${missing.join(', ')}` : 'notifies its topic');
    });
  },
};
