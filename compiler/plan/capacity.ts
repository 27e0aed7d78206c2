// The capacity model of the shared app fleet (docs/architecture.md, "Capacity model").
//
// floor = max(minInstances, ceil(seats on shared compute / usersPerInstance))
// max   = max(floor, min(maxInstances, ceil(floor × (1 + headroom%))))
//
// The floor becomes the group's MinSize and max its MaxSize; the template never sets
// DesiredCapacity. CloudFormation would write a desired count on every update that
// touches the group, resetting whatever target tracking chose at that moment; a MinSize
// only ever raises the live size to what the seats need, never lowers it.
//
// Only active tenants on shared-compute tiers count: dedicated tenants run on their
// own Auto Scaling groups, suspended and offboarded tenants are not routed to.
import type { CapacityPlan, PlatformPlan } from './model.ts';

export interface CapacityInput {
  readonly users: number;
  /** Served by the shared fleet (an active tenant on a shared-compute tier). */
  readonly sharedSeats: boolean;
}

export function planCapacity(platform: PlatformPlan, tenants: readonly CapacityInput[]): CapacityPlan {
  const app = platform.app;
  const totalUsers = tenants.filter((t) => t.sharedSeats).reduce((n, t) => n + t.users, 0);
  const needed = Math.ceil(totalUsers / app.usersPerInstance);
  const floor = Math.max(app.minInstances, needed);
  const withHeadroom = Math.ceil((floor * (100 + app.headroomPercent)) / 100);
  const max = Math.max(floor, Math.min(app.maxInstances, withHeadroom));
  return {
    totalUsers,
    usersPerInstance: app.usersPerInstance,
    needed,
    floor,
    max,
    targetCpuPercent: app.targetCpuPercent,
    // A quarter of the fleet at a time, never dropping below its minimum.
    rollout: { minInstancesInService: app.minInstances, maxBatchSize: Math.max(1, Math.floor(floor / 4)) },
  };
}
