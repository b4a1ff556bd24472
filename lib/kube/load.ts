// Reads a Kubernetes manifest: one or several YAML documents, each a Pod or a Deployment (reduced to its Pod
// template, named `<deployment>-pod` as podman names it). Each document is checked against the strict schemas of
// schema.ts; every error carries file:line:col and the field's path. Nothing on the system is touched.

import { readFileSync } from 'node:fs';
import { collectErrors, GlassboxError, type SourcePos } from '../errors.ts';
import { parseYamlDocuments, positionOf, type ParsedYaml } from '../recipe/yamlpos.ts';
import { zodToErrors } from '../recipe/zoderrors.ts';
import { Deployment, Pod, type PodSpecT } from './schema.ts';

/** One Pod of a manifest, with a way back to its source. */
export interface KubePod {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: PodSpecT;
  /** The position of a field below the Pod's spec (a Deployment's template spec), or of the nearest parent. */
  at: (path: (string | number)[]) => SourcePos;
  /** The field path prefix of the spec in the document, for messages (`spec` or `spec.template.spec`). */
  specPath: string;
  file: string;
}

// Reads a manifest file (- is standard input).
export function loadManifest(file: string): KubePod[] {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new GlassboxError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`, { hint: 'check the path' });
  }
  return parseManifest(text, file === '-' ? '<stdin>' : file);
}

// The same from text: every document a Pod or a Deployment; two Pods of one name are refused.
export function parseManifest(text: string, file: string): KubePod[] {
  const docs = parseYamlDocuments(text, file).filter((y) => y.value !== null && y.value !== undefined);
  const pods = collectErrors(docs, podOf);
  if (!pods.length) throw new GlassboxError('the manifest has no Pod or Deployment', { pos: { file, line: 1, col: 1 }, hint: 'glassbox kube generate writes one' });
  const seen = new Set<string>();
  for (const p of pods) {
    if (seen.has(p.name)) throw new GlassboxError(`two pods are named ${p.name}`, { pos: p.at([]), field: 'metadata.name', hint: 'give each Pod its own name' });
    seen.add(p.name);
  }
  return pods;
}

// One document as a Pod.
function podOf(y: ParsedYaml): KubePod {
  const v = y.value as Record<string, unknown>;
  const kind = typeof v === 'object' && !Array.isArray(v) ? v.kind : undefined;
  if (kind !== 'Pod' && kind !== 'Deployment') {
    throw new GlassboxError(`kind ${typeof kind === 'string' ? kind : '(none)'} is not supported`, { pos: positionOf(y, ['kind']), field: 'kind', hint: 'glassbox kube play runs Pods and Deployments' });
  }
  const schema = kind === 'Pod' ? Pod : Deployment;
  const got = schema.safeParse(v);
  if (!got.success) throw zodToErrors(y, schema, got.error, `the ${kind}`);
  const prefix = kind === 'Pod' ? ['spec'] : ['spec', 'template', 'spec'];
  const at = (path: (string | number)[]) => positionOf(y, [...prefix, ...path]);
  if (got.data.kind === 'Pod') {
    const p = got.data;
    return { name: p.metadata.name, labels: p.metadata.labels ?? {}, annotations: p.metadata.annotations ?? {}, spec: p.spec, at, specPath: prefix.join('.'), file: y.file };
  }
  const d = got.data;
  const meta = d.spec.template.metadata;
  return {
    name: `${d.metadata.name}-pod`,
    labels: { ...d.metadata.labels, ...meta?.labels },
    annotations: { ...d.metadata.annotations, ...meta?.annotations },
    spec: d.spec.template.spec,
    at,
    specPath: prefix.join('.'),
    file: y.file,
  };
}
