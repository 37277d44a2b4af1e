"""JSON Schemas of the API's documents and the query parameter sets, for the OpenAPI document."""

from __future__ import annotations

from typing import Any

INT = {"type": "integer"}
NUM = {"type": "number"}
STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
NINT = {"type": ["integer", "null"]}
NNUM = {"type": ["number", "null"]}


def ref(name: str) -> dict[str, str]:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def page_of(item: str) -> dict[str, Any]:
    """A Django REST framework page of items."""
    return {"type": "object", "required": ["count", "next", "previous", "results"], "properties": {
        "count": INT, "next": NSTR, "previous": NSTR, "results": {"type": "array", "items": ref(item)}}}


GENRE_REF = {"type": "object", "properties": {"id": INT, "name": STR}}
COMPONENTS: dict[str, Any] = {
    "Problem": {"type": "object", "required": ["type", "title", "status", "detail"], "properties": {
        "type": STR, "title": STR, "status": INT, "detail": STR, "instance": STR,
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": STR}}}},
    "MovieSummary": {"type": "object", "required": ["id", "title", "genres", "rating"], "properties": {
        "id": INT, "title": STR, "year": NINT, "genres": {"type": "array", "items": GENRE_REF},
        "rating": {"type": "object", "properties": {"average": NNUM, "votes": NINT}},
        "popularity": NNUM, "poster_url": NSTR}},
    "Movie": {"type": "object", "required": ["id", "title", "genres", "rating", "cast"], "properties": {
        "id": INT, "title": STR, "original_title": NSTR, "year": NINT, "release_date": NSTR, "runtime": NINT,
        "budget": NINT, "mpaa": NSTR, "overview": NSTR, "tagline": NSTR,
        "genres": {"type": "array", "items": GENRE_REF},
        "rating": {"type": "object", "properties": {"average": NNUM, "votes": NINT,
                                                    "histogram": {"type": "array", "items": NUM}}},
        "user_rating": {"type": ["object", "null"], "properties": {"average": NNUM, "count": INT}},
        "library": {"type": ["object", "null"], "required": ["watchlists", "favorites", "lists"],
                    "description": "How many members keep the film on their watchlist and as a favourite, and how "
                                   "many public lists hold it (null when MySQL did not answer).",
                    "properties": {"watchlists": INT, "favorites": INT, "lists": INT}},
        "popularity": NNUM,
        "cast": {"type": "array", "items": {"type": "object", "properties": {
            "person_id": INT, "name": STR, "character": NSTR, "order": INT}}},
        "crew": {"type": "array", "items": {"type": "object", "properties": {
            "person_id": INT, "name": STR, "job": STR, "department": STR}}},
        "awards": {"type": "array"},
        "gross": {"type": ["object", "null"], "description": "Box-office gross in US dollars (vega-datasets).",
                  "properties": {"us": NINT, "worldwide": NINT}},
        "distributor": NSTR, "rotten_tomatoes": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
        "source_material": {"type": ["string", "null"], "description": "What the film is based on (vega's Source)."},
        "creative_type": NSTR,
        "poster_url": NSTR, "tmdb_id": NINT, "updated_at": NSTR}},
    "Genre": {"type": "object", "required": ["id", "name", "movie_count"], "properties": {
        "id": INT, "name": STR, "movie_count": INT}},
    "PersonSummary": {"type": "object", "required": ["id", "name"], "properties": {
        "id": INT, "name": STR, "known_for_department": NSTR, "popularity": NNUM}},
    "Person": {"type": "object", "required": ["id", "name", "credits"], "properties": {
        "id": INT, "name": STR, "biography": NSTR, "birthday": NSTR, "deathday": NSTR,
        "place_of_birth": NSTR, "known_for_department": NSTR, "profile_url": NSTR, "popularity": NNUM,
        "generated": {"type": "boolean", "description": "A generated demo person (false: a real one)."},
        "credits": {"type": "object", "properties": {"cast": {"type": "array"}, "crew": {"type": "array"}}}}},
    "Job": {"type": "object", "required": ["job_id", "status", "status_url"], "properties": {
        "job_id": STR, "status": STR, "status_url": STR}},
    "JobStatus": {"type": "object", "required": ["id", "status"], "properties": {
        "id": STR, "kind": NSTR, "status": {"enum": ["queued", "running", "done", "failed"]},
        "result": {}, "error": NSTR, "enqueued_at": NSTR, "started_at": NSTR, "finished_at": NSTR}},
    "Stats": {"type": "object", "properties": {
        "movies": INT, "genres": INT, "people": INT, "users": INT, "reviews": INT}},
}
COMPONENTS["MoviePage"] = page_of("MovieSummary")
COMPONENTS["MoviePage"]["properties"]["next_cursor"] = {**NSTR, "description": "With `cursor`: the next page's."}
COMPONENTS["GenrePage"] = page_of("Genre")
COMPONENTS["PersonPage"] = page_of("PersonSummary")


def query(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    """One query parameter."""
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description,
            **extra}


PAGING = [
    query("page", {"type": "integer", "minimum": 1, "maximum": 10_000_000}, "Page number, from 1."),
    query("page_size", {"type": "integer", "minimum": 1, "maximum": 100}, "Items per page (default 20)."),
]
SORT_NAMES = ["popularity", "rating", "votes", "year", "title", "runtime", "user_rating", "reviews", "gross",
              "rotten_tomatoes"]
IDS = query("ids", {"type": "string", "pattern": "^[1-9][0-9]{0,17}(,[1-9][0-9]{0,17}){0,99}$"},
            "Up to 100 comma-separated ids, answered in one page in that order whatever page_size (the ids of "
            "none under `missing`); takes no other filter, sort or page.")
QUERIES: dict[str, list[dict[str, Any]]] = {
    "paging": PAGING,
    "trending": [query("window", {"enum": ["day", "week"]}, "The time window (default day)."), *PAGING],
    "people": [IDS,
               query("q", {"type": "string", "maxLength": 200}, "Name words; the last may be a prefix."),
               query("search", {"type": "string", "maxLength": 200}, "The same as q (Django REST framework)."),
               *PAGING],
    "movie_list": [
        query("genre", {"type": "array", "items": {"type": "string"}},
              "Genre id or name; `Comedy|Drama` is either of them; repeat for all of.", style="form", explode=True),
        query("without_genre", {"type": "array", "items": {"type": "string"}},
              "Genre id or name to leave out; repeatable.", style="form", explode=True),
        query("year", {"type": "integer", "minimum": 1800, "maximum": 2100}, "Release year."),
        query("year_from", {"type": "integer", "minimum": 1800, "maximum": 2100}, "Released in or after."),
        query("year_to", {"type": "integer", "minimum": 1800, "maximum": 2100}, "Released in or before."),
        query("min_rating", {"type": "number", "minimum": 0, "maximum": 10}, "Lowest average rating."),
        query("max_rating", {"type": "number", "minimum": 0, "maximum": 10}, "Highest average rating."),
        query("min_votes", {"type": "integer", "minimum": 0, "maximum": 10**9}, "Fewest votes."),
        query("max_votes", {"type": "integer", "minimum": 0, "maximum": 10**9}, "Most votes."),
        query("min_runtime", {"type": "integer", "minimum": 0, "maximum": 10**5}, "Shortest running time (minutes)."),
        query("max_runtime", {"type": "integer", "minimum": 0, "maximum": 10**5}, "Longest running time (minutes)."),
        query("min_gross", {"type": "integer", "minimum": 0, "maximum": 10**13},
              "Lowest worldwide box-office gross (US dollars); films without one are left out."),
        query("min_rotten_tomatoes", {"type": "integer", "minimum": 0, "maximum": 100},
              "Lowest Rotten Tomatoes rating (percent); films without one are left out."),
        query("mpaa", {"enum": ["G", "PG", "PG-13", "R", "NC-17"]}, "MPAA rating."),
        query("person", {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 2**53}},
              "A person id, in the cast or crew; repeat for all of.", style="form", explode=True),
        query("q", {"type": "string", "maxLength": 200}, "Title words, case- and accent-insensitive."),
        query("search", {"type": "string", "maxLength": 200}, "The same as q (Django REST framework)."),
        query("sort", {"enum": [s + n for n in SORT_NAMES for s in ("-", "")]},
              "Sort order (default -popularity); user_rating and reviews are MovieVerse reviewers' figures; gross is"
              " the worldwide gross; gross and rotten_tomatoes list the films without a value last either way."),
        query("ordering", {"enum": [s + n for n in SORT_NAMES for s in ("-", "")]},
              "The same as sort (Django REST framework)."),
        *PAGING,
    ],
}


def obj(required: list[str], **properties: Any) -> dict[str, Any]:
    """An object schema."""
    return {"type": "object", "required": required, "properties": properties}


USER_REF = obj(["id", "username"], id=INT, username=STR)
REVIEW = obj(["id", "movie_id", "user", "rating", "body", "created_at", "updated_at", "diary_entry_id"], id=INT,
             movie_id=INT, user=USER_REF, rating={"type": "integer", "minimum": 1, "maximum": 10}, title=STR,
             body=STR, created_at=STR, updated_at=STR, diary_entry_id=NINT)
DIARY_ENTRY_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": 2**53,
                  "description": "Your diary entry of the same film that this review is of (null: none)."}
