// A run's own settings on its optimizer card: schedule, clipping, noise, penalty and (on data surfaces)
// mini-batches that replace the Run section's for that run alone (README, "Per-run settings"). In an
// entry a key that is absent inherits the request's setting and null turns it off; the card shows
// each one it overrides as a badge, folded or not.
import { formatNumber, h } from "./dom.js";
import { maybe, t } from "./i18n.js";

const INHERIT = "inherit";
const OFF = "off";
const OWN = "own";

/** The badges of an entry's own settings, in the order of the card's rows: short texts for a person. */
export function ownBadges(entry, schedules) {
  const out = [];
  const n = (value) => formatNumber(value);
  if (entry.schedule) {
    const title = schedules.find((s) => s.name === entry.schedule.name)?.title ?? entry.schedule.name;
    out.push(maybe(`cards.badge.schedule.${entry.schedule.name}`) ?? title);
  }
  if ("clip" in entry) {
    const clip = entry.clip;
    if (clip === null) out.push(t("cards.badge.no_clip"));
    else if ("max_norm" in clip) out.push(t("cards.badge.clip_norm", { value: n(clip.max_norm) }));
    else out.push(t("cards.badge.clip_value", { value: n(clip.value) }));
  }
  if ("noise" in entry) {
    out.push(entry.noise?.std ? t("cards.badge.noise", { value: n(entry.noise.std) }) : t("cards.badge.no_noise"));
  }
  if ("regularization" in entry) {
    const { l1 = 0, l2 = 0 } = entry.regularization ?? {};
    if (l1) out.push(t("cards.badge.l1", { value: n(l1) }));
    if (l2) out.push(t("cards.badge.l2", { value: n(l2) }));
    if (!l1 && !l2) out.push(t("cards.badge.no_penalty"));
  }
  if ("batch" in entry) {
    const batch = entry.batch;
    if (batch === null) out.push(t("cards.badge.full_batch"));
    else out.push(t(batch.replace ? "cards.badge.batch_replace" : "cards.badge.batch", { size: batch.size }));
  }
  return out;
}

// A mode menu (inherit, off, own ...) beside the control of the value, which shows only for a value.
function modeMenu(label, options, mode, testid) {
  const menu = h("select", { "aria-label": label, "data-testid": testid },
    ...options.map(([value, text]) => h("option", { value }, text)));
  menu.value = mode;
  return menu;
}

const inheritOption = () => [INHERIT, t("cards.inherit")];
const modeOf = (entry, key) => (!(key in entry) ? INHERIT : entry[key] === null ? OFF : OWN);

/**
 * The folded "Own settings" part of card `index`. `entry()` reads the card's entry from the store,
 * `shared()` the whole state (a value of its own starts from the shared one when that is on),
 * `setOwn(key, value)` writes one setting (undefined: inherit), `open` whether it starts unfolded
 * and `onToggle(open)` remembers it across renders. `controls` are controls.js's helpers, so that
 * each setting is edited the way the Run section edits the shared one.
 */
