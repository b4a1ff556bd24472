// Dockerfile → BuildFile: BuildKit's syntax (directives, continuations, forms, flags) and every refusal at its
// FILE:LINE:COL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GlassboxErrors } from '../../lib/errors.ts';
import { parseDockerfile } from '../../lib/build/dockerfile.ts';
import type { BuildFile } from '../../lib/build/model.ts';

const FIX = join(import.meta.dirname, '../fixtures/build');
const fixture = (name: string) => parseDockerfile(readFileSync(join(FIX, name), 'utf8'), name);
// The steps without their positions, for short comparisons.
const bodies = (b: BuildFile, stage = 0) => b.stages[stage]!.steps.map(({ pos: _p, text: _t, ...rest }) => rest);
const one = (text: string) => bodies(parseDockerfile(`FROM a\n${text}\n`, 'Dockerfile'))[0];
// All the error lines of a Dockerfile that must fail.
const errorsOf = (text: string, file = 'Dockerfile'): string[] => {
  try {
    parseDockerfile(text, file);
  } catch (e) {
    assert.ok(e instanceof GlassboxErrors, String(e));
    return e.errors.map((x) => x.format());
  }
  assert.fail('expected errors');
};

test('a multi-stage Go Dockerfile: global ARGs, --platform, AS (lowercased), continuations with comments and blank lines', () => {
  const b = fixture('go.Dockerfile');
  assert.equal(b.escape, '\\');
  assert.deepEqual(b.globalArgs, [{ name: 'GO_VERSION', default: '1.22' }, { name: 'ALPINE', default: '3.20' }]);
  assert.equal(b.stages.length, 2);
  const [build, final] = b.stages as [BuildFile['stages'][0], BuildFile['stages'][0]];
  assert.deepEqual({ ...build, steps: build.steps.length }, { index: 0, name: 'build', from: 'golang:${GO_VERSION}-alpine', platform: '$BUILDPLATFORM', pos: { file: 'go.Dockerfile', line: 6, col: 1 }, steps: 6 });
  const run = build.steps[5]!;
  assert.deepEqual(run.pos, { file: 'go.Dockerfile', line: 12, col: 1 });
  assert.equal(run.kind === 'run' && run.shell, 'CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH     go build -trimpath       -ldflags="-s -w"       -o /out/server ./cmd/server');
  assert.equal(run.text, `RUN ${run.kind === 'run' && run.shell}`);
  assert.deepEqual(bodies(b, 0)[4], { kind: 'arg', args: [{ name: 'TARGETOS' }, { name: 'TARGETARCH' }] });
  assert.equal(final.name, undefined);
  assert.deepEqual(bodies(b, 1), [
    { kind: 'run', shell: 'apk add --no-cache ca-certificates && adduser -D -u 10001 app' },
    { kind: 'copy', sources: ['/out/server'], dest: '/usr/local/bin/server', from: 'build', chown: '10001:10001', chmod: '0755' },
    { kind: 'env', pairs: [['PORT', '8080'], ['GIN_MODE', 'release']] },
    { kind: 'expose', ports: ['8080/tcp'] },
    { kind: 'user', user: 'app' },
    { kind: 'healthcheck', test: ['wget', '-q', '-O-', 'http://localhost:8080/healthz'], interval: '30s', timeout: '3s', startPeriod: '5s', startInterval: '1s', retries: '3' },
    { kind: 'stopsignal', signal: 'SIGINT' },
    { kind: 'entrypoint', exec: ['/usr/local/bin/server'] },
  ]);
  assert.equal(final.steps[1]!.text, 'COPY --from=build --chown=10001:10001 --chmod=0755 /out/server /usr/local/bin/server');
});

test('a Node Dockerfile: lowercase instructions, legacy ENV K V, quoted LABEL, COPY JSON form, VOLUME words, SHELL, shell-form CMD', () => {
  const b = fixture('node.Dockerfile');
  assert.equal(b.stages[0]!.name, 'deps');
  assert.equal(b.stages[0]!.steps[0]!.text, 'WORKDIR /app');
  assert.deepEqual(bodies(b, 1), [
    { kind: 'label', pairs: [['org.opencontainers.image.title', '"web app"'], ['org.opencontainers.image.version', '1.0']] },
    { kind: 'env', pairs: [['NODE_ENV', 'production']] },
    { kind: 'workdir', path: '/app' },
    { kind: 'copy', sources: ['/app/node_modules'], dest: './node_modules', from: 'deps' },
    { kind: 'copy', sources: ['src/my file.js', 'package.json'], dest: './' },
    { kind: 'volume', paths: ['/app/data', '/app/logs'] },
    { kind: 'shell', exec: ['/bin/bash', '-o', 'pipefail', '-c'] },
    { kind: 'run', shell: 'echo "ready" | tee /tmp/ready' },
    { kind: 'cmd', shell: 'node src/server.js' },
  ]);
});

