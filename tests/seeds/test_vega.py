"""The vega-datasets match on the real data: the pinned package, the exact counts, the facts a film takes."""

from __future__ import annotations

from actors.tmdb import NEW_ID_BASE
from seeds import films, people, vega
from seeds.plan import DEFAULTS, MAX_MOVIES

KUBRICK = 90_000_473


def test_the_pinned_package_is_installed_with_npm_and_read() -> None:
    assert vega.ensure_installed() == vega.DATA
    assert vega.installed_version() == "3.2.1"
    assert len(vega.rows()) == 3201
    assert len(vega.vega_films()) == 3200  # one row has no title; every date of 3.2.1 parses
    assert len(vega.director_ids()) == 550


def test_the_whole_demo_matches_exactly_these_counts() -> None:
    assert vega.match_counts(DEFAULTS["movies"]) == {"films_matched": 2034, "films_directed": 1267,
                                                     "real_people": 443}
    assert vega.match_counts(400) == {"films_matched": 20, "films_directed": 13, "real_people": 13}


def test_a_title_and_a_year_within_one_make_a_match_and_the_nearest_year_wins() -> None:
    kubrick = sorted(film_id for film_id, facts in vega.matches().items() if facts.director == "Stanley Kubrick")
    # Lolita (1962) is titled so in the file and matches nothing; Spartacus (1960) is not the one of 2003
    assert kubrick == [282, 4477, 16777, 46445, 48415]
    assert [films.all_films()[i - 1].title for i in kubrick] == [
        "2001: A Space Odyssey", "Barry Lyndon", "Eyes Wide Shut", "Shining, The", "Spartacus"]
    assert films.all_films()[48415].year == 2003 and 48416 not in vega.matches()
    taken = list(vega.matches().values())
    assert len(taken) == len(set(taken)), "a vega film goes to one film of ours"


def test_dates_that_do_not_parse_and_rows_without_a_title_are_left_out() -> None:
    row = {"Title": "Nowhere", "Director": "Someone", "Release Date": "Jun 12 1998"}
    assert vega._facts(row) is not None
    for date in ("Feb 30 1999", "1999-02-03", "", None, 19990203):
        assert vega._facts({**row, "Release Date": date}) is None, date
    assert vega._facts({**row, "Title": None}) is None
    assert vega._facts({**row, "Title": 1776}).title == "1776"  # type: ignore[union-attr]
    assert vega._facts({**row, "MPAA Rating": "Not Rated"}).mpaa is None  # type: ignore[union-attr]
    assert vega._facts({**row, "Rotten Tomatoes Rating": 140}).rotten_tomatoes is None  # type: ignore[union-attr]


def test_a_matched_film_takes_the_facts_and_keeps_what_ours_already_says() -> None:
    doc = vega.film_document(films.all_films()[281])
    assert doc["gross"] == {"us": 56_700_000, "worldwide": 68_700_000}
    assert (doc["release_date"], doc["rotten_tomatoes"], doc["source_material"], doc["creative_type"]) == (
        "1968-04-02", 96, "Original Screenplay", "Science Fiction")
    assert doc["source"] == "imdb-ggplot2", "source still says where the document came from"
    assert vega.film_document(films.all_films()[58787])["budget"] == 87_000_000  # vega says 60,000,000
    assert vega.film_document(films.all_films()[53812])["mpaa"] == "NC-17"  # vega says R
    unmatched = films.all_films()[4]
    assert vega.film_document(unmatched) == films.movie_document(unmatched)


def test_the_major_genre_joins_the_films_genres_when_it_is_one_of_ours() -> None:
    grown = [(film_id, facts.major_genre) for film_id, facts in vega.matches().items()
             if vega.GENRE_IDS.get(facts.major_genre or "") not in (None, *films.all_films()[film_id - 1].genre_ids)]
    assert grown
    for film_id, genre in grown[:50]:
        doc = vega.film_document(films.all_films()[film_id - 1])
        assert vega.GENRE_IDS[genre or ""] in doc["genre_ids"]
        assert [g["id"] for g in doc["genres"]] == doc["genre_ids"] == sorted(doc["genre_ids"])


def test_real_people_have_ids_no_generated_person_nor_tmdb_person_can_have() -> None:
    ids = sorted(vega.director_ids().values())
    assert ids == list(range(vega.REAL_PEOPLE_BASE + 1, vega.REAL_PEOPLE_BASE + 551))
    assert people.pool_size(MAX_MOVIES) < ids[0] and ids[-1] <= vega.REAL_PEOPLE_MAX < NEW_ID_BASE
    assert vega.director_ids()["Stanley Kubrick"] == KUBRICK


def test_generated_people_and_their_draws_stay_as_they_were() -> None:
    pool = people.people_pool(people.pool_size(DEFAULTS["movies"]))
    person = people.make_person(934)
    assert (person.name, person.birthday, person.department) == ("Samuel Ortiz", "1915-12-17", "Directing")
    cast, crew = people.film_credits(films.all_films()[281], pool)
    # what the seed gave 2001: A Space Odyssey before the match, but for its generated director
    assert crew == [
        {"person_id": KUBRICK, "name": "Stanley Kubrick", "job": "Director", "department": "Directing"},
        {"person_id": 934, "name": "Samuel Ortiz", "job": "Screenplay", "department": "Writing"},
        {"person_id": 18548, "name": "Anna Gutierrez", "job": "Screenplay", "department": "Writing"},
        {"person_id": 3933, "name": "Miguel Diallo", "job": "Story", "department": "Writing"},
        {"person_id": 375, "name": "Jeremy Farouk", "job": "Producer", "department": "Production"},
        {"person_id": 16417, "name": "Sven Costa", "job": "Camera Operator", "department": "Camera"},
    ]
    assert cast[:2] == [{"person_id": 16324, "name": "Astrid Kowalski", "character": "The Driver", "order": 0},
                        {"person_id": 63, "name": "Sigrid Harris", "character": "Ivan", "order": 1}]
