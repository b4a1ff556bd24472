// Recipe diagnostics, checked to the character: every bad recipe below must produce exactly the listed
// `FILE:LINE:COL: field.path: message (hint)` lines. Each YAML text is a template literal whose first line
// follows the opening backtick's line, so line N of the literal is line N of the file and positions can be
// counted by eye (col 1 is the first character of a line).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { GlassboxError, GlassboxErrors } from '../../lib/errors.ts';
import { loadRecipe, parseRecipe } from '../../lib/recipe/load.ts';
import { DEFAULT_NAMESPACES } from '../../lib/recipe/model.ts';

const FILE = 'bad.yaml';
const NAME_HINT = 'use lowercase letters, digits, and _ . - (up to 63, starting with a letter or digit)';
const HOSTNAME_HINT = 'letters, digits and -, dot-separated, at most 64 characters';
const OVERLAY_MSG = 'rootdir must not contain "," ":" "\\" or white space (these characters would change the overlay mount options)';
const SYNTAX_HINT = '(check indentation and quoting)';

// Drops the newline right after the opening backtick, so the literal's first line is line 1.
const yaml = (s: string) => s.replace(/^\n/, '');

// Parses a recipe that must fail and returns every formatted message.
function errorsOf(text: string): string[] {
  try {
    parseRecipe(yaml(text), FILE);
  } catch (e) {
    if (e instanceof GlassboxErrors) return e.errors.map((x) => x.format());
    if (e instanceof GlassboxError) return [e.format()];
    throw e;
  }
  assert.fail('the recipe was accepted');
}

interface Case {
  name: string;
  text: string;
  want: string[];
}

