// "Download offline HTML": one self-contained .html file of a view or of a whole deck. Plotly, the scenes'
// data, the strings they need and a small classic player (static/offline/figures.js, then player.js, in one
// script) all go inline, so the file plays from file:// in a hall with no network: no module, no request of
// any kind.
import * as api from "../api.js";
import { download } from "../export.js";
import { lang as pageLang, messages, t } from "../i18n.js";
import { CLASSES, PALETTE, SURFACE_SCALE } from "../plots/colors.js";
import { FONT_FAMILY } from "../plots/theme.js";
import { createSceneMaker } from "./scenes.js";

const ASSETS = {
  plotly: new URL("../../vendor/plotly-cartesian.min.js", import.meta.url), // no 3D in an offline file
  figures: new URL("../../offline/figures.js", import.meta.url), // the player's figures, before it
  player: new URL("../../offline/player.js", import.meta.url),
  css: new URL("../../offline/player.css", import.meta.url),
};
const HTML_LANG = { en: "en", zh: "zh-CN" };
// The strings of other rooms the player shows, in the same words as the pages (its own are offline.*).
const SHARED_KEYS = ["player.readout", "player.play", "player.pause", "player.play_hint", "explorer.plot.loss",
  "contour.minimum", "contour.saddle", "contour.start", "network.loss", "network.plot.loss", "network.plot.boundary",
  "network.plot.fit", "explorer.plot.grad", "explorer.plot.lr", "plots.curve.f_reference", "plots.penalty.minimum",
  "plots.penalty.f_minimum", "plots.data.points", "plots.data.batch", "plots.data.batch_note",
  "plots.data.title_linear", "plots.data.title_logistic", "plots.data.label_axis"];

async function text(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: ${response.status}`);
  return response.text();
}

// A deck's words are {en, zh} (notice: a list per language); a view's scene may carry plain text.
const inLang = (value, lang) =>
  value && typeof value === "object" && !Array.isArray(value) ? (value[lang] ?? value.en ?? null) : (value ?? null);

// The catalog strings the player shows: its own, the pages' it shares, the status words of the runs it
// holds, and Plotly's own (zh) strings.
function strings(sceneData, lang) {
  const outcomes = sceneData.flatMap((s) => (s.runs ?? []).map((r) => `status.${r.outcome}`));
  const wanted = (key) => key.startsWith("offline.") || SHARED_KEYS.includes(key) || outcomes.includes(key)
    || (lang !== "en" && key.startsWith("plotly."));
  const missing = SHARED_KEYS.filter((key) => !(key in messages));
  if (missing.length) throw new Error(`no message ${missing.join(", ")}`);
  return Object.fromEntries(Object.entries(messages).filter(([key]) => wanted(key)));
}

// Inline text must not end its <script> early: "</script" and "<script" (which, after "<!--", would make
// the parser skip the real end tag) get their "<" as the escape \x3C, the same character to JavaScript.
const scriptText = (code) => code.replace(/<(?=\/?script)/gi, "\\x3C");
// In JSON, "<" only occurs inside strings, where \u003c is the same character.
const jsonText = (value) => JSON.stringify(value).replaceAll("<", "\\u003c");
const escapeHTML = (value) =>
  String(value).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

function page({ lang, title, css, plotly, player, data }) {
  return `<!doctype html>
<html lang="${escapeHTML(HTML_LANG[lang] ?? lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="gdviz">
<title>${escapeHTML(title)}</title>
<style>${css.replace(/<\/style/gi, "<\\/style")}</style>
</head>
<body>
<script type="application/json" id="gdviz-offline-data">${jsonText(data)}</script>
<script>${scriptText(plotly)}</script>
<script>${scriptText(player)}</script>
</body>
</html>
`;
}

/**
 * Builds the offline file of `scenes` ({page: "surfaces" | "network", query, title?, narration?, notice?,
 * autoplay?}; a deck scene's other fields are left out, "try" among them: it asks for gdviz itself) and saves
 * it as `filename`. The scenes' own words are taken in `lang`; the interface's strings are the page's
 * catalog. `onProgress(text)` hears each step in the reader's language; `signal` (an AbortSignal) may cancel
 * the server's work. The promise answers {filename, bytes, text} (text: the "saved" message) or rejects with
 * an Error whose message says which scene failed and why.
 */
export async function downloadOffline({ title, scenes, lang = pageLang, filename = "gdviz-offline.html",
  onProgress = () => {}, signal } = {}) {
  if (!scenes?.length) throw new Error(t("offline.no_scenes"));
  const assets = Promise.all([text(ASSETS.plotly), text(ASSETS.figures), text(ASSETS.player), text(ASSETS.css)]);
  assets.catch(() => {}); // awaited below; a failure must not be reported twice
  const catalog = await api.catalog();
  const maker = createSceneMaker({ catalog, signal });
  const sceneData = [];
  for (const [i, scene] of scenes.entries()) {
    onProgress(t("offline.progress", { n: i + 1, total: scenes.length }));
    try {
      const data = await maker.make(scene);
      sceneData.push({ ...data, title: inLang(scene.title, lang), narration: inLang(scene.narration, lang),
        notice: inLang(scene.notice, lang) ?? [],
        autoplay: Boolean(scene.autoplay) });
    } catch (error) {
      throw new Error(t("offline.failed", { n: i + 1, error: error.message }), { cause: error });
    }
  }
  onProgress(t("offline.writing"));
  const [plotly, figures, player, css] = await assets;
  const data = { version: 1, lang, title: inLang(title, lang) ?? "gdviz", font: FONT_FAMILY, palette: PALETTE,
    surfaceScale: SURFACE_SCALE, classes: CLASSES, messages: strings(sceneData, lang), grids: await maker.grids(),
    scenes: sceneData };
  const html = page({ lang, title: data.title, css, plotly, player: `${figures}\n${player}`, data });
  const bytes = new Blob([html]).size;
  download(filename, html, "text/html;charset=utf-8");
  const saved = t("offline.saved", { filename, size: (bytes / 1e6).toFixed(1) });
  onProgress(saved);
  return { filename, bytes, text: saved };
}
