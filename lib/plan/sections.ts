// The parts a container is made of, as learn mode and `plan --brief` group its steps: each block says which part
// it builds (`section:` in recipes/blocks/*.yaml), and a plan's sections are its runs of steps with the same one.
// A lesson's parts are sections of their own, headed by their block's summary.

import type { Step, Text } from './types.ts';

/** Headings of the container's sections, and of learn mode's last one (the cleanup). */
export const SECTION_TITLES: Record<string, Text> = {
  root: { en: 'Make the root', zh: '搭建根文件系统' },
  namespaces: { en: 'The namespaces', zh: '命名空间' },
  cgroups: { en: 'The cgroups', zh: '控制组（cgroup）' },
  network: { en: 'The network', zh: '网络' },
  security: { en: 'The walls: masked and read-only paths, the system-call filter', zh: '围墙：屏蔽与只读路径、系统调用过滤' },
  start: { en: 'Start', zh: '启动' },
  cleanup: { en: 'Clean up', zh: '清理' },
  other: { en: 'Other steps', zh: '其他步骤' },
};

/** One run of consecutive steps of the same section. */
export interface SectionRun {
  id: string;
  /** 0-based index of its first step in the plan, and one past its last. */
  from: number;
  to: number;
  folded: boolean;
}

// Splits the plan's steps into runs of one section each (a folded run stays one run whatever its sections).
export function sectionRuns(steps: readonly Step[]): SectionRun[] {
  const runs: SectionRun[] = [];
  steps.forEach((s, i) => {
    const id = s.folded ? 'folded' : (s.section ?? 'other');
    const last = runs.at(-1);
    if (last && last.id === id && last.to === i) last.to = i + 1;
    else runs.push({ id, from: i, to: i + 1, folded: !!s.folded });
  });
  return runs;
}