test('# escape=` (Windows style): backslashes are plain, ` continues a line and escapes quotes', () => {
  const b = fixture('windows.Dockerfile');
  assert.equal(b.escape, '`');
  assert.deepEqual(bodies(b), [
    { kind: 'shell', exec: ['powershell', '-Command'] },
    { kind: 'run', shell: "New-Item -ItemType Directory C:\\app ;     Set-Content C:\\app\\hello.txt 'hi'" },
    { kind: 'workdir', path: 'C:\\app' },
    { kind: 'copy', sources: ['hello.ps1'], dest: 'C:\\app\\' },
    { kind: 'env', pairs: [['GREETING', '"hello `"world`""']] },
    { kind: 'cmd', exec: ['powershell', '-File', 'C:\\app\\hello.ps1'] },
  ]);
  assert.equal(b.stages[0]!.pos.line, 3);
});

test('parser directives: only at the very top, once each; syntax= has no effect; an unknown one ends them', () => {
  assert.equal(parseDockerfile('# syntax=docker/dockerfile:1\n#escape = `\nFROM a\nRUN x `\n  y\n', 'D').escape, '`');
  // After a comment, a blank line or an instruction, `# escape=` is only a comment.
  assert.equal(parseDockerfile('# hello\n# escape=`\nFROM a\n', 'D').escape, '\\');
  assert.equal(parseDockerfile('\n# escape=`\nFROM a\n', 'D').escape, '\\');
  assert.equal(parseDockerfile('# foo=bar\n# escape=`\nFROM a\n', 'D').escape, '\\');
  assert.deepEqual(errorsOf('# escape=\\\n# escape=`\nFROM a\n'), ['Dockerfile:2:1: only one escape parser directive can be used (remove the second one)']);
  assert.deepEqual(errorsOf('# escape=x\nFROM a\n'), ['Dockerfile:1:1: invalid escape token \'x\' does not match ` or \\ (write # escape=\\ or # escape=`)']);
});

test('lines: CRLF, a BOM, leading spaces, comments and blank lines inside a continuation, a trailing escape at the end of the file', () => {
  const b = parseDockerfile('\uFEFFFROM a\r\n  RUN a \\  \r\n# c\r\n\r\n   b\r\nRUN c \\', 'D');
  assert.deepEqual(bodies(b), [{ kind: 'run', shell: 'a    b' }, { kind: 'run', shell: 'c' }]);
  assert.deepEqual(b.stages[0]!.steps[0]!.pos, { file: 'D', line: 2, col: 3 });
  // A "# not a comment" after an instruction's start is part of it.
  assert.deepEqual(one('RUN echo # hi'), { kind: 'run', shell: 'echo # hi' });
});

test('exec (JSON) form and shell form; invalid JSON is the shell form, as docker has it; JSON of non-strings is an error', () => {
  assert.deepEqual(one('RUN ["echo", "a b"]'), { kind: 'run', exec: ['echo', 'a b'] });
  assert.deepEqual(one("RUN ['echo', 'x']"), { kind: 'run', shell: "['echo', 'x']" });
  assert.deepEqual(one('CMD [ "a", ]'), { kind: 'cmd', shell: '[ "a", ]' });
  assert.deepEqual(one('ENTRYPOINT []'), { kind: 'entrypoint', exec: [] });
  assert.deepEqual(one('cmd ["x"]'), { kind: 'cmd', exec: ['x'] });
  assert.deepEqual(errorsOf('FROM a\nCMD ["a", 1]\n'), ['Dockerfile:2:5: when using JSON array syntax, arrays must be comprised of strings only']);
  assert.deepEqual(one('VOLUME ["/a", "/b c"]'), { kind: 'volume', paths: ['/a', '/b c'] });
  assert.deepEqual(one('HEALTHCHECK CMD ["true"]'), { kind: 'healthcheck', test: ['true'] });
  assert.deepEqual(one('HEALTHCHECK none'), { kind: 'healthcheck', none: true });
});

