"""Reviews: list, read, write (authenticated), change and delete (the author only)."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from errors import Forbidden, NotFound, Unprocessable
from front import cursors
from front.body import json_object
from front.catalogue import film_exists
from front.endpoint import endpoint
from front.identity import current_user
from front.limits import READ
from front.pagination import check_page, keyset, paginate
from front.params import Params
from front.responses import json, respond
from front.validate import Body
from front.workers.followup import send_followups
from stores.mysql import reviews

bp = Blueprint("reviews", url_prefix="/api/reviews")
movie_reviews_bp = Blueprint("movie_reviews", url_prefix="/api/movies")
SORTS = list(reviews.SORTS)
TEXT_FIELDS = {"title": (0, 200), "body": (1, 10_000)}


def _query(request: Request, **fixed: Any) -> dict[str, Any]:
    """The page asked for, checked before any store is: a bad query is a 400 however the stores are. With
    `cursor` (blank for the first page) it is a keyset page: `after` is the key the cursor stands at."""
    allowed = ["page", "page_size", "sort", "cursor",
               *(name for name in ("movie", "user", "min_rating") if name not in fixed)]
    query = Params(request, allowed)
    token = query.cursor()
    page, size = query.page()
    movie_id = fixed.get("movie_id", query.integer("movie", low=1, high=2**53))
    user_id = query.integer("user", low=1, high=2**53)
    min_rating = query.integer("min_rating", low=1, high=10)
    sort = query.choice("sort", SORTS, "-created_at")
    query.done()
    asked = {"movie_id": movie_id, "user_id": user_id, "min_rating": min_rating, "sort": sort, "page": page,
             "size": size}
    if token is not None:
        asked["after"] = cursors.decode(request.app.ctx.settings, token, _walk(asked)) if token else None
    return asked


def _walk(asked: dict[str, Any]) -> dict[str, Any]:
    """What a reviews cursor is bound to: the filters and the sort."""
    return {name: asked[name] for name in ("movie_id", "user_id", "min_rating", "sort")}


async def _answer(request: Request, asked: dict[str, Any]) -> dict[str, Any]:
    """A page by number, or a keyset page when the request walks by cursor."""
    if "after" not in asked:
        return await reviews_page(request, **asked)
    size = asked["size"]
    total, found, last = await reviews.list_reviews_after(
        await request.app.ctx.stores.mysql(), movie_id=asked["movie_id"], user_id=asked["user_id"],
        min_rating=asked["min_rating"], sort=asked["sort"], key=asked["after"], limit=size)
    following = cursors.encode(request.app.ctx.settings, _walk(asked), last) if last else None
    return keyset(request, found, total, following, size)


async def reviews_page(request: Request, *, movie_id: int | None = None, user_id: int | None = None,
                       min_rating: int | None = None, sort: str = "-created_at", page: int = 1,
                       size: int = 20) -> dict[str, Any]:
    """One page of reviews, filtered and sorted (404 past the last page)."""
    total, found = await reviews.list_reviews(await request.app.ctx.stores.mysql(), movie_id=movie_id,
                                              user_id=user_id, min_rating=min_rating, sort=sort,
                                              skip=(page - 1) * size, limit=size)
    check_page(page, size, total)
    return paginate(request, found, total, page, size)


@bp.get("/")
@endpoint("List reviews", query="reviews", response="ReviewPage", limit=READ)
async def list_reviews(request: Request) -> HTTPResponse:
    """Reviews, filtered by movie, user and minimum rating, newest first by default."""
    return respond(request, await _answer(request, _query(request)))


@movie_reviews_bp.get("/<movie_id:id>/reviews")
@endpoint("A movie's reviews, newest first", query="movie_reviews", response="ReviewPage", limit=READ)
async def movie_reviews(request: Request, movie_id: int) -> HTTPResponse:
    """The reviews of one movie."""
    asked = _query(request, movie_id=movie_id)
    if not await film_exists(request, movie_id):
        raise NotFound(f"No movie with id {movie_id}.")
    return respond(request, await _answer(request, asked))


@bp.get("/<review_id:id>")
@endpoint("One review", response="Review", limit=READ)
async def review_detail(request: Request, review_id: int) -> HTTPResponse:
    """A review with its author."""
    return respond(request, await _get(request, review_id))


async def _get(request: Request, review_id: int) -> dict[str, Any]:
    review = await reviews.get_review(await request.app.ctx.stores.mysql(), review_id)
    if review is None:
        raise NotFound(f"No review with id {review_id}.")
    return review


def _entry(body: Body) -> int | None:
    """The diary entry the review is of, if the body names one (null for none)."""
    if body.data.get("diary_entry_id") is None:
        return None
    return body.integer("diary_entry_id", low=1, high=2**53)


def _texts(body: Body, required: bool) -> dict[str, Any]:
    found = {}
    for name, (low, high) in TEXT_FIELDS.items():
        value = body.text(name, required=required and name == "body", min_length=low, max_length=high)
        if value is not None:
            found[name] = value
    return found


@bp.post("/")
@endpoint("Write a review (one per user and movie), of one of your diary entries if you like", body="NewReview",
          response="Review", auth=True, status=201)
async def create_review(request: Request) -> HTTPResponse:
    """Review a movie that exists; the movie's stats, trending and your recommendations follow."""
    user = await current_user(request)
    body = Body(json_object(request), ("movie_id", "rating", "title", "body", "diary_entry_id"))
    movie_id = body.integer("movie_id", required=True, low=1, high=2**53)
    rating = body.integer("rating", required=True, low=1, high=10)
    texts = _texts(body, required=True)
    entry_id = _entry(body)
    body.done()
    assert movie_id is not None and rating is not None
    if not await film_exists(request, movie_id):
        raise Unprocessable(f"No movie with id {movie_id}.", errors={"movie_id": ["No such movie."]})
    author = {"id": user.id, "username": user.username}
    review, followup = await reviews.create_review(await request.app.ctx.stores.mysql(), author, movie_id,
                                                   rating, texts.get("title", ""), texts["body"], entry_id)
    await send_followups(request, [followup])
    return json(review, status=201, headers={"Location": f"/api/reviews/{review['id']}/"})


