// One line of `glassbox doctor`'s report: what was checked, how it went, and the command that fixes it. Its own
// module so the checks in other folders (lib/rootless/doctor.ts) and lib/host/doctor.ts, which gathers them, share
// it without importing each other.

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  /** The exact command that fixes it. */
  fix?: string;
}
