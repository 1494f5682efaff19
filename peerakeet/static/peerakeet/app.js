// Peerakeet dashboard behaviour. No inline scripts: the Content Security Policy forbids them.
"use strict";

// What pwa.js and zoom.js share, in the one script every page loads before them (base.html:
// app.js, then pwa.js, deferred in that order; zoom.js comes with the Zoom pill, later still).
window.peerakeet = Object.freeze({
  // Opened as the installed app (from the Home Screen), not in a browser tab. iOS says so in
  // navigator.standalone; the others through the display-mode media query.
  standalone() {
    return window.matchMedia("(display-mode: standalone)").matches || window.navigator.standalone === true;
  },
});

// Asked once (scheduling/ask.html, zoom/disconnect.html): a form marked data-ask opens its
// question page. Without JavaScript that page is simply shown; here its question opens in a
// <dialog> over the page the person is on, and "Keep…" closes it.
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-ask]");
  if (!form || typeof HTMLDialogElement !== "function") return;
  event.preventDefault();
  const url = new URL(form.action, window.location.href);
  url.search = new URLSearchParams(new FormData(form)).toString();
  let body = null;
  try {
    const response = await fetch(url, { credentials: "same-origin" });
    if (response.ok) {
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      body = page.querySelector("[data-ask-body]");
    }
  } catch (error) {
    body = null;
  }
  if (!body) {
    window.location.assign(url);
    return;
  }
  const dialog = document.createElement("dialog");
  dialog.className = "ask-dialog";
  dialog.setAttribute("aria-labelledby", "ask-heading");
  dialog.append(document.importNode(body, true));
  document.body.append(dialog);
  dialog.addEventListener("close", () => {
    dialog.remove();
    // Back to the button that asked; if an answer swapped it away, to what took its place.
    const opener = form.isConnected ? form.querySelector("button") : null;
    const instead = form.dataset.askFocus ? document.querySelector(form.dataset.askFocus) : null;
    (opener || instead)?.focus();
  });
  // An answer htmx sends in place (Disconnect swaps the pill) closes the question.
  dialog.addEventListener("htmx:afterRequest", () => dialog.close());
  if (window.htmx) window.htmx.process(dialog);
  dialog.querySelector("[data-ask-close]")?.addEventListener("click", (click) => {
    click.preventDefault();
    dialog.close();
  });
  dialog.showModal();
});
