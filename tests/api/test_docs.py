"""The OpenAPI schema and the interactive docs page (offline, under the site's CSP)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from tests.api.conftest import API


@pytest.mark.django_db
def test_it_serves_the_openapi_schema(client):
    schema = client.get(f"{API}/openapi.json").json()

    assert schema["info"]["version"] == "1"
    assert f"{API}/sessions/{{session_id}}/join" in schema["paths"]


@pytest.mark.django_db
def test_it_declares_every_error_status(client):
    schema = client.get(f"{API}/openapi.json").json()

    get_session = schema["paths"][f"{API}/sessions/{{session_id}}"]["get"]
    assert {"200", "401", "404", "422", "429"} <= set(get_session["responses"])


@pytest.mark.django_db
def test_it_serves_the_docs_page_from_our_own_static_files(client):
    response = client.get(f"{API}/docs")

    assert response.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in response.text
    assert "cdn" not in response.text.lower()
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_renders_the_docs_page_with_no_csp_violation(page: Page, live_server):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    # Offline: anything not served by Peerakeet itself would fail here.
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(live_server.url) else route.abort()
        ),
    )

    page.goto(f"{live_server.url}{API}/docs")

    expect(page.get_by_text("Peerakeet API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/sessions/{session_id}/join").first).to_be_visible()
    assert problems == []


def no_duplicates(pairs):
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys)), f"duplicate keys in {keys}"
    return dict(pairs)


@pytest.mark.django_db
def test_it_links_a_new_session_to_what_can_be_done_with_it(client):
    schema = json.loads(client.get(f"{API}/openapi.json").content, object_pairs_hook=no_duplicates)

    created = schema["paths"][f"{API}/sessions"]["post"]["responses"]["201"]
    assert "content" in created
    assert created["links"]["get_session"]["parameters"] == {"session_id": "$response.body#/id"}
