// Provisioning Lambda: the custom resource behind each tenant stack's
// Custom::TenantRegistration. It records the tenant in the DynamoDB registry and
// upserts its row in the database (through the RDS Data API), idempotently.
//
// Whatever happens it answers CloudFormation: every path, including a throw and a
// timeout about to strike, ends in a PUT to the ResponseURL, so a stack can never
// wait the custom resource's hour-long timeout. Delete never deletes data: the tenant
// is marked "removed" in both places.
// CommonJS: CloudFormation stores inline code as index.js. The AWS SDK v3 clients
// used here ship with the Lambda Node.js runtime, so the code needs no package.
'use strict';
const { DynamoDBClient, PutItemCommand, UpdateItemCommand } = require('@aws-sdk/client-dynamodb');
const { RDSDataClient, ExecuteStatementCommand } = require('@aws-sdk/client-rds-data');

const dynamo = new DynamoDBClient({});
const rdsData = new RDSDataClient({});
const ID = /^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/;
const STATUSES = new Set(['active', 'suspended', 'offboarded']);

async function respond(event, status, reason, physicalId) {
  const body = JSON.stringify({
    Status: status,
    Reason: String(reason).slice(0, 1000),
    PhysicalResourceId: physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: false,
  });
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const res = await fetch(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '' } });
      if (res.ok) return;
      console.error(`response PUT answered ${res.status} (attempt ${attempt})`);
    } catch (e) {
      console.error(`response PUT failed (attempt ${attempt}): ${e}`);
    }
  }
}

async function upsert(props, status) {
  // A tenant brought back on purpose (its manifest's restoredFrom) is reactivated
  // first; otherwise the registration refuses a removed tenant's id, and the deploy
  // fails with that reason instead of reviving the old rows.
  if (props.RestoredFrom) {
    await rdsData.send(
      new ExecuteStatementCommand({
        resourceArn: process.env.DB_CLUSTER_ARN,
        secretArn: process.env.DB_SECRET_ARN,
        database: process.env.DB_NAME,
        sql: `SELECT ${process.env.DB_SCHEMA_IDENT}.tenantc_restore_tenant(:id)`,
        parameters: [{ name: 'id', value: { stringValue: props.TenantId } }],
      }),
    );
  }
  const sql = `SELECT ${process.env.DB_SCHEMA_IDENT}.tenantc_register_tenant(:id, :name, :tier, :status)`;
  await rdsData.send(
    new ExecuteStatementCommand({
      resourceArn: process.env.DB_CLUSTER_ARN,
      secretArn: process.env.DB_SECRET_ARN,
      database: process.env.DB_NAME,
      sql,
      parameters: [
        { name: 'id', value: { stringValue: props.TenantId } },
        { name: 'name', value: { stringValue: props.Name } },
        { name: 'tier', value: { stringValue: props.Tier } },
        { name: 'status', value: { stringValue: status } },
      ],
    }),
  );
  await dynamo.send(
    new PutItemCommand({
      TableName: process.env.TABLE_NAME,
      Item: {
        tenantId: { S: props.TenantId },
        name: { S: props.Name },
        tier: { S: props.Tier },
        status: { S: status },
        stackId: { S: props.StackId ?? '' },
      },
    }),
  );
}

async function markRemoved(tenantId) {
  await rdsData.send(
    new ExecuteStatementCommand({
      resourceArn: process.env.DB_CLUSTER_ARN,
      secretArn: process.env.DB_SECRET_ARN,
      database: process.env.DB_NAME,
      sql: `UPDATE ${process.env.DB_SCHEMA_IDENT}.tenants SET status = 'removed', removed_at = now() WHERE id = :id AND status <> 'removed'`,
      parameters: [{ name: 'id', value: { stringValue: tenantId } }],
    }),
  );
  await dynamo.send(
    new UpdateItemCommand({
      TableName: process.env.TABLE_NAME,
      Key: { tenantId: { S: tenantId } },
      UpdateExpression: 'SET #s = :removed',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':removed': { S: 'removed' } },
    }),
  );
}

exports.handler = async function handler(event, context) {
  const props = event.ResourceProperties ?? {};
  const physicalId = `tenant-registration-${props.TenantId}`;
  // Answer FAILED ourselves 10 s before Lambda would kill us without a word. The timer
  // is cleared once the work settles: in a warm container it would otherwise outlive
  // this invocation.
  let timer;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(1000, context.getRemainingTimeInMillis() - 10000));
  });
  const work = (async () => {
    if (typeof props.TenantId !== 'string' || !ID.test(props.TenantId)) throw new Error(`invalid TenantId ${JSON.stringify(props.TenantId)}`);
    if (event.RequestType === 'Delete') return markRemoved(props.TenantId);
    if (!STATUSES.has(props.Status)) throw new Error(`invalid Status ${JSON.stringify(props.Status)}`);
    return upsert(props, props.Status);
  })();
  try {
    const outcome = await Promise.race([work.then(() => 'done'), deadline]);
    if (outcome === 'timeout') await respond(event, 'FAILED', 'provisioning timed out; see the function log', physicalId);
    else await respond(event, 'SUCCESS', 'ok', physicalId);
  } catch (e) {
    console.error(e);
    await respond(event, 'FAILED', e instanceof Error ? e.message : String(e), physicalId);
  } finally {
    clearTimeout(timer);
  }
};
