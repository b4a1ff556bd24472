// docker's --format templates, ps status strings and filters (lib/format/).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTemplate, goString } from '../../lib/format/template.ts';
import { formatList, formatOne, tabwrite } from '../../lib/format/output.ts';
import { humanDuration, psStatus, runningFor, goTime } from '../../lib/format/status.ts';
import { containerMatches, globMatch, imageMatches, parseFilters, checkPsFilters, PS_FILTERS, IMAGE_FILTERS, type ContainerFacts } from '../../lib/format/filters.ts';

const inspect = {
  Id: 'abc123',
  Name: 'web',
  State: { Pid: 4242, Status: 'running', Running: true, ExitCode: 0 },
  Config: { Env: ['A=1', 'B=2'], Labels: { app: 'web', tier: 'front' }, Cmd: ['sh', '-c', 'x'] },
  NetworkSettings: { IPAddress: '172.29.0.2', Ports: [] },
  Mounts: [{ Source: '/h', Destination: '/d' }],
};

test('template: fields, json, range, variables, conditionals, functions', () => {
  const cases: Array<[string, string]> = [
    ['{{.State.Pid}}', '4242'],
    ['{{ .NetworkSettings.IPAddress }}', '172.29.0.2'],
    ['{{json .Config.Labels}}', '{"app":"web","tier":"front"}'],
    ['{{json .Config.Cmd}}', '["sh","-c","x"]'],
    ['{{range .Config.Env}}{{.}};{{end}}', 'A=1;B=2;'],
    ['{{range $i, $e := .Config.Env}}{{$i}}:{{$e}} {{end}}', '0:A=1 1:B=2 '],
    ['{{range $k, $v := .Config.Labels}}{{$k}}={{$v}},{{end}}', 'app=web,tier=front,'],
    ['{{range .Mounts}}{{.Source}}->{{.Destination}}{{end}}', '/h->/d'],
    ['{{range .NetworkSettings.Ports}}x{{else}}none{{end}}', 'none'],
    ['{{if .State.Running}}up{{else}}down{{end}}', 'up'],
    ['{{if eq .State.Status "exited"}}E{{else if eq .State.Status "running"}}R{{else}}?{{end}}', 'R'],
    ['{{with .Config}}{{index .Labels "app"}}{{end}}', 'web'],
    ['{{index .Config.Env 1}}', 'B=2'],
    ['{{len .Config.Env}}', '2'],
    ['{{.Name | upper}}', 'WEB'],
    ['{{upper .Name | lower}}', 'web'],
    ['{{join .Config.Env ","}}', 'A=1,B=2'],
    ['{{split "a:b" ":"}}', '[a b]'],
    ['{{title "hello world"}}', 'Hello World'],
    ['{{truncate .Id 3}}', 'abc'],
    ['{{printf "%s=%d" .Name .State.Pid}}', 'web=4242'],
    ['{{printf "%-5s|" .Name}}', 'web  |'],
    ['{{$p := .State.Pid}}pid {{$p}}', 'pid 4242'],
    ['{{$.Name}}{{range .Config.Env}}-{{$.Name}}{{end}}', 'web-web-web'],
    ['{{.Config.Labels}}', 'map[app:web tier:front]'],
    ['{{.Config.Env}}', '[A=1 B=2]'],
    ['{{.Config.Labels.nope}}', '<no value>'],
    ['{{and .State.Running .Name}} {{or "" "x"}} {{not true}}', 'web x false'],
    ['a  {{- " b " -}}  c', 'a b c'],
    ['{{/* a comment */}}ok', 'ok'],
    ['{{(index .Mounts 0).Source}}', '/h'],
    ['{{json .}}', JSON.stringify(inspect)],
    ['{{println "x"}}', 'x\n'],
  ];
  for (const [t, want] of cases) assert.equal(renderTemplate(t, inspect), want, t);
});

