// The page Zoom sends the connect popup back to (zoom/connect_result.html).
// On success, or Deny, it tells the Schedule page that opened it, then closes; opened in the main tab
// (popup blocked, or a link followed), it goes on to the Schedule page.
"use strict";
(function () {
  const result = document.querySelector("[data-zoom-outcome]");
  if (!result) return;
  const opener = window.opener && !window.opener.closed ? window.opener : null;
  const origin = window.location.origin;

  // Deny in Zoom's popup: nothing changed, and the Schedule page says so; the popup closes.
  if (result.dataset.zoomOutcome === "denied" && opener) {
    opener.postMessage({ type: "zoom-denied" }, origin);
    window.close();
    return;
  }
  if (result.dataset.zoomOutcome !== "connected") {
    const close = result.querySelector("[data-zoom-close]");
    if (opener && close) {
      close.hidden = false;
      close.addEventListener("click", () => window.close());
    }
    return;
  }
  if ("BroadcastChannel" in window) {
    // Reaches the Schedule page even when the browser cut the opener link.
    const channel = new BroadcastChannel("peerakeet-zoom");
    channel.postMessage({ type: "zoom-connected" });
    channel.close();
  }
  if (opener) {
    opener.postMessage({ type: "zoom-connected" }, origin);
    window.close();
  } else {
    window.location.replace(result.dataset.scheduleUrl);
  }
})();