PROFILE_FIELDS = {"bio": {"type": "string", "maxLength": 500},
                  "avatar_url": {"type": ["string", "null"], "format": "uri", "maxLength": 500},
                  "location": {"type": "string", "maxLength": 100},
                  "favorite_genres": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 2**53},
                                      "maxItems": 10}}
COMPONENTS.update({
    "Login": {**obj(["password"], username=STR, email=STR, password=STR),
              "anyOf": [{"required": ["username"]}, {"required": ["email"]}]},
    "Token": obj(["access_token", "token_type", "expires_in"], access_token=STR, token_type=STR, expires_in=INT),
    "Registration": obj(["username", "email", "password"],
                        username={"type": "string", "pattern": "^[A-Za-z0-9_.-]{3,30}$"},
                        email={"type": "string", "format": "email"},
                        password={"type": "string", "minLength": 8, "maxLength": 256}),
    "UserCreated": obj(["id", "username", "date_joined"], id=INT, username=STR, date_joined=STR),
    "User": obj(["id", "username", "date_joined", "review_count"], id=INT, username=STR, date_joined=STR,
                review_count=INT),
    "Me": obj(["id", "username"], id=INT, username=STR, date_joined=STR, review_count=INT, email=STR,
              is_admin={"type": "boolean"}, library_public={"type": "boolean"}),
    "AccountChange": {"minProperties": 1, **obj([], current_password=STR, email={"type": "string", "format": "email"},
                                               password={"type": "string", "minLength": 8, "maxLength": 256},
                                               library_public={"type": "boolean"})},
    "PasswordReset": obj(["email"], email={"type": "string", "format": "email"}),
    "PasswordResetConfirm": obj(["token", "password"], token={"type": "string", "minLength": 10, "maxLength": 200},
                                password={"type": "string", "minLength": 8, "maxLength": 256}),
    "NewReview": obj(["movie_id", "rating", "body"], movie_id={"type": "integer", "minimum": 1},
                     rating={"type": "integer", "minimum": 1, "maximum": 10},
                     title={"type": "string", "maxLength": 200},
                     body={"type": "string", "minLength": 1, "maxLength": 10000}, diary_entry_id=DIARY_ENTRY_ID),
    "ReviewChange": {"minProperties": 1, **obj([], rating={"type": "integer", "minimum": 1, "maximum": 10},
                        title={"type": "string", "maxLength": 200},
                        body={"type": "string", "minLength": 1, "maxLength": 10000},
                        diary_entry_id=DIARY_ENTRY_ID)},
    "Review": REVIEW,
    "Profile": obj(list(PROFILE_FIELDS), **PROFILE_FIELDS, updated_at=NSTR),
    "ProfileChange": obj([], **{**PROFILE_FIELDS, "favorite_genres": {
        "type": "array", "maxItems": 10, "description": "Genre ids or names (stored as ids).",
        "items": {"oneOf": [{"type": "integer", "minimum": 1, "maximum": 2**53},
                            {"type": "string", "minLength": 1, "maxLength": 100}]}}}),
})
COMPONENTS["ChangePage"] = obj(["results", "next_cursor", "next", "caught_up"], results={
    "type": "array", "items": obj(["kind", "id", "change", "at"], kind={"enum": ["movie", "person", "genre"]}, id=INT,
                                  change={"enum": ["created", "changed", "deleted"]}, at=STR)},
    next_cursor=STR, next=STR, caught_up={"type": "boolean"})