test('template: errors say what is wrong', () => {
  assert.throws(() => renderTemplate('{{.State.Pid', inspect), /unclosed action/);
  assert.throws(() => renderTemplate('{{if .Name}}x', inspect), /unexpected EOF/);
  assert.throws(() => renderTemplate('{{end}}', inspect), /unexpected/);
  assert.throws(() => renderTemplate('{{nosuch .Name}}', inspect), /function "nosuch" not defined/);
  assert.throws(() => renderTemplate('{{.Name.Foo}}', inspect), /can't evaluate field Foo/);
  assert.throws(() => renderTemplate('{{$x}}', inspect), /undefined variable/);
  assert.throws(() => formatOne('{{.State.Pid', inspect), /template parsing error/);
});

test('goString prints like Go %v', () => {
  assert.equal(goString(undefined), '<no value>');
  assert.equal(goString(null), '<nil>');
  assert.equal(goString([1, 'a', true]), '[1 a true]');
  assert.equal(goString({ b: 1, a: [2] }), 'map[a:[2] b:1]');
});

test('formatList: table, json, table TEMPLATE, bare template; \\t means a tab', () => {
  const rows = [{ ID: 'aaa', Names: 'web', Status: 'Up 2 seconds' }, { ID: 'bbbbbbbbbbbbbbb', Names: 'db', Status: 'Created' }];
  const headers = { ID: 'CONTAINER ID', Names: 'NAMES', Status: 'STATUS' };
  assert.equal(formatList('json', rows, headers, ''), rows.map((r) => JSON.stringify(r) + '\n').join(''));
  assert.equal(formatList('{{.Names}}', rows, headers, ''), 'web\ndb\n');
  const t = formatList('table {{.Names}}\\t{{.Status}}', rows, headers, '');
  assert.equal(t, 'NAMES     STATUS\nweb       Up 2 seconds\ndb        Created\n');
  const d = formatList(undefined, rows, headers, '{{.ID}}\t{{.Names}}');
  assert.equal(d, 'CONTAINER ID      NAMES\naaa               web\nbbbbbbbbbbbbbbb   db\n');
  assert.equal(tabwrite('a\tb\nlonger-than-ten\tc'), 'a                 b\nlonger-than-ten   c');
});

test('status strings: docker ps STATUS and CREATED', () => {
  const now = Date.parse('2026-12-03T12:00:00Z');
  const ago = (ms: number) => new Date(now - ms).toISOString();
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(1000), '1 second');
  assert.equal(humanDuration(59_000), '59 seconds');
  assert.equal(humanDuration(60_000), 'About a minute');
  assert.equal(humanDuration(3 * 60_000), '3 minutes');
  assert.equal(humanDuration(3600_000), 'About an hour');
  assert.equal(humanDuration(5 * 3600_000), '5 hours');
  assert.equal(humanDuration(3 * 86400_000), '3 days');
  assert.equal(humanDuration(20 * 86400_000), '2 weeks');
  assert.equal(humanDuration(90 * 86400_000), '3 months');
  assert.equal(humanDuration(800 * 86400_000), '2 years');
  assert.equal(psStatus({ state: 'running', startedAt: ago(2000) }, now), 'Up 2 seconds');
  assert.equal(psStatus({ state: 'paused', startedAt: ago(120_000) }, now), 'Up 2 minutes (Paused)');
  assert.equal(psStatus({ state: 'running', startedAt: ago(2000), health: 'starting' }, now), 'Up 2 seconds (health: starting)');
  assert.equal(psStatus({ state: 'exited', exitCode: 0, finishedAt: ago(180_000) }, now), 'Exited (0) 3 minutes ago');
  assert.equal(psStatus({ state: 'exited', exitCode: 137, finishedAt: ago(1000) }, now), 'Exited (137) 1 second ago');
  assert.equal(psStatus({ state: 'restarting', exitCode: 1, finishedAt: ago(2000) }, now), 'Restarting (1) 2 seconds ago');
  assert.equal(psStatus({ state: 'created' }, now), 'Created');
  assert.equal(psStatus({ state: 'dead' }, now), 'Dead');
  assert.equal(psStatus({ state: 'removing' }, now), 'Removal In Progress');
  assert.equal(runningFor(ago(4000), now), '4 seconds ago');
  assert.equal(goTime('2026-12-03T16:44:25.123Z'), '2026-12-03 16:44:25 +0000 UTC');
});