const cases: Case[] = [
  // --- YAML syntax ---------------------------------------------------------------------------------------
  {
    name: 'YAML: a sequence item indented less than its siblings',
    text: `
image: glassbox/base
volumes:
  - /a:/b
 - /c:/d
`,
    want: [
      `bad.yaml:4:1: YAML syntax error: A block sequence may not be used as an implicit map key ${SYNTAX_HINT}`,
    ],
  },
  {
    name: 'YAML: a tab used for indentation',
    text: `
image: glassbox/base
env:
\tA: 1
`,
    want: [`bad.yaml:3:1: YAML syntax error: Tabs are not allowed as indentation ${SYNTAX_HINT}`],
  },
  {
    // The yaml library reports a missing closing quote where the input ends, not where the quote opened.
    name: 'YAML: an unclosed double quote',
    text: `
image: glassbox/base
command: "echo hi
hostname: h
`,
    want: [`bad.yaml:4:1: YAML syntax error: Missing closing "quote ${SYNTAX_HINT}`],
  },
  {
    name: 'YAML: a duplicate top-level key points at the second one',
    text: `
image: glassbox/base
image: alpine
`,
    want: [`bad.yaml:2:1: YAML syntax error: Map keys must be unique ${SYNTAX_HINT}`],
  },
  {
    name: 'YAML: a duplicate nested key',
    text: `
image: glassbox/base
env:
  A: 1
  A: 2
`,
    want: [`bad.yaml:4:3: YAML syntax error: Map keys must be unique ${SYNTAX_HINT}`],
  },

  // --- structure (zod) -----------------------------------------------------------------------------------
  {
    name: 'the top level is a list',
    text: `
- image: glassbox/base
`,
    want: ['bad.yaml:1:1: a recipe must be a YAML mapping (key: value lines) (start with `name:` and `image:`)'],
  },
  {
    name: 'an empty file',
    text: ``,
    want: ['bad.yaml:1:1: a recipe must be a YAML mapping (key: value lines) (start with `name:` and `image:`)'],
  },
  {
    name: 'unknown top-level key: comand',
    text: `
image: glassbox/base
comand: ls
`,
    want: ['bad.yaml:2:1: comand: unknown key "comand" in recipe (did you mean "command"?)'],
  },
  {
    name: 'unknown top-level key: hostnmae',
    text: `
image: glassbox/base
hostnmae: box
`,
    want: ['bad.yaml:2:1: hostnmae: unknown key "hostnmae" in recipe (did you mean "hostname"?)'],
  },
  {
    name: 'unknown top-level key with nothing close: the known keys are listed',
    text: `
image: glassbox/base
colour: blue
`,
    want: [
      'bad.yaml:2:1: colour: unknown key "colour" in recipe (known keys: name, description, image, build, rootdir, command, ' +
        'entrypoint, env, workdir, hostname, user, namespaces, root, rootfs, read_only, init, volumes, volumes_from, network, security, resources, labels, restart, healthcheck, stop_signal, stop_grace_period, logging, ulimits, devices, sysctls, shm_size)',
    ],
  },
  {
    name: 'a bad published port points at its list item',
    text: `
image: glassbox/base
network:
  mode: bridge
  ports:
    - "8080:80"
    - "8080:0"
`,
    want: ['bad.yaml:6:7: network.ports.1: container port 0 is out of range (1-65535) (like 8080:80, 127.0.0.1:8080:80, 53:53/udp or 80)'],
  },
  {
    name: 'ports cannot be published with --network host',
    text: `
image: glassbox/base
network: {mode: host, ports: [80]}
`,
    want: ['bad.yaml:2:30: network.ports: ports cannot be published with --network host (publishing needs a bridge network: --network bridge or a named network)'],
  },
  {
    name: 'unknown key in a bind volume object',
    text: `
image: glassbox/base
volumes:
  - type: bind
    source: /srv/data
    target: /data
    readonyl: true
`,
    want: ['bad.yaml:6:5: volumes.0.readonyl: unknown key "readonyl" in recipe (did you mean "readonly"?)'],
  },
  {
    name: 'unknown key in a tmpfs volume object',
    text: `
image: glassbox/base
volumes:
  - type: tmpfs
    target: /scratch
    sise: 64m
`,
    want: ['bad.yaml:5:5: volumes.0.sise: unknown key "sise" in recipe (did you mean "size"?)'],
  },
  {
    name: 'wrong type: env is a number',
    text: `
image: glassbox/base
env: 5
`,
    want: ['bad.yaml:2:6: env: Invalid input (see recipes/recipe.schema.json for the accepted forms)'],
  },
  {
    name: 'wrong type: read_only is a string',
    text: `
image: glassbox/base
read_only: "yes"
`,
    want: ['bad.yaml:2:12: read_only: expected boolean, got string'],
  },
  {
    name: 'wrong type: image is null',
    text: `
image:
`,
    want: ['bad.yaml:1:7: image: expected string, got null'],
  },
  {
    name: 'enum: a misspelt namespace points at the item',
    text: `
image: glassbox/base
namespaces: [mount, pidd]
`,
    want: [
      'bad.yaml:2:21: namespaces.1: Invalid option: expected one of "mount"|"uts"|"ipc"|"pid"|"net"|"cgroup" ' +
        '(one of: mount, uts, ipc, pid, net, cgroup)',
    ],
  },
  {
    name: 'enum: root',
    text: `
image: glassbox/base
root: chrot
`,
    want: ['bad.yaml:2:7: root: Invalid option: expected one of "pivot_root"|"chroot" (one of: pivot_root, chroot)'],
  },
  {
    name: 'tmpfs mode that is not octal',
    text: `
image: glassbox/base
volumes:
  - type: tmpfs
    target: /scratch
    mode: "999"
`,
    want: ['bad.yaml:5:11: volumes.0.mode: an octal mode like 1777'],
  },
  {
    name: 'an empty command list',
    text: `
image: glassbox/base
command: []
`,
    want: ['bad.yaml:2:10: command: Too small: expected array to have >=1 items'],
  },
  {
    name: 'an empty command string',
    text: `
image: glassbox/base
command: ""
`,
    want: ['bad.yaml:2:10: command: Too small: expected string to have >=1 characters'],
  },

  // --- meaning (validateSpec) ----------------------------------------------------------------------------
  {
    name: 'neither image nor rootdir',
    text: `
name: web
command: ls
`,
    want: ['bad.yaml:1:1: (top level): a container needs an image or a rootdir (add `image: glassbox/base`)'],
  },
  {
    name: 'both image and rootdir: the error points at rootdir',
    text: `
image: glassbox/base
rootdir: /srv/root
`,
    want: ['bad.yaml:2:10: rootdir: give either image or rootdir, not both'],
  },
  {
    name: 'a relative rootdir',
    text: `
rootdir: srv/root
`,
    want: ['bad.yaml:1:10: rootdir: rootdir must be an absolute path, got "srv/root"'],
  },
  {
    name: 'rootdir with a comma (overlay option injection)',
    text: `
rootdir: /srv/a,upperdir=/etc
`,
    want: [`bad.yaml:1:10: rootdir: ${OVERLAY_MSG}`],
  },
  {
    name: 'rootdir with a colon (an extra lower layer)',
    text: `
rootdir: /srv/a:/etc
`,
    want: [`bad.yaml:1:10: rootdir: ${OVERLAY_MSG}`],
  },
  {
    name: 'rootdir with ..',
    text: `
rootdir: /srv/../etc
`,
    want: ['bad.yaml:1:10: rootdir: rootdir must not contain ".." (give the real path)'],
  },
  {
    name: 'a relative workdir',
    text: `
image: glassbox/base
workdir: app
`,
    want: ['bad.yaml:2:10: workdir: workdir must be an absolute path without "..", got "app"'],
  },
  {
    name: 'a workdir with ..',
    text: `
image: glassbox/base
workdir: /app/../..
`,
    want: ['bad.yaml:2:10: workdir: workdir must be an absolute path without "..", got "/app/../.."'],
  },
  {
    name: 'name with a space and capitals',
    text: `
name: Hello World
image: glassbox/base
`,
    want: [`bad.yaml:1:7: name: invalid container name "Hello World" (${NAME_HINT})`],
  },
  {
    name: 'name starting with -',
    text: `
name: -x
image: glassbox/base
`,
    want: [`bad.yaml:1:7: name: invalid container name "-x" (${NAME_HINT})`],
  },
  {
    name: 'name of 64 characters',
    text: `
name: ${'a'.repeat(64)}
image: glassbox/base
`,
    want: [`bad.yaml:1:7: name: invalid container name "${'a'.repeat(64)}" (${NAME_HINT})`],
  },
  {
    name: 'an invalid hostname',
    text: `
image: glassbox/base
hostname: -bad_host
`,
    want: [`bad.yaml:2:11: hostname: invalid hostname "-bad_host" (${HOSTNAME_HINT})`],
  },
  {
    name: 'an invalid user',
    text: `
image: glassbox/base
user: "root group"
`,
    want: ['bad.yaml:2:7: user: invalid user "root group" (USER, UID, USER:GROUP or UID:GID)'],
  },
  {
    name: 'an env list entry without =',
    text: `
image: glassbox/base
env:
  - A=1
  - NOEQUALS
`,
    want: ['bad.yaml:4:5: env.1: expected KEY=VALUE, got "NOEQUALS"'],
  },
  {
    name: 'short volume with four parts',
    text: `
image: glassbox/base
volumes:
  - a:b:c:d
`,
    want: ['bad.yaml:3:5: volumes.0: invalid spec: a:b:c:d: too many colons'],
  },
  {
    name: 'short volume with an unknown option',
    text: `
image: glassbox/base
volumes:
  - /a:/b:rx
`,
    want: ['bad.yaml:3:5: volumes.0: invalid mode: rx'],
  },
  {
    // The short form has no `source` node: the position falls back to the whole entry.
    name: 'a relative volume source',
    text: `
image: glassbox/base
volumes:
  - data/x:/data
`,
    want: ['bad.yaml:3:5: volumes.0.source: volume source must be an absolute host path, got "data/x" (write it as /full/path or $PWD/path)'],
  },
  {
    name: 'a volume target that climbs out with ..',
    text: `
image: glassbox/base
volumes:
  - /srv:/data/../../etc
`,
    want: ['bad.yaml:3:5: volumes.0.target: volume target must be an absolute path without "..", got "/data/../../etc"'],
  },
  {
    name: 'a volume on /proc (long form: points at target)',
    text: `
image: glassbox/base
volumes:
  - type: tmpfs
    target: /proc
`,
    want: ['bad.yaml:4:13: volumes.0.target: cannot mount a volume on /proc (glassbox mounts /, /proc, /sys and /dev itself)'],
  },
  {
    name: 'a volume on /dev/ (trailing slash)',
    text: `
image: glassbox/base
volumes:
  - /srv:/dev/
`,
    want: ['bad.yaml:3:5: volumes.0.target: cannot mount a volume on /dev/ (glassbox mounts /, /proc, /sys and /dev itself)'],
  },
  {
    name: 'two volumes on the same target (the second one is reported)',
    text: `
image: glassbox/base
volumes:
  - /srv/a:/data
  - type: tmpfs
    target: /data/
`,
    want: ['bad.yaml:5:13: volumes.1.target: duplicate mount point /data'],
  },
  {
    name: 'namespaces without pid',
    text: `
image: glassbox/base
namespaces: [mount, uts]
`,
    want: ['bad.yaml:2:13: namespaces: the pid namespace is required (glassbox always gives a container its own pid namespace)'],
  },
  {
    name: 'namespaces without mount, and one listed twice',
    text: `
image: glassbox/base
namespaces: [pid, net, net]
`,
    want: [
      'bad.yaml:2:13: namespaces: the mount namespace is required (glassbox always gives a container its own mount namespace)',
      'bad.yaml:2:13: namespaces: a namespace is listed twice',
    ],
  },
];

