"""The actors an outbox may name are the actors the workers declare."""

from __future__ import annotations

from stores import outbox


def test_every_actor_an_outbox_may_name_is_declared() -> None:
    import actors  # noqa: F401 - declares every actor on the session broker
    from actors.broker import broker

    names = {value for name, value in vars(outbox).items() if name.isupper() and isinstance(value, str)}
    assert names == {"review_changed", "purge_account", "send_welcome_email", "request_password_reset",
                     "send_password_reset_email", "library_changed"}
    assert names <= set(broker.get_declared_actors())
