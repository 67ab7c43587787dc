/**
 * A file or folder dropped on the Experiments view → a path the core can open. Electron knows where dropped things
 * lie (the file is read in place, however large); the browser shell cannot, so it uploads them, a folder with its
 * subfolders (the groups of papers/000 Fig. 10), file by file.
 *
 * The drop's items must be taken during the drop event (the browser empties the DataTransfer afterwards), so
 * `takeDrop` runs synchronously in the handler and `resolveDrop` does the slow part.
 */
import type { SsroApi } from '../../../main/shared/ipc-contract';

export interface TakenDrop {
  file: File | null;
  entry: FileSystemEntry | null;
}

/** The first dropped item (one input at a time), read synchronously inside the drop event. */
export function takeDrop(transfer: DataTransfer): TakenDrop | null {
  const item = Array.from(transfer.items).find((i) => i.kind === 'file');
  if (!item) return null;
  return { file: item.getAsFile(), entry: typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null };
}

/** Every file below a dropped folder, with its path from the folder's parent ("folder/sub/file.png"). */
export async function filesBelow(entry: FileSystemEntry, prefix = ''): Promise<{ file: File; relative: string }[]> {
  const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    return [{ file, relative }];
  }
  if (!entry.isDirectory) return [];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  // readEntries answers in batches (Chromium: 100) until it answers nothing.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    children.push(...batch);
  }
  children.sort((a, b) => a.name.localeCompare(b.name));
  const nested = await Promise.all(children.filter((c) => !c.name.startsWith('.')).map((c) => filesBelow(c, relative)));
  return nested.flat();
}

export async function resolveDrop(api: SsroApi, drop: TakenDrop): Promise<{ path: string; name: string }> {
  if (drop.file) {
    const where = api.pathOfDropped(drop.file);
    if (where !== null) return { path: where, name: drop.file.name };
  }
  if (drop.entry?.isDirectory) {
    const files = await filesBelow(drop.entry);
    if (files.length === 0) throw new Error(`the folder ${drop.entry.name} holds no files`);
    return api.uploadDropped(files);
  }
  if (drop.file) return api.uploadDropped([{ file: drop.file, relative: drop.file.name }]);
  throw new Error('the dropped item is neither a file nor a folder');
}
