// What a rootless container gives up, in the words doctor, the planner and the errors all use. Pure text, so the
// rootless planner (lib/rootless/plan.ts) can say it without importing lib/rootless/mode.ts, which reads the host.

/** What a rootless container cannot have on this kind of host, said once in doctor and in errors. */
export const ROOTLESS_LOSSES = {
  cgroups: 'no cgroups: this host has no cgroup subtree delegated to users (cgroup v1 cannot delegate safely), so no memory, CPU or process limits, no stats, no OOM report',
  network: 'network: only --network none (a bridge, veth pairs and NAT need the host\'s CAP_NET_ADMIN; slirp4netns, which would give a user-mode network, is not installed)',
  users: 'users: only root is mapped (one line "0 UID 1", no /etc/subuid ranges are used): --user, supplementary groups and files of other owners ("nobody") are not available',
  devices: 'devices: no device cgroup; the standard nodes are the host\'s, bound in, and everything else is nodev (a user namespace can make no device node anyway)',
};
