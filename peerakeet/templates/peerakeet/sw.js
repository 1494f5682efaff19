// Peerakeet's service worker, version {{ version }} (peerakeet/pwa.py: a digest of this file and
// of every file it caches, so any change installs a new worker that replaces the old caches).
//
// What it keeps, and why nothing else:
// - the app shell (styles, scripts, icons, the offline page), cache-first: these are the same for
//   everyone and versioned with the worker;
// - the last Schedule page seen, only to show it read-only, with an "offline" notice, when the
//   network is gone. Every page, the Schedule page too, comes from the network whenever it can:
//   a session page is never shown from a copy.
// Sign-out empties every cache: this worker does when it fetches the sign-in page that sign-out
// lands on, pwa.js does again on that page, and the server's sign-out response says
// Clear-Site-Data: "cache" for the browser's HTTP cache.
//
// It also shows Web Push notifications ({"title", "body", "url", "tag"}) and opens their page
// when one is clicked: only a page of this site, never an address from elsewhere.
"use strict";
const VERSION = "{{ version }}";
const CONFIG = {{ config|safe }};
{% verbatim %}
const SHELL_CACHE = "peerakeet-shell-" + VERSION;
const PAGES_CACHE = "peerakeet-pages-" + VERSION;
const OURS = "peerakeet-";

self.addEventListener("install", (event) => {
  event.waitUntil(fillShell().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(dropCachesExcept([SHELL_CACHE, PAGES_CACHE]).then(() => self.clients.claim()));
});

function fillShell() {
  // credentials "omit": the shell is the same for everyone and must name no one.
  return caches
    .open(SHELL_CACHE)
    .then((cache) =>
      cache.addAll(CONFIG.shell.map((url) => new Request(url, { credentials: "omit", cache: "reload" }))),
    );
}

async function dropCachesExcept(keep) {
  const names = await caches.keys();
  await Promise.all(names.filter((name) => name.startsWith(OURS) && !keep.includes(name)).map((name) => caches.delete(name)));
}

async function dropAllCaches() {
  await dropCachesExcept([]);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request, url, event));
  } else if (url.pathname.startsWith(CONFIG.static)) {
    event.respondWith(staticFile(request));
  }
  // Anything else (htmx fragments, the API, the manifest) goes to the network as usual.
});

async function staticFile(request) {
  const cached = await caches.match(request, { cacheName: SHELL_CACHE });
  return cached || fetch(request);
}

async function page(request, url, event) {
  let response;
  try {
    response = await fetch(request);
  } catch (offline) {
    return offlinePage(url);
  }
  if (url.pathname === CONFIG.signIn) {
    // Signed out (by the button, after a while idle, or from another device): nothing private stays.
    event.waitUntil(dropAllCaches());
  } else if (isSchedulePage(url, response)) {
    const copy = response.clone();
    event.waitUntil(
      Promise.all([caches.open(PAGES_CACHE).then((cache) => cache.put(CONFIG.schedule, copy)), refillShell()]),
    );
  }
  return response;
}

function isSchedulePage(url, response) {
  const type = response.headers.get("Content-Type") || "";
  return (
    url.pathname === CONFIG.schedule &&
    url.search === "" &&
    response.status === 200 &&
    response.type === "basic" &&
    !response.redirected &&
    type.startsWith("text/html")
  );
}

async function refillShell() {
  // Sign-out emptied the shell too; the first page after signing in again fills it back.
  if (!(await caches.has(SHELL_CACHE))) await fillShell();
}

async function offlinePage(url) {
  if (url.pathname === CONFIG.schedule) {
    const saved = await caches.match(CONFIG.schedule, { cacheName: PAGES_CACHE });
    if (saved) return readOnly(saved);
  }
  const fallback = await caches.match(CONFIG.offline, { cacheName: SHELL_CACHE });
  return fallback || Response.error();
}

async function readOnly(saved) {
  // The page's styles show the offline notice and pwa.js disables its forms, on this mark.
  const html = (await saved.text()).replace("<html", "<html data-offline-copy");
  const headers = new Headers(saved.headers);
  headers.delete("Content-Length");
  return new Response(html, { status: 200, headers });
}

// --- Web Push ---------------------------------------------------------------------------------

function samePath(value) {
  // A path on this site ("/sessions/12/") or an address of this site ("https://peerakeet.com/
  // sessions/12/"); never "//elsewhere", "/\\elsewhere", "https://elsewhere" or "javascript:".
  if (typeof value !== "string") return CONFIG.schedule;
  const path = value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\");
  if (!path && !/^https?:\/\//i.test(value)) return CONFIG.schedule;
  let url;
  try {
    url = new URL(value, self.location.origin);
  } catch (notAnAddress) {
    return CONFIG.schedule;
  }
  return url.origin === self.location.origin ? url.pathname + url.search + url.hash : CONFIG.schedule;
}

function notificationFrom(data) {
  const text = (value) => (typeof value === "string" ? value : "");
  const options = {
    body: text(data.body),
    icon: CONFIG.icon,
    badge: CONFIG.badge,
    data: { url: samePath(data.url) },
  };
  if (text(data.tag)) {
    options.tag = text(data.tag);
    options.renotify = true;
  }
  return { title: text(data.title) || "Peerakeet", options };
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = (event.data && event.data.json()) || {};
  } catch (notJson) {
    data = { body: event.data ? event.data.text() : "" };
  }
  const { title, options } = notificationFrom(data);
  event.waitUntil(self.registration.showNotification(title, options));
});

// Focus a window already showing the page, else point one of ours at it, else open one.
// A global function so a test can run it in this worker (a click cannot be driven headless).
self.openNotification = async function openNotification(notification) {
  const target = new URL(samePath(notification.data && notification.data.url), self.location.origin).href;
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const showing = windows.find((client) => client.url === target);
  if (showing) return showing.focus();
  for (const client of windows) {
    try {
      const moved = await client.navigate(target); // only a window this worker controls moves
      if (moved) return moved.focus().catch(() => moved);
    } catch (notOurs) {
      // try the next window
    }
  }
  return self.clients.openWindow(target);
};

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.openNotification(event.notification));
});
{% endverbatim %}