for (const c of cases) {
  test(`recipe error: ${c.name}`, () => {
    assert.deepEqual(errorsOf(c.text), c.want);
  });
}

test('recipe errors: several problems in one file are all reported', () => {
  const got = errorsOf(`
name: Bad
image: glassbox/base
hostname: "a b"
workdir: rel
`);
  // The order follows the checks, not the file; compare as a set.
  assert.deepEqual([...got].sort(), [
    `bad.yaml:1:7: name: invalid container name "Bad" (${NAME_HINT})`,
    `bad.yaml:3:11: hostname: invalid hostname "a b" (${HOSTNAME_HINT})`,
    'bad.yaml:4:10: workdir: workdir must be an absolute path without "..", got "rel"',
  ]);
});

test('recipe errors: a GlassboxErrors formats as one line per problem', () => {
  try {
    parseRecipe('image: x\ncomand: ls\nhostnmae: h\n', FILE);
    assert.fail('accepted');
  } catch (e) {
    assert.ok(e instanceof GlassboxErrors);
    assert.equal(e.exitCode, 125);
    assert.equal(
      e.format(),
      'bad.yaml:2:1: comand: unknown key "comand" in recipe (did you mean "command"?)\n' +
        'bad.yaml:3:1: hostnmae: unknown key "hostnmae" in recipe (did you mean "hostname"?)',
    );
  }
});

