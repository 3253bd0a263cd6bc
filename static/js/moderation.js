/*
 * Keyboard triage for the moderation workspace. Plain JavaScript, no dependencies; htmx
 * (loaded before this file) swaps the cards. Without JavaScript every control is an
 * ordinary form that posts and redirects back, so nothing here is needed to moderate.
 *
 * Keys: j/k move, a approve, h hide, f flag, u undo, x select, A/H bulk approve/hide,
 * o open the context page, ? help, Esc close. Ignored while typing in a field.
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
    if (scroll) card.scrollIntoView({ block: "nearest" });
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

  function isTyping(element) {
    return (
      element &&
      (element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName))
    );
  }

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
    F: () => { const card = requireCard(); if (!card) return; const button = card.querySelector("[data-mod-feature]"); if (button) button.click(); else hint("Only a published comment can be featured."); },
    "?": showHelp,
    Escape: () => closePanels(),
  };

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (help && help.open) return; // the dialog closes itself on Esc
    const panel = event.target.closest && event.target.closest("details.mod-panel[open]");
    if (panel && panelKey(event, panel)) {
      event.preventDefault();
      return;
    }
    if (isTyping(event.target)) return;
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
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    const xhr = event.detail.xhr;
    const status = xhr.status;
    if (status >= 500 || status === 0 || status === 403) {
      requests.delete(xhr);
      hint(status === 403 ? "You may not do that; log in again?" : "That did not work; nothing was changed. Try again.");
    }
  });

  // ---- start --------------------------------------------------------------------------

  const first = cards()[0];
  if (first) setActive(first, { focus: false, scroll: false });
  updateBulk();
})();
