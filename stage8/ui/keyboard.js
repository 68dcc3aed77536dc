// Stage 8 keyboard layer for the scene's contact sheet (installed by stage8/ui/keyboard.py).
//
// st.html runs this in the page itself (not an iframe). Streamlit pages share one document, so the
// layer is installed once per browser tab (window.stage8Keys) and each later run only hands it a
// new configuration; it acts only while the page holds its hidden container (the scene page).
// Rows and their buttons are found by the "st-key-" classes of stage8/ui/state.py, so a key
// press clicks exactly the control a mouse user would click.
// Digits: while a "Why?" bar is open (the focused row's, else the open full panel's), 1-9 click
// its reasons and Esc its Skip; otherwise 1-5 click the focused row's stars and 0 its clear.
window.stage8InstallKeys = function (config) {
  "use strict";
  if (window.stage8Keys) {
    window.stage8Keys.configure(config);
    return;
  }
  const doc = document;
  const FOCUSED = "stage8-focused-row";
  const HELP_ID = "stage8-keys-help";
  let cfg = config;
  let rowClass = null; // RegExp of a row container's class, made from cfg.row
  let whyClass = null; // RegExp of a "Why?" bar's class, made from cfg.why
  let expecting = null; // {id, at}: a key that may open the row's "Why?" bar was just pressed
  const EXPECT_MS = 5000;
  let focusedId = null; // the focused row's instance id (a string)
  let placedFor = null; // the page address (scene) the focus was last placed for
  let scheduled = false;
  let waitingFor = null; // the page address whose remembered row has not been drawn yet
  let waitSince = 0;
  const WAIT_FOR_REMEMBERED_MS = 1500;

  function keyOf(template, id) {
    return template.replace("{id}", id);
  }
  function byKey(key, scope) {
    return (scope || doc).querySelector(".st-key-" + CSS.escape(key));
  }
  function configure(next) {
    cfg = next;
    const [head, tail] = cfg.row.split("{id}");
    const quote = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    rowClass = new RegExp("^st-key-" + quote(head) + "(\\d+)" + quote(tail) + "$");
    const [whyHead, whyTail] = cfg.why.split("{id}");
    whyClass = new RegExp("^st-key-" + quote(whyHead) + "(\\d+)" + quote(whyTail) + "$");
    schedule();
  }
  // The layer acts while its container is on the page and no dialog of the page (e.g. compare)
  // is open: keys and focus then belong to the dialog.
  function active() {
    return byKey(cfg.layer) !== null && doc.querySelector('[data-testid="stDialog"]') === null;
  }

  // --- rows and focus --------------------------------------------------------------------------
  function rowIdOf(el) {
    for (const name of el.classList) {
      const m = rowClass.exec(name);
      if (m) return m[1];
    }
    return null;
  }
  function rows() {
    const head = cfg.row.split("{id}")[0];
    const found = doc.querySelectorAll('[class*="st-key-' + head + '"]');
    return Array.from(found).filter((el) => rowIdOf(el) !== null);
  }
  function rowEl(id) {
    return id === null ? null : byKey(keyOf(cfg.row, id));
  }
  function rowOfNode(node) {
    for (let el = node instanceof Element ? node : null; el; el = el.parentElement) {
      if (el.classList && rowIdOf(el) !== null) return el;
    }
    return null;
  }
  function memoryKey() {
    const q = new URLSearchParams(window.location.search);
    const scope = [window.location.pathname, q.get("project") || "", q.get("scene") || ""];
    return "stage8.keys.row:" + scope.join("|");
  }
  function remembered() {
    try {
      return window.sessionStorage.getItem(memoryKey());
    } catch (e) {
      return null;
    }
  }
  function remember(id) {
    try {
      window.sessionStorage.setItem(memoryKey(), id);
    } catch (e) {
      /* storage refused (private mode): the focus is still kept for this page's life */
    }
  }
  function offScreen(el) {
    const r = el.getBoundingClientRect();
    const header = doc.querySelector('[data-testid="stHeader"]');
    const top = header ? header.getBoundingClientRect().bottom : 0;
    return r.top < top || r.bottom > window.innerHeight;
  }
  function mark(id) {
    for (const el of doc.querySelectorAll("." + FOCUSED)) {
      if (rowIdOf(el) !== id) el.classList.remove(FOCUSED);
    }
    const el = rowEl(id);
    if (!el) return null;
    el.classList.add(FOCUSED);
    if (el.getAttribute("tabindex") === null) el.setAttribute("tabindex", "-1");
    return el;
  }
  // Focus a row: outline, real DOM focus (never scrolling), and a scroll only when it is off screen.
  function focusRow(id, reveal) {
    const el = mark(id);
    if (!el) return;
    focusedId = id;
    remember(id);
    if (doc.activeElement !== el) el.focus({ preventScroll: true });
    if (reveal && offScreen(el)) el.scrollIntoView({ block: "nearest" });
  }
  function idle() {
    const a = doc.activeElement;
    return !a || a === doc.body || a === doc.documentElement || !a.isConnected;
  }
  // Runs after every change of the page: place the focus on first load (the remembered row, else
  // the first), and bring it back to the same row when a fragment rerun replaced the row's DOM.
  function settle() {
    scheduled = false;
    if (!rowClass || !active()) return;
    const all = rows();
    if (all.length === 0) return;
    const here = memoryKey();
    if (placedFor !== here) {
      const wanted = remembered();
      if (wanted !== null && !rowEl(wanted)) {
        // Streamlit draws a long page in several frames: give the remembered row a moment to
        // appear before settling for the first one (it may also have left the scene).
        if (waitingFor !== here) {
          waitingFor = here;
          waitSince = Date.now();
        }
        if (Date.now() - waitSince < WAIT_FOR_REMEMBERED_MS) {
          window.setTimeout(schedule, 100);
          return;
        }
      }
      placedFor = here;
      focusRow(wanted !== null && rowEl(wanted) ? wanted : rowIdOf(all[0]), true);
      return;
    }
    if (focusedId === null || !rowEl(focusedId)) focusedId = rowIdOf(all[0]);
    const el = mark(focusedId);
    if (el && idle()) el.focus({ preventScroll: true });
  }
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    window.requestAnimationFrame(settle);
  }

  // --- actions ---------------------------------------------------------------------------------
  function control(key) {
    const box = byKey(key);
    if (!box) return null;
    if (box.matches("button, input")) return box;
    return box.querySelector("button, input[type=checkbox], a[href]");
  }
  function press(key) {
    const el = control(key);
    if (!el || el.disabled) return false;
    el.click();
    return true;
  }
  function rowAction(name) {
    if (focusedId === null) return false;
    return press(keyOf(cfg.actions[name], focusedId));
  }

  // --- the "Why?" bar and the stars ------------------------------------------------------------
  const numbered = (template, id, n) => keyOf(template, id).replace("{n}", String(n));
  const DISMISSED = "stage8-why-dismissed";
  // A bar the reviewer left (j, k, n) is hidden here, with no request to the server: a click
  // now would race the next row's keys. The row's next action closes it for good.
  function barOf(id) {
    const el = id === null ? null : byKey(keyOf(cfg.why, id));
    return el && !el.classList.contains(DISMISSED) ? el : null;
  }
  // The open bar the digits go to: the focused row's, else the one in the open full panel.
  function openBar() {
    if (barOf(focusedId)) return focusedId;
    const panel = '[class*="st-key-' + cfg.panel.split("{id}")[0] + '"]';
    for (const el of doc.querySelectorAll('[class*="st-key-' + cfg.why.split("{id}")[0] + '"]')) {
      if (!el.closest(panel) || el.classList.contains(DISMISSED)) continue;
      const m = [...el.classList].map((name) => whyClass.exec(name)).find(Boolean);
      if (m) return m[1];
    }
    return null;
  }
  function scriptRunning() {
    const app = doc.querySelector('[data-testid="stApp"]');
    return app !== null && app.getAttribute("data-test-script-state") !== "notRunning";
  }
  // Call then(barOpen) once the rerun started by the last key is over (or the row's bar shows).
  function afterRerun(id, then) {
    const start = Date.now();
    let seenRun = false;
    const tick = () => {
      const running = scriptRunning();
      if (running) seenRun = true;
      // A click while the rerun still draws the row may be dropped: wait until it is over.
      if (barOf(id) && !running) return then(true);
      const waited = Date.now() - start;
      if ((!running && (seenRun || waited > 1500)) || waited > EXPECT_MS) return then(false);
      window.setTimeout(tick, 50);
    };
    tick();
  }
  // The row's stars are one st.feedback widget: n clicks its n-th star, 0 its checked one (a
  // click on the current rating clears it).
  function rate(id, n) {
    if (n > 5 || id === null) return false;
    const box = byKey(keyOf(cfg.stars, id));
    if (!box) return false;
    const stars = [...box.querySelectorAll('[role="radio"]')];
    const checked = stars.find((s) => s.getAttribute("aria-checked") === "true");
    const star = n === 0 ? checked : stars[n - 1];
    if (!star || star.disabled) return false;
    star.click();
    return true;
  }
  // A digit: a reason while a bar is open; right after s, x or m on this row, wait for the row to
  // come back (a fast "x 2" is a reason, not a rating); else the shown attempt's stars.
  function digit(n) {
    const barId = openBar();
    if (barId !== null) {
      if (n === 0) return false;
      press(numbered(cfg.whyCode, barId, n));
      expecting = null;
      return true;
    }
    const id = focusedId;
    if (expecting && expecting.id === id && Date.now() - expecting.at < EXPECT_MS) {
      expecting = null;
      afterRerun(id, (open) => (open ? n && press(numbered(cfg.whyCode, id, n)) : rate(id, n)));
      return true;
    }
    return rate(id, n);
  }
  // Leaving a row with its bar open (j, k, n, ↑, ↓) puts the question away.
  function skipBar(id) {
    barOf(id)?.classList.add(DISMISSED);
  }
  function move(step) {
    skipBar(focusedId);
    const all = rows();
    if (all.length === 0) return;
    const at = all.findIndex((el) => rowIdOf(el) === focusedId);
    const to = at < 0 ? 0 : Math.min(Math.max(at + step, 0), all.length - 1);
    focusRow(rowIdOf(all[to]), true);
  }
  function nextNeeding() {
    skipBar(focusedId);
    const all = rows();
    const at = all.findIndex((el) => rowIdOf(el) === focusedId);
    for (const el of all.slice(at + 1)) {
      const id = rowIdOf(el);
      if (byKey(keyOf(cfg.needs, id), el)) {
        focusRow(id, true);
        return;
      }
    }
    press(cfg.nextAttention);
  }

  // --- cheat sheet -----------------------------------------------------------------------------
  function help() {
    return doc.getElementById(HELP_ID);
  }
  function toggleHelp(open) {
    let box = help();
    if (!box) {
      box = doc.createElement("div");
      box.id = HELP_ID;
      box.setAttribute("role", "dialog");
      box.setAttribute("aria-label", cfg.helpTitle);
      box.hidden = true;
      const title = doc.createElement("h3");
      title.textContent = cfg.helpTitle;
      box.appendChild(title);
      const list = doc.createElement("dl");
      for (const [keys, what] of cfg.help) {
        const dt = doc.createElement("dt");
        for (const k of keys) {
          const kbd = doc.createElement("kbd");
          kbd.textContent = k;
          dt.appendChild(kbd);
        }
        const dd = doc.createElement("dd");
        dd.textContent = what;
        list.append(dt, dd);
      }
      box.appendChild(list);
      doc.body.appendChild(box);
    }
    box.hidden = open === undefined ? !box.hidden : !open;
  }

  // --- events ----------------------------------------------------------------------------------
  const TEXT_INPUTS = /^(text|search|email|url|tel|password|number|date|datetime-local|month|time|week)$/;
  function typing(el) {
    if (!(el instanceof Element)) return false;
    if (el.isContentEditable || el.closest("[contenteditable='true'], [contenteditable='']")) {
      return true;
    }
    const tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag === "INPUT") return TEXT_INPUTS.test(el.type || "text");
    return ["combobox", "textbox", "searchbox", "spinbutton"].includes(el.getAttribute("role"));
  }
  // Arrow keys already mean something on these (a slider, radio buttons, tabs, a menu).
  function ownsArrows(el) {
    if (!(el instanceof Element)) return false;
    if (el.matches("input[type=range], input[type=radio]")) return true;
    const roles = ["slider", "radio", "tab", "option", "listbox", "menuitem", "grid", "gridcell"];
    return roles.includes(el.getAttribute("role"));
  }
  // Enter already activates a focused button, link or checkbox; on those it keeps that meaning.
  function ownsEnter(el) {
    return el instanceof Element && el.matches("button, a[href], input, summary, [role=button]");
  }
  const ROW_KEYS = {
    ArrowLeft: "prev", ArrowRight: "next", s: "select", Enter: "select", m: "as_is",
    g: "generate", p: "pin", x: "trash", c: "compare",
  };
  const REASONED = new Set(["select", "trash", "as_is"]); // may open the row's "Why?" bar
  function onKey(e) {
    if (!rowClass || !active() || e.defaultPrevented || e.isComposing) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target;
    if (typing(target)) return;
    if (focusedId === null) settle(); // a key pressed before the first frame placed the focus
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    let handled = true;
    if (key === "?") toggleHelp();
    else if (key === "Escape" && help() && !help().hidden) toggleHelp(false);
    else if (key === "Escape" && openBar() !== null) press(keyOf(cfg.whySkip, openBar()));
    else if (/^[0-9]$/.test(key)) handled = digit(Number(key));
    else if ((key === "ArrowDown" || key === "ArrowUp") && ownsArrows(target)) handled = false;
    else if (key === "ArrowDown" || key === "j") move(1);
    else if (key === "ArrowUp" || key === "k") move(-1);
    else if (key === "u") press(cfg.undo);
    else if (key === "n") nextNeeding();
    else if (key in ROW_KEYS) {
      if (key === "Enter" && ownsEnter(target)) handled = false;
      else if (key.startsWith("Arrow") && ownsArrows(target)) handled = false;
      else if (rowAction(ROW_KEYS[key]) && REASONED.has(ROW_KEYS[key])) {
        expecting = { id: focusedId, at: Date.now() };
      }
    } else handled = false;
    if (handled) {
      // Ahead of Streamlit's own single-letter keys ("c" opens its clear-cache dialog).
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }
  // A click or Tab into a row makes it the focused row (without taking the focus from the button).
  function onPointer(e) {
    if (!rowClass || !active()) return;
    const row = rowOfNode(e.target);
    if (row) {
      focusedId = rowIdOf(row);
      mark(focusedId);
      remember(focusedId);
    }
  }

  // Streamlit's collapse control is the only way to start with the sidebar closed on a narrow
  // window (st.set_page_config cannot depend on the width): once per browser session.
  function narrowSidebar() {
    if (window.innerWidth > cfg.narrowWidth) return;
    try {
      if (window.sessionStorage.getItem("stage8.keys.sidebar")) return;
    } catch (e) {
      return;
    }
    const bar = doc.querySelector('[data-testid="stSidebar"]');
    const button = doc.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (!bar || !button) return;
    window.sessionStorage.setItem("stage8.keys.sidebar", "collapsed");
    if (bar.getAttribute("data-collapsed") !== "true") button.click();
  }

  // A "?" button of the page's own (key cfg.helpButton) opens the same cheat sheet.
  function onClick(e) {
    if (!rowClass || !active() || !(e.target instanceof Element)) return;
    if (e.target.closest(".st-key-" + CSS.escape(cfg.helpButton))) toggleHelp();
  }

  window.addEventListener("keydown", onKey, true);
  doc.addEventListener("pointerdown", onPointer, true);
  doc.addEventListener("focusin", onPointer, true);
  doc.addEventListener("click", onClick, true);
  new MutationObserver(() => {
    schedule();
    narrowSidebar();
  }).observe(doc.body, { childList: true, subtree: true });
  window.stage8Keys = { configure, focusedRow: () => focusedId };
  configure(config);
  narrowSidebar();
};
