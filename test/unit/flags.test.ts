// `run` flags → ContainerSpec: docker's short forms, a recipe as the base that flags override, and errors that
// name the flag (or the env file's line) the user has to fix.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { specFromFlags, isRecipeArg, type RunFlags } from '../../lib/recipe/flags.ts';
import { GlassboxError, GlassboxErrors } from '../../lib/errors.ts';
import { parseRecipe } from '../../lib/recipe/load.ts';
import type { ContainerSpec } from '../../lib/recipe/model.ts';

const tmp = mkdtempSync(join(tmpdir(), 'glassbox-flags-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const NAME_HINT = 'use lowercase letters, digits, and _ . - (up to 63, starting with a letter or digit)';

// Runs specFromFlags expecting failure; returns each formatted problem.
function problems(base: ContainerSpec | undefined, image: string | undefined, command: string[], f: RunFlags): string[] {
  try {
    specFromFlags(base, image, command, f);
  } catch (e) {
    if (e instanceof GlassboxErrors) return e.errors.map((x) => x.format());
    if (e instanceof GlassboxError) return [e.format()];
    throw e;
  }
  assert.fail('the flags were accepted');
}

// The spec without its origins (checked on their own below).
const fields = ({ origins: _o, ...rest }: ContainerSpec) => rest;

test('flags: defaults for a bare `run IMAGE`', () => {
  assert.deepEqual(fields(specFromFlags(undefined, 'alpine', [], {})), {
    env: {},
    namespaces: ['mount', 'uts', 'ipc', 'pid', 'net', 'cgroup'],
    root: 'pivot_root',
    rootfs: 'overlay',
    readOnly: false,
    volumes: [],
    image: 'alpine',
  });
});

test('flags: an absolute IMAGE is a root directory; COMMAND replaces the command', () => {
  const spec = specFromFlags(undefined, '/srv/root', ['ls', '-la'], {});
  assert.equal(spec.rootdir, '/srv/root');
  assert.equal(spec.image, undefined);
  assert.deepEqual(spec.command, ['ls', '-la']);
});

test('flags: -e KEY=VALUE, KEY=a=b, KEY= and KEY taken from the host', () => {
  const saved = process.env.GLASSBOX_TEST_FROM_HOST;
  process.env.GLASSBOX_TEST_FROM_HOST = 'host value with spaces';
  try {
    const spec = specFromFlags(undefined, 'alpine', [], {
      env: ['A=1', 'B=x=y', 'C=', 'GLASSBOX_TEST_FROM_HOST', 'A=2'],
    });
    assert.deepEqual(spec.env, { A: '2', B: 'x=y', C: '', GLASSBOX_TEST_FROM_HOST: 'host value with spaces' });
  } finally {
    if (saved === undefined) delete process.env.GLASSBOX_TEST_FROM_HOST;
    else process.env.GLASSBOX_TEST_FROM_HOST = saved;
  }
});

test('flags: -e =VALUE names --env', () => {
  assert.deepEqual(problems(undefined, 'alpine', [], { env: ['=x'] }), ['--env: invalid environment variable "=x"']);
});

test('flags: -v short forms', () => {
  const spec = specFromFlags(undefined, 'alpine', [], { volume: ['/a:/b', '/c:/d:ro', '/e:/f:rw'] });
  assert.deepEqual(spec.volumes, [
    { type: 'bind', source: '/a', target: '/b', readOnly: false },
    { type: 'bind', source: '/c', target: '/d', readOnly: true },
    { type: 'bind', source: '/e', target: '/f', readOnly: false },
  ]);
});

test('flags: --tmpfs TARGET[:size=…,mode=…]', () => {
  const spec = specFromFlags(undefined, 'alpine', [], { tmpfs: ['/x:size=64m,mode=1777', '/y', '/z:mode=700'] });
  assert.deepEqual(spec.volumes, [
    { type: 'tmpfs', target: '/x', size: '64m', mode: '1777' },
    { type: 'tmpfs', target: '/y' },
    { type: 'tmpfs', target: '/z', mode: '700' },
  ]);
});

test('flags: --volume errors name --volume', () => {
  assert.deepEqual(problems(undefined, 'alpine', [], { volume: ['a:b:c:d', '/x:/y:rx', 'rel/x:/z', '/q:/proc', '/w:/a/../b'] }), [
    '--volume: invalid spec: a:b:c:d: too many colons',
    '--volume: invalid mode: rx',
    '--volume: volume source must be an absolute host path, got "rel/x" (write it as /full/path or $PWD/path)',
    '--volume: cannot mount a volume on /proc (glassbox mounts /, /proc, /sys and /dev itself)',
    '--volume: volume target must be an absolute path without "..", got "/a/../b"',
  ]);
});

test('flags: errors name --name, --hostname, --workdir, --user, IMAGE and --network', () => {
  assert.deepEqual(problems(undefined, 'alpine', [], { name: 'Hello World' }), [
    `--name: invalid container name "Hello World" (${NAME_HINT})`,
  ]);
  assert.deepEqual(problems(undefined, 'alpine', [], { hostname: 'a b', workdir: 'rel', user: 'a b' }), [
    '--workdir: workdir must be an absolute path without "..", got "rel"',
    '--hostname: invalid hostname "a b" (letters, digits and -, dot-separated, at most 64 characters)',
    '--user: invalid user "a b" (USER, UID, USER:GROUP or UID:GID)',
  ]);
  assert.deepEqual(problems(undefined, '/srv/a,upperdir=/etc', [], {}), [
    'IMAGE: rootdir must not contain "," ":" "\\" or white space (these characters would change the overlay mount options)',
  ]);
  assert.deepEqual(problems(undefined, 'alpine', [], { network: 'Bad Net' }), [
    '--network: unknown network "Bad Net": none, host, bridge, container:NAME or the name of a network',
  ]);
  assert.deepEqual(problems(undefined, 'alpine', [], { network: 'host', publish: ['80'] }), [
    '--publish: ports cannot be published with --network host (publishing needs a bridge network: --network bridge or a named network)',
  ]);
  assert.deepEqual(problems(undefined, 'alpine', [], { publish: ['99999:80', '1.2.3:80:80', '80/sctp'], dns: ['x'], addHost: ['nohost'] }), [
    '--publish: host port 99999 is out of range (1-65535) (like 8080:80, 127.0.0.1:8080:80, 53:53/udp or 80)',
    '--publish: "1.2.3" is not an IPv4 address (like 8080:80, 127.0.0.1:8080:80, 53:53/udp or 80)',
    '--publish: "80/sctp": the protocol must be tcp or udp (like 8080:80, 127.0.0.1:8080:80, 53:53/udp or 80)',
    '--dns: "x" is not an IPv4 address',
    '--add-host: "nohost" is not HOST:IP (like db:10.0.0.5)',
  ]);
});

test('flags: several bad flags are reported together', () => {
  assert.deepEqual(problems(undefined, 'alpine', [], { name: '-x', env: ['=1'], volume: ['/a:/b:c:d'] }), [
    '--env: invalid environment variable "=1"',
    '--volume: invalid spec: /a:/b:c:d: too many colons',
    `--name: invalid container name "-x" (${NAME_HINT})`,
  ]);
});

test('flags: a recipe is the base and flags override it, without changing the recipe', () => {
  const recipe = join(tmp, 'web.yaml');
  const base = parseRecipe(
    ['name: web', 'image: alpine', 'hostname: h1', 'env:', '  A: base', '  B: keep', 'volumes:', '  - /srv:/srv', 'command: echo base', ''].join('\n'),
    recipe,
  );
  const before = structuredClone(base);
  const spec = specFromFlags(base, undefined, ['echo', 'flag'], {
    name: 'web2',
    hostname: 'h2',
    env: ['A=flag'],
    volume: ['/x:/x:ro'],
    tmpfs: ['/t'],
    readOnly: true,
    workdir: '/w',
    user: '1000:1000',
    entrypoint: '',
  });
  // Each field points at what set it: the recipe's line:col, or the flag that replaced it.
  const at = (line: number, col: number) => ({ file: recipe, line, col });
  assert.deepEqual(spec.origins?.name, { flag: '--name' });
  assert.deepEqual(spec.origins?.image, at(2, 8));
  assert.deepEqual(spec.origins?.['env.A'], { flag: '--env' });
  assert.deepEqual(spec.origins?.['env.B'], at(6, 6));
  assert.deepEqual(spec.origins?.['volumes.0'], at(8, 5));
  assert.deepEqual(spec.origins?.['volumes.1'], { flag: '--volume' });
  assert.deepEqual(spec.origins?.['volumes.2'], { flag: '--tmpfs' });
  assert.deepEqual(spec.origins?.command, { flag: 'COMMAND' });
  assert.deepEqual(fields(spec), {
    name: 'web2',
    image: 'alpine',
    rootdir: undefined,
    command: ['echo', 'flag'],
    entrypoint: [],
    env: { A: 'flag', B: 'keep' },
    workdir: '/w',
    hostname: 'h2',
    user: '1000:1000',
    namespaces: ['mount', 'uts', 'ipc', 'pid', 'net', 'cgroup'],
    root: 'pivot_root',
    rootfs: 'overlay',
    readOnly: true,
    volumes: [
      { type: 'bind', source: '/srv', target: '/srv', readOnly: false },
      { type: 'bind', source: '/x', target: '/x', readOnly: true },
      { type: 'tmpfs', target: '/t' },
    ],
    source: recipe,
  });
  assert.deepEqual(base, before, 'the base spec is not modified');
});

test('flags: with a recipe base and no flags, the recipe stands as it is', () => {
  const base = parseRecipe('image: alpine\ncommand: [ls]\n', join(tmp, 'min.yaml'));
  const spec = specFromFlags(base, undefined, [], {});
  assert.deepEqual(spec, base);
  assert.notEqual(spec.env, base.env);
  assert.notEqual(spec.volumes, base.volumes);
});

test('flags: a -v that collides with a recipe volume names --volume', () => {
  const base = parseRecipe('image: alpine\nvolumes:\n  - /srv:/data\n', join(tmp, 'vol.yaml'));
  assert.deepEqual(problems(base, undefined, [], { volume: ['/other:/data/'] }), ['--volume: duplicate mount point /data']);
});

test('flags: --env-file reads KEY=VALUE lines, skips comments and blank lines', () => {
  const file = join(tmp, 'good.env');
  writeFileSync(file, '# a comment\nA=1\n\n  B=two words  \r\nC=x=y\n');
  const spec = specFromFlags(undefined, 'alpine', [], { envFile: [file], env: ['C=flag wins'] });
  assert.deepEqual(spec.env, { A: '1', B: 'two words', C: 'flag wins' });
});

test('flags: --env-file with a bad line is reported as FILE:LINE:1', () => {
  const file = join(tmp, 'bad.env');
  writeFileSync(file, '# comment\nA=1\n\nB=2\n=bad\nC=3\n');
  assert.deepEqual(problems(undefined, 'alpine', [], { envFile: [file] }), [`${file}:5:1: invalid environment variable "=bad"`]);
});

test('flags: an unreadable --env-file', () => {
  const file = join(tmp, 'missing.env');
  assert.deepEqual(problems(undefined, 'alpine', [], { envFile: [file] }), [`--env-file: cannot read ${file} (check the path)`]);
});

test('flags: isRecipeArg', () => {
  assert.equal(isRecipeArg('recipes/hello.yaml'), true);
  assert.equal(isRecipeArg('x.YML'), true);
  assert.equal(isRecipeArg('alpine:3.20'), false);
  assert.equal(isRecipeArg('yaml'), false);
});
