// The installable app, in the page (the service worker's side is peerakeet/templates/peerakeet/
// sw.js): registers the worker, empties the caches once signed out, ends this device's
// notifications when it signs out, makes the offline copy of the Schedule read-only, and offers
// "Install Peerakeet" where the browser can install.
"use strict";
(function () {
  const body = document.body;
  const OURS = "peerakeet-";

  function isIOS() {
    const ua = window.navigator.userAgent;
    // iPadOS Safari says "Macintosh"; only a touch screen tells it from a Mac.
    return /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && window.navigator.maxTouchPoints > 1);
  }

  // --- The service worker --------------------------------------------------------------------
  // Resolves to the registration, or null: no worker (private mode, an old browser), and the site
  // works as it always did, online (without notifications).
  const registered =
    "serviceWorker" in navigator && body.dataset.serviceWorker
      ? navigator.serviceWorker.register(body.dataset.serviceWorker, { scope: "/" }).catch(() => null)
      : Promise.resolve(null);

  // Signed out, however it happened: nothing private stays on this device.
  if (body.dataset.signedIn !== "true" && "caches" in window) {
    window.caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith(OURS)).map((n) => window.caches.delete(n))));
  }

  // --- This device's push subscription ---------------------------------------------------------
  // The browser's PushSubscription, or null (no worker, no subscription, no PushManager).
  function thisSubscription() {
    return registered
      .then((registration) => (registration && registration.pushManager ? registration.pushManager.getSubscription() : null))
      .catch(() => null);
  }

  // How Peerakeet's pages name a device without showing its endpoint (push.models.device_key):
  // the first 16 hex digits of the endpoint's SHA-256. Null where the browser cannot hash.
  async function deviceKey(endpoint) {
    if (!window.crypto || !window.crypto.subtle) return null;
    const digest = await window.crypto.subtle.digest("SHA-256", new TextEncoder().encode(endpoint));
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("").slice(0, 16);
  }

  // Never let the browser's push machinery hold a sign-out: after this long the form goes anyway.
  const AT_MOST_MS = 3000;
  function atMost(promise) {
    return Promise.race([promise, new Promise((resolve) => window.setTimeout(resolve, AT_MOST_MS))]).catch(() => null);
  }

  // Do ``work`` before the form goes (once), then submit it as it was.
  function beforeSubmitting(form, work) {
    form.addEventListener("submit", (event) => {
      if (form.dataset.pushReady === "yes") return;
      event.preventDefault();
      if (form.dataset.pushReady === "working") return; // a second click while the first goes
      form.dataset.pushReady = "working";
      atMost(work()).finally(() => {
        form.dataset.pushReady = "yes";
        form.submit();
      });
    });
  }

  function sendEndpoint(form, subscription) {
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = "push_endpoint";
    field.value = subscription.endpoint;
    form.appendChild(field);
  }

  // Sign out, sign out everywhere: this device stops getting the person's pushes, in the browser
  // (unsubscribed) and on the server (the sign-out removes the subscription whose endpoint it is
  // sent; sign out everywhere removes them all).
  document.querySelectorAll("form[data-sign-out]").forEach((form) => {
    beforeSubmitting(form, async () => {
      const subscription = await thisSubscription();
      if (!subscription) return;
      sendEndpoint(form, subscription);
      await subscription.unsubscribe();
    });
  });

  // A new password ends every other device's notifications; this one, staying signed in, says
  // which it is so it keeps its own.
  document.querySelectorAll("form[data-push-endpoint]").forEach((form) => {
    beforeSubmitting(form, async () => {
      const subscription = await thisSubscription();
      if (subscription) sendEndpoint(form, subscription);
    });
  });

  // Preferences, "Stop notifications on …": the row of this very device also unsubscribes the
  // browser; another device's row removes only the server's subscription (that device tidies its
  // browser up the next time it opens a page that shows notifications: see below).
  document.querySelectorAll("form[data-push-device]").forEach((form) => {
    beforeSubmitting(form, async () => {
      const subscription = await thisSubscription();
      if (subscription && (await deviceKey(subscription.endpoint)) === form.dataset.pushDevice) {
        await subscription.unsubscribe();
      }
    });
  });

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
    if (!offer || window.peerakeet.standalone() || dismissed()) return;
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

  // --- Notifications on this device (peerakeet/_device_push.html) -----------------------------
  const push = document.querySelector("[data-device-push]");
  if (push) {
    const say = (text) => {
      push.querySelector("[data-device-push-status]").textContent = text;
    };
    const on = push.querySelector("[data-device-push-on]");
    const off = push.querySelector("[data-device-push-off]");
    const BLOCKED =
      "Notifications are blocked for Peerakeet in this browser. To allow them, open the site settings " +
      "(the icon just left of the web address, or the browser menu, then Settings, then Site settings), " +
      "set Notifications to Allow for this site, and reload this page.";
    let current = null; // this browser's PushSubscription, when it has one

    function showing(subscribed) {
      on.hidden = subscribed;
      off.hidden = !subscribed;
    }

    function keyBytes(base64url) {
      const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
      const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
      return Uint8Array.from(window.atob(padded), (c) => c.charCodeAt(0));
    }

    // Peerakeet stored the change only when it says so itself: a sign-in that lapsed meanwhile
    // answers 401 (or, through a proxy or an older server, a redirect that fetch follows to the
    // sign-in page's 200), and nothing was stored.
    function tell(url, body) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": push.dataset.csrf },
        body: JSON.stringify(body),
      }).then((response) => {
        if (response.redirected || response.status === 401 || response.status === 403) {
          const signedOut = new Error("not signed in");
          signedOut.signedOut = true;
          throw signedOut;
        }
        if (!response.ok) throw new Error(`Peerakeet answered ${response.status}`);
      });
    }

    function done(words, subscribed) {
      // A page that lists the devices shows the change in its list.
      if (push.hasAttribute("data-device-push-reload")) {
        window.location.reload();
        return;
      }
      on.disabled = off.disabled = false;
      showing(subscribed);
      say(words);
      // The button just pressed is hidden now: keep the keyboard's place on the one shown instead.
      (subscribed ? off : on).focus();
    }

    // Subscribed under a key Peerakeet no longer signs with (the operators replaced the pair, see
    // docs/operations.md): the push service refuses those pushes. Permission is granted already,
    // so the page subscribes afresh, without asking, and tells Peerakeet.
    async function renewed(registration, subscription) {
      const key = subscription && subscription.options && subscription.options.applicationServerKey;
      if (!key || window.Notification.permission !== "granted") return subscription;
      const wanted = keyBytes(push.dataset.pushKey);
      const had = new Uint8Array(key);
      if (had.length === wanted.length && had.every((byte, i) => byte === wanted[i])) return subscription;
      await tell(push.dataset.unsubscribeUrl, { endpoint: subscription.endpoint });
      await subscription.unsubscribe();
      const fresh = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: wanted });
      await tell(push.dataset.subscribeUrl, fresh.toJSON());
      return fresh;
    }

    async function turnOn() {
      if ((await window.Notification.requestPermission()) !== "granted") {
        say(BLOCKED);
        return;
      }
      const registration = await navigator.serviceWorker.ready;
      const options = { userVisibleOnly: true, applicationServerKey: keyBytes(push.dataset.pushKey) };
      try {
        current = await registration.pushManager.subscribe(options);
      } catch (problem) {
        // Subscribed earlier with another key (Peerakeet's key was replaced): start afresh.
        const old = problem.name === "InvalidStateError" && (await registration.pushManager.getSubscription());
        if (!old) throw problem;
        await old.unsubscribe();
        current = await registration.pushManager.subscribe(options);
      }
      try {
        await tell(push.dataset.subscribeUrl, current.toJSON());
      } catch (problem) {
        // Not stored: this browser must not think it is on (the next visit would say so).
        await current.unsubscribe().catch(() => false);
        current = null;
        throw problem;
      }
      done("Notifications are on for this device.", true);
    }

    // Subscribed in the browser but no longer among the devices Peerakeet sends to (removed on
    // another device, "Sign out everywhere", a new password, a push service that forgot it): the
    // browser unsubscribes too, so the page says "off" and means it.
    async function forgotten(subscription) {
      if (!subscription || push.dataset.pushDevices === undefined) return subscription;
      const key = await deviceKey(subscription.endpoint);
      if (key === null || push.dataset.pushDevices.split(" ").includes(key)) return subscription;
      await subscription.unsubscribe();
      return null;
    }

    async function turnOff() {
      if (current) {
        await tell(push.dataset.unsubscribeUrl, { endpoint: current.endpoint });
        await current.unsubscribe();
        current = null;
      }
      done("Notifications are off for this device.", false);
    }

    function whenClicked(button, action, failure, signedOut) {
      button.addEventListener("click", () => {
        on.disabled = off.disabled = true;
        say("One moment…");
        action()
          .catch((problem) => say(problem && problem.signedOut ? signedOut : failure))
          .finally(() => {
            on.disabled = off.disabled = false;
          });
      });
    }

    const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
    if (isIOS() && !window.peerakeet.standalone()) {
      // Apple gives notifications only to an app on the Home Screen, and Safari's tabs no PushManager.
      say("Install Peerakeet to your Home Screen to get notifications: tap Share, then Add to Home Screen, and open Peerakeet from there.");
    } else if (!supported || !push.dataset.pushKey) {
      say("This browser cannot get notifications from Peerakeet.");
    } else {
      whenClicked(
        on,
        turnOn,
        "Notifications could not be turned on here. Try again, or use another browser.",
        "Sign in again to turn notifications on.",
      );
      whenClicked(
        off,
        turnOff,
        "Notifications could not be turned off here. Try again.",
        "Sign in again to turn notifications off.",
      );
      const cannot = () => say("This browser cannot get notifications from Peerakeet.");
      registered
        .then((registration) => {
          if (!registration) throw new Error("no service worker");
          return navigator.serviceWorker.ready;
        })
        .then((registration) =>
          registration.pushManager
            .getSubscription()
            .then(forgotten)
            .then((subscription) => renewed(registration, subscription)),
        )
        .then((subscription) => {
          const allowed = window.Notification.permission;
          current = allowed === "granted" ? subscription : null;
          showing(Boolean(current));
          if (allowed === "denied") {
            on.hidden = true;
            say(BLOCKED);
          } else {
            say(current ? "Notifications are on for this device." : "Notifications are off for this device.");
          }
        })
        .catch(cannot);
    }
  }
})();
