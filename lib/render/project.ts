// A compose project's plan as text: `compose plan` prints every service's plan (the one `glassbox plan` prints)
// in start order, each under a heading that says when it starts; `compose script -o DIR` writes one up.sh and one
// down.sh for the whole project, plus services/SERVICE/up.sh and down.sh (what `glassbox script` writes for each
// container). The project's up.sh starts each service's up.sh in the background, in depends_on order, and waits
// for the conditions: `service_started` (the service's up.sh writes its PID 1 to a file once the container
// runs) and `service_completed_successfully` (its up.sh ended with status 0). `service_healthy` needs the health
// check a detached container's monitor runs, which the plain scripts do not have: the script is refused for it.
// Pure: strings in, strings out; every command comes from a plan's steps, quoted by quote.ts.

import { GlassboxError } from '../errors.ts';
import type { Lang, Step } from '../plan/types.ts';
import type { ProjectPlan } from '../project/plan.ts';
import { renderBrief } from './brief.ts';
import { renderPlanJson, renderPlanJsonBrief } from './json.ts';
import { renderArg } from './quote.ts';
import { renderScript, renderStepCommand } from './script.ts';

const T = {
  plan: (p: string) => ({
    en: `Compose project ${p}: what \`glassbox compose up\` runs, service by service in start order. Each service is one container, planned as \`glassbox plan\` plans it; nothing has been run.`,
    zh: `Compose 项目 ${p}：\`glassbox compose up\` 要运行的内容，按启动顺序逐个服务列出。每个服务是一个容器，规划方式与 \`glassbox plan\` 相同；什么都还没有运行。`,
  }),
  networks: { en: 'Networks up makes (a record each; the first container on a network makes its bridge):', zh: 'up 会建立的网络（各一条记录；网络上的第一个容器建立它的网桥）：' },
  volumes: { en: 'Named volumes up makes (their directories are steps of the first service that mounts them):', zh: 'up 会建立的命名卷（目录由第一个挂载它的服务的步骤建立）：' },
  service: (s: string, wave: number) => ({ en: `Service ${s} (wave ${wave})`, zh: `服务 ${s}（第 ${wave} 批）` }),
  after: (list: string) => ({ en: `starts once: ${list}`, zh: `在这些条件满足后启动：${list}` }),
  condition: {
    service_started: { en: 'runs', zh: '已运行' },
    service_healthy: { en: 'is healthy', zh: '健康' },
    service_completed_successfully: { en: 'has ended with status 0', zh: '已以状态 0 结束' },
  },
  upHead: (p: string) => ({
    en: `Compose project ${p}: up.sh brings every service up, in depends_on order, with plain sh. Each service is one container: services/SERVICE/up.sh runs it in the foreground (what \`glassbox script\` writes); this script starts those in the background, one after the other, waiting for what each depends on. Their output goes to services/SERVICE/output.log. down.sh stops them and removes the project's networks.`,
    zh: `Compose 项目 ${p}：up.sh 用普通的 sh 按 depends_on 的顺序启动所有服务。每个服务是一个容器：services/SERVICE/up.sh 在前台运行它（即 \`glassbox script\` 写出的脚本）；本脚本在后台逐个启动它们，并等待每个服务所依赖的条件。它们的输出写到 services/SERVICE/output.log。down.sh 停止它们并删除项目的网络。`,
  }),
  downHead: (p: string) => ({
    en: `Compose project ${p}: down.sh stops every service (dependents first) and removes the project's networks. A service's up.sh undoes its own steps when it gets SIGTERM; its down.sh then finishes what a killed one left (each undo may fail harmlessly: it was done already).`,
    zh: `Compose 项目 ${p}：down.sh 停止所有服务（先停依赖别人的）并删除项目的网络。服务的 up.sh 收到 SIGTERM 时会撤销自己的步骤；随后它的 down.sh 补完被杀掉的脚本留下的东西（每个撤销都可能无害地失败：它已经做过了）。`,
  }),
  helpers: { en: 'Helpers: start a service\'s up.sh in the background; wait until it runs; wait until it has ended with status 0.', zh: '辅助函数：在后台启动一个服务的 up.sh；等它运行起来；等它以状态 0 结束。' },
  startOne: (s: string) => ({ en: `Start ${s}.`, zh: `启动 ${s}。` }),
  waitOne: (s: string, c: string) => ({ en: `Wait until ${s} ${c}.`, zh: `等待 ${s} ${c}。` }),
  stopOne: (s: string) => ({ en: `Stop ${s}: SIGTERM to its up.sh, which undoes its steps; then its down.sh.`, zh: `停止 ${s}：向它的 up.sh 发送 SIGTERM，它会撤销自己的步骤；然后运行它的 down.sh。` }),
  netGone: (n: string) => ({ en: `Remove network ${n}: its bridge and its iptables chains.`, zh: `删除网络 ${n}：它的网桥和 iptables 链。` }),
  done: (p: string) => ({ en: `project ${p} is up; ./down.sh stops it`, zh: `项目 ${p} 已启动；./down.sh 停止它` }),
};

