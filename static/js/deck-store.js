// The reader's own decks, kept in this browser's localStorage in the deck format of the built-in ones:
// {id, title: {en, zh}, scenes: [{id, section?, title, page, query, narration, notice, try, autoplay}]}.
// Texts are edited in the reader's language; the other language's text is kept as it was.
// Nothing read from storage or from an imported file is ever treated as HTML by the pages that show it.
import { lang, t } from "./i18n.js";
import { download } from "./export.js";
import { VIEW_OPTIONS } from "./page.js";

const KEY = "gdviz.decks";
const OTHER = lang === "zh" ? "en" : "zh";
// A deck's id is the <name> of /present?deck=local:<name>: short, lowercase, URL-safe.
const SAFE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
// A scene's page: "surfaces", "network", or any later view's plain name.
const PAGE = /^[a-z][a-z0-9_-]{0,31}$/;
const LIMITS = { fileBytes: 1_000_000, scenes: 200, title: 200, text: 4000, lines: 20, query: 4000 };

/** An error whose message is already in the reader's language, for the page to show as text. */
export class DeckError extends Error {
  constructor(key, params = {}) {
    super(t(key, params));
  }
}

// ── Storage ──────────────────────────────────────────────────────────────────

function readAll() {
  try {
    const decks = JSON.parse(localStorage.getItem(KEY) ?? "[]");
    const whole = (deck) => deck && SAFE_ID.test(deck.id) && Array.isArray(deck.scenes);
    return Array.isArray(decks) ? decks.filter(whole) : [];
  } catch (_) {
    return [];
  }
}

function writeAll(decks) {
  try {
    localStorage.setItem(KEY, JSON.stringify(decks));
  } catch (_) {
    throw new DeckError("decks.error.storage");
  }
}

/** Applies `change(deck)` to the stored deck `id` and stores the result; returns the changed deck. */
function update(id, change) {
  const decks = readAll();
  const deck = decks.find((d) => d.id === id);
  if (!deck) throw new DeckError("decks.error.missing", { name: id });
  change(deck);
  writeAll(decks);
  return deck;
}

// ── Reading ──────────────────────────────────────────────────────────────────

export const listDecks = () => readAll();

export const getDeck = (id) => readAll().find((deck) => deck.id === id) ?? null;

/** A deck's or scene's text in the reader's language, else in the other one. */
export function localText(field) {
  if (typeof field === "string") return field;
  return field?.[lang] || field?.[OTHER] || "";
}

/** A scene's lines ("notice", "try") in the reader's language, else in the other one. */
export function localLines(field) {
  if (Array.isArray(field)) return field;
  return field?.[lang]?.length ? field[lang] : (field?.[OTHER] ?? []);
}

/** The address of a page: "surfaces" is /, any other page p is /p. */
export const pagePath = (page) => (page === "surfaces" ? "/" : `/${page}`);

/** Where a scene opens: its page with its query (a stored page name that is not plain opens /). */
export const sceneURL = (scene) => `${PAGE.test(scene.page) ? pagePath(scene.page) : "/"}?${scene.query ?? ""}`;

/** The page a path shows: the inverse of pagePath. */
export const pageOf = (pathname) => (pathname === "/" ? "surfaces" : pathname.replace(/^\/+|\/+$/g, ""));

/** "My deck" -> "my-deck"; a name with no Latin letters or digits (e.g. 中文) falls back to "deck". */
export function safeId(name) {
  const slug = String(name)
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[-_]+|[-_]+$/g, "")
    .slice(0, 40)
    .replace(/[-_]+$/, "");
  return slug || "deck";
}

/** The stored deck the reader means by `name` (its id, or its title in either language), or null. */
export function findDeck(name) {
  const wanted = name.trim();
  return readAll().find((d) => d.id === wanted || [d.title?.en, d.title?.zh].includes(wanted)) ?? null;
}

