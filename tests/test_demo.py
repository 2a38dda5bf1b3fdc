"""`claimwatch demo`, the README's first command, end to end as a subprocess."""

from __future__ import annotations

import subprocess
import sys


def test_demo_polls_stores_matches_alerts_and_repolls_with_304() -> None:
    """The demo stores every sample item, matches the seed story, delivers its alerts to the loopback
    webhook, and its second poll is answered with 304s and alerts nothing."""
    run = subprocess.run([sys.executable, "-m", "monitor", "demo"], capture_output=True, text=True, timeout=180,
                         check=False)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "First poll: 4 feeds fetched." in out
    assert "21 items stored." in out
    assert "china-lethal-aid-russia: corroborates by uk-defence-secretary (uk-government)" in out
    assert "china-lethal-aid-russia: denies       by us-national-security-adviser (us-government)" in out
    assert out.count("last answer: not_modified") == 4
    alerts = out.split("Alerts delivered to the webhook channel")[1].split("Second poll")[0]
    assert "First corroboration: " in alerts and "First denial: " in alerts
    assert "Corroborated by: UK government" in alerts and "China (since" in alerts
    assert "Alerts delivered by the second poll: 0" in out
    assert "soybean" not in out.split("Matches against the example claims")[1]
    assert "iran-missiles-russia" not in out.split("Matches against the example claims")[1]


def test_demo_rules_are_the_shipped_example_rules() -> None:
    """The demo bundles the repository's example actors and claims unchanged (the package cannot reach rules/)."""
    from pathlib import Path

    root = Path(__file__).parent.parent
    shipped = {p.relative_to(root / "rules"): p.read_bytes() for p in (root / "rules").rglob("*.yaml")
               if p.name != "feeds.yaml"}
    bundled = {p.relative_to(root / "monitor" / "samples" / "rules"): p.read_bytes()
               for p in (root / "monitor" / "samples" / "rules").rglob("*.yaml")}
    assert bundled == shipped
