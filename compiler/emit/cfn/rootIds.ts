// Logical ids of root resources that other layers of the root refer to, in a module
// of their own so those layers import no emitter (and no import cycle forms).
export const TENANT_DATA_BUCKET = 'tenantDataBucket';
export const ACCESS_LOG_BUCKET = 'accessLogBucket';
export const ACCESS_LOG_BUCKET_POLICY = 'accessLogBucketPolicy';
export const REGISTRY_TABLE = 'tenantRegistryTable';
