// Sharing and export: permalink, iframe snippet, CSV and JSON of the trajectories.
import { t } from "./i18n.js";

/** Saves a URL (data: or blob:) as a file. */
export function save(filename, url) {
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
}

export function download(filename, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  save(filename, url);
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// A byte-order mark first: Excel reads a CSV without one in the system's code page, and labels
// in Chinese come out garbled.
const BOM = "\ufeff";

const quoted = (text) => `"${String(text).replaceAll('"', '""')}"`;

export function toCSV(runs) {
  const lines = ["label,optimizer,step,x,y,loss,grad_norm,lr"];
  for (const run of runs) {
    run.x.forEach((x, i) => {
      const cells = [quoted(run.label), run.optimizer, run.step[i], x, run.y[i], run.loss[i], run.grad_norm[i],
        run.lr[i] ?? ""];
      lines.push(cells.join(","));
    });
  }
  return `${BOM}${lines.join("\r\n")}\r\n`;
}

export function embedSnippet(query, path = "/embed") {
  const src = `${location.origin}${path}?${query}`;
  return `<iframe src="${src}" width="960" height="600" style="border:0" title="gdviz" loading="lazy"></iframe>`;
}

// Clipboard access needs a secure context; plain http on a LAN falls back to a prompt.
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (_) {
    window.prompt(t("explorer.copy_this"), text);
    return false;
  }
}
