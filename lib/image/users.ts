// Who the container's process runs as: docker's `-u` / the image's `User`, turned into numbers.
//
// The kernel knows only numbers (uid, gid, supplementary gids); names exist in the IMAGE's /etc/passwd and
// /etc/group, never the host's — user 1000 may be "alice" on the host and "node" in the image. So the caller hands
// us a reader for the image's files (readFileInRoot or readFileFromLayers, which keep symlinks inside the image).
//
// Forms: `name`, `uid`, `name:group`, `uid:gid`, `uid:groupname`, `name:gid`. Like docker (moby/sys/user):
//   - a numeric uid need not exist in passwd; its gid is then 0 and its home `/`;
//   - with no group given, the gid is the passwd entry's, and the supplementary groups are every group in
//     /etc/group that lists the user's name; with a group given explicitly there are no supplementary groups;
//   - names that match nothing are errors, with docker's wording.

import { GlassboxError } from '../errors.ts';

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** Supplementary group ids (setgroups). */
  groups: number[];
  name?: string;
  home?: string;
}

export type EtcReader = (path: '/etc/passwd' | '/etc/group') => Promise<string | undefined>;

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

const MAX_ID = 2 ** 32 - 2; // (uid_t)-1 means "no change" to the kernel, so it is never a real id

// Parses a decimal id, or returns undefined when the text is a name; out-of-range numbers are errors.
function numericId(text: string, what: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  if (n > MAX_ID) throw new GlassboxError(`${what} ${text} is out of range`, { hint: `ids go from 0 to ${MAX_ID}` });
  return n;
}

// `name:x:uid:gid:gecos:home:shell` lines; comments and malformed lines are skipped, as libc does.
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(':');
    if (line.startsWith('#') || f.length < 4 || !/^[0-9]+$/.test(f[2]!) || !/^[0-9]+$/.test(f[3]!)) continue;
    out.push({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '' });
  }
  return out;
}

// `name:x:gid:member,member` lines.
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(':');
    if (line.startsWith('#') || f.length < 3 || !/^[0-9]+$/.test(f[2]!)) continue;
    out.push({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter((m) => m !== '') });
  }
  return out;
}

// Resolves a `-u` spec against the image's passwd and group files.
export async function resolveUser(spec: string, readEtc: EtcReader): Promise<ResolvedUser> {
  const sep = spec.indexOf(':');
  const userPart = sep === -1 ? spec : spec.slice(0, sep);
  const groupPart = sep === -1 ? undefined : spec.slice(sep + 1);
  if (userPart === '' || groupPart === '') {
    throw new GlassboxError(`invalid user "${spec}"`, { hint: 'expected USER[:GROUP], each a name or a number' });
  }

  const passwd = parsePasswd((await readEtc('/etc/passwd')) ?? '');
  const uidArg = numericId(userPart, 'uid');
  const entry = passwd.find((u) => u.name === userPart || u.uid === uidArg);
  if (!entry && uidArg === undefined) {
    throw new GlassboxError(`unable to find user ${userPart}: no matching entries in passwd file`, { hint: "the name must exist in the image's /etc/passwd; a number works without it" });
  }
  const user: ResolvedUser = entry
    ? { uid: entry.uid, gid: entry.gid, groups: [], name: entry.name, home: entry.home || '/' }
    : { uid: uidArg!, gid: 0, groups: [], home: '/' };

  if (groupPart === undefined && !entry) return user; // an unknown numeric uid: nothing more to look up
  const groups = parseGroup((await readEtc('/etc/group')) ?? '');
  if (groupPart !== undefined) {
    const gidArg = numericId(groupPart, 'gid');
    const g = groups.find((x) => x.name === groupPart || x.gid === gidArg);
    if (!g && gidArg === undefined) {
      throw new GlassboxError(`unable to find group ${groupPart}: no matching entries in group file`, { hint: "the name must exist in the image's /etc/group; a number works without it" });
    }
    user.gid = g ? g.gid : gidArg!;
    return user;
  }
  const member = groups.filter((g) => g.members.includes(user.name!)).map((g) => g.gid);
  user.groups = [...new Set(member)];
  return user;
}
