"""HTML for the pages a person sees: sign-in, consent, Marketplace, meeting landing pages.

Plain, accessible forms (labels, one h1, real buttons) so browser tests can drive them by role.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from starlette.responses import HTMLResponse

from zoom_emulator.state import Meeting, User

# What Zoom's consent screen says for each scope: granular names, classic names (apps set up
# before granular scopes), and the `:admin` variants (a wider grant of the same permission).
SCOPE_TEXT: dict[str, str] = {
    "user:read:user": "View your user information",
    "meeting:write:meeting": "Create meetings for you",
    "meeting:read:meeting": "View your meetings",
    "meeting:read:list_meetings": "View the list of your meetings",
    "meeting:delete:meeting": "Delete your meetings",
    "meeting:update:meeting": "Update your meetings",
    "user:read": "View your user information",
    "meeting:read": "View your meetings",
    "meeting:write": "View and manage your meetings",
    "user:read:user:admin": "View users' information",
    "meeting:write:meeting:admin": "Create meetings for users",
    "meeting:read:meeting:admin": "View users' meetings",
    "meeting:read:list_meetings:admin": "View the list of users' meetings",
    "meeting:delete:meeting:admin": "Delete users' meetings",
    "meeting:update:meeting:admin": "Update users' meetings",
    "user:read:admin": "View all user information",
    "meeting:read:admin": "View all user meetings",
    "meeting:write:admin": "View and manage all user meetings",
}
REMOVAL_REASONS = (
    "I no longer use this app",
    "The app is not working as expected",
    "I have concerns about privacy or security",
    "Other",
)


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)} - Zoom (emulator)</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f"<body><main>{body}</main></body></html>"
    )
    return HTMLResponse(html, status)


def hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'


def error_page(message: str, status: int = 400) -> HTMLResponse:
    return page(
        "Error", f'<h1>Something went wrong</h1><p role="alert">{escape(message)}</p>', status
    )


def signin_page(request_id: str, users: Iterable[User], problem: str | None = None) -> HTMLResponse:
    options = "".join(
        f'<option value="{escape(u.email)}">{escape(u.display_name)} ({escape(u.email)})</option>'
        for u in users
    )
    alert = f'<p role="alert">{escape(problem)}</p>' if problem else ""
    body = (
        f"<h1>Sign in to Zoom</h1>{alert}"
        '<form method="post" action="/oauth/signin">'
        f"{hidden('request_id', request_id)}"
        '<p><label for="email">Email</label> '
        '<input id="email" name="email" type="email" autocomplete="username" list="known"></p>'
        f'<datalist id="known">{options}</datalist>'
        '<p><label for="account">Or pick a test account</label> '
        f'<select id="account" name="account"><option value="">—</option>{options}</select></p>'
        '<p><button type="submit">Sign in</button></p></form>'
    )
    return page("Sign in", body, 401 if problem else 200)


def consent_page(
    request_id: str, user: User, app_name: str, scopes: Iterable[str], switch_url: str
) -> HTMLResponse:
    items = "".join(
        f"<li>{escape(SCOPE_TEXT.get(s, s))} <code>{escape(s)}</code></li>" for s in scopes
    )
    body = (
        f"<h1>{escape(app_name)} would like to access your Zoom account</h1>"
        f"<p>Signed in as {escape(user.display_name)} ({escape(user.email)}). "
        f'<a href="{escape(switch_url)}">Not you? Switch account</a></p>'
        f"<h2>This app will be able to</h2><ul>{items}</ul>"
        '<form method="post" action="/oauth/consent">'
        f"{hidden('request_id', request_id)}{hidden('user_id', user.id)}"
        '<button type="submit" name="decision" value="allow">Allow</button> '
        '<button type="submit" name="decision" value="deny">Deny</button></form>'
    )
    return page("Authorize app", body)


def marketplace_page(
    user: User | None,
    users: Iterable[User],
    app_name: str,
    installed: bool,
    notice: str | None = None,
) -> HTMLResponse:
    note = f'<p role="status">{escape(notice)}</p>' if notice else ""
    if user is None:
        links = "".join(
            f'<li><a href="/marketplace/apps?user={escape(u.id)}">{escape(u.email)}</a></li>'
            for u in users
        )
        body = f"<h1>Zoom App Marketplace</h1>{note}<p>Sign in as:</p><ul>{links}</ul>"
        return page("Marketplace", body)
    nav = '<nav aria-label="Manage"><ul><li><a aria-current="page">Added Apps</a></li></ul></nav>'
    row = (
        f"<li><span>{escape(app_name)}</span> "
        f'<a href="/marketplace/apps/remove?user={escape(user.id)}" role="button">Remove</a></li>'
        if installed
        else "<li>No apps added.</li>"
    )
    body = (
        f"<h1>Manage</h1>{nav}<h2>Added Apps</h2>{note}"
        f"<p>Signed in as {escape(user.email)}</p><ul>{row}</ul>"
    )
    return page("Added Apps", body)


def remove_page(user: User, app_name: str) -> HTMLResponse:
    reasons = "".join(f"<option>{escape(r)}</option>" for r in REMOVAL_REASONS)
    body = (
        f"<h1>Remove {escape(app_name)}?</h1>"
        '<form method="post" action="/marketplace/apps/remove">'
        f"{hidden('user', user.id)}"
        '<p><label for="reason">Reason for removal (optional)</label> '
        f'<select id="reason" name="reason"><option value="">—</option>{reasons}</select></p>'
        '<p><button type="submit">Remove</button> '
        f'<a href="/marketplace/apps?user={escape(user.id)}">Cancel</a></p></form>'
    )
    return page("Remove app", body)


def meeting_page(
    meeting: Meeting | None, meeting_id: str, role: str, problem: str | None = None
) -> HTMLResponse:
    if meeting is None or problem:
        return page(
            "Meeting",
            f"<h1>Zoom meeting {escape(meeting_id)}</h1>"
            f'<p role="alert">{escape(problem or "This meeting ID is not valid.")}</p>',
            404 if meeting is None else 403,
        )
    body = (
        f"<h1>Zoom meeting {meeting.id}</h1><p>{escape(meeting.topic)}</p>"
        f'<p data-role="{role}">You are joining as the {role}.</p>'
    )
    return page(f"Zoom meeting {meeting.id}", body)


def host_meetings_page(user: User, meetings: Iterable[Meeting]) -> HTMLResponse:
    rows = "".join(
        f"<li>{escape(m.topic)} ({m.id}) "
        f'<form method="post" action="/meetings/{m.id}/delete" style="display:inline">'
        f'<button type="submit" aria-label="Delete {m.id}">Delete</button></form></li>'
        for m in meetings
    )
    body = f"<h1>Meetings of {escape(user.email)}</h1><ul>{rows or '<li>None.</li>'}</ul>"
    return page("Meetings", body)