function uniqueId(base, taken) {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

const sceneId = (scenes) => uniqueId(`scene-${scenes.length + 1}`, new Set(scenes.map((s) => s.id)));

// ── Changing ─────────────────────────────────────────────────────────────────

/** A new empty deck named `name` (in the reader's language). */
export function createDeck(name) {
  const title = name.trim().slice(0, LIMITS.title);
  if (!title) throw new DeckError("decks.error.no_name");
  return store({ id: safeId(title), title: { [lang]: title }, scenes: [] });
}

/** Stores a whole deck (a copy of a built-in one, an import) under an id no other deck has. */
function store(deck) {
  const decks = readAll();
  // 48 characters leave room for a "-2" within the id's 64.
  const stored = { ...deck, id: uniqueId(deck.id.slice(0, 48), new Set(decks.map((d) => d.id))) };
  writeAll([...decks, stored]);
  return stored;
}

export function renameDeck(id, name) {
  const title = name.trim().slice(0, LIMITS.title);
  if (!title) throw new DeckError("decks.error.no_name");
  return update(id, (deck) => (deck.title = { ...deck.title, [lang]: title }));
}

export function deleteDeck(id) {
  writeAll(readAll().filter((deck) => deck.id !== id));
}

/** Appends a view ({page, query, title}) as a scene; returns {deck, index} (index is 0-based). */
export function addScene(id, { page, query, title }) {
  let index = 0;
  const deck = update(id, (d) => {
    index = d.scenes.length;
    const scene = { id: sceneId(d.scenes), title: { [lang]: title }, page, query, narration: {}, notice: {}, try: {} };
    d.scenes.push({ ...scene, autoplay: false });
  });
  return { deck, index };
}

export function moveScene(id, index, delta) {
  return update(id, (deck) => {
    const to = index + delta;
    if (to < 0 || to >= deck.scenes.length) return;
    [deck.scenes[index], deck.scenes[to]] = [deck.scenes[to], deck.scenes[index]];
  });
}

export function deleteScene(id, index) {
  return update(id, (deck) => deck.scenes.splice(index, 1));
}

/** Changes a scene's title, narration (texts), notice, try (lists of lines) or autoplay, in the reader's
 * language; the other language's text stays. */
export function editScene(id, index, patch) {
  return update(id, (deck) => {
    const scene = deck.scenes[index];
    if (!scene) throw new DeckError("decks.error.missing", { name: `${id} #${index + 1}` });
    for (const field of ["title", "narration"]) {
      if (field in patch) scene[field] = { ...asTexts(scene[field]), [lang]: patch[field].slice(0, LIMITS.text) };
    }
    for (const field of ["notice", "try"]) {
      if (field in patch) scene[field] = { ...asLines(scene[field]), [lang]: patch[field].slice(0, LIMITS.lines) };
    }
    if ("autoplay" in patch) scene.autoplay = Boolean(patch.autoplay);
  });
}

// A text stored without languages (an old or hand-written file) belongs to the reader's language.
const asTexts = (field) => (typeof field === "string" ? { [lang]: field } : { ...field });
const asLines = (field) => (Array.isArray(field) ? { [lang]: field } : { ...field });

/** Copies a deck (a built-in one, as /api/decks/{id} answers it) into the reader's decks. */
export const copyDeck = (deck) => store(structuredClone(deck));

// ── Export and import ────────────────────────────────────────────────────────

export function exportDeck(id) {
  const deck = getDeck(id);
  if (!deck) throw new DeckError("decks.error.missing", { name: id });
  download(`${deck.id}.json`, `${JSON.stringify(deck, null, 2)}\n`, "application/json");
}

/** Reads an exported deck (the JSON text of a file), checks it, and stores it; returns the stored deck.
 * Throws a DeckError that says what is wrong; nothing is stored then. */
export function importDeck(text, fileName = "") {
  if (text.length > LIMITS.fileBytes) throw new DeckError("decks.error.too_big");
  let data;
  try {
    data = JSON.parse(text);
  } catch (_) {
    throw new DeckError("decks.error.not_json");
  }
  if (!isObject(data) || !Array.isArray(data.scenes)) throw new DeckError("decks.error.no_scenes");
  if (data.scenes.length === 0 || data.scenes.length > LIMITS.scenes) {
    throw new DeckError("decks.error.scene_count", { max: LIMITS.scenes });
  }
  const title = texts(data.title, LIMITS.title, "decks.error.deck_title");
  const scenes = data.scenes.map((scene, i) => checkScene(scene, i + 1));
  const name = localText(title) || fileName.replace(/\.json$/i, "") || "deck";
  if (!localText(title)) title[lang] = name.slice(0, LIMITS.title);
  const id = typeof data.id === "string" && SAFE_ID.test(data.id) ? data.id : safeId(name);
  return store({ id, title, scenes });
}

const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);

