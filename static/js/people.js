/*
 * Keys for the author of the active card (moderation/card_html.py):
 * p opens their page; Shift+B and Shift+T open the ban and trust panels, which ask to
 * confirm (Enter, through moderation.js's panel keys). Without JavaScript the same links
 * and forms are on the card. Ignored while typing in a field (not on a checkbox or a
 * button) or with the help open.
 */
(function () {
  "use strict";

  if (!document.querySelector("[data-mod-workspace]")) return;

  function activeCard() {
    return document.querySelector("[data-mod-card].is-active");
  }

  // A field one types in, as moderation.js (loaded first) decides it: a selection
  // checkbox, a radio or a button is not one, so the keys work there as j and a do.
  const typing = window.moderationKeys.isTyping;

  function openPanel(kind) {
    const card = activeCard();
    const panel = card && card.querySelector(`[data-mod-record] [data-mod-panel="${kind}"]`);
    if (!panel) return false;
    for (const other of document.querySelectorAll("details.mod-panel[open]")) other.open = false;
    panel.open = true;
    const first = panel.querySelector("input[type=text], [data-mod-confirm]");
    if (first) first.focus();
    return true;
  }

  const KEYS = {
    p: () => {
      const card = activeCard();
      const link = card && card.querySelector("[data-mod-person]");
      if (!link) return false;
      window.location.href = link.href;
      return true;
    },
    B: () => openPanel("ban"),
    T: () => openPanel("trust"),
  };

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const help = document.getElementById("mod-keys");
    if ((help && help.open) || typing(event.target)) return;
    if (event.target.closest && event.target.closest("details.mod-panel[open]")) return;
    const action = KEYS[event.key];
    if (action && action()) event.preventDefault();
  });
})();
