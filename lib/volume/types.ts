// The volume work a container's plan does (lib/volume/prepare.ts fills it, lib/volume/plan.ts plans it). Types only.

export interface VolumeSetup {
  /** _data directories of the named volumes (mkdir -p). */
  named: string[];
  /** The anonymous volumes this container makes. */
  anonymous: Array<{ name: string; dir: string; data: string; meta: string; value: string }>;
  /** New, empty volumes to fill from the image: the (resolved) container path and the volume's _data and lock. */
  copies: Array<{ target: string; data: string; lock: string }>;
  /** Bind sources to make (compose's create_host_path: the source did not exist when planned). */
  binds?: string[];
}
