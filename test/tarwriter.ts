// A tiny tar writer for test fixtures: ustar headers, and a pax header for names over 100 bytes. Used where a
// test needs an archive no well-behaved tool would write (hostile member names and links).


export interface Member {
  name: string;
  type?: '0' | '1' | '2' | '3' | '4' | '5' | '6';
  data?: string;
  link?: string;
  major?: number;
  minor?: number;
}

function header(name: string, type: string, size: number, link = '', major = 0, minor = 0): Buffer {
  const h = Buffer.alloc(512);
  const put = (s: string, off: number, len: number) => h.write(s, off, Math.min(len, Buffer.byteLength(s)), 'utf8');
  const oct = (n: number, off: number, len: number) => put(n.toString(8).padStart(len - 1, '0') + '\0', off, len);
  put(name, 0, 100);
  oct(0o644, 100, 8);
  oct(0, 108, 8);
  oct(0, 116, 8);
  oct(size, 124, 12);
  oct(0, 136, 12);
  h.fill(' ', 148, 156);
  put(type, 156, 1);
  put(link, 157, 100);
  put('ustar\x0000', 257, 8);
  oct(major, 329, 8);
  oct(minor, 337, 8);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);

export function tar(members: Member[], opts: { paxLong?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    const data = Buffer.from(m.data ?? '');
    if (opts.paxLong && m.name.length > 100) {
      const rec = (k: string, v: string) => {
        const body = ` ${k}=${v}\n`;
        let len = body.length + 1;
        while (String(len).length + body.length !== len) len = String(len).length + body.length;
        return `${len}${body}`;
      };
      const pax = Buffer.from(rec('path', m.name));
      parts.push(header('PaxHeaders/x', 'x', pax.length), pad(pax));
    }
    parts.push(header(m.name.slice(0, 100), m.type ?? '0', data.length, m.link, m.major, m.minor), pad(data));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

