// The installable app, in the page (the service worker's side is peerakeet/templates/peerakeet/
// sw.js): registers the worker, empties the caches once signed out, makes the offline copy of
// the Schedule read-only, and offers "Install Peerakeet" where the browser can install.
"use strict";
(function () {
  const body = document.body;
  const OURS = "peerakeet-";

  function standalone() {
    return window.matchMedia("(display-mode: standalone)").matches || window.navigator.standalone === true;
  }

  function isIOS() {
    const ua = window.navigator.userAgent;
    // iPadOS Safari says "Macintosh"; only a touch screen tells it from a Mac.
    return /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && window.navigator.maxTouchPoints > 1);
  }

  // --- The service worker --------------------------------------------------------------------
  if ("serviceWorker" in navigator && body.dataset.serviceWorker) {
    navigator.serviceWorker.register(body.dataset.serviceWorker, { scope: "/" }).catch(() => {
      // No worker (private mode, an old browser): the site works as it always did, online.
    });
  }

  // Signed out, however it happened: nothing private stays on this device.
  if (body.dataset.signedIn !== "true" && "caches" in window) {
    window.caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith(OURS)).map((n) => window.caches.delete(n))));
  }

  // --- The offline copy of the Schedule ------------------------------------------------------
  if (document.documentElement.hasAttribute("data-offline-copy")) {
    document.querySelectorAll("button, input, select, textarea").forEach((control) => {
      control.disabled = true;
    });
    // "Session scheduled" and the like were news when the page was saved, not now.
    document.querySelectorAll(".messages").forEach((news) => news.remove());
    // Join Session and the like need the internet: shown as unavailable, like the buttons.
    document.querySelectorAll("a.button").forEach((link) => {
      link.setAttribute("aria-disabled", "true");
      link.addEventListener("click", (event) => event.preventDefault());
    });
    // Nothing on the copy asks the server for fresh parts (htmx starts after this script).
    document.querySelectorAll("[hx-get], [hx-post]").forEach((element) => {
      ["hx-get", "hx-post", "hx-trigger"].forEach((name) => element.removeAttribute(name));
    });
    // Back online: the real page, with whatever changed meanwhile. The browser may say "online"
    // before Peerakeet answers (or the server was what was down): ask it first, and keep asking.
    const RETRY_MS = 5000;
    let asking = null;
    const askTheServer = () => {
      window.clearTimeout(asking);
      fetch(window.location.href, { method: "HEAD", cache: "no-store", credentials: "same-origin" }).then(
        () => window.location.reload(),
        () => {
          asking = window.setTimeout(askTheServer, RETRY_MS);
        },
      );
    };
    window.addEventListener("online", askTheServer);
    if (navigator.onLine) asking = window.setTimeout(askTheServer, RETRY_MS);
  }

  // --- Install Peerakeet ---------------------------------------------------------------------
  const offer = document.querySelector("[data-install]");
  const DISMISSED = "peerakeet-install-dismissed";
  let deferred = null;

  function dismissed() {
    try {
      return window.localStorage.getItem(DISMISSED) === "yes";
    } catch (blocked) {
      return false;
    }
  }

  function show(part) {
    if (!offer || standalone() || dismissed()) return;
    offer.querySelector(part).hidden = false;
    offer.hidden = false;
  }

  if (offer) {
    window.addEventListener("beforeinstallprompt", (event) => {
      event.preventDefault(); // offer it in our words, where the person can find it again
      deferred = event;
      show("[data-install-prompt]");
    });
    offer.querySelector("[data-install-button]").addEventListener("click", () => {
      if (!deferred) return;
      deferred.prompt();
      deferred.userChoice.finally(() => {
        deferred = null;
      });
    });
    window.addEventListener("appinstalled", () => {
      offer.hidden = true;
    });
    offer.querySelector("[data-install-dismiss]").addEventListener("click", () => {
      offer.hidden = true;
      try {
        window.localStorage.setItem(DISMISSED, "yes");
      } catch (blocked) {
        // Shown again next time: no harm.
      }
    });
    if (isIOS()) show("[data-install-ios]");
  }

  // --- This device, on the Notifications page ------------------------------------------------
  const status = document.querySelector("[data-device-notifications]");
  if (status) {
    let words;
    if (!("Notification" in window) || !("serviceWorker" in navigator)) {
      words = isIOS() && !standalone()
        ? "On an iPhone or iPad, notifications come to Peerakeet once it is on your Home Screen (see Install Peerakeet below)."
        : "This browser cannot show notifications from Peerakeet.";
    } else {
      words = {
        granted: "Notifications are allowed on this device.",
        denied: "Notifications are blocked on this device. You can allow them in your browser's site settings.",
        default: "Peerakeet has not asked to show notifications on this device yet.",
      }[window.Notification.permission];
    }
    status.textContent = words;
  }
})();