test('ENV, LABEL and ARG: several pairs, quotes and escapes kept for the builder to substitute, empty values', () => {
  assert.deepEqual(one('ENV A=1 B="two words" C=a\\ b D= E=""'), { kind: 'env', pairs: [['A', '1'], ['B', '"two words"'], ['C', 'a\\ b'], ['D', ''], ['E', '""']] });
  assert.deepEqual(one('ENV PATH /usr/local/bin:$PATH'), { kind: 'env', pairs: [['PATH', '/usr/local/bin:$PATH']] });
  assert.deepEqual(one('ENV MSG hello  "big" world'), { kind: 'env', pairs: [['MSG', 'hello  "big" world']] });
  assert.deepEqual(one("LABEL a='x y' \"b c\"=d"), { kind: 'label', pairs: [['a', "'x y'"], ['"b c"', 'd']] });
  assert.deepEqual(one('ARG A B=2 C="x y" D='), { kind: 'arg', args: [{ name: 'A' }, { name: 'B', default: '2' }, { name: 'C', default: '"x y"' }, { name: 'D', default: '' }] });
  assert.deepEqual(one('MAINTAINER Jane "J" <j@x>'), { kind: 'label', pairs: [['maintainer', 'Jane \\"J\\" <j@x>']] });
});

test('FROM forms: AS in any case, --platform, scratch; steps keep the stage they are in', () => {
  const b = parseDockerfile('ARG V\nFROM scratch\nFROM --platform=linux/amd64 img:${V} as Two\nENV A=1\n', 'D');
  assert.deepEqual(b.globalArgs, [{ name: 'V' }]);
  assert.deepEqual(b.stages.map((s) => [s.index, s.from, s.name, s.platform, s.steps.length]), [[0, 'scratch', undefined, undefined, 0], [1, 'img:${V}', 'two', 'linux/amd64', 1]]);
});

test('COPY and ADD: flags, several sources, --link=false is the default and accepted', () => {
  assert.deepEqual(one('COPY --chmod=644 --link=false a b c/ /d/'), { kind: 'copy', sources: ['a', 'b', 'c/'], dest: '/d/', chmod: '644' });
  assert.deepEqual(one('ADD --chown=1:2 https://x/y.tgz /opt/'), { kind: 'add', sources: ['https://x/y.tgz'], dest: '/opt/', chown: '1:2' });
  assert.deepEqual(one('COPY -- --weird /x'), { kind: 'copy', sources: ['--weird'], dest: '/x' });
});

test('errors, all at once and each at its place (errors.Dockerfile)', () => {
  assert.deepEqual(errorsOf(readFileSync(join(FIX, 'errors.Dockerfile'), 'utf8'), 'errors.Dockerfile'), [
    'errors.Dockerfile:1:1: ENV before the first FROM (only ARG may come before FROM: a build stage starts with FROM IMAGE)',
    'errors.Dockerfile:3:1: unknown instruction: RUNN (did you mean RUN?)',
    'errors.Dockerfile:4:6: COPY --link is not supported (glassbox does not support it yet: remove it (the copy is made the ordinary way))',
    'errors.Dockerfile:5:5: RUN --mount is not supported (glassbox does not support it yet: copy what the step needs into an earlier stage instead of mounting it)',
    'errors.Dockerfile:6:5: ADD --checksum is not supported (glassbox does not support it yet: check the file in a RUN step (sha256sum -c))',
    'errors.Dockerfile:7:1: duplicate stage name "base" (an earlier FROM at line 2 has the same name)',
    'errors.Dockerfile:8:1: EXPOSE requires at least one argument',
    'errors.Dockerfile:9:5: ENV must have two arguments (ENV KEY=VALUE)',
    'errors.Dockerfile:10:13: --retries: "-1" is not a whole number of at least 0',
    'errors.Dockerfile:11:1: ONBUILD is not supported yet (glassbox builds images but does not run triggers: put the steps in the Dockerfile that uses this image)',
  ]);
});

test('every unsupported flag is refused, naming it at its column (also inside a continuation)', () => {
  const cases: Array<[string, string]> = [
    ['RUN --network=none make', '2:5: RUN --network'],
    ['RUN --security=insecure make', '2:5: RUN --security'],
    ['COPY --parents a/b /x', '2:6: COPY --parents'],
    ['COPY --exclude=*.md . /x', '2:6: COPY --exclude'],
    ['ADD --keep-git-dir=true https://x/r.git /r', '2:5: ADD --keep-git-dir'],
    ['ADD --link a /b', '2:5: ADD --link'],
  ];
  for (const [line, want] of cases) assert.match(errorsOf(`FROM a\n${line}\n`)[0]!, new RegExp(`^Dockerfile:${want} is not supported`), line);
  assert.deepEqual(errorsOf('FROM a\nRUN --mount=type=secret,id=x \\\n    --network=host \\\n  make\n'), [
    'Dockerfile:2:5: RUN --mount is not supported (glassbox does not support it yet: copy what the step needs into an earlier stage instead of mounting it)',
    'Dockerfile:3:5: RUN --network is not supported (glassbox does not support it yet: build steps run with the default network)',
  ]);
});

