"""Corrections of evidence on a ledger built by the real poller: the picture follows at once, the record stays."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML
from sqlalchemy import Engine, select

from monitor.alerts.corrections import CorrectionRequest, apply_correction, examples_yaml
from monitor.alerts.picture import rebuild
from monitor.rulebook.loader import load_rulebook
from monitor.rulebook.schema import ExampleSpec
from storage.claims import claim_positions
from storage.corrections import CorrectionAction, claim_evidence
from storage.models import ALERTS, CLAIM_STATES
from tests.feedserver import FeedServer
from tests.newsroom import CLAIM, SCENARIO, Newsroom


def _seed(tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer, stages: int) -> Newsroom:
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    for stage in SCENARIO["stages"][:stages]:
        newsroom.publish(stage["items"])
        newsroom.poll()
    return newsroom


def _picture(engine: Engine) -> dict[str, str]:
    return {p.holder: p.stance for p in claim_positions(engine, CLAIM)}


def _evidence_of(engine: Engine, holder: str) -> int:
    with engine.connect() as connection:
        return next(e.id for e in claim_evidence(connection, CLAIM) if e.holder == holder and e.alert_id)


def test_rebuilding_the_picture_from_uncorrected_evidence_gives_what_the_ledger_wrote(
        tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer) -> None:
    """Without corrections, the picture rebuilt from the evidence equals the positions and first stances the
    ledger wrote one piece of evidence at a time."""
    _seed(tmp_path, database_url, engine, feed_server, len(SCENARIO["stages"]))
    with engine.connect() as connection:
        picture = rebuild(CLAIM, claim_evidence(connection, CLAIM))
        state = connection.execute(select(CLAIM_STATES.c.first_corroboration_at, CLAIM_STATES.c.first_denial_at)
                                   .where(CLAIM_STATES.c.claim_id == CLAIM)).one()
    assert {p.holder: p for p, _ in picture.positions} == {p.holder: p for p in claim_positions(engine, CLAIM)}
    assert (picture.state.first_corroboration_at, picture.state.first_denial_at) == tuple(state)


def test_a_dismissal_takes_the_holder_out_and_keeps_the_alert(
        tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer) -> None:
    """Dismissing the US denial removes the US government from the picture and the claim's first denial;
    the alert it caused stays, and the dismissal is kept with who, when and why."""
    newsroom = _seed(tmp_path, database_url, engine, feed_server, 2)
    book = load_rulebook(newsroom.config.rules_dir)
    us = _evidence_of(engine, "us-government")
    apply_correction(engine, book, CorrectionRequest(us, CorrectionAction.dismiss, "Sullivan spoke of another claim",
                                                     "desk-editor"), newsroom.clock())
    assert _picture(engine) == {"uk-government": "corroborates"}
    with engine.connect() as connection:
        first_denial = connection.execute(select(CLAIM_STATES.c.first_denial_at)).scalar_one()
        kinds = list(connection.execute(select(ALERTS.c.kind).order_by(ALERTS.c.created_at)).scalars())
        [dismissed] = [e for e in claim_evidence(connection, CLAIM) if e.id == us]
    assert first_denial is None and kinds == ["first_corroboration", "first_denial"]
    assert dismissed.correction is not None
    assert (dismissed.correction.corrected_by, dismissed.correction.reason, dismissed.correction.created_at) == (
        "desk-editor", "Sullivan spoke of another claim", newsroom.clock())


def test_a_correction_moves_the_stance_to_the_right_holder(
        tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer) -> None:
    """Restating the UK's corroboration as a denial by China's foreign ministry puts China among the deniers
    (the ministry speaks for China) and leaves the UK without a stance."""
    newsroom = _seed(tmp_path, database_url, engine, feed_server, 1)
    book = load_rulebook(newsroom.config.rules_dir)
    uk = _evidence_of(engine, "uk-government")
    apply_correction(engine, book, CorrectionRequest(uk, CorrectionAction.correct, "misread the quote", "me",
                                                     "denies", "chinese-foreign-ministry"), newsroom.clock())
    assert _picture(engine) == {"china": "denies"}


def test_a_dismissed_item_never_alerts_again_for_the_claim(
        tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer) -> None:
    """Once the UK corroboration is dismissed, the same item revised by its feed is recorded as dismissed:
    no new first corroboration, and the UK stays out of the picture."""
    newsroom = _seed(tmp_path, database_url, engine, feed_server, 1)
    book = load_rulebook(newsroom.config.rules_dir)
    apply_correction(engine, book, CorrectionRequest(_evidence_of(engine, "uk-government"), CorrectionAction.dismiss,
                                                     "a conference rumour", "me"), newsroom.clock())
    story = dict(SCENARIO["stages"][0]["items"][0])
    newsroom.published["wire"].clear()
    newsroom.publish([{**story, "description": story["description"] + " Updated with the minister's remarks."}])
    assert newsroom.poll() == []
    with engine.connect() as connection:
        decisions = [e.decision for e in claim_evidence(connection, CLAIM)]
    assert decisions[-1] == "dismissed" and "uk-government" not in _picture(engine)


def test_corrections_become_examples_the_claim_file_accepts(
        tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer) -> None:
    """The YAML printed from corrections parses into valid examples: a dismissal as unrelated, a correction
    with its stance and speaker."""
    newsroom = _seed(tmp_path, database_url, engine, feed_server, 2)
    book = load_rulebook(newsroom.config.rules_dir)
    now = newsroom.clock()
    apply_correction(engine, book, CorrectionRequest(_evidence_of(engine, "us-government"), CorrectionAction.dismiss,
                                                     "not about this claim", "me"), now)
    apply_correction(engine, book, CorrectionRequest(_evidence_of(engine, "uk-government"), CorrectionAction.correct,
                                                     "the minister hedged", "me", "discusses",
                                                     "uk-defence-secretary"), now)
    with engine.connect() as connection:
        text = examples_yaml(claim_evidence(connection, CLAIM, corrected_only=True))
    examples = [ExampleSpec.model_validate(entry) for entry in YAML(typ="safe").load(text)]
    assert [(e.label, e.speaker) for e in examples] == [("discusses", "uk-defence-secretary"), ("unrelated", None)]
    assert "lethal aid" in examples[0].text and "Sullivan" in examples[1].text
