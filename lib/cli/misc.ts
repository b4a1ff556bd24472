// The small commands: gc, doctor, image from-host, images.

import { runDoctor, formatDoctor } from '../host/doctor.ts';
import { readHostFacts } from '../host/facts.ts';
import { buildHostImage } from '../image/fromhost.ts';
import { listImages } from '../image/store.ts';
import { selfOwner } from '../state/containers.ts';
import { collectGarbage } from '../state/gc.ts';
import { roots } from '../state/paths.ts';
import { requireRoot, type Global } from './container.ts';
import { enableTrace, useColour } from './output.ts';

// glassbox gc
export async function cmdGc(g: Global): Promise<number> {
  requireRoot('glassbox gc');
  enableTrace(g.verbose);
  const facts = await readHostFacts();
  const rep = await collectGarbage(roots(), facts.bootId);
  const lines = [
    ...rep.containers.map((id) => `removed container ${id.slice(0, 12)}`),
    ...rep.runDirs.map((d) => `released ${d}`),
    ...rep.names.map((n) => `released name ${n}`),
    ...rep.builds.map((b) => `removed unfinished layer ${b}`),
  ];
  process.stdout.write(lines.length ? lines.join('\n') + '\n' : 'nothing to clean up\n');
  return 0;
}

// glassbox doctor
export async function cmdDoctor(format: string, _g: Global): Promise<number> {
  const report = await runDoctor(await readHostFacts());
  process.stdout.write(format === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatDoctor(report, { color: useColour() }));
  return report.ok ? 0 : 1;
}

// glassbox image from-host
export async function cmdImageFromHost(tag: string, g: Global): Promise<number> {
  requireRoot('glassbox image from-host');
  enableTrace(g.verbose);
  const facts = await readHostFacts();
  const rec = await buildHostImage(roots(), selfOwner(facts.bootId), tag);
  process.stdout.write(`${rec.id}\n`);
  return 0;
}

// glassbox images
export async function cmdImages(format: string): Promise<number> {
  const list = await listImages(roots().root);
  if (format === 'json') {
    for (const i of list) process.stdout.write(JSON.stringify({ id: i.record.id, tags: i.tags, layers: i.record.layers.length, created: i.record.created, source: i.record.source }) + '\n');
    return 0;
  }
  const rows = [['REPOSITORY:TAG', 'IMAGE ID', 'LAYERS', 'CREATED']];
  for (const i of list) rows.push([i.tags[0] ?? '<none>', i.record.id.replace('sha256:', '').slice(0, 12), String(i.record.layers.length), i.record.created]);
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  process.stdout.write(rows.map((r) => r.map((v, c) => v.padEnd(w[c]!)).join('   ').trimEnd()).join('\n') + '\n');
  return 0;
}
