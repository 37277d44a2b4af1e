"""The documentation pages over HTTP: Swagger UI at /docs and ReDoc at /redoc, their code served by this server
from the pinned npm packages, and a clear 503 where the set-up did not install them (tests/front/test_browser.py
drives both pages in Chromium)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from errors import NotFound, Unavailable
from front import uiassets
from front.routes import docs

SCRIPT_OR_STYLE = re.compile(r'<(?:script|link)[^>]*\b(?:src|href)="([^"]*)"')


def test_docs_is_swagger_ui_loaded_from_this_server_only(http: httpx.Client) -> None:
    page = http.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    loaded = SCRIPT_OR_STYLE.findall(page.text)
    assert "/docs/assets/swagger-ui-bundle.js" in loaded and "/docs/assets/swagger-ui.css" in loaded
    assert "/docs/assets/docs.js" in loaded
    here = [url for url in loaded if url != "data:,"]  # the icon: none
    assert all(url.startswith("/") and not url.startswith("//") for url in here), loaded  # no CDN
    assert 'data-spec-url="/openapi.json"' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy and "unsafe-eval" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<noscript>" in page.text and "/api/movies/{movie_id}/" in page.text  # the routes without JavaScript
    started = http.get("/docs/assets/docs.js").text
    assert 'url: root.getAttribute("data-spec-url")' in started and "validatorUrl: null" in started


def test_redoc_is_loaded_from_this_server_only(http: httpx.Client) -> None:
    page = http.get("/redoc")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    loaded = SCRIPT_OR_STYLE.findall(page.text)
    assert loaded == ["data:,", "/docs/assets/redoc.standalone.js", "/docs/assets/redoc.js"]
    assert "script-src 'self';" in page.headers["content-security-policy"]


@pytest.mark.parametrize(("name", "package", "content_type"), [
    ("swagger-ui-bundle.js", "swagger-ui-dist", "text/javascript"),
    ("swagger-ui.css", "swagger-ui-dist", "text/css"),
    ("redoc.standalone.js", "redoc", "text/javascript"),
])
def test_each_asset_is_the_pinned_packages_file_with_an_entity_tag(
        http: httpx.Client, name: str, package: str, content_type: str) -> None:
    pins = json.loads((uiassets.FOLDER / "package.json").read_text())["dependencies"]
    assert uiassets.installed_version(package) == pins[package]
    got = http.get(f"/docs/assets/{name}")
    assert got.status_code == 200 and got.headers["content-type"].startswith(content_type)
    assert got.content == uiassets.path(name).read_bytes()
    assert got.headers["x-content-type-options"] == "nosniff"
    again = http.get(f"/docs/assets/{name}", headers={"If-None-Match": got.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_only_the_listed_assets_are_served(http: httpx.Client) -> None:
    for name in ("package.json", "swagger-ui-bundle.js.map", "..%2Fhtml.py", "..%2F..%2Fconfig.py", "browsable.html"):
        got = http.get(f"/docs/assets/{name}")
        assert got.status_code == 404, name
        assert got.headers["content-type"].startswith("application/problem+json")


def test_the_openapi_document_offers_bearer_tokens_and_leaves_the_pages_out(http: httpx.Client) -> None:
    spec = http.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer",
                                                                "bearerFormat": "JWT"}
    assert spec["paths"]["/api/reviews/"]["post"]["security"] == [{"bearer": []}]
    assert spec["paths"]["/api/users/me/profile/"]["patch"]["security"] == [{"bearer": []}]
    assert "security" not in spec["paths"]["/api/movies/{movie_id}/"]["get"]
    assert not [path for path in spec["paths"] if path.startswith(("/docs", "/redoc"))]


@pytest.fixture
def uninstalled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The packages' folder as a fresh checkout has it before the set-up: package.json, no node_modules."""
    shutil.copy(uiassets.FOLDER / "package.json", tmp_path / "package.json")
    monkeypatch.setattr(uiassets, "FOLDER", tmp_path)
    monkeypatch.setattr(docs, "FILES", docs.Files())
    return tmp_path


def _request() -> SimpleNamespace:
    settings = SimpleNamespace(public_url="http://127.0.0.1:8000")
    return SimpleNamespace(app=SimpleNamespace(ctx=SimpleNamespace(settings=settings, openapi={})))


@pytest.mark.parametrize(("name", "ui"), [("docs", "Swagger UI"), ("redoc", "ReDoc")])
def test_without_the_set_up_the_pages_are_a_503_saying_what_is_missing(uninstalled: Path, name: str,
                                                                       ui: str) -> None:
    page = docs.page(_request(), name)  # type: ignore[arg-type]
    assert page.status == 503
    text = (page.body or b"").decode()
    assert f"{ui} is not installed on this server" in text
    assert "swagger-ui-dist 5.35.0 is not installed" in text and "redoc 2.5.4 is not installed" in text
    assert "python -m dev.services ensure" in text
    with pytest.raises(Unavailable, match="is not installed on this server"):
        docs.FILES.get("swagger-ui-bundle.js")
    assert docs.FILES.get("browsable.js")[0].startswith(b"//")  # the project's own scripts are always there
    with pytest.raises(NotFound):
        docs.FILES.get("index.html")


def test_a_package_at_another_version_counts_as_missing(uninstalled: Path) -> None:
    for package, version in (("swagger-ui-dist", "5.0.0"), ("redoc", "2.5.4")):
        (uninstalled / "node_modules" / package).mkdir(parents=True)
        (uninstalled / "node_modules" / package / "package.json").write_text(json.dumps({"version": version}))
    assert uiassets.missing() == ["swagger-ui-dist is at 5.0.0, not the pinned 5.35.0",
                                  "redoc has no bundles/redoc.standalone.js"]


def test_the_set_up_installs_the_pinned_packages_with_npm(tmp_path: Path) -> None:
    shutil.copy(uiassets.FOLDER / "package.json", tmp_path / "package.json")
    assert uiassets.missing(tmp_path) and uiassets.install(tmp_path) is True
    assert uiassets.missing(tmp_path) == []
    for name in uiassets.ASSETS:
        assert uiassets.path(name, tmp_path).stat().st_size > 10_000, name
    assert not (tmp_path / "package-lock.json").exists()
    assert uiassets.install(tmp_path) is False  # already there: npm is not run again


def test_the_browsable_pages_carry_the_forms_script_under_a_policy(http: httpx.Client, seeded: str) -> None:
    browser = {"Accept": "text/html"}
    film = http.get("/api/movies/5/", headers=browser)
    assert film.status_code == 200
    policy = film.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "connect-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert "form-action 'none'" in policy and "unsafe-eval" not in policy and "script-src 'self' 'unsafe" not in policy
    assert film.headers["x-content-type-options"] == "nosniff"
    assert SCRIPT_OR_STYLE.findall(film.text) == ["data:,", "/docs/assets/browsable.js"]
    assert 'data-film="5"' in film.text and 'id="review-form"' in film.text and 'id="profile-form"' in film.text
    assert "<script>" not in film.text  # no inline script: the policy would refuse it
    listing = http.get("/api/genres/", headers=browser)
    assert 'id="profile-form"' in listing.text and 'id="review-form"' not in listing.text  # no film, no review
    assert 'id="review-form"' not in http.get("/api/movies/5/reviews/", headers=browser).text
    script = http.get("/docs/assets/browsable.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "sessionStorage" in script.text and "document.cookie" not in script.text and "innerHTML" not in script.text