test('flag errors: unknown (with did-you-mean), duplicate, missing value, not a boolean, flags on instructions that take none', () => {
  assert.deepEqual(errorsOf('FROM a\nCOPY --chwon=1 a /b\n'), ['Dockerfile:2:6: unknown flag: --chwon (did you mean --chown?)']);
  assert.deepEqual(errorsOf('FROM a\nCOPY --from=x --from=y a /b\n'), ['Dockerfile:2:15: duplicate flag specified: --from (give it once)']);
  assert.deepEqual(errorsOf('FROM a\nCOPY --from a /b\n'), ['Dockerfile:2:6: missing a value on flag: --from (write --from=VALUE)']);
  assert.deepEqual(errorsOf('FROM a\nCOPY --link=maybe a /b\n'), ['Dockerfile:2:6: expecting boolean value for flag --link, not: maybe']);
  assert.deepEqual(errorsOf('FROM a\nCMD --help\n'), ['Dockerfile:2:5: unknown flag: --help (CMD takes no flags)']);
  assert.deepEqual(errorsOf('FROM --plaform=x a\n'), ['Dockerfile:1:6: unknown flag: --plaform (did you mean --platform?)']);
  assert.deepEqual(errorsOf('FROM a\nHEALTHCHECK --interval=5s NONE\n'), ['Dockerfile:2:13: HEALTHCHECK NONE takes no flags']);
});

test('missing and wrong arguments, each at its place', () => {
  const cases: Array<[string, string]> = [
    ['RUN', '2:1: RUN requires at least one argument'],
    ['CMD', '2:1: CMD requires at least one argument (CMD [] for an empty one)'],
    ['COPY a', '2:1: COPY requires at least two arguments, but only one was provided. Destination could not be determined (COPY SRC… DEST)'],
    ['ADD ["a"]', '2:1: ADD requires at least two arguments, but only one was provided. Destination could not be determined (ADD SRC… DEST)'],
    ['WORKDIR', '2:1: WORKDIR requires exactly one argument'],
    ['USER', '2:1: USER requires exactly one argument'],
    ['STOPSIGNAL', '2:1: STOPSIGNAL requires exactly one argument'],
    ['ARG', '2:1: ARG requires at least one argument'],
    ['ARG =x', '2:5: ARG names can not be blank (ARG NAME or ARG NAME=DEFAULT)'],
    ['ENV', '2:1: ENV requires at least one argument (ENV KEY=VALUE)'],
    ['ENV A=1 B', '2:9: Syntax error - can\'t find = in "B". Must be of the form: name=value (quote a value with spaces: KEY="a b")'],
    ['LABEL =v', '2:7: LABEL names can not be blank'],
    ['VOLUME ["/a", " "]', '2:8: VOLUME specified can not be an empty string'],
    ['SHELL', '2:1: SHELL requires the arguments to be in JSON form (SHELL ["/bin/bash", "-c"])'],
    ['SHELL []', '2:1: SHELL requires at least one argument'],
    ['SHELL /bin/sh -c', '2:7: SHELL requires the arguments to be in JSON form (SHELL ["/bin/bash", "-c"])'],
    ['HEALTHCHECK', '2:1: HEALTHCHECK requires at least one argument (HEALTHCHECK CMD command, or HEALTHCHECK NONE)'],
    ['HEALTHCHECK NONE x', '2:18: HEALTHCHECK NONE takes no arguments'],
    ['HEALTHCHECK CURL x', '2:13: Unknown type "CURL" in HEALTHCHECK (try CMD)'],
    ['HEALTHCHECK CMD', '2:13: Missing command after HEALTHCHECK CMD'],
    ['HEALTHCHECK CMD []', '2:13: Missing command after HEALTHCHECK CMD'],
    ['HEALTHCHECK --timeout=soon CMD x', '2:13: --timeout: "soon" is not a duration (like 30s, 1m30s, 500ms)'],
    ['FROM', '2:1: FROM requires either one or three arguments (FROM IMAGE or FROM IMAGE AS NAME)'],
    ['FROM a b', '2:8: FROM requires either one or three arguments (FROM IMAGE or FROM IMAGE AS NAME)'],
    ['FROM a AS b c', '2:8: FROM requires either one or three arguments (FROM IMAGE or FROM IMAGE AS NAME)'],
    ['FROM a AS 9lives', '2:11: invalid name for build stage: "9lives", name can\'t start with a number or contain symbols (a stage name is letters, digits and - _ . starting with a letter)'],
    ['FORM b', '2:1: unknown instruction: FORM (did you mean FROM?)'],
    ['  EXPOSED 80', '2:3: unknown instruction: EXPOSED (did you mean EXPOSE?)'],
  ];
  for (const [line, want] of cases) assert.deepEqual(errorsOf(`FROM a\n${line}\n`), [`Dockerfile:${want}`], line);
});

