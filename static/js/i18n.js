// The reader's language and the message catalog: the page carries its language's whole catalog
// inline (<script id="messages">), chosen by the server from ?lang=, the stored choice, or the
// browser's languages (README, "Languages"). Every string a person reads comes from t().
const COOKIE = "gdviz_lang";
const STORE_KEY = "gdviz.lang";
const inline = document.getElementById("messages");
const data = inline ? JSON.parse(inline.textContent) : { lang: "en", messages: {} };

export const lang = data.lang;
export const messages = data.messages;

/** The text of `key` with `{name}` replaced from `params`; a missing key shows as itself (tests catch it). */
export function t(key, params = {}) {
  let text = messages[key];
  if (text === undefined) {
    console.warn(`gdviz: no message ${key}`);
    text = key;
  }
  for (const [name, value] of Object.entries(params)) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

/** `key` if the catalog has it, else null: for optional texts (a scene's own words, a parameter's hint). */
export const maybe = (key, params = {}) => (key in messages ? t(key, params) : null);

function remember(value) {
  document.cookie = `${COOKIE}=${value}; path=/; max-age=31536000; samesite=lax`;
  try {
    localStorage.setItem(STORE_KEY, value);
  } catch (_) {
    /* storage blocked: the cookie still holds it */
  }
}

/** Whether the reader chose a language (then links and embed snippets carry it). */
export function chosen() {
  try {
    return Boolean(new URLSearchParams(location.search).get("lang") || localStorage.getItem(STORE_KEY));
  } catch (_) {
    return Boolean(new URLSearchParams(location.search).get("lang"));
  }
}

/** Switch language: stored, then the page is reloaded in it (every page renders in one language). */
export function switchTo(value) {
  remember(value);
  const url = new URL(location.href);
  url.searchParams.set("lang", value);
  location.replace(url.toString());
}

/** A query string with `lang` added when the reader chose one (for copied links and embed code). */
export function withLang(query) {
  if (!chosen()) return query;
  const params = new URLSearchParams(query);
  params.set("lang", lang);
  return params.toString();
}

// A ?lang= in the address is the reader's choice: keep it for the next visit.
if (new URLSearchParams(location.search).get("lang") === lang) remember(lang);

/** Plotly's own strings (mode bar, hover) in the page's language: register once, use as config.locale. */
export function plotlyLocale(Plotly) {
  if (lang === "en") return "en";
  const dictionary = {};
  for (const [key, text] of Object.entries(messages)) {
    if (key.startsWith("plotly.")) dictionary[key.slice("plotly.".length)] = text;
  }
  Plotly.register({ moduleType: "locale", name: "zh-CN", dictionary, format: {} });
  return "zh-CN";
}
