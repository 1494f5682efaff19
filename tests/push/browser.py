"""The browser's side of a push subscription, for browser tests (Playwright, Chromium).

Chromium's own PushManager.subscribe() asks Google's push service for an endpoint (no network
here, and headless Chromium answers "permission denied"), so a page's PushManager gets the
browser side of a subscription from the test's push service instead: a real endpoint and real
P-256/auth keys made by the test (tests/push_receiver.py). Only the browser's PushManager is
replaced; the page scripts, what they post to Peerakeet and what the server stores are real.
"""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Page

from push.models import PushSubscription
from tests.push_receiver import PushReceiver

# The browser's PushManager as a push service would make it: subscribe() returns the test's
# subscription (and remembers the key it was asked for), getSubscription() finds it again after
# a reload, unsubscribe() forgets it. sessionStorage keeps it across the Preferences reload.
# ``previous``, when given, is a subscription this browser already had (under ``previous.key``).
FAKE_PUSH_MANAGER = """
(() => {
  if (typeof window === "undefined" || !("PushManager" in window)) return;
  const json = %s;
  const previous = %s;
  const subscription = (info, key, flag) => ({
    endpoint: info.endpoint,
    options: { applicationServerKey: new Uint8Array(key).buffer, userVisibleOnly: true },
    toJSON: () => info,
    unsubscribe: async () => {
      sessionStorage.removeItem(flag);
      const gone = flag === "fake-subscribed" ? "fake-unsubscribed" : "fake-previous-gone";
      sessionStorage.setItem(gone, "yes");
      return true;
    },
  });
  PushManager.prototype.subscribe = async function (options) {
    const key = Array.from(new Uint8Array(options.applicationServerKey));
    sessionStorage.setItem("fake-key", JSON.stringify(key));
    sessionStorage.setItem("fake-user-visible-only", String(options.userVisibleOnly));
    sessionStorage.setItem("fake-subscribed", "yes");
    return subscription(json, key, "fake-subscribed");
  };
  PushManager.prototype.getSubscription = async function () {
    if (sessionStorage.getItem("fake-subscribed")) {
      return subscription(json, JSON.parse(sessionStorage.getItem("fake-key")), "fake-subscribed");
    }
    if (previous && !sessionStorage.getItem("fake-previous-gone")) {
      return subscription(previous.json, previous.key, "fake-previous");
    }
    return null;
  };
})();
"""


def push_service_in(
    page: Page, receiver: PushReceiver, previous: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Give ``page`` a push service that hands out a new device of ``receiver``."""
    info = receiver.subscription(receiver.new_device())
    page.add_init_script(FAKE_PUSH_MANAGER % (json.dumps(info), json.dumps(previous)))
    return info


def stored(person: Any) -> list[tuple[str, str, str]]:
    return list(
        PushSubscription.objects.filter(user=person).values_list("endpoint", "p256dh", "auth")
    )
