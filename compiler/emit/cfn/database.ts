// Aurora PostgreSQL: one cluster shared by every tenant, isolated by Row-Level
// Security (out/sql/, docs/isolation.md, "Row-Level Security"). Storage, snapshots and the
// master secret are encrypted with the database key; the master password is managed
// by RDS in Secrets Manager and never appears in a template.
import type { EstatePlan } from '../../plan/model.ts';
import { DATABASE_KEY } from './keys.ts';
import { subnetId } from './network.ts';
import { DATABASE_SG, POSTGRES_PORT } from './securityGroups.ts';
import { getAtt, ref, sub, tags, type LayerOutput, type Resources } from './template.ts';

export const DB_CLUSTER = 'platformDatabaseCluster';
/** The log group RDS Enhanced Monitoring writes every instance's OS metrics to. */
const ENHANCED_MONITORING_LOG_GROUP = 'RDSOSMetrics';

/** The i-th database instance (1-based); instance 1 is the designated writer (promotion tier 0). */
export const databaseInstanceId = (i: number) => `platformDatabaseInstance${i}`;
export const DATABASE_WRITER = databaseInstanceId(1);

/**
 * The order CloudFormation updates the instances in when their class changes: the
 * readers one at a time (2, 3, …), then the writer. CloudFormation updates a resource
 * only after those it depends on ("Resource B is updated before resource A", DependsOn
 * attribute: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html),
 * so each instance depends on the one before it here: one instance is down at a time,
 * and while the writer restarts last, Aurora fails over to a reader already on the new
 * class (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-failover.html).
 * The same chain orders creation: on a new cluster the readers are created first and
 * the first of them starts as the writer; PromotionTier 0 makes instance 1 the first
 * promoted at a failover.
 */
export function databaseRolloutOrder(instances: number): string[] {
  return [...Array.from({ length: Math.max(0, instances - 1) }, (_, k) => databaseInstanceId(k + 2)), DATABASE_WRITER];
}

/** [parameter, value, why]: cluster-level settings for many tenants sharing one database. */
export const CLUSTER_PARAMETERS: readonly (readonly [string, string, string])[] = [
  ['rds.force_ssl', '1', 'refuse unencrypted connections: tenant data never crosses the VPC in clear text'],
  ['ssl_min_protocol_version', 'TLSv1.2', 'no legacy TLS'],
  ['password_encryption', 'scram-sha-256', 'no MD5 password hashes'],
  ['shared_preload_libraries', 'pg_stat_statements', 'per-query statistics to find the tenant whose queries load the cluster'],
  ['pg_stat_statements.track', 'all', 'include statements inside functions'],
  ['statement_timeout', '30000', "one tenant's runaway query (30 s) cannot hold a connection others need"],
  ['idle_in_transaction_session_timeout', '60000', 'an abandoned transaction (60 s) cannot hold locks and a pooled connection'],
  ['lock_timeout', '10000', 'waiting on a lock fails after 10 s instead of piling up connections'],
  ['log_min_duration_statement', '1000', 'log statements slower than 1 s'],
  ['log_lock_waits', '1', 'log lock waits longer than deadlock_timeout'],
  ['log_connections', '1', 'audit every connection'],
  ['log_disconnections', '1', 'audit session ends and durations'],
  ['log_statement', 'ddl', 'audit schema changes (an unprotected table added later shows here)'],
  ['log_temp_files', '10240', 'log sorts and hashes spilling over 10 MB to disk'],
];

/** [parameter, value, why]: instance-level settings. */
export const INSTANCE_PARAMETERS: readonly (readonly [string, string, string])[] = [
  ['max_connections', 'LEAST({DBInstanceClassMemory/9531392},5000)', 'the RDS formula made explicit; the app pools connections per instance'],
  ['tcp_keepalives_idle', '60', 'detect dead clients (terminated instances) within minutes'],
  ['tcp_keepalives_interval', '10', 'with tcp_keepalives_idle'],
  ['work_mem', '16384', '16 MB per sort: enough for tenant-sized queries without letting many tenants exhaust memory'],
];

export function auroraFamily(engineVersion: string): string {
  return `aurora-postgresql${engineVersion.split('.')[0]}`;
}