const comment = (text: string) => text.split('\n').map((l) => `# ${l}`);

// The heading of one service: its wave, and what must hold before it starts.
function serviceHeading(s: ProjectPlan['services'][number], lang: Lang): string[] {
  const after = s.after.map((a) => `${a.service} ${T.condition[a.condition][lang]}`).join(', ');
  return ['', `# ${'='.repeat(100)}`, ...comment(T.service(s.service, s.wave)[lang]), ...(after ? comment(T.after(after)[lang]) : []), `# ${'='.repeat(100)}`];
}

// compose plan: sh (every service's annotated plan), brief (one line per step) or json.
export function renderProjectPlan(pp: ProjectPlan, opts: { lang: Lang; format: 'sh' | 'json'; brief?: boolean; glassboxVersion: string }): string {
  const { lang } = opts;
  if (opts.format === 'json') {
    const services = pp.services.map((s) => ({
      service: s.service,
      wave: s.wave,
      after: s.after,
      plan: JSON.parse(opts.brief ? renderPlanJsonBrief(s.plan, lang) : renderPlanJson(s.plan)) as unknown,
    }));
    return JSON.stringify({ project: pp.project, newNetworks: pp.newNetworks.map((n) => ({ name: n.name, bridge: n.bridge, subnet: n.subnet, gateway: n.gateway })), newVolumes: pp.newVolumes, services }, null, 2) + '\n';
  }
  const out = ['#!/bin/sh', ...comment(T.plan(pp.project)[lang])];
  if (pp.newNetworks.length) out.push('#', ...comment(T.networks[lang]), ...pp.newNetworks.map((n) => `#   ${n.name}  ${n.subnet}  (bridge ${n.bridge})`));
  if (pp.newVolumes.length) out.push('#', ...comment(T.volumes[lang]), ...pp.newVolumes.map((v) => `#   ${v}`));
  for (const s of pp.services) {
    out.push(...serviceHeading(s, lang), '');
    const text = opts.brief ? renderBrief(s.plan, lang) : renderScript(s.plan, { lang, mode: 'plan', glassboxVersion: opts.glassboxVersion });
    out.push(text.replace(/^#!\/bin\/sh\n/, '').trimEnd());
  }
  return out.join('\n') + '\n';
}

/** The files of `compose script`, by path under the output directory. */
export type ProjectScripts = Record<string, string>;

// compose script: see the module comment. `removals` are the steps that remove each new network's bridge and chains.
export function renderProjectScripts(pp: ProjectPlan, removals: Array<{ network: string; steps: Step[] }>, opts: { lang: Lang; glassboxVersion: string }): ProjectScripts {
  const { lang } = opts;
  const healthy = pp.services.flatMap((s) => s.after.filter((a) => a.condition === 'service_healthy').map((a) => `${s.service} → ${a.service}`));
  if (healthy.length) {
    throw new GlassboxError(`compose script: service_healthy (${healthy.join(', ')}) needs the health check a detached container's monitor runs, and plain sh scripts have no monitor`, {
      hint: 'use glassbox compose up (it waits for the health check), or depend on condition: service_started in the scripts',
    });
  }
  const files: ProjectScripts = {};
  for (const s of pp.services) {
    for (const mode of ['up', 'down'] as const) files[`services/${s.service}/${mode}.sh`] = renderScript(s.plan, { lang, mode, glassboxVersion: opts.glassboxVersion });
  }
  const q = (s: string) => renderArg(s);
  const up = [
    '#!/bin/sh',
    ...comment(T.upHead(pp.project)[lang]),
    `# glassbox ${opts.glassboxVersion}`,
    'set -eu',
    'gb_dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)',
    '',
    ...comment(T.helpers[lang]),
    'gb_start() {',
    '  rm -f "$gb_dir/services/$1/started"',
    '  GB_STARTED="$gb_dir/services/$1/started" sh "$gb_dir/services/$1/up.sh" </dev/null >"$gb_dir/services/$1/output.log" 2>&1 &',
    '  echo $! > "$gb_dir/services/$1/script.pid"',
    '}',
    'gb_wait_started() {',
    '  while [ ! -s "$gb_dir/services/$1/started" ]; do',
    '    if ! kill -0 "$(cat "$gb_dir/services/$1/script.pid")" 2>/dev/null; then',
    '      echo "service $1 did not start: see $gb_dir/services/$1/output.log" >&2',
    '      exit 1',
    '    fi',
    '    sleep 0.1',
    '  done',
    '}',
    'gb_wait_completed() {',
    '  gb_code=0',
    '  wait "$(cat "$gb_dir/services/$1/script.pid")" || gb_code=$?',
    '  if [ "$gb_code" -ne 0 ]; then',
    '    echo "service \\"$1\\" didn\'t complete successfully: exit $gb_code" >&2',
    '    exit 1',
    '  fi',
    '}',
  ];
  for (const s of pp.services) {
    up.push(...serviceHeading(s, lang));
    for (const a of s.after) {
      up.push(...comment(T.waitOne(a.service, T.condition[a.condition][lang])[lang]));
      up.push(a.condition === 'service_completed_successfully' ? `gb_wait_completed ${q(a.service)}` : `gb_wait_started ${q(a.service)}`);
    }
    up.push(...comment(T.startOne(s.service)[lang]), `gb_start ${q(s.service)}`);
  }
  up.push('', `echo ${q(T.done(pp.project)[lang])}`);
  files['up.sh'] = up.join('\n') + '\n';
  const down = ['#!/bin/sh', ...comment(T.downHead(pp.project)[lang]), `# glassbox ${opts.glassboxVersion}`, 'set -u', 'gb_dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)'];
  down.push(
    'gb_stop() {',
    '  gb_pid=$(cat "$gb_dir/services/$1/script.pid" 2>/dev/null) || gb_pid=',
    '  if [ -n "$gb_pid" ] && kill -0 "$gb_pid" 2>/dev/null; then',
    '    kill -TERM "$gb_pid"',
    '    while kill -0 "$gb_pid" 2>/dev/null; do sleep 0.1; done',
    '  fi',
    '  sh "$gb_dir/services/$1/down.sh" >>"$gb_dir/services/$1/output.log" 2>&1 || true',
    '  rm -f "$gb_dir/services/$1/script.pid" "$gb_dir/services/$1/started"',
    '}',
  );
  for (const s of [...pp.services].reverse()) down.push('', ...comment(T.stopOne(s.service)[lang]), `gb_stop ${q(s.service)}`);
  for (const r of removals) {
    down.push('', ...comment(T.netGone(r.network)[lang]));
    for (const st of r.steps) down.push(`${renderStepCommand(st)} 2>/dev/null || true`);
  }
  files['down.sh'] = down.join('\n') + '\n';
  return files;
}