test('recipe errors: an unreadable file names the path', () => {
  assert.throws(
    () => loadRecipe('/nonexistent/glassbox/recipe.yaml'),
    (e: unknown) =>
      e instanceof GlassboxError && e.format() === 'cannot read recipe /nonexistent/glassbox/recipe.yaml: ENOENT (check the path)',
  );
});

test('recipes/hello.yaml parses and normalises', () => {
  const file = fileURLToPath(new URL('../../recipes/hello.yaml', import.meta.url));
  const spec = loadRecipe(file);
  assert.equal(spec.name, 'hello');
  assert.equal(spec.image, 'glassbox/base');
  assert.equal(spec.rootdir, undefined);
  assert.equal(spec.hostname, 'glassbox');
  assert.deepEqual(spec.env, { GREETING: 'hello from inside a glass box' });
  assert.equal(spec.command?.length, 3);
  assert.deepEqual(spec.command!.slice(0, 2), ['/bin/sh', '-c']);
  assert.ok(spec.command![2]!.startsWith('echo "$GREETING"\n'));
  assert.ok(spec.command![2]!.endsWith('|| ps\n'));
  assert.deepEqual(spec.namespaces, ['mount', 'uts', 'ipc', 'pid', 'net', 'cgroup']);
  assert.deepEqual(spec.namespaces, DEFAULT_NAMESPACES);
  assert.notEqual(spec.namespaces, DEFAULT_NAMESPACES, 'a copy, so a caller cannot change the default');
  assert.equal(spec.root, 'pivot_root');
  assert.equal(spec.rootfs, 'overlay');
  assert.equal(spec.readOnly, false);
  assert.deepEqual(spec.volumes, []);
  assert.equal(spec.source, file);
});

test('recipe normalisation: env list, short and long volumes, entrypoint, command list', () => {
  const spec = parseRecipe(
    yaml(`
rootdir: /srv/root
entrypoint: ""
command: [ls, -la]
env:
  - A=1
  - B=x=y
  - C=
volumes:
  - /srv/data:/data
  - /srv/conf:/etc/app:ro
  - type: bind
    source: /srv/logs
    target: /var/log/app
    readonly: true
  - type: tmpfs
    target: /scratch
    size: 64m
    mode: "1777"
namespaces: [mount, pid, cgroup]
read_only: true
root: chroot
rootfs: bind
`),
    'ok.yaml',
  );
  assert.equal(spec.rootdir, '/srv/root');
  assert.deepEqual(spec.entrypoint, []);
  assert.deepEqual(spec.command, ['ls', '-la']);
  assert.deepEqual(spec.env, { A: '1', B: 'x=y', C: '' });
  assert.deepEqual(spec.volumes, [
    { type: 'bind', source: '/srv/data', target: '/data', readOnly: false },
    { type: 'bind', source: '/srv/conf', target: '/etc/app', readOnly: true },
    { type: 'bind', source: '/srv/logs', target: '/var/log/app', readOnly: true },
    { type: 'tmpfs', target: '/scratch', size: '64m', mode: '1777' },
  ]);
  assert.deepEqual(spec.namespaces, ['mount', 'pid', 'cgroup']);
  assert.equal(spec.readOnly, true);
  assert.equal(spec.root, 'chroot');
  assert.equal(spec.rootfs, 'bind');
});

test('recipe normalisation: env map values become strings; entrypoint string runs through sh', () => {
  const spec = parseRecipe('image: x\nentrypoint: exec app\nenv:\n  N: 5\n  B: true\n  S: s\n', 'ok.yaml');
  assert.deepEqual(spec.env, { N: '5', B: 'true', S: 's' });
  assert.deepEqual(spec.entrypoint, ['/bin/sh', '-c', 'exec app']);
  assert.equal(spec.command, undefined);
});
