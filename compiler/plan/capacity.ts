// The capacity model of the shared app fleet (README, "Capacity model").
//
// desired = max(minInstances, ceil(seats on shared compute / usersPerInstance))
// max     = max(desired, min(maxInstances, ceil(desired × (1 + headroom%))))
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
  const desired = Math.max(app.minInstances, needed);
  const withHeadroom = Math.ceil((desired * (100 + app.headroomPercent)) / 100);
  const max = Math.max(desired, Math.min(app.maxInstances, withHeadroom));
  return {
    totalUsers,
    usersPerInstance: app.usersPerInstance,
    needed,
    min: app.minInstances,
    desired,
    max,
    targetCpuPercent: app.targetCpuPercent,
    // A quarter of the fleet at a time, never dropping below its minimum.
    rollout: { minInstancesInService: app.minInstances, maxBatchSize: Math.max(1, Math.floor(desired / 4)) },
  };
}
