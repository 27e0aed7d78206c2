// The semantic rule pack, in the order they run (output is sorted anyway).
import type { Rule } from '../rule.ts';
import { contactsHaveOwner } from './contactsHaveOwner.ts';
import { domainDnsMode } from './domainDnsMode.ts';
import { identityFloor } from './identityFloor.ts';
import { knownTier } from './knownTier.ts';
import { platformConsistency } from './platformConsistency.ts';
import { platformCount } from './platformCount.ts';
import { platformValues } from './platformValues.ts';
import { reservedTableNames } from './reservedTableNames.ts';
import { reservedTenantIds } from './reservedTenantIds.ts';
import { tenantIdMatchesFileName } from './tenantIdMatchesFileName.ts';
import { tenantTags } from './tenantTags.ts';
import { uniqueDomains } from './uniqueDomains.ts';
import { uniqueTenantIds } from './uniqueTenantIds.ts';
import { userContentDomain } from './userContentDomain.ts';
import { vpcCidr } from './vpcCidr.ts';

export const SEMANTIC_RULES: readonly Rule[] = [
  platformCount,
  vpcCidr,
  platformConsistency,
  platformValues,
  reservedTableNames,
  tenantIdMatchesFileName,
  reservedTenantIds,
  uniqueTenantIds,
  knownTier,
  contactsHaveOwner,
  tenantTags,
  identityFloor,
  domainDnsMode,
  uniqueDomains,
  userContentDomain,
];
