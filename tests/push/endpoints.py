"""Push endpoints for the refusal tests of every door: what a browser's push service gives, and
what someone who wants our servers to send requests inside our own network would try."""

from __future__ import annotations

# Chrome and Android, Firefox, Edge, Safari: the shapes their push services hand out.
PUSH_SERVICES = [
    "https://fcm.googleapis.com/fcm/send/dGhpcyBpcyBhIHRva2Vu:APA91bHun4MxP5egoKMwt2KZFBaFU",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABmZ2hpamtsbW5vcHFy",
    "https://wns2-by3p.notify.windows.com/w/?token=BQYAAADmZ2hpamtsbW5vcHFy",
    "https://web.push.apple.com/QGuQyavXutnMH8ulTvU2u3zYF1YXQqdvKzePHN2",
]

# (endpoint, why it must be refused), with the tests' own receiver NOT in the allow-list.
INSIDE_OUR_NETWORK = [
    ("https://127.1/push/x", "127.0.0.1, shortened"),
    ("https://2130706433/push/x", "127.0.0.1 as one number"),
    ("https://0x7f.1/push/x", "127.0.0.1 in hexadecimal"),
    ("https://10.0.0.7/push/x", "an address in a private network"),
    ("https://[::1]/push/x", "an IPv6 address"),
    ("https://169.254.169.254/latest/meta-data/", "the cloud's metadata service"),
    ("https://redis.internal.peerakeet.lan/push/x", "a DNS name that points inside"),
    ("http://127.0.0.1:6379/push/x", "the local push service, not listed (as in production)"),
    ("https://fcm.googleapis.com.attacker.example/x", "a push service's name as a prefix"),
    ("https://evilfcm.googleapis.com/x", "a push service's name as a suffix"),
    ("https://push.services.mozilla.com/x", "the domain of a *. entry itself"),
    ("https://user@fcm.googleapis.com/x", "a user name"),
    ("https://fcm.googleapis.com:8443/x", "another port"),
    ("https://fcm.googleapis.com\\@10.0.0.7/x", "a backslash"),
    ("http://fcm.googleapis.com/fcm/send/abc", "not https"),
    ("file:///etc/passwd", "not a web address"),
    ("", "empty"),
]