export function ownSettings({ index, entry, shared, setOwn, catalog, dataSurface, open, onToggle, controls }) {
  const { numberControl, row, scheduleRows, startingSchedule, clipControl } = controls;
  const badges = h("span", { class: "own-badges", "data-testid": `own-badges-${index}`,
    "aria-label": t("cards.badges_label") });
  const body = h("div", { class: "own-body" });
  const details = h("details", { class: "own", "data-testid": `own-${index}`, open },
    h("summary", { title: t("cards.own_hint") }, h("span", { class: "own-title" }, t("cards.own")), badges), body);
  details.addEventListener("toggle", () => onToggle(details.open));

  const showBadges = () => {
    const texts = ownBadges(entry(), catalog.schedules);
    badges.replaceChildren(...texts.map((text) => h("span", { class: "badge" }, text)));
    details.classList.toggle("has-own", texts.length > 0);
  };
  // A new mode redraws the rows under it; a new value only the badges (a slider keeps its drag).
  const change = (key, value, redraw = false) => {
    setOwn(key, value);
    showBadges();
    if (redraw) draw();
  };
  const id = (name) => `own-${index}-${name}`;

  function scheduleSetting(current) {
    const menu = modeMenu(t("explorer.schedule"),
      [inheritOption(), ...catalog.schedules.map((s) => [s.name, s.title])],
      current.schedule?.name ?? INHERIT, id("schedule"));
    menu.addEventListener("change", () =>
      change("schedule", menu.value === INHERIT ? undefined : startingSchedule(menu.value, [entry()]), true));
    const plan = catalog.schedules.find((s) => s.name === current.schedule?.name);
    return [row(t("explorer.schedule"), menu),
      ...(plan ? scheduleRows(plan, current.schedule, (schedule) => change("schedule", schedule)) : [])];
  }

  function clipSetting(current) {
    const value = "clip" in current ? current.clip : undefined;
    return [row(t("explorer.clip"), clipControl(value, (clip) => change("clip", clip),
      { inherit: t("cards.inherit"), testid: id("clip") }), t("explorer.clip_hint"))];
  }

  // A setting that is inherited, off, or a value of its own (first `start()`) edited by `valueRows`.
  function triple(key, label, start, valueRows, hint) {
    const current = entry();
    const menu = modeMenu(label, [inheritOption(), [OFF, t("cards.off")], [OWN, t("cards.set")]],
      modeOf(current, key), id(key));
    menu.addEventListener("change", () =>
      change(key, { [INHERIT]: undefined, [OFF]: null, [OWN]: start() }[menu.value], true));
    return [row(label, menu, hint), ...(current[key] ? valueRows(current[key]) : [])];
  }

  const scalar = (name, value, range, onChange, testid) =>
    row(name, numberControl({ name, value, range, log: false, min: 0, testid, onChange }));

  // Where a value of its own starts: the shared one when it is on, else a value that shows an effect.
  const startNoise = () => ({ std: shared().noise.std || 0.1 });
  const startPenalty = () => (shared().l1 || shared().l2 ? { l1: shared().l1, l2: shared().l2 } : { l1: 0.1, l2: 0 });
  const startBatch = () => ({ size: shared().batch.size ?? 10, replace: shared().batch.replace });

  function draw() {
    const current = entry();
    const rows = [
      ...scheduleSetting(current),
      ...clipSetting(current),
      ...triple("noise", t("explorer.noise"), startNoise, (noise) =>
        [scalar("σ", noise.std, [0, 2], (std) => change("noise", { std }), id("noise-std"))], t("explorer.noise_hint")),
      ...triple("regularization", t("cards.penalty"), startPenalty, (penalty) => [
        scalar("L1", penalty.l1, [0, 2], (l1) => change("regularization", { ...entry().regularization, l1 }), id("l1")),
        scalar("L2", penalty.l2, [0, 2], (l2) => change("regularization", { ...entry().regularization, l2 }), id("l2")),
      ], t("cards.penalty_hint")),
    ];
    if (dataSurface) {
      rows.push(...triple("batch", t("cards.batch"), startBatch, (batch) => {
        const replace = h("input", { type: "checkbox", "data-testid": id("batch-replace"),
          "aria-label": t("cards.replace") });
        replace.checked = batch.replace;
        replace.addEventListener("change", () => change("batch", { ...entry().batch, replace: replace.checked }));
        return [
          row(t("cards.batch_size"), numberControl({ name: t("cards.batch_size"), value: batch.size, range: [1, 200],
            log: true, min: 1, integer: true, testid: id("batch-size"),
            onChange: (size) => change("batch", { ...entry().batch, size: Math.max(1, size) }) })),
          row(t("cards.replace"), replace, t("cards.replace_hint")),
        ];
      }, t("cards.batch_hint")));
    }
    body.replaceChildren(...rows);
  }

  showBadges();
  draw();
  return details;
}