test('an empty file, only comments, or no FROM', () => {
  assert.deepEqual(errorsOf(''), ['Dockerfile:1:1: the Dockerfile has no instructions (a Dockerfile starts with FROM IMAGE)']);
  assert.deepEqual(errorsOf('# just a comment\n\n   \n'), ['Dockerfile:1:1: the Dockerfile has no instructions (a Dockerfile starts with FROM IMAGE)']);
  assert.deepEqual(errorsOf('ARG A=1\nARG B\n'), ['Dockerfile:2:1: the Dockerfile has no FROM (a build stage starts with FROM IMAGE)']);
});

test('RUN heredocs, as BuildKit: alone, the body is the script; after a command, the shell reads them', () => {
  const b = parseDockerfile('FROM a\nRUN <<EOF\n# not a comment\napt-get update \\\n  && echo ok\n\nEOF\nRUN cat <<-"END" > /x && wc -l <<TWO\n\thello $HOME\n\tEND\n2\nTWO\nRUN <<-EOF\n\techo tab\nEOF\nENV A=1\n', 'D');
  assert.deepEqual(bodies(b), [
    { kind: 'run', shell: '# not a comment\napt-get update \\\n  && echo ok\n\n' },
    { kind: 'run', shell: 'cat <<-"END" > /x && wc -l <<TWO\n\thello $HOME\nEND\n2\nTWO' },
    { kind: 'run', shell: 'echo tab\n' },
    { kind: 'env', pairs: [['A', '1']] },
  ]);
  assert.equal(b.stages[0]!.steps[0]!.text, 'RUN <<EOF\n# not a comment\napt-get update \\\n  && echo ok\n\nEOF');
  assert.deepEqual(b.stages[0]!.steps.map((s) => s.pos.line), [2, 8, 13, 16]);
  // Not heredocs: a here-string, a shift, quoted text, the JSON form.
  assert.deepEqual(one('RUN cat <<< "x"'), { kind: 'run', shell: 'cat <<< "x"' });
  assert.deepEqual(one('RUN echo $((1<<2))'), { kind: 'run', shell: 'echo $((1<<2))' });
  assert.deepEqual(one('RUN echo "a <<EOF"'), { kind: 'run', shell: 'echo "a <<EOF"' });
  assert.deepEqual(one('RUN ["sh", "-c", "cat <<EOF"]'), { kind: 'run', exec: ['sh', '-c', 'cat <<EOF'] });
});

test('heredocs refused: COPY/ADD sources, #! scripts, unterminated — their bodies are never read as instructions', () => {
  assert.deepEqual(errorsOf('FROM a\nCOPY <<EOF /x\nRUNN\nEOF\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\nRUN ok\nRUN cat <<X\nFROM\n'), [
    'Dockerfile:2:6: COPY <<EOF: a heredoc as a source is not supported yet (put the file in the build context and copy it from there)',
    'Dockerfile:5:5: a heredoc script with its own interpreter (#!/usr/bin/env python3) is not supported yet (run the interpreter on it: RUN python3 <<EOF)',
    'Dockerfile:10:9: unterminated heredoc <<X: no line X after it (end the heredoc with a line that is only X)',
  ]);
});

test('text: one line, the name in capitals, as written after it', () => {
  const b = parseDockerfile('FROM a\nrun  echo \\\n  hi\nenv A=1\n', 'D');
  assert.deepEqual(b.stages[0]!.steps.map((s) => s.text), ['RUN echo   hi', 'ENV A=1']);
});

test('an error in a continued line is at that line and column', () => {
  assert.deepEqual(errorsOf('FROM a\nENV A=1 \\\n  # note\n  B\n'), ['Dockerfile:4:3: Syntax error - can\'t find = in "B". Must be of the form: name=value (quote a value with spaces: KEY="a b")']);
  // Flags come first: a --flag after a source is a source, as in docker.
  assert.deepEqual(one('COPY a \\\n   --from=x b'), { kind: 'copy', sources: ['a', '--from=x'], dest: 'b' });
});
