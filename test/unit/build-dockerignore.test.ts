// .dockerignore semantics, checked against moby/patternmatcher's own test cases (patternmatcher_test.go).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { GlassboxErrors } from '../../lib/errors.ts';
import { cleanPath, loadDockerignore, newMatcher, parseDockerignore, readIgnoreLines } from '../../lib/build/dockerignore.ts';

const FIX = join(import.meta.dirname, '../fixtures/build');

// TestMatches: [pattern, path, matches (with its parents)].
const MATCHES: Array<[string, string, boolean]> = [
  ['**', 'file', true], ['**', 'file/', true], ['**/', 'file', true], ['**/', 'file/', true], ['**', '/', true], ['**/', '/', true],
  ['**', 'dir/file', true], ['**/', 'dir/file', true], ['**', 'dir/file/', true], ['**/', 'dir/file/', true], ['**/**', 'dir/file', true],
  ['**/**', 'dir/file/', true], ['dir/**', 'dir/file', true], ['dir/**', 'dir/file/', true], ['dir/**', 'dir/dir2/file', true],
  ['dir/**', 'dir/dir2/file/', true], ['**/dir', 'dir', true], ['**/dir', 'dir/file', true], ['**/dir2/*', 'dir/dir2/file', true],
  ['**/dir2/*', 'dir/dir2/file/', true], ['**/dir2/**', 'dir/dir2/dir3/file', true], ['**/dir2/**', 'dir/dir2/dir3/file/', true],
  ['**file', 'file', true], ['**file', 'dir/file', true], ['**/file', 'dir/file', true], ['**file', 'dir/dir/file', true],
  ['**/file', 'dir/dir/file', true], ['**/file*', 'dir/dir/file', true], ['**/file*', 'dir/dir/file.txt', true],
  ['**/file*txt', 'dir/dir/file.txt', true], ['**/file*.txt', 'dir/dir/file.txt', true], ['**/file*.txt*', 'dir/dir/file.txt', true],
  ['**/**/*.txt', 'dir/dir/file.txt', true], ['**/**/*.txt2', 'dir/dir/file.txt', false], ['**/*.txt', 'file.txt', true],
  ['**/**/*.txt', 'file.txt', true], ['a**/*.txt', 'a/file.txt', true], ['a**/*.txt', 'a/dir/file.txt', true],
  ['a**/*.txt', 'a/dir/dir/file.txt', true], ['a/*.txt', 'a/dir/file.txt', false], ['a/*.txt', 'a/file.txt', true],
  ['a/*.txt**', 'a/file.txt', true], ['a[b-d]e', 'ae', false], ['a[b-d]e', 'ace', true], ['a[b-d]e', 'aae', false],
  ['a[^b-d]e', 'aze', true], ['.*', '.foo', true], ['.*', 'foo', false], ['abc.def', 'abcdef', false], ['abc.def', 'abc.def', true],
  ['abc.def', 'abcZdef', false], ['abc?def', 'abcZdef', true], ['abc?def', 'abcdef', false], ['**/foo/bar', 'foo/bar', true],
  ['**/foo/bar', 'dir/foo/bar', true], ['**/foo/bar', 'dir/dir2/foo/bar', true], ['abc/**', 'abc', false], ['abc/**', 'abc/def', true],
  ['abc/**', 'abc/def/ghi', true], ['**/.foo', '.foo', true], ['**/.foo', 'bar.foo', false], ['a(b)c/def', 'a(b)c/def', true],
  ['a(b)c/def', 'a(b)c/xyz', false], ['a.|)$(}+{bc', 'a.|)$(}+{bc', true],
  ['dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
  ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true], ['a\\\\', 'a\\', true], ['a\\*b', 'a*b', true],
];
const MULTI: Array<[string[], string, boolean]> = [
  [['**', '!util/docker/web'], 'util/docker/web/foo', false],
  [['**', '!util/docker/web', 'util/docker/web/foo'], 'util/docker/web/foo', true],
  [['**', '!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', false],
  [['**', '!dist/*.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', false],
];
// matchTests (Go's filepath.Match tests): [pattern, path, matches] or a bad pattern.
const GO_MATCH: Array<[string, string, boolean | 'bad']> = [
  ['abc', 'abc', true], ['*', 'abc', true], ['*c', 'abc', true], ['a*', 'a', true], ['a*', 'abc', true], ['a*', 'ab/c', true],
  ['a*/b', 'abc/b', true], ['a*/b', 'a/c/b', false], ['a*b*c*d*e*/f', 'axbxcxdxe/f', true], ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
  ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false], ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false], ['a*b?c*x', 'abxbbxdbxebxczzx', true],
  ['a*b?c*x', 'abxbbxdbxebxczzy', false], ['ab[c]', 'abc', true], ['ab[b-d]', 'abc', true], ['ab[e-g]', 'abc', false],
  ['ab[^c]', 'abc', false], ['ab[^b-d]', 'abc', false], ['ab[^e-g]', 'abc', true], ['a\\*b', 'a*b', true], ['a\\*b', 'ab', false],
  ['a?b', 'a☺b', true], ['a[^a]b', 'a☺b', true], ['a???b', 'a☺b', false], ['a[^a][^a][^a]b', 'a☺b', false], ['[a-ζ]*', 'α', true],
  ['*[a-ζ]', 'A', false], ['a?b', 'a/b', false], ['a*b', 'a/b', false], ['[\\]a]', ']', true], ['[\\-]', '-', true],
  ['[x\\-]', 'x', true], ['[x\\-]', '-', true], ['[x\\-]', 'z', false], ['[\\-x]', 'x', true], ['[\\-x]', '-', true], ['[\\-x]', 'a', false],
  ['[]a]', ']', 'bad'], ['[-]', '-', 'bad'], ['[x-]', 'x', 'bad'], ['[x-]', '-', 'bad'], ['[x-]', 'z', 'bad'], ['[-x]', 'x', 'bad'],
  ['[-x]', '-', 'bad'], ['[-x]', 'a', 'bad'], ['\\', 'a', 'bad'], ['[a-b-c]', 'a', 'bad'], ['[', 'a', 'bad'], ['[^', 'a', 'bad'],
  ['[^bc', 'a', 'bad'], ['a[', 'a', 'bad'], ['a[', 'ab', 'bad'], ['*x', 'xxx', true],
];

