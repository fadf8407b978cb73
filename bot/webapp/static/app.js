// The Mini App's page: the chat's cards, add / edit / renew. Every word comes from the
// server (api/session), so the page follows the chat's language; every call carries initData.
"use strict";

(() => {
  const tg = window.Telegram && window.Telegram.WebApp;
  const hash = new URLSearchParams(location.hash.slice(1));
  const query = new URLSearchParams(location.search);
  // Inside Telegram the WebApp object holds initData; a browser opened with Telegram's own
  // launch fragment (#tgWebAppData=..., as `renewbot chat`'s :app prints) works too.
  const initData = (tg && tg.initData) || hash.get("tgWebAppData") || "";
  const startParam = (tg && tg.initDataUnsafe && tg.initDataUnsafe.start_param) || "";
  const chatId = query.get("chat") || (/^g-?\d+$/.test(startParam) ? startParam.slice(1) : "");
  const root = document.getElementById("app");
  const state = { session: null, cards: [], search: "", carrier: "", notice: "" };

  function parseJSON(text) {
    try { return JSON.parse(text); } catch (error) { return null; }
  }

  function applyTheme(theme) {
    for (const [name, value] of Object.entries(theme || {})) {
      document.documentElement.style.setProperty(
        "--tg-theme-" + name.replace(/_/g, "-"), value);
    }
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "html") node.innerHTML = value;  // server-escaped (Telegram HTML)
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (value === true) node.setAttribute(name, "");
      else if (value !== false && value != null) node.setAttribute(name, value);
    }
    for (const child of children.flat()) {
      if (child != null) node.append(child);
    }
    return node;
  }

  async function api(method, path, body) {
    const url = path + (chatId ? (path.includes("?") ? "&" : "?") + "chat=" + chatId : "");
    const response = await fetch(url, {
      method,
      headers: { "X-Telegram-Init-Data": initData, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (response.status === 401) throw new Fatal(data.error);
    return { status: response.status, data };
  }

  class Fatal extends Error {}

  function fatal(message) {
    root.replaceChildren(el("p", { class: "fatal", role: "alert", html: message }));
  }

  const t = (key) => state.session.strings[key];

  // ------------------------------------------------------------------ the list

  function visibleCards() {
    const words = state.search.trim().toLowerCase();
    return state.cards.filter((card) =>
      (!state.carrier || card.carrier === state.carrier) &&
      (!words || card.label.toLowerCase().includes(words)));
  }

  function cardItem(card) {
    const meta = ["plan", "price", "cycle"].map((key) => card.shown[key]).filter(Boolean);
    return el("li", { class: "card " + card.status, "data-card": card.id },
      el("div", { class: "name", html: card.name_html }),
      el("div", { class: "due" }, el("b", {}, card.shown.expiry || card.expires_on)),
      el("div", { class: "status" }, card.status_text),
      meta.length ? el("div", { class: "meta" }, meta.join(" · ")) : null,
      el("div", { class: "actions" },
        el("button", { class: "plain", "data-action": "history",
          onclick: () => showHistory(card) }, t("history")),
        state.session.can_edit ? el("button", { class: "plain", "data-action": "edit",
          onclick: () => editCard(card) }, t("edit")) : null,
        state.session.can_edit ? el("button", { "data-action": "renew",
          onclick: () => showRenew(card) }, t("renewed")) : null));
  }

  function renderList() {
    const session = state.session;
    const carriers = new Map();
    for (const card of state.cards) {
      if (card.carrier) carriers.set(card.carrier, card.carrier_name);
    }
    const list = el("ul", { class: "cards" });
    const fill = () => {
      const cards = visibleCards();
      list.replaceChildren(...cards.map(cardItem));
      if (!cards.length) {
        list.append(el("li", { class: "hint" }, state.cards.length ? t("no_match") : t("empty")));
      }
    };
    const search = el("input", {
      type: "search", placeholder: t("search"), "aria-label": t("search"), value: state.search,
      oninput: (event) => { state.search = event.target.value; fill(); },
    });
    const carrier = el("select", {
      "aria-label": t("all_carriers"),
      onchange: (event) => { state.carrier = event.target.value; fill(); },
    }, el("option", { value: "" }, t("all_carriers")),
    [...carriers].map(([code, name]) =>
      el("option", { value: code, selected: code === state.carrier }, name)));
    fill();
    root.replaceChildren(...[
      el("h1", {}, session.chat.type === "private" ? t("mine") : t("group")),
      el("div", { class: "tools" },
          el("button", { class: "plain", "data-action": "calendar", title: t("calendar"),
            onclick: () => showCalendar("") }, t("calendar")),
          el("button", { class: "plain", "data-action": "stats", title: t("stats"),
            onclick: showStats }, t("stats")),
          session.can_edit ? el("button", { class: "plain", "data-action": "settings",
            onclick: showSettings }, t("settings")) : null),
      state.notice ? el("p", { class: "notice", role: "status", html: state.notice }) : null,
      session.can_edit ? null : el("p", { class: "notice" }, t("read_only")),
      el("div", { class: "bar" }, search, carrier),
      list,
      el("p", { class: "legend" }, t("legend")),
      session.can_edit ? el("button", { class: "add", onclick: () => showForm(null) }, t("add"))
        : null,
    ].filter(Boolean));
    state.notice = "";
  }

  async function loadCards() {
    const { data } = await api("GET", "api/cards");
    state.cards = data.cards || [];
    renderList();
  }

  // ------------------------------------------------------------------ add and edit

  function dateInput(text) {
    return el("input", {
      type: "date", "aria-label": t("pick_date"), title: t("pick_date"),
      onchange: (event) => { if (event.target.value) text.value = event.target.value; },
    });
  }

  function fieldInput(field, value) {
    const name = "f-" + field.key;
    if (["kind", "cycle", "renew_from"].includes(field.key)) {
      return el("select", { id: name, name: field.key },
        field.choices.map(([label, choice]) =>
          el("option", { value: choice, selected: choice === value }, label)));
    }
    const input = el("input", { id: name, name: field.key, value: value || "",
      autocomplete: "off" });
    if (field.key === "expiry") return el("div", { class: "pair" }, input, dateInput(input));
    if (field.choices.length && field.key !== "expiry") {
      input.setAttribute("list", name + "-choices");
      return [input, el("datalist", { id: name + "-choices" },
        field.choices.map(([label, choice]) =>
          el("option", { value: field.key === "carrier" ? label : choice })))];
    }
    return input;
  }

  async function editCard(card) {
    const { status, data } = await api("GET", "api/cards/" + card.id);
    if (status === 200) showForm(data);
    else { state.notice = data.error || t("failed"); await loadCards(); }
  }

  function showForm(card) {
    const fields = state.session.fields;
    const errors = {};
    const form = el("form", { novalidate: true });
    for (const field of fields) {
      errors[field.key] = el("div", { class: "error", id: "e-" + field.key });
      form.append(el("div", { class: "field", "data-field": field.key },
        el("label", { for: "f-" + field.key }, field.name,
          field.optional ? el("small", {}, " " + t("optional")) : null),
        el("span", { class: "prompt" }, field.prompt),
        fieldInput(field, card ? card.form[field.key] : ""),
        errors[field.key]));
    }
    const general = el("div", { class: "error", role: "alert" });
    const extra = el("div", { class: "row" });
    const show = () => {  // the cycle's days and "counted from" only where /addcard asks them
      const cycle = form.elements.cycle.value;
      form.querySelector('[data-field="cycle_days"]').hidden = cycle !== "days";
      form.querySelector('[data-field="renew_from"]').hidden = cycle === "none";
    };
    form.elements.cycle.addEventListener("change", show);
    show();
    const submit = async (confirmPast) => {
      for (const box of Object.values(errors)) box.replaceChildren();
      general.replaceChildren();
      extra.replaceChildren();
      const body = { confirm_past: confirmPast };
      for (const field of fields) body[field.key] = form.elements[field.key].value;
      const { status, data } = card
        ? await api("PUT", "api/cards/" + card.id, body)
        : await api("POST", "api/cards", body);
      if (status === 200 || status === 201) {
        state.notice = t("saved");
        await loadCards();
        return;
      }
      if (status === 409) {
        general.innerHTML = data.error;
        extra.append(el("button", { type: "button", onclick: () => submit(true) },
          t("keep_past")));
        return;
      }
      if (!data.errors) { general.innerHTML = data.error || t("failed"); return; }
      for (const [key, message] of Object.entries(data.errors)) {
        (errors[key] || general).innerHTML = message;
      }
      if (data.guess) {
        errors.expiry.append(el("button", { type: "button", class: "plain", onclick: () => {
          form.elements.expiry.value = data.guess;
          submit(confirmPast);
        } }, t("use_guess")));
      }
      form.querySelector(".error:not(:empty)").scrollIntoView({ block: "center" });
    };
    form.addEventListener("submit", (event) => { event.preventDefault(); submit(false); });
    const remove = async () => {  // /delcard's question, then its answer
      extra.replaceChildren(el("p", { class: "question", html: card.delete_question }),
        el("button", { type: "button", class: "danger", "data-action": "delete-yes",
          onclick: async () => {
            const answer = await api("DELETE", "api/cards/" + card.id);
            state.notice = answer.data.deleted || answer.data.error || t("failed");
            await loadCards();
          } }, t("delete_yes")),
        el("button", { type: "button", class: "plain", onclick: () => extra.replaceChildren() },
          t("keep")));
      extra.scrollIntoView({ block: "center" });
    };
    form.append(general, extra, el("div", { class: "row" },
      el("button", { type: "submit" }, t("save")),
      el("button", { type: "button", class: "plain", onclick: renderList }, t("cancel")),
      card ? el("button", { type: "button", class: "plain danger-text", "data-action": "delete",
        onclick: remove }, t("delete")) : null));
    root.replaceChildren(el("h1", { html: card ? card.name_html : t("new_card") }), form);
    form.elements.label.focus();
  }

  // ------------------------------------------------------------------ renew

  function showRenew(card) {
    const text = el("input", { id: "renew-date", autocomplete: "off" });
    const error = el("div", { class: "error", role: "alert" });
    const extra = el("div", { class: "row" });
    const details = {};  // what /renewed asks after the date, all optional
    const detailErrors = {};
    const detailFields = state.session.renewal_fields.map((field) => {
      details[field.key] = field.choices.length
        ? el("select", { id: "r-" + field.key }, el("option", { value: "" }, "—"),
          field.choices.map(([label, value]) => el("option", { value }, label)))
        : el("input", { id: "r-" + field.key, autocomplete: "off",
          placeholder: field.key === "amount" ? card.shown.price || "" : "" });
      detailErrors[field.key] = el("div", { class: "error", id: "re-" + field.key });
      return el("div", { class: "field" },
        el("label", { for: "r-" + field.key }, field.prompt,
          el("small", {}, " " + t("optional"))),
        details[field.key], detailErrors[field.key]);
    });
    const renew = async (typed, confirmPast) => {
      error.replaceChildren();
      extra.replaceChildren();
      for (const box of Object.values(detailErrors)) box.replaceChildren();
      const body = { date: typed, confirm_past: confirmPast };
      for (const [key, input] of Object.entries(details)) body[key] = input.value;
      const { status, data } = await api("POST", "api/cards/" + card.id + "/renew", body);
      if (status === 200) {
        state.notice = t("saved");
        await loadCards();
        return;
      }
      const errors = data.errors || {};
      for (const [key, message] of Object.entries(errors)) {
        if (detailErrors[key]) detailErrors[key].innerHTML = message;
      }
      error.innerHTML = errors.date || (Object.keys(errors).length ? "" : data.error || t("failed"));
      if (status === 409) {
        extra.append(el("button", { type: "button", onclick: () => renew(typed, true) },
          t("keep_past")));
      } else if (data.guess) {
        extra.append(el("button", { type: "button", onclick: () => renew(data.guess, false) },
          t("use_guess")));
      }
    };
    root.replaceChildren(...[
      el("h1", { html: card.name_html }),
      el("p", {}, card.shown.expiry || card.expires_on),
      el("form", { class: "details", novalidate: true }, detailFields),
      card.renew_to ? el("button", { class: "add", "data-action": "renew-cycle",
        onclick: () => renew("", false) }, t("renew_to").replace("{date}", card.renew_to_text))
        : null,
      el("label", { for: "renew-date", class: "other-date" }, t("renew_other")),
      el("div", { class: "pair" }, text, dateInput(text)),
      error, extra,
      el("div", { class: "row" },
        el("button", { "data-action": "renew-typed", onclick: () => renew(text.value, false) },
          t("renew_confirm")),
        el("button", { class: "plain", onclick: renderList }, t("cancel"))),
    ].filter(Boolean));
  }

  // ------------------------------------------------------------------ history

  async function showHistory(card) {
    const { status, data } = await api("GET", "api/cards/" + card.id + "/history");
    if (status !== 200) { state.notice = data.error || t("failed"); await loadCards(); return; }
    const lines = data.lines.length
      ? el("ul", { class: "history" }, data.lines.map((line) => el("li", { html: line })))
      : el("p", { class: "hint" }, data.empty);
    root.replaceChildren(...[
      el("h1", { html: "📜 " + data.name_html }),
      lines,
      data.total ? el("p", { class: "total" }, data.total) : null,
      el("div", { class: "row" },
        el("button", { class: "plain", onclick: renderList }, t("back"))),
    ].filter(Boolean));
  }

  // ------------------------------------------------------------------ calendar

  const STATUS_ORDER = ["expired", "soon", "week", "fine"];

  function monthShift(month, by) {
    const [year, number] = month.split("-").map(Number);
    const moved = new Date(Date.UTC(year, number - 1 + by, 1));
    return moved.toISOString().slice(0, 7);
  }

  async function showCalendar(month) {
    const { status, data } = await api("GET", "api/calendar" + (month ? "?month=" + month : ""));
    if (status !== 200) { state.notice = data.error || t("failed"); renderList(); return; }
    const locale = state.session.lang === "zh" ? "zh-CN" : "en-GB";
    const [year, number] = data.month.split("-").map(Number);
    const first = new Date(Date.UTC(year, number - 1, 1));
    const length = new Date(Date.UTC(year, number, 0)).getUTCDate();
    const byId = new Map(state.cards.map((card) => [card.id, card]));
    const title = new Intl.DateTimeFormat(locale, { year: "numeric", month: "long",
      timeZone: "UTC" }).format(first);
    const weekday = new Intl.DateTimeFormat(locale, { weekday: "short", timeZone: "UTC" });
    const grid = el("div", { class: "calendar", role: "grid" });
    for (let day = 0; day < 7; day += 1) {  // 2024-01-01 was a Monday
      grid.append(el("div", { class: "weekday" }, weekday.format(Date.UTC(2024, 0, 1 + day))));
    }
    for (let blank = 0; blank < (first.getUTCDay() + 6) % 7; blank += 1) {
      grid.append(el("div", { class: "day blank" }));
    }
    const detail = el("div", { class: "day-detail", "aria-live": "polite" });
    for (let day = 1; day <= length; day += 1) {
      const iso = data.month + "-" + String(day).padStart(2, "0");
      const expiring = (data.days["e:" + iso] || []).map((id) => byId.get(id)).filter(Boolean);
      const reminded = (data.days["r:" + iso] || []).map((id) => byId.get(id)).filter(Boolean);
      const worst = STATUS_ORDER.find((s) => expiring.some((card) => card.status === s));
      const cell = el("button", {
        type: "button", "data-day": iso,
        class: ["day", worst && "expires " + worst, iso === state.session.today && "today"]
          .filter(Boolean).join(" "),
        onclick: () => detail.replaceChildren(el("h2", {}, iso),
          ...expiring.map((card) => el("p", { class: "due-line " + card.status,
            html: card.name_html + " · " + t("cal_expires") })),
          ...reminded.map((card) => el("p", { class: "due-line",
            html: card.name_html + " · " + t("cal_reminds") }))),
      }, el("span", {}, String(day)), reminded.length ? el("small", {}, "🔔") : null);
      grid.append(cell);
    }
    root.replaceChildren(
      el("div", { class: "head" },
        el("button", { class: "plain", "aria-label": "◀", onclick: () =>
          showCalendar(monthShift(data.month, -1)) }, "◀"),
        el("h1", {}, title),
        el("button", { class: "plain", "aria-label": "▶", onclick: () =>
          showCalendar(monthShift(data.month, 1)) }, "▶")),
      grid, detail,
      el("div", { class: "row" },
        el("button", { class: "plain", onclick: renderList }, t("back"))));
  }

  // ------------------------------------------------------------------ statistics

  async function showStats() {
    const { status, data } = await api("GET", "api/stats");
    if (status !== 200) { state.notice = data.error || t("failed"); renderList(); return; }
    root.replaceChildren(...[
      el("h1", {}, t("stats")),
      data.image ? el("img", { class: "chart", src: data.image, alt: t("stats") }) : null,
      el("p", { class: "summary", html: data.summary }),
      el("div", { class: "row" },
        el("button", { class: "plain", onclick: renderList }, t("back"))),
    ].filter(Boolean));
  }

  // ------------------------------------------------------------------ settings

  async function showSettings() {
    const { status, data } = await api("GET", "api/settings");
    if (status !== 200) { state.notice = data.error || t("failed"); renderList(); return; }
    const { values, choices, labels } = data;
    const form = el("form", { novalidate: true });
    const errors = {};
    const input = (key) => {
      if (key === "lang" || key === "rem") {
        const options = key === "lang" ? choices.lang
          : [[labels.rem_on, "on"], [labels.rem_off, "off"]];
        return el("select", { id: "s-" + key, name: key }, options.map(([label, value]) =>
          el("option", { value, selected: value === values[key] }, label)));
      }
      return [el("input", { id: "s-" + key, name: key, value: values[key], autocomplete: "off",
        list: "s-" + key + "-choices" }),
      el("datalist", { id: "s-" + key + "-choices" },
        choices[key].map((choice) => el("option", { value: choice })))];
    };
    for (const key of ["lang", "tz", "at", "lead", "rem"]) {
      errors[key] = el("div", { class: "error", id: "se-" + key });
      form.append(el("div", { class: "field" },
        key === "rem" ? null : el("label", { for: "s-" + key }, labels[key]),
        input(key), errors[key]));
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const changed = {};
      for (const key of Object.keys(values)) {
        if (form.elements[key].value !== values[key]) changed[key] = form.elements[key].value;
      }
      for (const box of Object.values(errors)) box.replaceChildren();
      const answer = await api("PUT", "api/settings", changed);
      if (answer.status !== 200) {
        for (const [key, message] of Object.entries(answer.data.errors || {})) {
          errors[key].innerHTML = message;
        }
        return;
      }
      state.notice = answer.data.saved;
      await start();  // a new language: the page's words too
    });
    form.append(el("div", { class: "row" },
      el("button", { type: "submit" }, t("save")),
      el("button", { type: "button", class: "plain", onclick: renderList }, t("cancel"))));
    root.replaceChildren(el("h1", {}, labels.title), form);
  }

  // ------------------------------------------------------------------ start

  async function start() {
    applyTheme((tg && tg.themeParams) || parseJSON(hash.get("tgWebAppThemeParams")));
    if (tg && tg.ready) { tg.ready(); }
    if (tg && tg.expand) { tg.expand(); }
    if (tg && tg.onEvent && !state.themed) {  // the user switched Telegram's theme
      tg.onEvent("themeChanged", () => applyTheme(tg.themeParams));
      state.themed = true;
    }
    const { status, data } = await api("GET", "api/session");
    if (status !== 200) throw new Fatal(data.error);
    state.session = data;
    document.documentElement.lang = data.lang;
    await loadCards();
  }

  start().catch((error) => {
    fatal(error instanceof Fatal && error.message ? error.message : "⚠️ " + error);
  });
})();
