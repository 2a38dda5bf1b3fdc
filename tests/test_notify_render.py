"""Rendering alert messages (titles, per-alert sections, the claim's picture, the three body formats), and
checking channel URLs: pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.alerts.render import HTML, MARKDOWN, TEXT, format_for_url, render
from monitor.alerts.send import check_channels
from storage.alert_views import AlertContext, PositionView, SourceView
from storage.outbox import NewAlert
from tests.receivers import STATEMENT, alert_ids_in, channel, claim_alert

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
PICTURE = (PositionView("uk-government", "corroborates", NOW - timedelta(days=1)),
           PositionView("us-government", "denies", NOW))


def _context(alert: NewAlert, **extra: object) -> AlertContext:
    return AlertContext(id=alert.id, claim_id=alert.claim_id, kind=alert.kind, priority=alert.priority,
                        severity=alert.severity, stance=alert.stance, holder=alert.holder,
                        created_at=alert.created_at, detail=dict(alert.detail), **extra)  # type: ignore[arg-type]


def test_one_alert_title_names_kind_stance_speaker_and_claim() -> None:
    """A single alert's title reads "New denial: US government — <claim statement>"."""
    message = render([_context(claim_alert("a1", NOW))])
    assert message.title == f"New denial: US government — {STATEMENT}"


def test_several_alerts_get_a_summary_title_most_urgent_first() -> None:
    """Several alerts of a claim: the title counts them and leads with the most urgent; the body follows."""
    alerts = [_context(claim_alert("a1", NOW)),
              _context(claim_alert("a2", NOW, kind="reversal", holder="china", priority=1,
                                   previous_stance="corroborates")),
              _context(claim_alert("a3", NOW, kind="repeat", holder="uk-government", priority=4))]
    message = render(alerts)
    assert message.title == f"3 alerts: Reversal: China and 2 more — {STATEMENT}"
    assert alert_ids_in(message.body) == ["a2", "a1", "a3"]
    assert message.body.index("**Reversal: China denies**") < message.body.index("**New denial: US government")
    assert "Before: corroborates, now denies" in message.body


def test_body_has_quote_source_other_sources_picture_why_and_id() -> None:
    """The Markdown body quotes the item, links it and the story's other sources, shows the claim's picture
    with names where known, says why it matched, and names the alert id."""
    context = _context(claim_alert("a1", NOW), positions=PICTURE,
                       other_sources=(SourceView("herald", "https://herald.example/1", "Beijing arming Moscow"),))
    body = render([context], MARKDOWN, {"uk-government": "UK government"}).body
    assert "> We have not seen that to date" in body
    assert ("Source: [US says no sign of Chinese lethal aid](https://news.example.com/a1) "
            "(wire-world, 2026-11-28 09:00 UTC)") in body
    assert "Also in: [herald: Beijing arming Moscow](https://herald.example/1)" in body
    assert f"Claim: {STATEMENT} (china-lethal-aid-russia)" in body
    assert "Corroborated by: UK government (since 2026-11-27 09:00 UTC)" in body
    assert "Denied by: us-government (since 2026-11-28 09:00 UTC)" in body
    assert "Why it matched: denies 0.91; found 'lethal aid'" in body
    assert "Alert id: a1" in body


def test_text_and_html_formats() -> None:
    """Plain text has no Markdown; HTML escapes what the feeds wrote and links the sources."""
    context = _context(claim_alert("a1", NOW, quote="<script>alert(1)</script> & more"), positions=PICTURE)
    text = render([context], TEXT).body
    assert "**" not in text and "](" not in text
    assert '"<script>alert(1)</script> & more"' in text
    html = render([context], HTML).body
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert '<a href="https://news.example.com/a1">US says no sign of Chinese lethal aid</a>' in html
    assert alert_ids_in(html) == ["a1"]


def test_operator_notice_uses_its_own_title_and_body() -> None:
    """An operator notice (no claim) is rendered from its detail's title and body."""
    notice = NewAlert(id="n1", kind="delivery_dead", priority=1, created_at=NOW,
                      detail={"title": "Alert a1 could not be delivered to hook", "body": "Last error: refused"})
    message = render([_context(notice)])
    assert message.title == "Alert a1 could not be delivered to hook"
    assert "Last error: refused" in message.body and alert_ids_in(message.body) == ["n1"]
    assert "Claim:" not in message.body


@pytest.mark.parametrize(("url", "expected"), [
    ("mailto://user:pw@example.com", HTML), ("mailtos://example.com?to=a@example.com", HTML),
    ("slack://a/b/c", MARKDOWN), ("json://127.0.0.1/hook", MARKDOWN)])
def test_email_gets_html_everything_else_markdown(url: str, expected: str) -> None:
    """The body format follows the channel's URL scheme: mailto and mailtos get HTML."""
    assert format_for_url(url) == expected


def test_render_refuses_nonsense() -> None:
    """An unknown format or an empty group is a programming error, said plainly."""
    with pytest.raises(ValueError, match="body_format must be one of"):
        render([_context(claim_alert("a1", NOW))], "rtf")
    with pytest.raises(ValueError, match="at least one alert"):
        render([])


def test_a_large_group_shows_the_first_alerts_in_full_and_lists_every_id() -> None:
    """Past a dozen alerts the rest get one line each, and the ids line still names every alert."""
    alerts = [_context(claim_alert(f"a{n:02d}", NOW + timedelta(seconds=n))) for n in range(20)]
    body = render(alerts).body
    assert body.count("> We have not seen that to date") == 12
    assert "**8 more alerts**" in body and "New denial: US government (a19)" in body
    assert alert_ids_in(body) == [f"a{n:02d}" for n in range(20)]


def test_channel_check_names_unusable_urls_and_duplicate_names_without_secrets() -> None:
    """check_channels reports an unusable URL (shown redacted) and a name used twice; good channels pass."""
    good = [channel("hook", "json://127.0.0.1:8080/hook"), channel("mail", "mailto://u:pw@example.com?to=a@b.org")]
    assert check_channels(good) == []
    problems = check_channels([*good, channel("hook", "json://127.0.0.1:9/x"),
                               channel("odd", "nosuch://user:S3cret@example.com/T0ken")])
    assert problems == ["channel 'hook': the name is used twice",
                        "channel 'odd' (nosuch://example.com/***): apprise cannot use this URL"]