export function emitDatabase(plan: EstatePlan): LayerOutput {
  const network = plan.network;
  const db = plan.platform.database;
  const family = auroraFamily(db.engineVersion);
  const t = tags(plan.platform.tags);
  const r: Resources = {
    platformDatabaseSubnetGroup: {
      Type: 'AWS::RDS::DBSubnetGroup',
      Properties: {
        DBSubnetGroupDescription: 'Isolated data subnets, one per AZ',
        SubnetIds: network.zones.map((z) => ref(subnetId('Data', z.suffix))),
        Tags: t,
      },
    },
    platformDatabaseClusterParameterGroup: {
      Type: 'AWS::RDS::DBClusterParameterGroup',
      Properties: {
        Description: `${plan.platform.name}: many tenants sharing one cluster`,
        Family: family,
        Parameters: Object.fromEntries(CLUSTER_PARAMETERS.map(([k, v]) => [k, v])),
        Tags: t,
      },
    },
    platformDatabaseInstanceParameterGroup: {
      Type: 'AWS::RDS::DBParameterGroup',
      Properties: {
        Description: `${plan.platform.name}: instance settings`,
        Family: family,
        Parameters: Object.fromEntries(INSTANCE_PARAMETERS.map(([k, v]) => [k, v])),
        Tags: t,
      },
    },
    platformDatabaseMonitoringRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'monitoring.rds.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        // Not AmazonRDSEnhancedMonitoringRole (rule E402): what it grants, on the one log
        // group Enhanced Monitoring writes to (RDSOSMetrics, Amazon RDS User Guide,
        // "Setting up and enabling Enhanced Monitoring") instead of every RDS* group.
        Policies: [
          {
            PolicyName: 'enhanced-monitoring',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Sid: 'EnhancedMonitoringLogGroup',
                  Effect: 'Allow',
                  Action: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy'],
                  Resource: sub(`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${ENHANCED_MONITORING_LOG_GROUP}`),
                },
                {
                  Sid: 'EnhancedMonitoringLogStreams',
                  Effect: 'Allow',
                  Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams', 'logs:GetLogEvents'],
                  Resource: sub(`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${ENHANCED_MONITORING_LOG_GROUP}:log-stream:*`),
                },
              ],
            },
          },
        ],
        Tags: t,
      },
    },
    [DB_CLUSTER]: {
      Type: 'AWS::RDS::DBCluster',
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
      Properties: {
        Engine: 'aurora-postgresql',
        EngineVersion: db.engineVersion,
        DatabaseName: db.databaseName,
        Port: POSTGRES_PORT,
        MasterUsername: 'tenantc_admin',
        ManageMasterUserPassword: true,
        MasterUserSecret: { KmsKeyId: ref(DATABASE_KEY) },
        StorageEncrypted: true,
        KmsKeyId: getAtt(DATABASE_KEY, 'Arn'),
        EnableIAMDatabaseAuthentication: true,
        // The Data API lets the provisioning Lambda write tenant rows over HTTPS with
        // IAM and the managed secret, without a driver or a password in its code.
        EnableHttpEndpoint: true,
        DeletionProtection: true,
        BackupRetentionPeriod: 14,
        PreferredBackupWindow: '03:00-04:00',
        PreferredMaintenanceWindow: 'sun:05:00-sun:06:00',
        CopyTagsToSnapshot: true,
        EnableCloudwatchLogsExports: ['postgresql'],
        DBClusterParameterGroupName: ref('platformDatabaseClusterParameterGroup'),
        // A major engine upgrade (database.allowMajorUpgrade): RDS refuses a new major
        // EngineVersion without AllowMajorVersionUpgrade, and a cluster whose instances
        // use a custom parameter group needs the new family's group named here for the
        // upgrade (ModifyDBCluster DBInstanceParameterGroupName, valid only with it). The
        // new family's groups are new resources: Family changes replace them.
        ...(db.allowMajorUpgrade ? { AllowMajorVersionUpgrade: true, DBInstanceParameterGroupName: ref('platformDatabaseInstanceParameterGroup') } : {}),
        DBSubnetGroupName: ref('platformDatabaseSubnetGroup'),
        VpcSecurityGroupIds: [getAtt(DATABASE_SG, 'GroupId')],
        Tags: t,
      },
    },
  };
  // Writer and readers spread over the AZs: a failover promotes a reader in another AZ.
  // Each waits for the one before it in databaseRolloutOrder: readers, then the writer.
  const order = databaseRolloutOrder(db.instances);
  for (let i = 0; i < db.instances; i++) {
    const zone = network.zones[i % network.zones.length]!;
    const id = databaseInstanceId(i + 1);
    const previous = order[order.indexOf(id) - 1];
    r[id] = {
      Type: 'AWS::RDS::DBInstance',
      ...(previous ? { DependsOn: [previous] } : {}),
      Properties: {
        Engine: 'aurora-postgresql',
        DBClusterIdentifier: ref(DB_CLUSTER),
        DBInstanceClass: db.instanceClass,
        DBParameterGroupName: ref('platformDatabaseInstanceParameterGroup'),
        AvailabilityZone: zone.az,
        PubliclyAccessible: false,
        AutoMinorVersionUpgrade: true,
        EnablePerformanceInsights: true,
        PerformanceInsightsKMSKeyId: getAtt(DATABASE_KEY, 'Arn'),
        PerformanceInsightsRetentionPeriod: 7,
        MonitoringInterval: 60,
        MonitoringRoleArn: getAtt('platformDatabaseMonitoringRole', 'Arn'),
        PromotionTier: i,
        Tags: t,
      },
    };
  }
  return {
    resources: r,
    outputs: {
      DatabaseWriterEndpoint: { Description: 'Aurora writer endpoint', Value: getAtt(DB_CLUSTER, 'Endpoint.Address') },
      DatabaseReaderEndpoint: { Description: 'Aurora reader endpoint', Value: getAtt(DB_CLUSTER, 'ReadEndpoint.Address') },
    },
  };
}