const box = (over: Partial<ContainerFacts>): ContainerFacts => ({ id: 'aa11', name: 'web', state: 'running', image: 'busybox', networks: ['none'], mounts: [], ...over });

test('ps filters: one key ORs, keys AND, labels all required; bad keys and values refused', () => {
  const all = [
    box({ id: 'aa11', name: 'web-1', labels: { app: 'web', tier: 'front' }, networks: ['net1'], mounts: [{ Destination: '/data', Name: 'vol1' }] }),
    box({ id: 'bb22', name: 'web-2', state: 'exited', exitCode: 3, labels: { app: 'web' }, image: 'glassbox/base:latest', imageId: 'sha256:cafe00' }),
    box({ id: 'cc33', name: 'db', state: 'created', labels: { app: 'db' }, health: 'healthy', networks: ['host'] }),
  ];
  const pick = (...f: string[]) => all.filter((c) => containerMatches(parseFilters(f, PS_FILTERS), c)).map((c) => c.name);
  assert.deepEqual(pick('label=app'), ['web-1', 'web-2', 'db']);
  assert.deepEqual(pick('label=app=web'), ['web-1', 'web-2']);
  assert.deepEqual(pick('label=app=web', 'label=tier'), ['web-1']);
  assert.deepEqual(pick('label=nope'), []);
  assert.deepEqual(pick('name=web'), ['web-1', 'web-2']);
  assert.deepEqual(pick('name=^/db$'), ['db']);
  assert.deepEqual(pick('name=-1$', 'name=^/db'), ['web-1', 'db']);
  assert.deepEqual(pick('status=exited', 'status=created'), ['web-2', 'db']);
  assert.deepEqual(pick('status=running', 'label=app=web'), ['web-1']);
  assert.deepEqual(pick('health=healthy'), ['db']);
  assert.deepEqual(pick('health=none'), ['web-1', 'web-2']);
  assert.deepEqual(pick('id=bb'), ['web-2']);
  assert.deepEqual(pick('ancestor=busybox:latest'), ['web-1', 'db']);
  assert.deepEqual(pick('ancestor=glassbox/base'), ['web-2']);
  assert.deepEqual(pick('ancestor=cafe'), ['web-2']);
  assert.deepEqual(pick('network=net1', 'network=host'), ['web-1', 'db']);
  assert.deepEqual(pick('volume=/data'), ['web-1']);
  assert.deepEqual(pick('volume=vol1'), ['web-1']);
  assert.deepEqual(pick('exited=3'), ['web-2']);
  assert.throws(() => parseFilters(['colour=red'], PS_FILTERS), /invalid filter 'colour'/);
  assert.throws(() => parseFilters(['label'], PS_FILTERS), /expected name=value/);
  assert.throws(() => checkPsFilters(parseFilters(['status=sleeping'], PS_FILTERS)), /invalid filter 'status=sleeping'/);
  assert.throws(() => checkPsFilters(parseFilters(['name=(['], PS_FILTERS)), /regular expression/);
});

test('images filters: reference globs, labels, dangling', () => {
  const imgs = [
    { tags: ['busybox:latest', 'busybox:1.36'], labels: { maintainer: 'x' } },
    { tags: ['glassbox/base:latest'] },
    { tags: [] },
  ];
  const pick = (...f: string[]) => imgs.map((i, n) => (imageMatches(parseFilters(f, IMAGE_FILTERS), i) ? n : -1)).filter((n) => n >= 0);
  assert.deepEqual(pick('reference=busybox'), [0]);
  assert.deepEqual(pick('reference=busybox:1.*'), [0]);
  assert.deepEqual(pick('reference=*/base'), [1]);
  assert.deepEqual(pick('reference=*'), [0]);
  assert.deepEqual(pick('dangling=true'), [2]);
  assert.deepEqual(pick('dangling=false'), [0, 1]);
  assert.deepEqual(pick('label=maintainer'), [0]);
  assert.equal(globMatch('a?c', 'abc'), true);
  assert.equal(globMatch('a*', 'a/b'), false);
});
