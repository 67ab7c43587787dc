/**
 * What a drop on the Experiments view becomes (renderer/src/experiments/drop-input.ts): the dropped file's own path
 * where the shell knows it (Electron), else an upload — a folder's files with their layout from the folder's parent,
 * in name order, hidden files left out, read through readEntries' batches.
 */
import { describe, expect, it } from 'vitest';
import type { SsroApi } from '../../../main/shared/ipc-contract';
import { filesBelow, resolveDrop } from '../../../renderer/src/experiments/drop-input';

type Tree = { [name: string]: string | Tree };

/** A FileSystemEntry tree as Chromium hands it over, with readEntries answering in batches of two. */
function entry(name: string, node: string | Tree): FileSystemEntry {
  if (typeof node === 'string') {
    const file = new File([node], name);
    return { name, isFile: true, isDirectory: false, file: (ok: (f: File) => void) => ok(file) } as unknown as FileSystemEntry;
  }
  const children = Object.entries(node).map(([n, child]) => entry(n, child));
  return {
    name,
    isFile: false,
    isDirectory: true,
    createReader: () => {
      let at = 0;
      return {
        readEntries: (ok: (batch: FileSystemEntry[]) => void) => {
          ok(children.slice(at, at + 2));
          at += 2;
        },
      };
    },
  } as unknown as FileSystemEntry;
}

function fakeApi(pathOf: string | null): { api: SsroApi; uploads: { relative: string; text: Promise<string> }[][] } {
  const uploads: { relative: string; text: Promise<string> }[][] = [];
  const api = {
    pathOfDropped: () => pathOf,
    uploadDropped: (files: { file: File; relative: string }[]) => {
      uploads.push(files.map((f) => ({ relative: f.relative, text: f.file.text() })));
      return Promise.resolve({ path: `/uploads/x/${files[0]?.relative.split('/')[0] ?? ''}`, name: 'x' });
    },
  } as unknown as SsroApi;
  return { api, uploads };
}

describe('dropped files and folders', () => {
  const tree: Tree = { 'interior': { 'p2.png': 'b', 'p1.png': 'a' }, 'grain': { 'p1.png': 'c', '.DS_Store': 'junk', 'deep': { 'p9.png': 'd' } }, 'notes.txt': 'e' };

  it('lists a folder’s files with their paths from its parent, in name order, without hidden files', async () => {
    const files = await filesBelow(entry('patterns', tree));
    expect(files.map((f) => f.relative)).toEqual(['patterns/grain/deep/p9.png', 'patterns/grain/p1.png', 'patterns/interior/p1.png', 'patterns/interior/p2.png', 'patterns/notes.txt']);
    expect(await Promise.all(files.map((f) => f.file.text()))).toEqual(['d', 'c', 'a', 'b', 'e']);
  });

  it('opens a dropped thing where it lies when the shell knows its path, else uploads the folder or the file', async () => {
    const file = new File(['x'], 'scan.mib');
    const electron = fakeApi('/data/scan.mib');
    await expect(resolveDrop(electron.api, { file, entry: null })).resolves.toEqual({ path: '/data/scan.mib', name: 'scan.mib' });
    expect(electron.uploads).toEqual([]);

    const browser = fakeApi(null);
    await expect(resolveDrop(browser.api, { file: null, entry: entry('patterns', tree) })).resolves.toEqual({ path: '/uploads/x/patterns', name: 'x' });
    expect(browser.uploads[0]?.map((u) => u.relative)).toHaveLength(5);
    await resolveDrop(browser.api, { file, entry: null });
    expect(browser.uploads[1]?.map((u) => u.relative)).toEqual(['scan.mib']);
    await expect(resolveDrop(browser.api, { file: null, entry: entry('empty', {}) })).rejects.toThrow(/the folder empty holds no files/);
  });
});