QUERIES["changes"] = [
    query("since", {"type": "integer", "minimum": 0, "maximum": 2**62},
          "A cursor (`next_cursor` of the page before); absent or 0 for the beginning."),
    query("page_size", {"type": "integer", "minimum": 1, "maximum": 1000}, "Entries per page (default 100)."),
]
COMPONENTS["UserPage"] = page_of("User")
COMPONENTS["ReviewPage"] = page_of("Review")
REVIEW_SORT = query("sort", {"enum": ["-created_at", "created_at", "-rating", "rating"]}, "Sort order.")
QUERIES["movie_detail"] = [query(
    "include", {"type": "string", "pattern": "^(reviews|similar|state)(,(reviews|similar|state))*$"},
    "Add to the film, in one answer: reviews (their first page), similar (the films like it, or the job when "
    "no worker answered in time: {job_id, status, status_url}), state (yours; needs a token).")]
CURSOR = query("cursor", {"type": "string", "maxLength": 1024},
               "A keyset walk instead of page numbers: blank for its first page, then each page's `next_cursor` "
               "(with the same sort and filters; not with `page`).")
QUERIES["movie_list"] = [*QUERIES["movie_list"], CURSOR]
QUERIES["genre_movies"] = QUERIES["movie_list"]
QUERIES["movie_list"] = [IDS, *QUERIES["movie_list"]]
QUERIES["movie_reviews"] = [REVIEW_SORT, *PAGING, CURSOR]
COMPONENTS["ReviewPage"]["properties"]["next_cursor"] = {**NSTR, "description": "With `cursor`: the next page's."}
QUERIES["reviews"] = [
    query("movie", {"type": "integer", "minimum": 1, "maximum": 2**53}, "Only this movie's reviews."),
    query("user", {"type": "integer", "minimum": 1, "maximum": 2**53}, "Only this user's reviews."),
    query("min_rating", {"type": "integer", "minimum": 1, "maximum": 10}, "Lowest rating."),
    REVIEW_SORT, *PAGING, CURSOR,
]
COMPONENTS["SearchResult"] = obj(["type", "id", "score"], type={"enum": ["movie", "person"]}, id=INT, title=STR,
                                 name=STR, year=NINT, score=NUM)
