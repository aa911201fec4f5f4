/**
 * An in-memory `readFile` for loader tests (LoadOptions.readFile): absolute path → text; a missing path
 * rejects with code ENOENT like fs.readFile.
 */
export function memoryFiles(files: Record<string, string>): (file: string) => Promise<string> {
  return async (file: string) => {
    const text = files[file];
    if (text === undefined) {
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), { code: 'ENOENT' });
    }
    return text;
  };
}
