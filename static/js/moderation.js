/*
 * Keyboard triage for the moderation workspace. Plain JavaScript, no dependencies; htmx
 * (loaded before this file) swaps the cards. Without JavaScript every control is an
 * ordinary form that posts and redirects back, so nothing here is needed to moderate.
 *
 * Keys: j/k move, a approve, h hide, f flag, u undo, x select, A/H bulk approve/hide,
 * o open the context page, ? help, Esc close. They work whatever control has the focus
 * (a checkbox, a button) except a field one types in; Enter only ever confirms an open
 * panel, so it never approves a selection by accident.
 *
 * The live queue: the page asks moderation:live every few seconds what changed (cards
 * someone else decided, comments that arrived, the tab counts, who is looking at which
 * card); a decided card leaves once its undo window has passed, and the page refills from
 * moderation:cards after its last card, so a long queue is worked through without paging.
 */
(function () {
  "use strict";

  const workspace = document.querySelector("[data-mod-workspace]");
  if (!workspace) return;

  const help = document.getElementById("mod-keys");
  const helpButton = document.querySelector("[data-mod-help]");
  const hintBox = document.getElementById("mod-hint");
  const requests = new WeakMap(); // xhr -> what the request was about
  // Selected card ids, so a card swapped while selected (say x pressed while its own
  // request ran) comes back selected.
  const selection = new Set();
  let activeId = null;
  let hintTimer = null;
  let started = false; // see start(), at the end

  if (window.htmx) {
    // Let refusals (stale form, bad input, unknown comment) replace the card: their
    // responses carry the current state and the reason, not a broken page.
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "404|409|422", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
    ];
  }

  // ---- cards and the active one -------------------------------------------------------

  function cards() {
    return Array.from(document.querySelectorAll("[data-mod-card]"));
  }

  function activeCard() {
    return (activeId && document.getElementById(activeId)) || null;
  }

  function setActive(card, { focus = true, scroll = true } = {}) {
    for (const other of cards()) {
      other.classList.toggle("is-active", other === card);
      other.removeAttribute("aria-current");
    }
    activeId = card ? card.id : null;
    if (!card) return;
    card.setAttribute("aria-current", "true");
    if (focus) card.focus({ preventScroll: true });
    if (scroll) {
      // Below the sticky bulk bar: a card whose top is under it, or that is taller than
      // the room below it, is scrolled to its top (its scroll margin clears the bar).
      const bar = document.querySelector("[data-mod-bulk]");
      const barBottom = bar ? Math.max(bar.getBoundingClientRect().bottom, 0) : 0;
      const rect = card.getBoundingClientRect();
      const tall = rect.height > window.innerHeight - barBottom;
      card.scrollIntoView({ block: rect.top < barBottom || tall ? "start" : "nearest" });
    }
  }

  function move(step) {
    const list = cards();
    if (!list.length) return hint("There are no comments on this page.");
    const current = activeCard();
    let index = current ? list.indexOf(current) + step : step > 0 ? 0 : list.length - 1;
    if (index >= list.length) {
      hint(document.querySelector("a[rel=next]") ? "Last comment on this page; the next page is below." : "Last comment.");
      index = list.length - 1;
    } else if (index < 0) {
      hint("First comment.");
      index = 0;
    }
    setActive(list[index]);
  }

  function requireCard() {
    const card = activeCard();
    if (!card) hint("Choose a comment first: press j.");
    return card;
  }

  // ---- messages -----------------------------------------------------------------------

  function hint(text) {
    if (!hintBox) return;
    hintBox.textContent = text;
    hintBox.hidden = false;
    clearTimeout(hintTimer);
    hintTimer = setTimeout(() => {
      hintBox.hidden = true;
    }, 2500);
  }

  // ---- actions ------------------------------------------------------------------------

  function approve() {
    const card = requireCard();
    if (!card) return;
    const button = card.querySelector("[data-mod-approve]");
    if (!button || button.disabled) return hint("This comment is already approved.");
    button.click();
  }

  function closePanels(except) {
    for (const panel of document.querySelectorAll("details.mod-panel[open]")) {
      if (panel !== except) panel.open = false;
    }
  }

  function openPanel(panel) {
    closePanels(panel);
    panel.open = true;
    const radio =
      panel.querySelector("input[type=radio]:checked") || panel.querySelector("input[type=radio]");
    if (radio) radio.focus();
  }

  function openCardPanel(kind) {
    const card = requireCard();
    if (!card) return;
    const panel = card.querySelector(`[data-mod-panel="${kind}"]`);
    if (panel) openPanel(panel);
  }

  function undo() {
    const button = document.querySelector("#mod-status [data-mod-undo]");
    if (!button) return hint("Nothing to undo.");
    button.click();
  }

  function selectionBoxes() {
    return Array.from(document.querySelectorAll("[data-mod-select]"));
  }

  function toggleSelect() {
    const card = requireCard();
    if (!card) return;
    const box = card.querySelector("[data-mod-select]");
    if (!box) return hint("Select comments for bulk actions on the queue page.");
    box.checked = !box.checked;
    remember(box);
    updateBulk();
  }

  function remember(box) {
    const card = box.closest("[data-mod-card]");
    if (!card) return;
    if (box.checked) selection.add(card.id);
    else selection.delete(card.id);
  }

  function selectedCount() {
    return selectionBoxes().filter((box) => box.checked).length;
  }

  function bulkApprove() {
    const button = document.querySelector("[data-mod-bulk-approve]");
    if (!button) return;
    if (!selectedCount()) return hint("Select comments with x first.");
    button.click();
  }

  function bulkHide() {
    const panel = document.querySelector('[data-mod-panel="bulk-hide"]');
    if (!panel) return;
    if (!selectedCount()) return hint("Select comments with x first.");
    openPanel(panel);
  }

  function toggleFeatured() {
    const card = requireCard();
    if (!card) return;
    const button = card.querySelector("[data-mod-feature]");
    if (button) button.click();
    else hint("Only a published comment can be featured.");
  }

  function openContext() {
    const card = requireCard();
    const link = card && card.querySelector(".mod-context-link");
    if (link) window.location.href = link.href;
  }

  function showHelp() {
    if (help && !help.open) help.showModal();
  }

  // ---- bulk bar -----------------------------------------------------------------------

  const bulkBar = document.querySelector("[data-mod-bulk]");
  const countBox = document.querySelector("[data-mod-selected-count]");
  const selectAll = document.querySelector("[data-mod-select-all]");
  const countIdle = countBox ? countBox.innerHTML : "";

  function updateBulk() {
    if (!bulkBar) return;
    const boxes = selectionBoxes();
    const count = boxes.filter((box) => box.checked).length;
    bulkBar.classList.toggle("has-selection", count > 0);
    if (countBox) {
      if (count) countBox.textContent = `${count} selected`;
      else countBox.innerHTML = countIdle;
    }
    if (selectAll) {
      selectAll.checked = count > 0 && count === boxes.length;
      selectAll.indeterminate = count > 0 && count < boxes.length;
    }
  }

  if (selectAll) {
    selectAll.hidden = false;
    const label = document.querySelector('label[for="select-all"]');
    if (label) label.hidden = false;
    selectAll.addEventListener("change", () => {
      for (const box of selectionBoxes()) {
        box.checked = selectAll.checked;
        remember(box);
      }
      updateBulk();
    });
  }

  // ---- keyboard -----------------------------------------------------------------------

  // Fields one types in (or picks from with letters): shortcuts leave them alone. A
  // checkbox, a radio, a button or a link is not one: there the keys work.
  const TEXT_INPUTS = /^(text|search|email|url|tel|password|number|date|datetime-local|month|week|time)$/;

  function isTyping(element) {
    if (!element || !element.tagName) return false;
    if (element.isContentEditable) return true;
    if (element.tagName === "TEXTAREA" || element.tagName === "SELECT") return true;
    return element.tagName === "INPUT" && TEXT_INPUTS.test(element.type || "text");
  }

  // people.js's keys (p, Shift+B, Shift+T) ask the same question: one rule for both.
  window.moderationKeys = Object.freeze({ isTyping });

  // Keys inside an open reason panel: digits pick a reason, Enter confirms, Esc closes.
  function panelKey(event, panel) {
    if (/^[1-9]$/.test(event.key) && event.target.type !== "text") {
      const radio = panel.querySelectorAll("input[type=radio]")[Number(event.key) - 1];
      if (radio) {
        radio.checked = true;
        radio.focus();
      }
      return true;
    }
    if (event.key === "Enter" && !/^(BUTTON|SUMMARY)$/.test(event.target.tagName)) {
      const submit = panel.querySelector("button[type=submit]");
      if (submit) submit.click();
      return true;
    }
    if (event.key === "Escape") {
      panel.open = false;
      const card = panel.closest("[data-mod-card]");
      if (card) setActive(card);
      else panel.querySelector("summary").focus();
      return true;
    }
    return false;
  }

  const KEYS = {
    j: () => move(1),
    k: () => move(-1),
    a: approve,
    h: () => openCardPanel("hide"),
    f: () => openCardPanel("flag"),
    u: undo,
    x: toggleSelect,
    o: openContext,
    A: bulkApprove,
    H: bulkHide,
    F: toggleFeatured,
    "?": showHelp,
    Escape: () => closePanels(),
  };

  document.addEventListener("keydown", (event) => {
    if (!started || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (help && help.open) return; // the dialog closes itself on Esc
    const panel = event.target.closest && event.target.closest("details.mod-panel[open]");
    if (panel && panelKey(event, panel)) {
      event.preventDefault();
      return;
    }
    if (isTyping(event.target)) return;
    // Enter on a checkbox or a radio would submit its form through the form's first
    // button (for a selection box, "Approve selected"): outside a panel it does nothing.
    if (event.key === "Enter" && event.target.matches &&
        event.target.matches("input[type=checkbox], input[type=radio]")) {
      event.preventDefault();
      return;
    }
    const action = KEYS[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  // ---- pointer and focus --------------------------------------------------------------

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-mod-dismiss]")) {
      const toast = event.target.closest("[data-mod-toast]");
      if (toast) toast.remove();
      return;
    }
    const card = event.target.closest("[data-mod-card]");
    if (card && !event.target.closest("a, button, input, label, summary, select")) {
      setActive(card, { scroll: false });
    }
  });

  document.addEventListener("focusin", (event) => {
    const card = event.target.closest && event.target.closest("[data-mod-card]");
    if (card && card.id !== activeId) setActive(card, { focus: false, scroll: false });
  });

  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-mod-select]")) {
      remember(event.target);
      updateBulk();
    }
  });

  // One reason panel open at a time.
  document.addEventListener(
    "toggle",
    (event) => {
      if (event.target.matches && event.target.matches("details.mod-panel") && event.target.open) {
        closePanels(event.target);
      }
    },
    true,
  );

  if (helpButton && help) {
    helpButton.hidden = false;
    helpButton.addEventListener("click", showHelp);
    help.addEventListener("close", () => {
      const card = activeCard();
      if (card) card.focus({ preventScroll: true });
      else helpButton.focus();
    });
  }

  // ---- after htmx swaps ---------------------------------------------------------------

  document.addEventListener("htmx:beforeRequest", (event) => {
    const element = event.detail.elt;
    const form = element.closest("form");
    const card = element.closest("[data-mod-card]");
    const target = form && element.closest("#mod-status") ? form.getAttribute("hx-target") : "";
    requests.set(event.detail.xhr, {
      cardId: card ? card.id : null,
      decision: Boolean(form && form.hasAttribute("data-mod-decision")),
      undoTarget: target ? target.replace(/^#/, "") : null,
    });
  });

  // A session that expired mid-triage answers with the login page: go there, don't swap.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const url = event.detail.xhr.responseURL || "";
    if (url.includes("/accounts/login/")) {
      event.detail.shouldSwap = false;
      window.location.href = url;
    }
  });

  // Move the focus once the swap has settled: htmx restores swapped cards' classes
  // during the settle, which would wipe an earlier "is-active".
  function afterSwap(xhr) {
    const info = requests.get(xhr);
    if (!info) return;
    requests.delete(xhr);
    updateBulk();
    const status = xhr.status;
    if (info.undoTarget) {
      const card = document.getElementById(info.undoTarget);
      if (card) setActive(card);
      return;
    }
    if (!info.cardId) {
      const card = activeCard();
      if (card) setActive(card, { scroll: false });
      return;
    }
    const card = document.getElementById(info.cardId);
    if (!card) return;
    // Someone who moved on while the request ran (to another card, or into a field)
    // keeps their place.
    const typing = isTyping(document.activeElement) && !card.contains(document.activeElement);
    if ((activeId && activeId !== info.cardId) || typing) {
      const current = activeCard();
      if (current) setActive(current, { focus: false, scroll: false });
      return;
    }
    if (info.decision && status === 200) {
      const list = cards();
      setActive(list[list.indexOf(card) + 1] || card);
    } else {
      setActive(card);
      const open = card.querySelector("details.mod-panel[open]");
      if (open) openPanel(open);
    }
  }

  // A card swapped in by a bulk action leaves the selection; any other keeps its place in it.
  document.addEventListener("htmx:afterSwap", (event) => {
    const card = event.detail.elt;
    if (!card || !card.matches || !card.matches("[data-mod-card]")) return;
    const info = event.detail.xhr && requests.get(event.detail.xhr);
    if (info && !info.cardId && !info.undoTarget) selection.delete(card.id);
    const box = card.querySelector("[data-mod-select]");
    if (box) box.checked = selection.has(card.id);
    updateBulk();
  });

  document.addEventListener("htmx:afterSettle", (event) => {
    if (event.detail.xhr) afterSwap(event.detail.xhr);
    markDecided();
  });
  // A bulk action's cards come out of band.
  document.addEventListener("htmx:oobAfterSwap", () => markDecided());

  document.addEventListener("htmx:afterRequest", (event) => {
    const xhr = event.detail.xhr;
    const status = xhr.status;
    if (status >= 500 || status === 0 || status === 403) {
      requests.delete(xhr);
      hint(status === 403 ? "You may not do that; log in again?" : "That did not work; nothing was changed. Try again.");
    }
  });

  // ---- the sticky bulk bar never covers the active card --------------------------------

  if (bulkBar && window.ResizeObserver) {
    const root = document.documentElement;
    new ResizeObserver(() => {
      root.style.setProperty("--mod-bulk-height", `${bulkBar.offsetHeight}px`);
    }).observe(bulkBar);
  }

  // ---- the live queue -----------------------------------------------------------------

  const liveBox = document.querySelector("[data-mod-live]");
  const cardList = document.querySelector("[data-mod-cards]");
  const arrivalsText = document.querySelector("[data-mod-arrivals-text]");
  const QUEUE_PARAMS = ["tab", "article", "reason", "author", "q", "commenter", "sort"];
  // How long a card someone else decided shows what happened before it leaves.
  const GONE_AFTER = 3000;
  const live = liveBox
    ? {
        url: liveBox.dataset.modLive,
        cardsUrl: liveBox.dataset.modCardsUrl,
        queue: liveBox.dataset.modView === "queue" && Boolean(cardList),
        looking: liveBox.dataset.modLooking || "",
        since: liveBox.dataset.modSince,
        poll: (parseFloat(liveBox.dataset.modPoll) || 2) * 1000,
        undoWindow: (parseFloat(liveBox.dataset.modLeaveAfter) || 8) * 1000,
        perPage: parseInt(liveBox.dataset.modPerPage, 10) || 25,
        next: liveBox.dataset.modNext || "",
        after: null,
        seen: new Set(), // "comment:event" pairs already applied
        arrived: new Set(), // ids of comments announced as new
        lastKey: null, // the sort key of the last card of the queue's own order
        refilling: false,
        exhausted: false,
      }
    : null;

  function pkOf(card) {
    return card.id.replace(/^comment-/, "");
  }

  function keyOf(card) {
    return { pk: pkOf(card), created: card.dataset.created, priority: card.dataset.priority };
  }

  function queueParams() {
    const here = new URLSearchParams(window.location.search);
    const params = new URLSearchParams();
    for (const name of QUEUE_PARAMS) {
      if (here.get(name)) params.set(name, here.get(name));
    }
    return params;
  }

  function addCards(html, { atTop = false, fresh = false } = {}) {
    const template = document.createElement("template");
    template.innerHTML = html;
    const added = [];
    for (const card of Array.from(template.content.querySelectorAll("[data-mod-card]"))) {
      if (document.getElementById(card.id)) continue;
      if (fresh) card.classList.add("mod-card-new");
      added.push(card);
    }
    if (!added.length) return added;
    const empty = cardList.querySelector(".mod-empty");
    if (empty) empty.remove();
    if (atTop) cardList.prepend(...added);
    else cardList.append(...added);
    for (const card of added) {
      if (window.htmx) window.htmx.process(card);
    }
    updateBulk();
    return added;
  }

  // Fetch the cards after the last one of the page's own order, up to a page's worth.
  function refill() {
    if (!live || !live.queue || live.refilling || live.exhausted || !live.lastKey) return;
    const missing = live.perPage - cards().filter((c) => !c.classList.contains("mod-card-gone")).length;
    if (missing <= 0) return;
    if (inFlight) {
      setTimeout(refill, 250); // after the moderator's own action has its answer
      return;
    }
    const params = queueParams();
    params.set("after_pk", live.lastKey.pk);
    params.set("after_created", live.lastKey.created);
    params.set("after_priority", live.lastKey.priority);
    params.set("limit", String(missing));
    params.set("next", live.next);
    live.refilling = true;
    fetch(`${live.cardsUrl}?${params}`, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        const template = document.createElement("template");
        template.innerHTML = html;
        const found = template.content.querySelectorAll("[data-mod-card]");
        if (found.length) live.lastKey = keyOf(found[found.length - 1]);
        if (found.length < missing) live.exhausted = true;
        addCards(html);
        if (!cards().length && live.exhausted) showEmpty();
        const active = activeCard();
        if (!active && cards().length) setActive(cards()[0], { focus: false, scroll: false });
      })
      .catch(() => {})
      .finally(() => {
        live.refilling = false;
      });
  }

  function showEmpty() {
    if (cardList.querySelector(".mod-empty")) return;
    const empty = document.createElement("p");
    empty.className = "mod-empty text-center text-body-secondary py-5";
    empty.textContent = "Nothing more in this queue for now.";
    cardList.append(empty);
  }

  // Take a card off the page (its undo window is over, or someone else decided it).
  function leave(card) {
    if (!card.isConnected) return;
    const list = cards();
    const index = list.indexOf(card);
    const wasActive = card.id === activeId;
    const hadFocus = card.contains(document.activeElement);
    selection.delete(card.id);
    const toast = document.querySelector("#mod-status [data-mod-toast]");
    if (toast && toast.querySelector("[data-mod-undo]") &&
        Date.now() - Number(toast.dataset.shownAt || 0) >= live.undoWindow - 100) {
      const form = toast.querySelector("form");
      if (form) form.remove();
    }
    card.remove();
    if (wasActive) {
      const rest = cards();
      const next = rest[Math.min(index, rest.length - 1)];
      activeId = null;
      if (next) setActive(next, { focus: hadFocus, scroll: hadFocus });
    }
    updateBulk();
    refill();
    if (!cards().length && live.exhausted) showEmpty();
  }

  // My own decided cards (no longer in this queue) leave once their undo window is over.
  function markDecided() {
    if (!live || !live.queue) return;
    const toast = document.querySelector("#mod-status [data-mod-toast]");
    if (toast && !toast.dataset.shownAt) toast.dataset.shownAt = String(Date.now());
    for (const card of document.querySelectorAll("[data-mod-card].mod-card-done:not([data-done-at])")) {
      card.dataset.doneAt = String(Date.now());
      setTimeout(function check() {
        const current = document.getElementById(card.id);
        if (!current || !current.classList.contains("mod-card-done")) return;
        const left = Number(current.dataset.doneAt || 0) + live.undoWindow - Date.now();
        if (left > 50) setTimeout(check, left);
        else leave(current);
      }, live.undoWindow);
    }
  }

  function note(card, text, kind) {
    let box = card.querySelector(`[data-mod-note="${kind}"]`);
    if (!text) {
      if (box) box.remove();
      return;
    }
    if (!box) {
      box = document.createElement("p");
      box.className = `mod-live-note mod-live-${kind}`;
      box.dataset.modNote = kind;
      const meta = card.querySelector(".mod-card-meta");
      if (meta) meta.after(box);
      else card.prepend(box);
    }
    if (box.textContent !== text) box.textContent = text;
  }

  // Someone else decided a card: say so; in a queue it no longer belongs to, it leaves.
  function decidedElsewhere(card, item) {
    note(card, item.text, "decided");
    if (!live.queue) return;
    if (item.leaves) {
      card.classList.add("mod-card-gone");
      const box = card.querySelector("[data-mod-select]");
      if (box && box.checked) {
        box.checked = false;
        selection.delete(card.id);
        updateBulk();
      }
      setTimeout(() => leave(card), GONE_AFTER);
      return;
    }
    // Still in this queue: fetch it afresh, so its buttons act on what it is now.
    const params = queueParams();
    params.set("ids", pkOf(card));
    params.set("next", live.next);
    fetch(`${live.cardsUrl}?${params}`, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        const template = document.createElement("template");
        template.innerHTML = html;
        const fresh = template.content.querySelector("[data-mod-card]");
        const current = document.getElementById(card.id);
        if (!fresh || !current || current.querySelector("details.mod-panel[open]")) return;
        const wasActive = current.id === activeId;
        const box = current.querySelector("[data-mod-select]");
        const freshBox = fresh.querySelector("[data-mod-select]");
        if (box && freshBox) freshBox.checked = box.checked;
        current.replaceWith(fresh);
        if (window.htmx) window.htmx.process(fresh);
        note(fresh, item.text, "decided");
        if (wasActive) setActive(fresh, { focus: false, scroll: false });
      })
      .catch(() => {});
  }

  function showArrivals() {
    for (const id of Array.from(live.arrived)) {
      if (document.getElementById(`comment-${id}`)) live.arrived.delete(id);
    }
    const count = live.arrived.size;
    liveBox.hidden = count === 0;
    if (arrivalsText) arrivalsText.textContent = count ? `${count} new:` : "";
  }

  function showNew() {
    const ids = Array.from(live.arrived).slice(0, live.perPage * 4);
    if (!ids.length) return;
    const params = queueParams();
    params.set("ids", ids.join(","));
    params.set("next", live.next);
    fetch(`${live.cardsUrl}?${params}`, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        for (const id of ids) live.arrived.delete(id);
        const added = addCards(html, { atTop: true, fresh: true });
        showArrivals();
        if (added.length) setActive(added[0]);
      })
      .catch(() => hint("Those comments could not be loaded; try again."));
  }

  const BUSY_TABS = ["needs_review", "reported", "flagged"];

  function showCounts(counts) {
    const current = queueParams().get("tab") || "needs_review";
    for (const [key, count] of Object.entries(counts)) {
      const badge = document.querySelector(`#mod-tabs [data-tab="${key}"] [data-count]`);
      if (!badge) continue;
      if (badge.textContent !== count.label) badge.textContent = count.label;
      const busy = BUSY_TABS.includes(key) && count.value > 0;
      badge.classList.toggle("text-bg-primary", busy);
      badge.classList.toggle("text-bg-light", !busy);
      badge.classList.toggle("border", !busy);
      if (key === current) {
        document.title = document.title.replace(/\([\d,]+\+?\)/, `(${count.label})`);
      }
    }
  }

  function showPresence(presence) {
    for (const card of cards()) {
      const others = presence[pkOf(card)] || [];
      if (!others.length) {
        note(card, "", "presence");
        continue;
      }
      const names = others.map((o) => o.name);
      const who = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
      const acting = others.some((o) => o.acting);
      const verb = names.length === 1 ? (acting ? "is deciding" : "is looking") : (acting ? "are deciding" : "are looking");
      note(card, `${who} ${verb}`, "presence");
    }
  }

  function apply(data) {
    if (data.after !== null && data.after !== undefined) live.after = data.after;
    for (const item of data.decided || []) {
      const seen = `${item.id}:${item.event}`;
      if (live.seen.has(seen)) continue;
      live.seen.add(seen);
      const card = document.getElementById(`comment-${item.id}`);
      // The first poll looks a little before the page was made; a card drawn after the
      // event already shows what it did.
      if (card && Number(card.dataset.lastEvent || 0) < item.event) decidedElsewhere(card, item);
    }
    if (live.queue) {
      for (const id of data.arrived || []) {
        if (!document.getElementById(`comment-${id}`)) live.arrived.add(id);
      }
      if ((data.arrived || []).length) live.exhausted = false;
      showArrivals();
      if (data.counts) showCounts(data.counts);
    }
    showPresence(data.presence || {});
  }

  // htmx requests of this page in flight: the poll waits for them (their answers update
  // the page anyway), so it never competes with the moderator's own action.
  let inFlight = 0;
  document.addEventListener("htmx:beforeRequest", () => {
    inFlight += 1;
  });
  document.addEventListener("htmx:afterRequest", () => {
    inFlight = Math.max(0, inFlight - 1);
  });

  function poll() {
    if (inFlight) {
      setTimeout(poll, 250);
      return;
    }
    const params = live.queue ? queueParams() : new URLSearchParams();
    params.set("view", live.queue ? "queue" : "context");
    if (live.after !== null) params.set("after", live.after);
    else params.set("since", live.since);
    params.set("shown", cards().map(pkOf).slice(0, 200).join(","));
    const active = activeCard();
    const looking = live.queue ? (active ? pkOf(active) : "") : live.looking;
    if (looking) params.set("looking", looking);
    const lookingAt = looking && document.getElementById(`comment-${looking}`);
    if (lookingAt && lookingAt.querySelector("details.mod-panel[open]")) params.set("acting", "1");
    let soon = false;
    fetch(`${live.url}?${params}`, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => {
        const type = response.headers.get("content-type") || "";
        return response.ok && type.includes("json") ? response.json() : null;
      })
      .then((data) => {
        if (!data) return;
        apply(data);
        soon = Boolean(data.more);
      })
      .catch(() => {})
      .finally(() => setTimeout(poll, soon ? 100 : live.poll));
  }

  // ---- start --------------------------------------------------------------------------

  function start() {
    started = true;
    const first = cards()[0];
    if (first) setActive(first, { focus: false, scroll: false });
    updateBulk();

    if (live) {
      const showButton = liveBox.querySelector("[data-mod-show-new]");
      if (showButton) showButton.addEventListener("click", showNew);
      const list = cards();
      if (list.length) live.lastKey = keyOf(list[list.length - 1]);
      else live.exhausted = true;
      poll();
    }
  }

  // htmx wires the page's forms in its own DOMContentLoaded listener (added first: its
  // script runs before this one). Until then a key would post its form as a plain page
  // load, so the keys start (a first card made active) only after htmx has. A deferred
  // script runs while readyState is already "interactive", before DOMContentLoaded, so
  // only "complete" means it has passed: the same test htmx makes.
  if (document.readyState === "complete") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