async def _own(request: Request, review_id: int) -> tuple[Any, dict[str, Any]]:
    user = await current_user(request)
    review = await _get(request, review_id)
    if review["user"]["id"] != user.id:
        raise Forbidden("Only the author may change or delete a review.")
    return user, review


@bp.patch("/<review_id:id>")
@endpoint("Change your review", body="ReviewChange", response="Review", auth=True)
async def change_review(request: Request, review_id: int) -> HTTPResponse:
    """Change the rating, title, body or diary entry (null: none) of your own review."""
    await _own(request, review_id)
    body = Body(json_object(request), ("rating", "title", "body", "diary_entry_id"))
    changes = _texts(body, required=False)
    rating = body.integer("rating", low=1, high=10)
    if rating is not None:
        changes["rating"] = rating
    if body.has("diary_entry_id"):
        changes["diary_entry_id"] = _entry(body)
    if not changes and not body.errors:
        body.fail("body", "Give a rating, title, body or diary_entry_id to change.")
    body.done()
    updated, followup = await reviews.update_review(await request.app.ctx.stores.mysql(), review_id, changes)
    await send_followups(request, [followup])
    return json(updated)


@bp.delete("/<review_id:id>")
@endpoint("Delete your review", auth=True, status=204)
async def delete_review(request: Request, review_id: int) -> HTTPResponse:
    """Delete your own review."""
    _, review = await _own(request, review_id)
    followup = await reviews.delete_review(await request.app.ctx.stores.mysql(), review)
    await send_followups(request, [followup])
    return HTTPResponse(status=204)
