// The Zoom status pill (zoom/_status_pill.html). No inline scripts: the CSP forbids them.
//
// Connect opens Zoom's authorization screen in a popup. window.open runs synchronously inside
// the click, before any network request, so popup blockers treat it as user-initiated; the popup
// starts on about:blank and is pointed at Zoom once the POST returns the authorize URL. When
// the popup is blocked, the same tab goes to Zoom and the callback brings it back to Schedule.
// The pill re-reads its state (database only) while a popup is open, when the popup reports
// success, and whenever the page regains focus; on success the session lists re-read theirs.
//
// Inside the installed app (display-mode standalone) a popup is not a window beside the app:
// Android opens it as a separate tab and iOS in a sheet, and neither keeps the opener. There the
// app itself goes to Zoom and the callback brings it back to Schedule, which shows Connected.
// Should the system browser have finished it instead, the pill re-reads its state when the app
// is back in front, and a pill that turns Connected refreshes the session lists too.
"use strict";
(function () {
  const POLL_MS = 2500;
  const POLL_LIMIT_MS = 10 * 60 * 1000; // the OAuth state lives ten minutes
  let poller = null;

  function pill() {
    return document.getElementById("zoom-status");
  }

  function refresh() {
    if (pill() && window.htmx) window.htmx.trigger(document.body, "zoom-refresh");
  }

  function stopPolling() {
    if (poller !== null) window.clearInterval(poller);
    poller = null;
  }

  function watch(popup) {
    stopPolling();
    const started = Date.now();
    poller = window.setInterval(() => {
      refresh();
      if (popup.closed || Date.now() - started > POLL_LIMIT_MS) stopPolling();
    }, POLL_MS);
  }

  async function authorizeUrl(form, mode) {
    const data = new FormData(form);
    data.set("mode", mode);
    const response = await fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new Error("connect failed: " + response.status);
    return (await response.json()).authorize_url;
  }

  function connect(form) {
    const popup = window.peerakeet.standalone()
      ? null
      : window.open("about:blank", "peerakeet-zoom-connect", "popup,width=620,height=760");
    const mode = popup ? "popup" : "tab";
    authorizeUrl(form, mode).then(
      (url) => {
        if (popup && !popup.closed) {
          popup.location.href = url;
          watch(popup);
        } else {
          window.location.assign(url);
        }
      },
      () => {
        // Signed out, certification revoked, CSRF expired: let the server explain in a page.
        if (popup) popup.close();
        form.submit();
      },
    );
  }

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-zoom-connect]");
    if (!form) return;
    event.preventDefault();
    connect(form);
  });

  // Connected: the pill re-reads its state, and the Schedule page's session lists re-read
  // theirs (sessions that waited for Zoom are being prepared now).
  let announced = false; // the lists were told already: the pill's swap need not tell them again
  function connected() {
    announced = true;
    refresh();
    if (window.htmx) window.htmx.trigger(document.body, "zoom-connected");
  }

  // Denied in Zoom's popup: say once, on the page, that nothing changed.
  function denied() {
    let notice = document.querySelector("[data-zoom-denied]");
    if (!notice) {
      notice = document.createElement("p");
      notice.className = "message message-warning";
      notice.setAttribute("role", "status");
      notice.dataset.zoomDenied = "";
      document.querySelector("main").prepend(notice);
    }
    notice.textContent =
      "You did not allow Peerakeet to use your Zoom account, so nothing changed. You can connect any time.";
  }

  window.addEventListener("message", (event) => {
    if (event.origin !== window.location.origin || !event.data) return;
    if (event.data.type === "zoom-connected") {
      stopPolling();
      connected();
    } else if (event.data.type === "zoom-denied") {
      stopPolling();
      denied();
    }
  });
  if ("BroadcastChannel" in window) {
    new BroadcastChannel("peerakeet-zoom").addEventListener("message", connected);
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refresh();
  });
  window.addEventListener("focus", refresh);

  // Keep keyboard focus in the pill when its buttons are swapped (Disconnect -> Connect).
  let focusWasInPill = false;
  let wasConnected = false;
  function isConnected(target) {
    return Boolean(target && target.querySelector(".pill-connected"));
  }
  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = pill();
    focusWasInPill = Boolean(target && event.detail.target === target && target.contains(document.activeElement));
    wasConnected = Boolean(target && event.detail.target === target && isConnected(target));
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    const target = pill();
    // Connected elsewhere (the system browser, another tab): the lists learn it from the pill.
    if (target && event.detail.target === target) {
      if (!wasConnected && isConnected(target) && !announced) {
        stopPolling();
        window.htmx.trigger(document.body, "zoom-connected");
      }
      announced = false;
    }
    if (focusWasInPill && target && event.detail.target === target) {
      const button = target.querySelector("button");
      if (button) button.focus();
    }
    focusWasInPill = false;
  });
})();
