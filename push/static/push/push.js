// "Turn on notifications on this device" (Preferences): ask the browser's permission, subscribe
// through the service worker with Peerakeet's VAPID key, and hand the subscription to Peerakeet
// (/push/subscribe/, the signed-in session and its CSRF token). Nothing else: the service worker
// shows the pushes. Plain JavaScript, no build step.
(function () {
  "use strict";
  const button = document.querySelector("[data-push-enable]");
  const status = document.querySelector("[data-push-status]");
  if (!button || !status) return;
  const say = (text) => {
    status.textContent = text;
  };
  const supported =
    "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) {
    say(
      /iPhone|iPad/.test(navigator.userAgent)
        ? "On iPhone and iPad, add Peerakeet to your Home Screen first (Share, then Add to Home Screen) and open it from there."
        : "This browser cannot show notifications."
    );
    return;
  }
  say("");
  button.hidden = false;

  function keyBytes(base64url) {
    const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      if ((await Notification.requestPermission()) !== "granted") {
        say("Notifications are blocked for Peerakeet in this browser's settings.");
        return;
      }
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(button.dataset.pushKey),
      });
      const response = await fetch(button.dataset.pushUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": button.dataset.csrf },
        body: JSON.stringify(subscription.toJSON()),
      });
      if (!response.ok) throw new Error(`Peerakeet answered ${response.status}`);
      window.location.reload();
    } catch (problem) {
      say("Notifications could not be turned on here. Try again, or use another browser.");
    } finally {
      button.disabled = false;
    }
  });
})();
