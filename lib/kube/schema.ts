// The part of the Kubernetes Pod API glassbox plays, as strict zod schemas: a Pod (apiVersion v1) or a Deployment
// (apps/v1, reduced to its Pod template, as podman reduces it). Every object is strict, so a field glassbox does
// not support (initContainers, livenessProbe, valueFrom, a Service document…) is an error naming its path, never
// dropped. Meaning that needs more than a shape (quantities, one container per emptyDir of medium Memory, user IDs)
// is checked when the Pod becomes run requests (pod-run.ts). The names are the API's (k8s.io/api/core/v1).

import { z } from 'zod';

const name = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a name is lower-case letters, digits, - and . (DNS-1123)').max(63);
const quantity = z.union([z.string(), z.number()]);

export const EnvVar = z.strictObject({ name: z.string().min(1), value: z.string().optional() });

export const ContainerPort = z.strictObject({
  containerPort: z.number().int().min(1).max(65535),
  hostPort: z.number().int().min(1).max(65535).optional(),
  hostIP: z.string().optional(),
  protocol: z.enum(['TCP', 'UDP']).optional(),
  name: z.string().optional(),
});

export const VolumeMount = z.strictObject({
  name: z.string().min(1),
  mountPath: z.string().startsWith('/', 'mountPath is an absolute path'),
  readOnly: z.boolean().optional(),
});

export const Resources = z.strictObject({
  limits: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
  requests: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
});

export const SecurityContext = z.strictObject({
  capabilities: z.strictObject({ add: z.array(z.string()).optional(), drop: z.array(z.string()).optional() }).optional(),
  privileged: z.boolean().optional(),
  readOnlyRootFilesystem: z.boolean().optional(),
  allowPrivilegeEscalation: z.boolean().optional(),
  runAsUser: z.number().int().min(0).optional(),
  runAsGroup: z.number().int().min(0).optional(),
});

export const Container = z.strictObject({
  name,
  image: z.string().min(1),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: z.array(EnvVar).optional(),
  workingDir: z.string().optional(),
  ports: z.array(ContainerPort).optional(),
  volumeMounts: z.array(VolumeMount).optional(),
  resources: Resources.optional(),
  securityContext: SecurityContext.optional(),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  /** podman writes these for a container made without -i / -t; true has no meaning for a detached pod. */
  stdin: z.literal(false, { error: "a pod's containers run detached here: stdin: true is not supported" }).optional(),
  tty: z.literal(false, { error: "a pod's containers run detached here: tty: true is not supported" }).optional(),
});

export const Volume = z.strictObject({
  name: z.string().min(1),
  hostPath: z.strictObject({ path: z.string().startsWith('/', 'hostPath.path is an absolute path'), type: z.enum(['', 'Directory', 'DirectoryOrCreate', 'File']).optional() }).optional(),
  emptyDir: z.strictObject({ medium: z.enum(['', 'Memory']).optional(), sizeLimit: quantity.optional() }).optional(),
  persistentVolumeClaim: z.strictObject({ claimName: z.string().min(1), readOnly: z.boolean().optional() }).optional(),
});

export const PodSpec = z.strictObject({
  containers: z.array(Container).min(1, 'a Pod has at least one container'),
  restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).optional(),
  hostname: z.string().optional(),
  hostNetwork: z.boolean().optional(),
  hostAliases: z.array(z.strictObject({ ip: z.string(), hostnames: z.array(z.string()).min(1) })).optional(),
  dnsConfig: z.strictObject({ nameservers: z.array(z.string()).optional(), searches: z.array(z.string()).max(0, 'DNS search domains are not supported yet').optional(), options: z.array(z.unknown()).max(0, 'DNS options are not supported yet').optional() }).optional(),
  volumes: z.array(Volume).optional(),
  securityContext: z.strictObject({ runAsUser: z.number().int().min(0).optional(), runAsGroup: z.number().int().min(0).optional() }).optional(),
  terminationGracePeriodSeconds: z.number().int().min(0).optional(),
  /** podman writes false: there is no service account here, and no Service to make environment links for. */
  automountServiceAccountToken: z.literal(false).optional(),
  enableServiceLinks: z.boolean().optional(),
});

export const Metadata = z.strictObject({
  name,
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  /** podman writes it; it says when the manifest was made and changes nothing. */
  creationTimestamp: z.union([z.string(), z.null()]).optional(),
});

export const Pod = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Pod'),
  metadata: Metadata,
  spec: PodSpec,
  status: z.strictObject({}).optional(),
});

export const Deployment = z.strictObject({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('Deployment'),
  metadata: Metadata,
  spec: z.strictObject({
    replicas: z.literal(1, 'glassbox runs one replica of a Deployment (as podman kube play does)').optional(),
    selector: z.strictObject({ matchLabels: z.record(z.string(), z.string()).optional() }).optional(),
    template: z.strictObject({ metadata: z.strictObject({ name: name.optional(), labels: Metadata.shape.labels, annotations: Metadata.shape.annotations, creationTimestamp: Metadata.shape.creationTimestamp }).optional(), spec: PodSpec }),
  }),
  status: z.strictObject({}).optional(),
});

export type PodT = z.infer<typeof Pod>;
export type PodSpecT = z.infer<typeof PodSpec>;
export type ContainerT = z.infer<typeof Container>;
export type VolumeT = z.infer<typeof Volume>;
export type DeploymentT = z.infer<typeof Deployment>;
