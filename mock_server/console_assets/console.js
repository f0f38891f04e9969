// The QA console of the Gong tasks mock: plain JavaScript, no build step.
// It talks only to the admin API (/__admin/...) and never receives a credential: the
// journal's headers arrive redacted, and the admin token typed here stays in this tab.
"use strict";

(() => {
  const TOKEN_KEY = "gong-mock-admin-token";
  const TOKEN_HEADER = "X-Gong-Mock-Admin-Token";
  const JOURNAL_POLL_MS = 1000;
  const MAX_ROWS = 500;
  const FALLBACK_STATUSES = [200, 400, 401, 403, 429, 500];
  const ANSWERED_BY = [
    "mock", "limiter", "plan", "chaos", "replay", "prefer", "auth", "validation", "routing", "strict",
    "crash", "target",
  ];
  const PRESETS = {
    "429x2": { status: 429, times: 2, retryAfter: 1 },
    500: { status: 500 },
    401: { status: 401 },
    403: { status: 403 },
    400: { status: 400 },
    404: { status: 404, operation: "updateTask" },  // documented for the update call only
  };

  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(TOKEN_KEY) || "";
  let lastId = 0;
  let shown = 0;
  let timers = [];
  let polling = false;

  class AdminError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (token) headers[TOKEN_HEADER] = token;
    const init = { method, headers, cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(`/__admin${path}`, init);
    let payload = null;
    try {
      payload = parseExact(await response.text());
    } catch {
      payload = null;
    }
    if (!response.ok) {
      const errors = payload && Array.isArray(payload.errors) ? payload.errors.join("; ") : "";
      throw new AdminError(response.status, errors || `HTTP ${response.status}`);
    }
    return payload;
  }

  // -- exact integers -------------------------------------------------------------------------
  // Task ids are 64-bit: past 2^53 a JavaScript number loses digits (6576807147485075426
  // would show as 6576807147485075000). So every answer is parsed keeping each integer
  // that does not fit as its source text: JSON.rawJSON, which JSON.stringify writes back
  // as it came (where the browser lacks it, the digits as a string).

  function exactInteger(key, value, context) {
    if (typeof value !== "number" || Number.isSafeInteger(value) || !context) return value;
    const source = context.source;
    if (typeof source !== "string" || !/^-?[0-9]+$/.test(source)) return value;
    return typeof JSON.rawJSON === "function" ? JSON.rawJSON(source) : source;
  }

  function parseExact(text) {
    return JSON.parse(text, exactInteger);
  }

  // A value as text: an exact integer's digits, anything else as String() makes it.
  function asText(value) {
    if (value !== null && typeof value === "object" && typeof JSON.isRawJSON === "function"
        && JSON.isRawJSON(value)) {
      return value.rawJSON;
    }
    return value;
  }

  // -- small DOM helpers (text only: journal data is whatever clients sent) ----------------

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = asText(value);
      else node.setAttribute(name, asText(value));
    }
    for (const child of children) {
      node.append(child instanceof Node ? child : document.createTextNode(String(asText(child))));
    }
    return node;
  }

  function toast(message, isError = false) {
    const box = $("toast");
    box.textContent = message;
    box.classList.toggle("error", isError);
    box.classList.add("visible");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => box.classList.remove("visible"), 3500);
  }

  function statusClass(status) {
    if (status === 429) return "s429";
    if (status >= 500) return "s5xx";
    if (status >= 400) return "s4xx";
    if (status >= 300) return "s3xx";
    return "s2xx";
  }

  function ago(epoch) {
    const seconds = Math.max(0, Math.round(Date.now() / 1000 - epoch));
    if (seconds < 60) return `${seconds} s ago`;
    if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
    if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
    return `${Math.floor(seconds / 86400)} d ago`;
  }

  function pretty(value) {
    if (value === null || value === undefined || value === "") return "(none)";
    if (typeof value === "string") {
      try {
        return JSON.stringify(parseExact(value), null, 2);
      } catch {
        return value;  // not JSON, or cut short: shown as it came
      }
    }
    return JSON.stringify(value, null, 2);
  }

  // -- actions ---------------------------------------------------------------------------

  async function act(label, call) {
    try {
      await call();
      toast(label);
      refreshStatus();
    } catch (error) {
      handleError(error);
    }
  }

  function handleError(error) {
    if (error instanceof AdminError && error.status === 401) {
      showGate(token ? "That token was refused." : "");
      return;
    }
    toast(error.message || String(error), true);
  }

  function planStep(values) {
    const step = { status: Number(values.status) };
    if (values.times) step.times = Number(values.times);
    if (values.retryAfter !== undefined && values.retryAfter !== "") {
      step.retryAfter = Number(values.retryAfter);
    }
    if (values.operation) step.operation = values.operation;
    return step;
  }

  function queue(step, session) {
    const body = { steps: [step] };
    if (session) body.session = session;
    return api("POST", "/plans", body);
  }

  function wireControls() {
    for (const button of document.querySelectorAll("[data-preset]")) {
      button.addEventListener("click", () => {
        const step = { ...PRESETS[button.dataset.preset] };
        const operation = $("preset-operation").value;
        if (operation && !step.operation) step.operation = operation;
        act(`Queued: ${button.textContent}`, () => queue(step, $("preset-session").value.trim()));
      });
    }
    $("plan-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const values = Object.fromEntries(new FormData(event.target));
      const step = planStep(values);
      act(`Queued ${step.status} × ${step.times || 1}`, () => queue(step, values.session.trim()));
    });
    $("clear-plans").addEventListener("click", () =>
      act("Cleared every queued plan", () => api("DELETE", "/plans")));
    $("exhaust-quota").addEventListener("click", () =>
      act("Today's quota is used up", () => api("POST", "/quota/exhaust", {})));
    $("chaos-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const statuses = [...document.querySelectorAll("#chaos-statuses input:checked")]
        .map((box) => Number(box.value));
      act("Chaos started", () => api("PUT", "/chaos", {
        rate: Number($("chaos-rate").value),
        statuses: statuses.length ? statuses : [500],
        seed: Number($("chaos-seed").value || 0),
        retryAfter: Number($("chaos-retry-after").value || 1),
      }));
    });
    $("stop-chaos").addEventListener("click", () =>
      act("Chaos stopped", () => api("DELETE", "/chaos")));
    $("latency-form").addEventListener("submit", (event) => {
      event.preventDefault();
      act("Latency added", () => api("PUT", "/latency", {
        minMs: Number($("latency-min").value),
        maxMs: Number($("latency-max").value),
        seed: Number($("latency-seed").value || 0),
      }));
    });
    $("stop-latency").addEventListener("click", () =>
      act("Latency removed", () => api("DELETE", "/latency")));
    $("clear-journal").addEventListener("click", () =>
      act("Journal cleared", async () => {
        await api("DELETE", "/requests");
        clearJournalView();
      }));
    $("reset-all").addEventListener("click", () =>
      act("Everything reset: plans, chaos, latency, quota, journal, task changes", async () => {
        await api("POST", "/reset");
        clearJournalView();
        if (!$("dataset-panel").hidden) loadDataset();
      }));
    $("forget-token").addEventListener("click", () => {
      sessionStorage.removeItem(TOKEN_KEY);
      token = "";
      showGate("");
    });
    for (const id of ["filter-status", "filter-operation", "filter-answered-by"]) {
      $(id).addEventListener("change", applyFilters);
    }
    $("filter-session").addEventListener("input", applyFilters);
    $("copy-curl").addEventListener("click", copyCurl);
    $("upload-form").addEventListener("submit", uploadTasks);
    wireTabs();
  }

  function wireTabs() {
    const tabs = [$("tab-journal"), $("tab-dataset")];
    for (const tab of tabs) {
      tab.addEventListener("click", () => {
        for (const other of tabs) {
          const selected = other === tab;
          other.setAttribute("aria-selected", String(selected));
          other.tabIndex = selected ? 0 : -1;
          $(other.getAttribute("aria-controls")).hidden = !selected;
        }
        if (tab.id === "tab-dataset") loadDataset();
      });
    }
  }

  // -- the journal -----------------------------------------------------------------------

  function clearJournalView() {
    $("journal-rows").replaceChildren();
    lastId = 0;
    shown = 0;
    updateJournalCount();
  }

  function matches(entry) {
    const status = $("filter-status").value;
    if (status && `${String(entry.status)[0]}xx` !== status) return false;
    const operation = $("filter-operation").value;
    if (operation && entry.operation !== operation) return false;
    const session = $("filter-session").value.trim();
    if (session && !(entry.session || "").includes(session)) return false;
    const answeredBy = $("filter-answered-by").value;
    return !answeredBy || entry.answeredBy === answeredBy;
  }

  function applyFilters() {
    for (const row of $("journal-rows").querySelectorAll("tr.entry")) {
      const visible = matches(row.entry);
      row.hidden = !visible;
      const details = row.nextElementSibling;
      const expanded = row.querySelector("button").getAttribute("aria-expanded") === "true";
      details.hidden = !visible || !expanded;
    }
    updateJournalCount();
  }

  function updateJournalCount() {
    const rows = $("journal-rows").querySelectorAll("tr.entry");
    const visible = [...rows].filter((row) => !row.hidden).length;
    $("journal-count").textContent = rows.length ? `${visible} of ${rows.length} calls` : "";
    $("journal-empty").hidden = rows.length > 0;
  }

  function detailBlock(title, value) {
    return el("div", { class: "detail" }, el("h4", { text: title }), el("pre", { text: pretty(value) }));
  }

  function entryRows(entry) {
    const expand = el("button", {
      type: "button",
      class: "expand",
      "aria-expanded": "false",
      "aria-label": `Details of call ${entry.id}: ${entry.method} ${entry.path} answered ${entry.status}`,
      text: "▸",
    });
    const row = el(
      "tr",
      { class: "entry", "data-id": String(entry.id) },
      el("td", {}, expand),
      el("td", {}, el("time", {
        datetime: entry.time || "",
        title: entry.time || "",
        "data-epoch": String(entry.epoch),
        text: ago(entry.epoch),
      })),
      el("td", {}, el("span", { class: `status ${statusClass(entry.status)}`, text: entry.status })),
      el("td", { class: "call", title: `${entry.method} ${entry.path}` },
        el("span", { class: "method", text: entry.method }), ` ${entry.path}`),
      el("td", { text: entry.operation || "—" }),
      el("td", {}, el("span", { class: `by by-${entry.answeredBy}`, text: entry.answeredBy })),
      el("td", { class: "session", text: entry.session || "—" }),
      el("td", { class: "num", text: entry.durationMs ?? "" }),
    );
    row.entry = entry;
    const details = el("tr", { class: "details" }, el("td", { colspan: "8" }, el(
      "div",
      { class: "detail-grid" },
      detailBlock("Request headers", entry.headers),
      detailBlock("Request body", entry.body),
      detailBlock(
        `Response headers${entry.retryAfter ? ` (Retry-After ${entry.retryAfter})` : ""}`,
        entry.responseHeaders,
      ),
      detailBlock("Response body", entry.responseBody),
      ...(entry.violations && entry.violations.length
        ? [detailBlock("Spec violations", entry.violations)]
        : []),
    )));
    details.hidden = true;
    expand.addEventListener("click", () => {
      const open = expand.getAttribute("aria-expanded") !== "true";
      expand.setAttribute("aria-expanded", String(open));
      expand.textContent = open ? "▾" : "▸";
      details.hidden = !open;
    });
    return [row, details];
  }

  function addEntries(entries) {
    if (!entries.length) return;
    const body = $("journal-rows");
    const scroller = $("journal-scroll");
    const before = body.offsetHeight;
    const fragment = document.createDocumentFragment();
    for (const entry of [...entries].reverse()) {  // newest first
      const [row, details] = entryRows(entry);
      row.hidden = !matches(entry);
      fragment.append(row, details);
      addAnsweredByOption(entry.answeredBy);
    }
    body.prepend(fragment);
    shown += entries.length;
    while (shown > MAX_ROWS) {
      body.lastElementChild.remove();
      body.lastElementChild.remove();
      shown -= 1;
    }
    // Rows arrive above what the reader is looking at: keep their view still.
    if (scroller.scrollTop > 0) scroller.scrollTop += body.offsetHeight - before;
    updateJournalCount();
  }

  function addAnsweredByOption(value) {
    const select = $("filter-answered-by");
    if (!value || [...select.options].some((option) => option.value === value)) return;
    select.append(el("option", { value, text: value }));
  }

  async function pollJournal() {
    const answer = await api("GET", `/requests?since=${lastId}`);
    if (typeof answer.lastId === "number" && answer.lastId < lastId) {
      clearJournalView();  // the journal was reset elsewhere: start over
      return pollJournal();
    }
    const fresh = answer.requests.filter((entry) => entry.id > lastId);
    if (fresh.length) lastId = fresh[fresh.length - 1].id;
    addEntries(fresh);
    return undefined;
  }

  function tickTimes() {
    for (const node of document.querySelectorAll("time[data-epoch]")) {
      node.textContent = ago(Number(node.dataset.epoch));
    }
  }

  // -- status: limits, plans, chaos, latency ------------------------------------------------

  let statusChoices = null;

  function fillPlanStatuses() {
    const select = $("plan-status");
    const previous = select.value || "429";
    const statuses = statusChoices[$("plan-operation").value || "any"] || FALLBACK_STATUSES;
    select.replaceChildren(...statuses.map((code) => el("option", { value: code, text: code })));
    select.value = statuses.map(String).includes(previous) ? previous : String(statuses[0]);
  }

  function fillStatusChoices(choices) {
    if (statusChoices) return;
    statusChoices = choices || { any: FALLBACK_STATUSES };
    fillPlanStatuses();
    $("plan-operation").addEventListener("change", fillPlanStatuses);
    const checks = $("chaos-statuses");
    for (const status of (statusChoices.any || FALLBACK_STATUSES).filter((code) => code !== 200)) {
      const id = `chaos-status-${status}`;
      const box = el("input", { type: "checkbox", id, value: String(status) });
      box.checked = status === 500 || status === 429;
      checks.append(el("span", { class: "check" }, box, el("label", { for: id, text: status })));
    }
  }

  function renderLimits(limits, describe) {
    const list = $("limits");
    const facts = [["In force", describe || "off"]];
    if (limits && typeof limits === "object") {
      if (limits.scope) facts.push(["Counted per", limits.scope]);
      if (limits.perSecond) {
        facts.push(["Left this second", `${limits.perSecond.remaining} of ${limits.perSecond.limit}`]);
      }
      if (limits.daily) {
        facts.push(["Left today", `${limits.daily.remaining} of ${limits.daily.limit}`]);
      }
    }
    list.replaceChildren(...facts.flatMap(([term, value]) => [
      el("dt", { text: term }), el("dd", { text: value }),
    ]));
  }

  function renderPlans(plans) {
    const list = $("plans");
    const items = [];
    for (const [scope, steps] of Object.entries(plans || {})) {
      const counts = new Map();
      for (const step of steps) {
        const key = `${step.status}${step.operation ? ` on ${step.operation}` : ""}`;
        counts.set(key, (counts.get(key) || 0) + 1);
      }
      const summary = [...counts].map(([key, count]) => `${key} × ${count}`).join(", ");
      items.push(el("li", {}, el("strong", { text: scope === "*" ? "everyone" : scope }), `: ${summary}`));
    }
    list.replaceChildren(...(items.length ? items : [el("li", { class: "muted", text: "none" })]));
  }

  function renderSetting(badgeId, value, describe) {
    const badge = $(badgeId);
    badge.textContent = value ? describe(value) : "off";
    badge.classList.toggle("on", Boolean(value));
  }

  async function refreshStatus() {
    try {
      const [status, plans] = await Promise.all([api("GET", "/status"), api("GET", "/plans")]);
      fillStatusChoices(status.documentedStatuses);
      renderLimits(status.limits, status.rateLimit);
      renderPlans(plans.plans);
      renderSetting("chaos-state", status.chaos, (chaos) =>
        `on: ${Math.round(chaos.rate * 100)}% → ${chaos.statuses.join("/")}, seed ${chaos.seed}`);
      renderSetting("latency-state", status.latency, (latency) =>
        latency.minMs === latency.maxMs
          ? `on: ${latency.minMs} ms`
          : `on: ${latency.minMs}–${latency.maxMs} ms`);
      setConnection(true);
    } catch (error) {
      onPollError(error);
    }
  }

  // -- the dataset ---------------------------------------------------------------------------

  let dataset = null;

  async function loadDataset() {
    try {
      dataset = await api("GET", "/dataset");
    } catch (error) {
      handleError(error);
      return;
    }
    const totals = dataset.totals || {};
    const changed = totals.changedTasks ? `, ${totals.changedTasks} changed by updates` : "";
    $("dataset-summary").textContent =
      `${dataset.users.length} users, ${totals.tasks ?? "?"} tasks${changed}, ` +
      `crmType ${dataset.crmType}`;
    const rows = dataset.users.map((user) => {
      const counts = user.tasks || {};
      const show = el("button", { type: "button", text: "Tasks", "aria-label": `Show tasks of user ${user.userId}` });
      const curl = el("button", { type: "button", text: "curl", "aria-label": `curl command for user ${user.userId}` });
      show.addEventListener("click", () => loadTasks(user.userId));
      curl.addEventListener("click", () => showCurl(user));
      return el(
        "tr",
        {},
        el("td", { class: "mono", text: user.userId }),
        el("td", { class: "mono", text: (user.workspaceIds || []).join(", ") }),
        el("td", { class: "num", text: counts.OPEN ?? 0 }),
        el("td", { class: "num", text: counts.DONE ?? 0 }),
        el("td", { class: "num", text: counts.DISMISSED ?? 0 }),
        el("td", { class: "actions" }, show, curl),
      );
    });
    $("users").replaceChildren(...rows);
  }

  async function uploadTasks(event) {
    event.preventDefault();
    const mode = event.submitter ? event.submitter.dataset.mode : "replace";
    const file = $("upload-file").files[0];
    const text = file ? await file.text() : $("upload-text").value;
    let payload;
    try {
      payload = parseExact(text);  // an upload's ids go out as they were typed
    } catch (error) {
      $("upload-result").textContent = `Not JSON: ${error.message}`;
      return;
    }
    try {
      const answer = await api(mode === "add" ? "POST" : "PUT", "/tasks", payload);
      const count = answer.tasks ?? "?";
      $("upload-result").textContent = mode === "add"
        ? `Added ${answer.added} tasks: ${count} served for ${answer.users} users.`
        : `Replaced: ${count} tasks served for ${answer.users} users.`;
      $("upload-file").value = "";
      loadDataset();
    } catch (error) {
      $("upload-result").textContent = error.message;  // the mock names index, id and field
      if (error instanceof AdminError && error.status === 401) handleError(error);
    }
  }

  function curlCommand(user) {
    const auth = dataset && dataset.exampleCredentials
      ? `${dataset.exampleCredentials.accessKey}:${dataset.exampleCredentials.accessKeySecret}`
      : "$GONG_ACCESS_KEY:$GONG_ACCESS_KEY_SECRET";
    const filter = {
      filter: {
        userId: user.userId,
        types: ["MANUAL", "FLOW"],
        taskAction: ["CALL"],
        status: ["OPEN"],
      },
    };
    return [
      `curl -s -u "${auth}" \\`,
      "  -H 'Content-Type: application/json' \\",
      `  ${window.location.origin}/v2/tasks \\`,
      `  -d '${JSON.stringify(filter)}'`,
    ].join("\n");
  }

  function showCurl(user) {
    $("curl-command").textContent = curlCommand(user);
    $("curl-title").textContent = `curl for user ${user.userId}`;
    $("curl-box").hidden = false;
  }

  async function copyCurl() {
    const text = $("curl-command").textContent;
    try {
      await navigator.clipboard.writeText(text);
      toast("curl command copied");
    } catch {
      const range = document.createRange();
      range.selectNodeContents($("curl-command"));
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      toast("Selected: press Ctrl+C to copy");
    }
  }

  async function loadTasks(userId) {
    let answer;
    try {
      answer = await api("GET", `/tasks?userId=${encodeURIComponent(userId)}`);
    } catch (error) {
      handleError(error);
      return;
    }
    const changedIds = new Set((answer.changedTaskIds || []).map((id) => String(asText(id))));
    const rows = answer.tasks.map((task, index) => {
      const contact = task.contact && task.contact.data
        ? `${task.contact.data.firstName || ""} ${task.contact.data.lastName || ""}`.trim()
        : "—";
      const what = task.title || (task.flow && task.flow.step ? task.flow.step.name : "—");
      return el(
        "tr",
        {},
        el("td", { class: "mono", text: task.id },
          ...(changedIds.has(String(asText(task.id)))
            ? [el("span", { class: "changed", text: "updated" })]
            : [])),
        el("td", { text: task.type }),
        el("td", {}, el("span", { class: `task-status t-${task.status}`, text: task.status })),
        el("td", { class: "mono", text: task.dueDate }),
        el("td", { text: what }),
        el("td", { text: contact }),
        el("td", { class: "mono", text: (answer.workspaceIds || [])[index] || "—" }),
      );
    });
    $("tasks-title").textContent = `Tasks of user ${userId} (${rows.length})`;
    $("tasks").replaceChildren(...rows);
    $("tasks-box").hidden = false;
  }

  // -- start-up, the token gate and polling ----------------------------------------------

  function setConnection(ok, message) {
    const node = $("connection");
    node.textContent = ok ? "live" : message || "disconnected";
    node.classList.toggle("ok", ok);
  }

  function onPollError(error) {
    if (error instanceof AdminError && (error.status === 401 || error.status === 403)) {
      stopPolling();
      if (error.status === 401) showGate(token ? "That token was refused." : "");
      else showRefused(error.message);
      return;
    }
    setConnection(false, "mock unreachable, retrying…");
  }

  function stopPolling() {
    for (const timer of timers) clearInterval(timer);
    timers = [];
  }

  function startPolling() {
    stopPolling();
    const journalLoop = async () => {
      if (polling) return;
      polling = true;
      try {
        await pollJournal();
        // The calls just shown may have used plan steps and quota: the plan and limit
        // panels are read right after, never a poll behind the journal.
        await refreshStatus();
        setConnection(true);
      } catch (error) {
        onPollError(error);
      } finally {
        polling = false;
      }
    };
    journalLoop();
    timers = [setInterval(journalLoop, JOURNAL_POLL_MS), setInterval(tickTimes, 1000)];
  }

  function showGate(message) {
    stopPolling();
    $("console").hidden = true;
    $("refused").hidden = true;
    $("token-gate").hidden = false;
    $("token-error").textContent = message;
    $("forget-token").hidden = true;
    setConnection(false, "locked");
    $("admin-token").focus();
  }

  function showRefused(reason) {
    $("console").hidden = true;
    $("token-gate").hidden = true;
    $("refused").hidden = false;
    $("refused-reason").textContent = reason;
    setConnection(false, "refused");
  }

  function showConsole() {
    $("token-gate").hidden = true;
    $("refused").hidden = true;
    $("console").hidden = false;
    $("forget-token").hidden = !token;
    startPolling();
  }

  async function boot() {
    try {
      await api("GET", "/status");
    } catch (error) {
      if (error instanceof AdminError && error.status === 401) showGate("");
      else if (error instanceof AdminError && error.status === 403) showRefused(error.message);
      else setConnection(false, error.message);
      return;
    }
    showConsole();
  }

  $("token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    token = $("admin-token").value.trim();
    $("admin-token").value = "";
    try {
      await api("GET", "/status");
    } catch (error) {
      token = "";
      showGate(error instanceof AdminError && error.status === 401
        ? "That token was refused."
        : error.message);
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    showConsole();
  });

  wireControls();
  boot();
})();
