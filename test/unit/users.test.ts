// Turning docker's `-u` forms into uid, gid and supplementary groups from an image's passwd and group files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GlassboxError } from '../../lib/errors.ts';
import { parseGroup, parsePasswd, resolveUser, type EtcReader } from '../../lib/image/users.ts';

const PASSWD = `# a comment
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash
nohome:x:1001:1001::
broken line
1234:x:2000:2000::/home/numeric:/bin/sh
`;

const GROUP = `root:x:0:
daemon:x:1:
www-data:x:33:alice
users:x:100:alice,bob
alice:x:1000:
nohome:x:1001:
staff:x:50:bob
`;

const etc: EtcReader = async (p) => (p === '/etc/passwd' ? PASSWD : GROUP);
const noFiles: EtcReader = async () => undefined;

test('parsePasswd / parseGroup skip comments and malformed lines', () => {
  assert.deepEqual(parsePasswd(PASSWD).map((u) => u.name), ['root', 'daemon', 'www-data', 'alice', 'nohome', '1234']);
  assert.deepEqual(parseGroup(GROUP).find((g) => g.name === 'users'), { name: 'users', gid: 100, members: ['alice', 'bob'] });
});

test('resolveUser: the -u forms', async () => {
  const cases: Array<[string, object]> = [
    ['root', { uid: 0, gid: 0, groups: [], name: 'root', home: '/root' }],
    ['alice', { uid: 1000, gid: 1000, groups: [33, 100], name: 'alice', home: '/home/alice' }],
    ['1000', { uid: 1000, gid: 1000, groups: [33, 100], name: 'alice', home: '/home/alice' }],
    ['alice:staff', { uid: 1000, gid: 50, groups: [], name: 'alice', home: '/home/alice' }],
    ['alice:7', { uid: 1000, gid: 7, groups: [], name: 'alice', home: '/home/alice' }],
    ['1000:users', { uid: 1000, gid: 100, groups: [], name: 'alice', home: '/home/alice' }],
    ['33:33', { uid: 33, gid: 33, groups: [], name: 'www-data', home: '/var/www' }],
    ['4242', { uid: 4242, gid: 0, groups: [], home: '/' }], // unknown numeric uid: allowed, gid 0
    ['4242:4343', { uid: 4242, gid: 4343, groups: [], home: '/' }],
    ['4242:staff', { uid: 4242, gid: 50, groups: [], home: '/' }],
    ['nohome', { uid: 1001, gid: 1001, groups: [], name: 'nohome', home: '/' }],
    ['1234', { uid: 2000, gid: 2000, groups: [], name: '1234', home: '/home/numeric' }], // a name made of digits wins
    ['4294967294', { uid: 4294967294, gid: 0, groups: [], home: '/' }],
  ];
  for (const [spec, want] of cases) assert.deepEqual(await resolveUser(spec, etc), want, spec);
  assert.deepEqual(await resolveUser('0:0', noFiles), { uid: 0, gid: 0, groups: [], home: '/' }, 'no passwd at all');
});

test('resolveUser: errors use docker wording', async () => {
  const rejects = (spec: string, re: RegExp, read: EtcReader = etc) =>
    assert.rejects(resolveUser(spec, read), (e: unknown) => e instanceof GlassboxError && re.test(e.message) && e.exitCode === 125, spec);
  await rejects('bob', /^unable to find user bob: no matching entries in passwd file$/);
  await rejects('alice', /^unable to find user alice: no matching entries in passwd file$/, noFiles);
  await rejects('alice:nogroup', /^unable to find group nogroup: no matching entries in group file$/);
  await rejects('4294967295', /uid 4294967295 is out of range/);
  await rejects('0:99999999999', /gid 99999999999 is out of range/);
  await rejects('-1', /unable to find user -1/);
  await rejects('', /invalid user/);
  await rejects('alice:', /invalid user/);
  await rejects(':0', /invalid user/);
});
