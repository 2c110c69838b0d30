// The text panels of one side: counters of copies and span traffic, the
// global free-G lists, and each P's stack cache and free-G list.

import type { Stats } from "../../src/types.js";
import { formatBytes } from "./chart.js";
import type { View } from "./protocol.js";

/** Most P rows listed; the rest are summed in one line. */
const MAX_P_ROWS = 32;

/** Counters shown, with the stats field each reads. */
const COUNTERS: { field: keyof Stats; label: string; bytes?: boolean }[] = [
  { field: "stackInuse", label: "StackInuse", bytes: true },
  { field: "liveGoroutines", label: "live goroutines" },
  { field: "growCopies", label: "grow copies" },
  { field: "shrinkCopies", label: "shrink copies" },
  { field: "spanAllocs", label: "span allocs (allocManual)" },
  { field: "spanFrees", label: "span frees (freeManual)" },
  { field: "cacheRefills", label: "cache refills" },
  { field: "cacheReleases", label: "cache releases" },
  { field: "gcCycles", label: "GC cycles" },
  { field: "startingStackSize", label: "starting stack", bytes: true },
  { field: "heapPages", label: "heap pages mapped" },
];

function element(tag: string, className: string, text = ""): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

/** Fills `host` with the counters of a view. */
export function renderCounters(host: HTMLElement, view: View): void {
  const list = element("dl", "counters");
  for (const { field, label, bytes } of COUNTERS) {
    const value = view.stats[field];
    const dd = element("dd", "", bytes === true ? formatBytes(value) : value.toLocaleString());
    dd.dataset.field = field;
    dd.dataset.value = String(value);
    list.append(element("dt", "", label), dd);
  }
  list.append(element("dt", "", "GC phase"), element("dd", "", view.gcPhase));
  host.replaceChildren(list);
}

/** Fills `host` with the global free-G lists and one line per P. */
export function renderProcs(host: HTMLElement, view: View, stackCacheBytes: number): void {
  const { global } = view;
  const rows: HTMLElement[] = [element("p", "global",
    `global free Gs: ${global.withStack} with stacks ` +
    `(${formatBytes(global.withStackBytes)}), ${global.noStack} without`)];

  const table = element("table", "procs");
  const head = element("tr", "");
  head.append(element("th", "", "P"));
  view.orderBytes.forEach((b) => head.append(element("th", "", `cache ${formatBytes(b)}`)));
  head.append(element("th", "", "free Gs"), element("th", "", "with stack"));
  table.append(head);
  view.procs.slice(0, MAX_P_ROWS).forEach((proc, index) => {
    const row = element("tr", "");
    row.append(element("td", "", String(index)));
    for (const bytes of proc.cacheBytes) {
      const cell = element("td", "cache");
      const bar = element("span", "bar");
      bar.style.width = `${Math.min(100, (100 * bytes) / stackCacheBytes)}%`;
      cell.append(bar, element("span", "label", bytes === 0 ? "" : formatBytes(bytes)));
      row.append(cell);
    }
    row.append(element("td", "", String(proc.gFree)),
      element("td", "", `${proc.gFreeWithStack} (${formatBytes(proc.gFreeStackBytes)})`));
    table.append(row);
  });
  rows.push(table);
  if (view.procs.length > MAX_P_ROWS) {
    const rest = view.procs.slice(MAX_P_ROWS);
    const cached = rest.reduce((s, p) => s + p.cacheBytes.reduce((a, b) => a + b, 0), 0);
    const gFree = rest.reduce((s, p) => s + p.gFree, 0);
    rows.push(element("p", "more", `capped: ${rest.length} more Ps not listed, ` +
      `holding ${formatBytes(cached)} in caches and ${gFree} free Gs`));
  }
  host.replaceChildren(...rows);
}
