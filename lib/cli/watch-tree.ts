// What `chatwire run --watch` watches: the app's directory and every directory under it except node_modules and
// hidden ones (.git, .chatwire's database), each with a non-recursive fs.watch. That behaves alike on every Node
// from 20 and every platform, and never watches node_modules: recursive fs.watch on Linux opens one inotify watch per
// directory, node_modules included, which a large project runs past the system's limit.
import { type FSWatcher, readdirSync, statSync, watch } from "node:fs";
import { basename, join, sep } from "node:path";

/** The files whose change reloads the app: modules and JSON, not logs, data or an editor's backup files. */
const isSource = (path: string) => /\.([cm]?[jt]sx?|json)$/.test(path);
/** Directories never watched. */
const isSkipped = (name: string) => name === "node_modules" || name.startsWith(".");

/** A running watch; `close` ends every watcher and any pending change. */
export interface TreeWatch {
  close(): void;
}

/**
 * Calls `onChange` with the source files changed under `root`, once per burst of changes (`debounceMs` after the
 * last): an editor's save is often several events (a truncate and a write, or a write and a rename).
 * @example const watch = watchTree("/app", (files) => console.log(files), 100); watch.close();
 */
export function watchTree(root: string, onChange: (files: string[]) => void, debounceMs: number): TreeWatch {
  const watchers = new Map<string, FSWatcher>();
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  const changed = (path: string) => {
    pending.add(path);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...pending];
      pending.clear();
      onChange(files);
    }, debounceMs);
  };

  const unwatch = (dir: string) => {
    for (const [path, watcher] of watchers) {
      if (path === dir || path.startsWith(dir + sep)) {
        watcher.close();
        watchers.delete(path);
      }
    }
  };

  const add = (dir: string) => {
    if (watchers.has(dir) || (dir !== root && isSkipped(basename(dir)))) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, (_event, name) => {
        // A name-less event (some platforms): look the directory over again for new subdirectories.
        if (name === null) return void scan(dir);
        const path = join(dir, name.toString());
        const stat = statSync(path, { throwIfNoEntry: false });
        if (stat?.isDirectory()) add(path);
        else if (stat === undefined && watchers.has(path)) unwatch(path);
        else if (isSource(path)) changed(path);
      });
    } catch {
      return; // gone already, or not readable: nothing to watch there
    }
    watcher.on("error", () => unwatch(dir));
    watchers.set(dir, watcher);
    scan(dir);
  };

  const scan = (dir: string) => {
    try {
      for (const entry of readdirSync(dir, { withFileTypes: true }))
        if (entry.isDirectory()) add(join(dir, entry.name));
    } catch {
      // Removed while we looked.
    }
  };

  add(root);
  return {
    close() {
      clearTimeout(timer);
      pending.clear();
      unwatch(root);
    },
  };
}
