// The users' live estate, tenants/ (or TENANTC_LIVE_TENANTS): properties that hold
// whatever tenants it holds, so that adding a valid tenant with its lock line never
// turns a test red. No counts, no goldens: those use the fixtures in test/fixtures/.
// Every test here is one of LIVE_ESTATE_PROPERTIES (test/support/liveEstate.ts):
// test/onboarding.test.ts proves the same list again on a copy with one more tenant.
import { suite } from 'uvu';
import { LIVE_TENANTS } from './helpers.ts';
import { LIVE_ESTATE_PROPERTIES } from './support/liveEstate.ts';

const Live = suite('live estate');

for (const property of LIVE_ESTATE_PROPERTIES) Live(property.name, () => property.check(LIVE_TENANTS));

Live.run();
