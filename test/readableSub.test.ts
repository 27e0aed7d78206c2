// The diff's display of Fn::Sub: string variables written into the template where the
// result means the same to CloudFormation, anything else left as it is. Each case that
// must be left alone is one where writing the variable in would change the meaning.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readableSubs } from '../compiler/diff/readableSub.ts';

const R = suite('readable Fn::Sub');

const sub = (template: string, vars: Record<string, unknown>) => JSON.stringify({ 'Fn::Sub': [template, vars] });

R('string variables are written in: the short form, which CloudFormation reads the same', () => {
  assert.is(
    readableSubs(
      sub('arn:${AWS::Partition}:${Service}:${AWS::Region}:${AWS::AccountId}:${Resource}', { Service: 'elasticache', Resource: 'user:tessera-t-initech' }),
    ),
    '{"Fn::Sub":"arn:${AWS::Partition}:elasticache:${AWS::Region}:${AWS::AccountId}:user:tessera-t-initech"}',
  );
  assert.is(readableSubs(sub('${A}/${A}/${B}', { A: 'x', B: '' })), '{"Fn::Sub":"x/x/"}', 'every use, an empty value too');
  assert.is(readableSubs(sub('plain', { Unused: 'x' })), '{"Fn::Sub":"plain"}', 'an unused string variable says nothing');
});

R('a variable that is not a string stays one, beside those written in', () => {
  assert.is(
    readableSubs(sub('arn:${AWS::Partition}:s3:::${Bucket}/${Prefix}*', { Bucket: { Ref: 'TenantDataBucketName' }, Prefix: 'tenants/acme/' })),
    '{"Fn::Sub":["arn:${AWS::Partition}:s3:::${Bucket}/tenants/acme/*",{"Bucket":{"Ref":"TenantDataBucketName"}}]}',
  );
  const onlyRefs = sub('${Bucket}', { Bucket: { Ref: 'B' } });
  assert.is(readableSubs(onlyRefs), onlyRefs);
});

R('left alone where writing in would change the meaning', () => {
  // A value holding `${` would become a placeholder of the short form.
  const dollar = sub('x${Name}', { Name: '${AWS::AccountId}' });
  assert.is(readableSubs(dollar), dollar);
  assert.is(
    readableSubs(sub('${Safe}:${Name}', { Safe: 'ok', Name: '${AWS::AccountId}' })),
    '{"Fn::Sub":["ok:${Name}",{"Name":"${AWS::AccountId}"}]}',
    'the others are written in all the same',
  );
  // A `$` before the placeholder and a value starting with `{` would join into a new one.
  const joined = sub('$${Name}', { Name: '{AWS::Region}' });
  assert.is(readableSubs(joined), joined);
  // `${!Name}` is the literal text `${Name}`: never substituted.
  assert.is(readableSubs(sub('${!Name}-${Name}', { Name: 'v' })), '{"Fn::Sub":"${!Name}-v"}');
  // Not a Sub of two elements, or more than Fn::Sub in the object: as it is.
  for (const other of ['{"Fn::Sub":["only"]}', '{"Fn::Sub":["${A}",{"A":"x"}],"Other":1}', '{"Fn::Sub":[1,{"A":"x"}]}']) assert.is(readableSubs(other), other);
});

R('inside a line: every Sub, in any JSON around it; a value cut short or text that is not JSON is left as it is', () => {
  const a = sub('arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${ParameterName}', { ParameterName: '/tessera/platform/*' });
  const b = sub('arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${ParameterName}', { ParameterName: '/tessera/platform' });
  assert.is(
    readableSubs(`IAM allow added to tenantAccessPolicy (ReadPlatformConfiguration): ssm:GetParameter on ${a} ${b} [wildcard]`),
    'IAM allow added to tenantAccessPolicy (ReadPlatformConfiguration): ssm:GetParameter on {"Fn::Sub":"arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/tessera/platform/*"} {"Fn::Sub":"arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/tessera/platform"} [wildcard]',
  );
  const statement = JSON.stringify({ Sid: 'S', Resource: [JSON.parse(a)], Note: 'a "}" and a \\ in a string' });
  const shown = readableSubs(statement);
  assert.equal(JSON.parse(shown), {
    Sid: 'S',
    Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/tessera/platform/*' }],
    Note: 'a "}" and a \\ in a string',
  });
  const cut = `${a.slice(0, 40)}…`;
  assert.is(readableSubs(cut), cut);
  assert.is(readableSubs('{"Fn::Sub":[not json]} then'), '{"Fn::Sub":[not json]} then');
  assert.is(readableSubs(readableSubs(a)), readableSubs(a), 'idempotent');
});

R.run();