COMPONENTS["SearchPage"] = page_of("SearchResult")
QUERIES["search"] = [
    {**query("q", {"type": "string", "minLength": 1, "maxLength": 200}, "What to look for."), "required": True},
    query("type", {"enum": ["movie", "person", "all"]}, "What to search (default all)."),
    *PAGING,
]
COMPONENTS["Recommendation"] = {"allOf": [ref("MovieSummary"), obj(
    ["score", "reason"], score=NUM, reason=STR,
    because={"type": ["object", "null"], "description": "Your recommendations: the film this one comes from.",
             "required": ["id", "title"], "properties": {"id": INT, "title": STR}})]}
COMPONENTS["Recommendations"] = obj(["results"], results={"type": "array", "items": ref("Recommendation")})
COMPONENTS["SeedRequest"] = obj([], movies={"type": "integer", "minimum": 1}, users={"type": "integer", "minimum": 1},
                                reviews={"type": "integer", "minimum": 0})
COMPONENTS["Setting"] = obj(["key", "value"], key=STR, value={}, updated_at=NSTR)
COMPONENTS["SettingValue"] = obj(["value"], value={})
COMPONENTS["TmdbSyncRequest"] = obj([], tmdb_ids={"type": "array",
                                                  "items": {"type": "integer", "minimum": 1, "maximum": 2**53},
                                                  "maxItems": 500},
                                    since={"type": "string", "format": "date"},
                                    until={"type": "string", "format": "date"})

# The library: shelves (watchlist, favourites), the diary, lists, and a film's state for the caller.
BOOL = {"type": "boolean"}
MOVIE_ID = {"type": "integer", "minimum": 1, "maximum": 2**53}
MAYBE_MOVIE = {"anyOf": [ref("MovieSummary"), {"type": "null"}]}
DIARY_FIELDS = {"watched_on": {"type": "string", "format": "date"},
                "rating": {"type": ["integer", "null"], "minimum": 1, "maximum": 10}, "rewatch": BOOL,
                "note": {"type": "string", "maxLength": 10000}}
LIST_FIELDS = {"name": {"type": "string", "minLength": 1, "maxLength": 100},
               "description": {"type": "string", "maxLength": 2000}, "public": BOOL, "ranked": BOOL}
LIST_SUMMARY = {"id": INT, "user_id": INT, "name": STR, "description": STR, "public": BOOL, "ranked": BOOL,
                "item_count": INT, "created_at": STR, "updated_at": STR}
