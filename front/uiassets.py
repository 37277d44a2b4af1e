"""The documentation pages' browser code: Swagger UI (`/docs`) and ReDoc (`/redoc`), from npm.

`front/docsui/package.json` pins `swagger-ui-dist` and `redoc`; the set-up (`python -m dev.services ensure`,
which `make up` and `make test` run, and the Dockerfile) installs them with npm into `front/docsui/node_modules`,
and the web front serves the few files the pages load from there (front/routes/docs.py). Nothing is fetched
at run time: where the packages are missing, or not at their pinned versions, the pages say so.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "docsui"
NPM = ("npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "--ignore-scripts", "--legacy-peer-deps",
       "--loglevel=error")
# --ignore-scripts: swagger-ui-dist's analytics dependency would phone home from its install script;
# --legacy-peer-deps: redoc's standalone bundle carries React and the rest of its peers inside it.


@dataclass(frozen=True)
class Asset:
    """One file a documentation page loads: from which package, where in it, and as what."""

    package: str
    path: str
    content_type: str


ASSETS = {
    "swagger-ui.css": Asset("swagger-ui-dist", "swagger-ui.css", "text/css; charset=utf-8"),
    "swagger-ui-bundle.js": Asset("swagger-ui-dist", "swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    "redoc.standalone.js": Asset("redoc", "bundles/redoc.standalone.js", "text/javascript; charset=utf-8"),
}


def pinned(folder: Path | None = None) -> dict[str, str]:
    """The packages `package.json` pins, and their versions."""
    found = json.loads(((folder or FOLDER) / "package.json").read_text())["dependencies"]
    return {str(name): str(version) for name, version in found.items()}


def installed_version(package: str, folder: Path | None = None) -> str | None:
    """The version of the package installed in the folder, or None."""
    try:
        found = json.loads(((folder or FOLDER) / "node_modules" / package / "package.json").read_text())
    except (OSError, ValueError):
        return None
    version = found.get("version") if isinstance(found, dict) else None
    return version if isinstance(version, str) else None


def missing(folder: Path | None = None) -> list[str]:
    """What is not installed as pinned (empty when every asset can be served), one phrase each."""
    problems = []
    pins = pinned(folder)
    have = {package: installed_version(package, folder) for package in pins}
    for package, version in pins.items():
        if have[package] is None:
            problems.append(f"{package} {version} is not installed")
        elif have[package] != version:
            problems.append(f"{package} is at {have[package]}, not the pinned {version}")
    for name, asset in ASSETS.items():
        if have.get(asset.package) == pins.get(asset.package) and not path(name, folder).is_file():
            problems.append(f"{asset.package} has no {asset.path}")
    return problems


def path(name: str, folder: Path | None = None) -> Path:
    """Where the named asset is on disk."""
    asset = ASSETS[name]
    return (folder or FOLDER) / "node_modules" / asset.package / asset.path


def install(folder: Path | None = None) -> bool:
    """Install the pinned packages with npm unless they are there already; whether npm ran."""
    if not missing(folder):
        return False
    folder = folder or FOLDER
    done = subprocess.run(NPM, cwd=folder, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"npm could not install the documentation pages' packages: {done.stderr.strip()[-2000:]}")
    left = missing(folder)
    if left:
        raise RuntimeError(f"after npm install in {folder}: {'; '.join(left)}")
    return True
