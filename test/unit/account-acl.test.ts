/** Account ACLs as tempauth reads and shows them, and the Python quoting their messages use. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pyJsonDumps, pyRepr } from '../../common/index.js';
import { accountAclError, accountAclsFromSysmeta, exposeAccountAcl, formatAclV2, parseAclV2 } from '../../proxy/account-acl.js';
import { accountPrefix, tempAuthConf, userGroups } from '../../proxy/filters/tempauth-conf.js';

test('pyRepr quotes as Python 3 repr()', () => {
  assert.equal(pyRepr('abc'), "'abc'");
  assert.equal(pyRepr("it's"), `"it's"`);
  assert.equal(pyRepr(`it's "x"`), `'it\\'s "x"'`);
  assert.equal(pyRepr('a\\b\n\t\x01\x7f'), "'a\\\\b\\n\\t\\x01\\x7f'");
  assert.equal(pyRepr('café'), "'café'");
});

test('pyJsonDumps: compact, sorted, ASCII only', () => {
  assert.equal(pyJsonDumps({ b: ['é', '\x7f'], a: 1 }, { sortKeys: true }), '{"a":1,"b":["\\u00e9","\\u007f"]}');
});

test('parseAclV2 and formatAclV2 as Swift acl.py', () => {
  assert.deepEqual(parseAclV2(''), {});
  assert.equal(parseAclV2(undefined), undefined);
  assert.equal(parseAclV2('[1]'), undefined);
  assert.equal(parseAclV2('null'), undefined);
  assert.equal(parseAclV2('{'), undefined);
  assert.equal(formatAclV2({ 'read-only': ['b'], admin: ['a'] }), '{"admin":["a"],"read-only":["b"]}');
});

test('accountAclError: tempauth\'s messages', () => {
  assert.equal(accountAclError('{"admin":["a"],"read-write":[],"read-only":["b"]}'), undefined);
  assert.equal(accountAclError(''), undefined);
  assert.equal(accountAclError('x'), "Syntax error in input ('x')");
  assert.equal(accountAclError('{"admin":["a"],"x":1}'), 'Key "x" not recognized');
  assert.equal(accountAclError('{"read-only":"a"}'), 'Value for key "read-only" must be a list');
  assert.equal(accountAclError('{"read-write":[null]}'), 'Elements of "read-write" list must be strings');
});

test('accountAclsFromSysmeta: none when unset, empty or unreadable', () => {
  assert.equal(accountAclsFromSysmeta({}), undefined);
  assert.equal(accountAclsFromSysmeta({ 'core-access-control': '{"admin":[]}' }), undefined);
  assert.equal(accountAclsFromSysmeta({ 'core-access-control': 'junk' }), undefined);
  assert.deepEqual(accountAclsFromSysmeta({ 'core-access-control': '{"read-only":["u"]}' }), { admin: [], 'read-write': [], 'read-only': ['u'] });
});

test('exposeAccountAcl: sysmeta becomes the client header, an empty ACL none', () => {
  const h: Record<string, string> = { 'x-account-sysmeta-core-access-control': '{"read-only": ["u"]}' };
  exposeAccountAcl(h);
  assert.deepEqual(h, { 'x-account-access-control': '{"read-only":["u"]}' });
  const empty: Record<string, string> = { 'x-account-sysmeta-core-access-control': '{}' };
  exposeAccountAcl(empty);
  assert.deepEqual(empty, {});
});

test('tempauth conf: several reseller prefixes, require_group per prefix, .admin under each', () => {
  const conf = tempAuthConf({
    reseller_prefix: 'AUTH, SERVICE,AUTH',
    SERVICE_require_group: 'service',
    user_test_tester: 'testing .admin',
    user_test5_tester5: 'testing5 service',
  });
  assert.deepEqual(conf.resellerPrefixes, ['AUTH_', 'SERVICE_']);
  assert.equal(conf.requireGroup.get('AUTH_'), '');
  assert.equal(conf.requireGroup.get('SERVICE_'), 'service');
  assert.deepEqual(userGroups(conf, 'test:tester'), ['test', 'test:tester', 'AUTH_test', 'SERVICE_test']);
  assert.deepEqual(userGroups(conf, 'test5:tester5'), ['test5', 'test5:tester5', 'service']);
  assert.equal(conf.users.get('test:tester')!.url, '$HOST/v1/AUTH_test');
  assert.equal(accountPrefix(conf, 'SERVICE_x'), 'SERVICE_');
  assert.equal(accountPrefix(conf, 'OTHER_x'), undefined);
  const all = tempAuthConf({ reseller_prefix: "AUTH, ''", require_group: 'g' });
  assert.deepEqual(all.resellerPrefixes, ['AUTH_', '']);
  assert.equal(all.requireGroup.get(''), 'g');
  assert.equal(accountPrefix(all, 'OTHER_x'), '');
});