test("patternmatcher's TestMatches (MatchesOrParentMatches)", () => {
  for (const [p, path, want] of MATCHES) assert.equal(newMatcher([p]).ignored(path), want, `${p} ~ ${path}`);
  for (const [ps, path, want] of MULTI) assert.equal(newMatcher(ps).ignored(path), want, `${ps.join(' ')} ~ ${path}`);
});

test("patternmatcher's TestMatch (Go's filepath.Match cases), malformed patterns rejected", () => {
  for (const [p, path, want] of GO_MATCH) {
    if (want === 'bad') assert.throws(() => newMatcher([p]), /syntax error in pattern/, p);
    else assert.equal(newMatcher([p]).ignored(path), want, `${p} ~ ${path}`);
  }
});

test('exceptions, folders, whole-context paths, "!" alone', () => {
  assert.equal(newMatcher(['!fileutils.go', '*.go']).ignored('fileutils.go'), true);
  assert.equal(newMatcher(['*.go', '!fileutils.go']).ignored('fileutils.go'), false);
  for (const p of ['docs', 'docs/', 'docs/*']) assert.equal(newMatcher([p, '!docs/README.md']).ignored('docs/README.md'), false, p);
  assert.equal(newMatcher(['docs']).ignored('docs/a/b.md'), true);
  assert.equal(newMatcher(['*']).ignored('.'), false);
  assert.equal(newMatcher([]).ignored('any/path/there'), false);
  assert.throws(() => newMatcher(['!']), /illegal exclusion pattern/);
  assert.equal(newMatcher(['docs', '  !docs/README.md  ']).hasExceptions, true);
  assert.deepEqual(newMatcher(['docs', 'config', '']).patterns, ['docs', 'config']);
});

test('Go path.Clean', () => {
  const cases: Array<[string, string]> = [['', '.'], ['a/', 'a'], ['./a', 'a'], ['a//b', 'a/b'], ['a/./b/..', 'a'], ['../a', '../a'], ['/../a', '/a'], ['/', '/'], ['a/../..', '..']];
  for (const [p, want] of cases) assert.equal(cleanPath(p), want, p);
});

test('the file: comments, blanks, leading / and ./, ! with spaces, a BOM; errors at their line', () => {
  assert.deepEqual(readIgnoreLines('\uFEFF# c\n\n  /dist/ \n./a/../b\n! /x\n #not a comment\r\n').map((l) => [l.pattern, l.line]), [['dist', 3], ['b', 4], ['!x', 5], ['#not a comment', 6]]);
  assert.throws(
    () => parseDockerignore('ok\n[x-]\n!\n', '.dockerignore'),
    (e: unknown) => e instanceof GlassboxErrors && e.errors.map((x) => x.format().replace(/ \(.*$/, '')).join('|') === '.dockerignore:2:1: syntax error in pattern: [x-]|.dockerignore:3:1: illegal exclusion pattern: "!"',
  );
});

test('loadDockerignore: the context\'s file, or DOCKERFILE.dockerignore first, or nothing ignored', () => {
  const ctx = join(FIX, 'ctx');
  const m = loadDockerignore(ctx);
  const want: Record<string, boolean> = {
    'dist': true, 'dist/app.js': true, 'node_modules/x/y.js': true, 'a.log': true, 'keep.log': false, 'logs/a.log': false,
    'x/y/z.tmp': true, 'z.tmp': true, 'src/main.go': false, 'src/a/b/secret.key': true, 'src/secret.key': true, 'Dockerfile': false,
  };
  for (const [p, ig] of Object.entries(want)) assert.equal(m.ignored(p), ig, p);
  const per = loadDockerignore(ctx, join(ctx, 'Dockerfile'));
  assert.equal(per.ignored('src/main.go'), true);
  assert.equal(per.ignored('a.log'), false);
  assert.equal(loadDockerignore(join(FIX, 'nope')).ignored('anything'), false);
});
