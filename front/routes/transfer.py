"""Export and import of a member's library, as jobs: `POST /api/users/me/export/` and its files, and
`POST /api/users/me/import/?kind=` with a Letterboxd CSV file.

The export's files are found through the member's own Redis keys (cache/exports.py), so a job id is no
way into someone else's export: it is 404 to anyone but its owner. An import's file is read and checked
here (size, content type, CSV, columns, every value) before its job is sent, so a bad file is a 4xx
problem at once and no job ever writes half of it.
"""

from __future__ import annotations

import uuid

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from actors import letterboxd
from actors.library_io import FILES, export_library, import_library
from cache import exports, jobs
from cache.client import REDIS_DOWN
from errors import MovieVerseError, NotFound, Unavailable
from front.body import UnsupportedMediaType
from front.endpoint import endpoint
from front.identity import current_user
from front.limits import WRITE
from front.params import Params
from front.responses import accepted, download
from front.routes.jobs import JOB_ID

bp = Blueprint("transfer", url_prefix="/api/users")
UPLOAD_LIMIT = 5 * 1024 * 1024
CSV = "text/csv"
MEDIA = {"json": "application/json; charset=utf-8", "csv": "text/csv; charset=utf-8"}


class ContentTooLarge(MovieVerseError):
    """The request body is larger than the route accepts."""

    status = 413
    code = "content-too-large"
    title = "Content Too Large"


def _store_down(exc: Exception) -> Unavailable:
    return Unavailable("The job store is unavailable; try again shortly.", retry_after=5)


async def dispatch_export(request: Request, user_id: int) -> str:
    """Send the member's export job (the one place it is sent) and link it to the member; its job id."""
    ttl = request.app.ctx.settings.export_ttl_seconds
    export_id = uuid.uuid4().hex
    job_id: str = await request.app.ctx.dispatcher.start(export_library, "export",
                                                         {"user_id": user_id, "export_id": export_id, "ttl": ttl},
                                                         owner=user_id)
    try:
        await exports.link(request.app.ctx.redis, user_id, job_id, export_id, ttl)
    except REDIS_DOWN as exc:
        raise _store_down(exc) from exc
    return job_id


async def dispatch_import(request: Request, user_id: int, kind: str, rows: list[letterboxd.Row]) -> str:
    """Send the member's import job (the one place it is sent); its job id. The same file sent again while
    its import is under way joins that job."""
    params = {"user_id": user_id, "kind": kind, "rows": [row.public() for row in rows]}
    job_id: str = await request.app.ctx.dispatcher.start(import_library, "library-import", params, owner=user_id)
    return job_id


@bp.post("/me/export")
@endpoint("Export your library: a job making movieverse.json and the Letterboxd CSV files", response="Job",
          auth=True, status=202, limit=WRITE)
async def start_export(request: Request) -> HTTPResponse:
    """202 with the job; once it is done, download its files from /api/users/me/export/{job_id}/{file}."""
    user = await current_user(request)
    Params(request, ()).done()
    return accepted({"id": await dispatch_export(request, user.id), "status": jobs.QUEUED})


@bp.get("/me/export/<job_id:str>/<name:str>")
@endpoint("Download a file of your export (202 with the job while it is being made)", response="ExportFile",
          response_media=(MEDIA["json"], MEDIA["csv"]), auth=True, worker=True)
async def export_file(request: Request, job_id: str, name: str) -> HTTPResponse:
    """movieverse.json, diary.csv, ratings.csv, watched.csv or watchlist.csv of your export; 404 for anyone
    else's export, an unknown file or an expired export."""
    user = await current_user(request)
    Params(request, ()).done()
    redis = request.app.ctx.redis
    try:
        export_id = await exports.linked(redis, user.id, job_id) if JOB_ID.match(job_id) else None
        if export_id is None:
            raise NotFound(f"You have no export {job_id} (an export is kept for a while, then expires).")
        if name not in FILES:
            raise NotFound(f"An export has no file {name!r}; it has {', '.join(FILES)}.")
        present, body = await exports.read(redis, user.id, export_id, name)
        job = None if present else await jobs.get_job(redis, job_id)
    except REDIS_DOWN as exc:
        raise _store_down(exc) from exc
    if body is not None:
        return download(request, body, MEDIA[name.rsplit(".", 1)[1]], name)
    if job is not None and job.get("status") == jobs.FAILED:
        raise NotFound(f"That export failed ({job.get('error') or 'no reason given'}); ask for another.")
    if job is None or job.get("status") == jobs.DONE:
        raise NotFound(f"Your export {job_id} has expired; ask for another.")
    return accepted(job)


def _check_csv(request: Request) -> None:
    media, _, parameters = (request.headers.get("content-type") or "").partition(";")
    charset = next((value.strip().strip('"').lower() for key, _, value in
                    (part.partition("=") for part in parameters.split(";")) if key.strip().lower() == "charset"),
                   "utf-8")
    if media.strip().lower() != CSV or charset not in ("utf-8", "us-ascii"):
        raise UnsupportedMediaType("Send the file as text/csv (UTF-8), as Letterboxd exports it.")


async def _upload(request: Request) -> bytes:
    """The request body, read as it streams in: 413 past UPLOAD_LIMIT (at once when its length says so)."""
    too_large = ContentTooLarge(f"A file to import is at most {UPLOAD_LIMIT // 2**20} MiB.")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > UPLOAD_LIMIT:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.stream.read() if request.stream is not None else None  # type: ignore[attr-defined]
        if chunk is None:
            return b"".join(chunks)
        size += len(chunk)
        if size > UPLOAD_LIMIT:
            raise too_large
        chunks.append(chunk)


@bp.post("/me/import", stream=True)
@endpoint("Import a Letterboxd CSV file into your library: a job that reports what matched and what did not",
          query="library_import", body="LetterboxdFile", body_media=CSV, response="Job", auth=True, status=202,
          limit=WRITE)
async def start_import(request: Request) -> HTTPResponse:
    """The file (up to 5 MiB of text/csv, the columns Letterboxd exports for the kind) is checked at once (400
    for a file that is not CSV, 422 naming missing columns or bad rows); 202 with the import's job."""
    user = await current_user(request)
    query = Params(request, ("kind",))
    kind = query.choice("kind", letterboxd.KINDS, "")
    if not kind and "kind" not in query.errors:
        query.fail("kind", f"Say which file this is: one of {', '.join(letterboxd.KINDS)}.")
    query.done()
    _check_csv(request)
    rows = letterboxd.read(kind, await _upload(request))
    return accepted({"id": await dispatch_import(request, user.id, kind, rows), "status": jobs.QUEUED})
