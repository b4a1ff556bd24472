// A manifest's plan as text (`kube play --plan`): per pod, the network and volumes play makes, then every
// container's plan as `glassbox plan` prints it — the infra container first (it holds the pod's network
// namespace), then the pod's containers, which join it. Pure: strings in, strings out.

import type { PodPlan } from '../kube/play.ts';
import type { Lang } from '../plan/types.ts';
import { renderBrief } from './brief.ts';
import { renderPlanJson, renderPlanJsonBrief } from './json.ts';
import { renderScript } from './script.ts';

const T = {
  head: {
    en: 'Kubernetes manifest: what `glassbox kube play` runs, pod by pod. A pod is an infra container that holds its network namespace (its address, its published ports, its /etc/hosts) and the pod\'s containers, which join it with --network container:<pod>-infra; each is planned as `glassbox plan` plans it. Nothing has been run.',
    zh: 'Kubernetes 清单：`glassbox kube play` 要运行的内容，逐个 pod 列出。一个 pod 是一个持有网络命名空间（地址、发布的端口、/etc/hosts）的 infra 容器，加上用 --network container:<pod>-infra 加入它的各个容器；每个容器的规划方式与 `glassbox plan` 相同。什么都还没有运行。',
  },
  network: (n: string, subnet: string, bridge: string) => ({ en: `Network play makes: ${n}  ${subnet}  (bridge ${bridge})`, zh: `play 会建立的网络：${n}  ${subnet}（网桥 ${bridge}）` }),
  volumes: (v: string) => ({ en: `Volumes play makes: ${v}`, zh: `play 会建立的卷：${v}` }),
  member: (pod: string, c: string, name: string) => ({
    en: c === 'infra' ? `Pod ${pod}: the infra container ${name} (the pod's network namespace)` : `Pod ${pod}: container ${c} (${name})`,
    zh: c === 'infra' ? `Pod ${pod}：infra 容器 ${name}（pod 的网络命名空间）` : `Pod ${pod}：容器 ${c}（${name}）`,
  }),
};

const comment = (text: string) => text.split('\n').map((l) => `# ${l}`);

// kube play --plan: sh (each container's annotated plan), brief (one line per step) or json.
export function renderPodPlans(pods: PodPlan[], opts: { lang: Lang; format: 'sh' | 'json'; brief?: boolean; glassboxVersion: string }): string {
  const { lang } = opts;
  if (opts.format === 'json') {
    return JSON.stringify(pods.map((p) => ({
      pod: p.pod,
      ...(p.newNetwork ? { newNetwork: { name: p.newNetwork.name, bridge: p.newNetwork.bridge, subnet: p.newNetwork.subnet, gateway: p.newNetwork.gateway } } : {}),
      newVolumes: p.newVolumes,
      containers: p.members.map((m) => ({ container: m.container, name: m.name, plan: JSON.parse(opts.brief ? renderPlanJsonBrief(m.plan, lang) : renderPlanJson(m.plan)) as unknown })),
    })), null, 2) + '\n';
  }
  const out = ['#!/bin/sh', ...comment(T.head[lang])];
  for (const p of pods) {
    if (p.newNetwork) out.push('#', ...comment(T.network(p.newNetwork.name, p.newNetwork.subnet, p.newNetwork.bridge)[lang]));
    if (p.newVolumes.length) out.push('#', ...comment(T.volumes(p.newVolumes.join(', '))[lang]));
    for (const m of p.members) {
      out.push('', `# ${'='.repeat(100)}`, ...comment(T.member(p.pod, m.container, m.name)[lang]), `# ${'='.repeat(100)}`, '');
      const text = opts.brief ? renderBrief(m.plan, lang) : renderScript(m.plan, { lang, mode: 'plan', glassboxVersion: opts.glassboxVersion });
      out.push(text.replace(/^#!\/bin\/sh\n/, '').trimEnd());
    }
  }
  return out.join('\n') + '\n';
}