COMPONENTS.update({
    "ShelfAdd": obj(["movie_ids"], movie_ids={"type": "array", "items": MOVIE_ID, "minItems": 1, "maxItems": 100}),
    "ShelfAdded": obj(["added", "movie_ids"], added=INT, movie_ids={"type": "array", "items": INT}),
    "ShelfItem": obj(["movie_id", "added_at", "movie"], movie_id=INT, added_at=STR, movie=MAYBE_MOVIE),
    "NewDiaryEntry": obj(["movie_id", "watched_on"], movie_id=MOVIE_ID, **DIARY_FIELDS),
    "DiaryEntryChange": {"minProperties": 1, **obj([], **DIARY_FIELDS)},
    "DiaryEntry": obj(["id", "user_id", "movie_id", "watched_on", "rating", "rewatch", "note", "created_at",
                       "updated_at", "movie"], id=INT, user_id=INT, movie_id=INT, watched_on=STR, rating=NINT,
                      rewatch=BOOL, note=STR, created_at=STR, updated_at=STR, movie=MAYBE_MOVIE),
    "NewList": obj(["name"], **LIST_FIELDS),
    "ListChange": {"minProperties": 1, **obj([], **LIST_FIELDS)},
    "ListItems": obj(["items"], items={"type": "array", "maxItems": 5000, "items": {
        **obj(["movie_id"], movie_id=MOVIE_ID, note={"type": "string", "maxLength": 500}),
        "additionalProperties": False}}),
    "ListItem": obj(["position", "movie_id", "note", "movie"], position=INT, movie_id=INT, note=STR,
                    movie=MAYBE_MOVIE),
    "ListSummary": obj(list(LIST_SUMMARY), **LIST_SUMMARY),
    "List": obj([*LIST_SUMMARY, "items"], **LIST_SUMMARY, items=page_of("ListItem")),
    "MovieState": obj(["movie_id", "review", "rating", "watchlist", "favorite", "times_watched", "last_watched_on",
                       "lists"], movie_id=INT, review={"anyOf": [REVIEW, {"type": "null"}]}, rating=NINT,
                      watchlist=BOOL, favorite=BOOL, times_watched=INT, last_watched_on=NSTR,
                      lists={"type": "array", "items": obj(["id", "name", "position"], id=INT, name=STR,
                                                            position=INT)}),
})
COMPONENTS["ShelfPage"] = page_of("ShelfItem")
COMPONENTS["DiaryPage"] = page_of("DiaryEntry")
COMPONENTS["ListPage"] = page_of("ListSummary")
SHELF_SORTS = [sign + name for name in ("added_at", "title", "year", "rating") for sign in ("-", "")]
QUERIES["shelf"] = [query("sort", {"enum": SHELF_SORTS},
                          "Sort order (default -added_at); title, year and rating are the film's."), *PAGING]
QUERIES["diary"] = [query("year", {"type": "integer", "minimum": 1870, "maximum": 2100}, "Watched in this year."),
                    query("month", {"type": "integer", "minimum": 1, "maximum": 12},
                          "Watched in this month (with year)."), *PAGING]

# Export and import of the library (jobs), in MovieVerse's own format and Letterboxd's CSV files.
COMPONENTS["ExportFile"] = obj(["exported_at", "account", "profile", "reviews", "watchlist", "favorites", "diary",
                                "lists"], exported_at=STR, account={"type": "object"}, profile={"type": "object"},
                               **{part: {"type": "array", "items": {"type": "object"}}
                                  for part in ("reviews", "watchlist", "favorites", "diary", "lists")})
COMPONENTS["LetterboxdFile"] = {
    "type": "string", "maxLength": 5 * 1024 * 1024,
    "description": "A CSV file as Letterboxd exports it (UTF-8, a header line, up to 5 MiB). diary: Date, Name, "
                   "Year, Letterboxd URI, Rating, Rewatch, Tags, Watched Date; ratings: Date, Name, Year, Letterboxd "
                   "URI, Rating; watched and watchlist: Date, Name, Year, Letterboxd URI. Ratings are 0.5 to 5 stars "
                   "in half stars (twice that is the MovieVerse rating); dates are YYYY-MM-DD."}
QUERIES["library_import"] = [{**query("kind", {"enum": ["diary", "ratings", "watched", "watchlist"]},
                                      "Which Letterboxd file the body is."), "required": True}]

# Request bodies: unknown fields are refused (422), and passwords hold no control characters.
NO_CONTROL = "^[^\\u0000-\\u001f\\u007f]*$"
for _name in ("Login", "Registration", "AccountChange", "PasswordReset", "PasswordResetConfirm", "NewReview",
              "ReviewChange", "ProfileChange", "SeedRequest", "SettingValue", "TmdbSyncRequest", "ShelfAdd",
              "NewDiaryEntry", "DiaryEntryChange", "NewList", "ListChange", "ListItems"):
    COMPONENTS[_name]["additionalProperties"] = False
    _password = COMPONENTS[_name]["properties"].get("password")
    if _password is not None and _name != "Login":
        COMPONENTS[_name]["properties"]["password"] = {**_password, "pattern": NO_CONTROL}

# What `include` adds to a film's detail (QUERIES["movie_detail"]).
COMPONENTS["Movie"]["properties"].update({
    "reviews": ref("ReviewPage"), "state": ref("MovieState"),
    "similar": {"oneOf": [ref("Recommendations"), ref("Job")]},
})