// The params of "scene n: its <field> is not text": the field's name as the reader's language says it.
const fieldParams = (n, name) => ({ n, field: t(`decks.field.${name}`) });

function checkScene(scene, n) {
  const fail = (key, params = {}) => {
    throw new DeckError(key, { n, ...params });
  };
  if (!isObject(scene)) fail("decks.error.scene_not_object");
  if (scene.page === undefined || scene.page === null || scene.page === "") fail("decks.error.no_page");
  if (typeof scene.page !== "string" || !PAGE.test(scene.page)) fail("decks.error.page", { page: String(scene.page) });
  if (typeof scene.query !== "string") fail("decks.error.query");
  const query = scene.query.replace(/^\?/, "");
  if (query.length > LIMITS.query) fail("decks.error.query");
  const checked = {
    id: typeof scene.id === "string" && SAFE_ID.test(scene.id) ? scene.id : `scene-${n}`,
    title: texts(scene.title, LIMITS.title, "decks.error.scene_field", fieldParams(n, "title")),
    page: scene.page,
    query,
    narration: texts(scene.narration, LIMITS.text, "decks.error.scene_field", fieldParams(n, "narration")),
    notice: lines(scene.notice, fieldParams(n, "notice")),
    try: lines(scene.try, fieldParams(n, "try")),
    autoplay: scene.autoplay === true,
  };
  if (Number.isInteger(scene.section)) checked.section = scene.section;
  return checked;
}

/** A text field: missing, a string (the reader's language) or {en?, zh?} of strings. */
function texts(value, limit, errorKey, params = {}) {
  if (value === undefined || value === null) return {};
  if (typeof value === "string") return { [lang]: value.slice(0, limit) };
  if (!isObject(value)) throw new DeckError(errorKey, params);
  const out = {};
  for (const code of ["en", "zh"]) {
    if (value[code] === undefined) continue;
    if (typeof value[code] !== "string") throw new DeckError(errorKey, params);
    out[code] = value[code].slice(0, limit);
  }
  return out;
}

/** A list field ("notice", "try"): missing, a list of strings, or {en?, zh?} of lists of strings. */
function lines(value, params) {
  const list = (items) => {
    if (!Array.isArray(items) || !items.every((item) => typeof item === "string")) {
      throw new DeckError("decks.error.scene_field", params);
    }
    return items.slice(0, LIMITS.lines).map((item) => item.slice(0, LIMITS.text));
  };
  if (value === undefined || value === null) return {};
  if (Array.isArray(value)) return { [lang]: list(value) };
  if (!isObject(value)) throw new DeckError("decks.error.scene_field", params);
  const out = {};
  for (const code of ["en", "zh"]) if (value[code] !== undefined) out[code] = list(value[code]);
  return out;
}

/** The current view as a scene (not stored): its page, and its URL state without the view options
 * (page.js VIEW_OPTIONS: language, theme, embed options). The state's own parts keep their spelling. */
export function viewAsScene(where = location) {
  const options = new Set(VIEW_OPTIONS);
  const kept = where.search
    .replace(/^\?/, "")
    .split("&")
    .filter((part) => part && !options.has(part.split("=")[0]));
  return { page: pageOf(where.pathname), query: kept.join("&") };
}
