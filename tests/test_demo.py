"""`claimwatch demo`, the README's first command, end to end as a subprocess."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.helpers import EXAMPLE_RULES


def test_demo_replays_the_news_day_and_prints_alerts_and_pictures() -> None:
    """The demo runs the real daemon over the replayed news day: every sample item is stored, the three
    new stances of the seed story are printed as they are delivered (and nothing else), later polls are
    answered with 304, and each claim's picture closes the run."""
    run = subprocess.run([sys.executable, "-m", "monitor", "demo", "--replay-seconds", "8"], capture_output=True,
                         text=True, timeout=240, check=False)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    alerts = out.split("Alerts, as the webhook channel receives them:")[1].split("The news day:")[0]
    # The news day waits for the daemon at each publication moment, so the alerts come in one order on any
    # machine: Sullivan's own story is read hours before Beijing's rebuttal, which also reports him.
    titles = re.findall(r"\] (First|New) (corroboration|denial): ([^\n]*?) — ", alerts)
    assert titles == [("First", "corroboration", "UK government"),
                      ("First", "denial", "US government (US National Security Adviser)"),
                      ("New", "denial", "China")], titles
    assert alerts.count("Alert id: ") == 3
    # Every time printed is on the news day's clock (the daemon's clock runs on past its last item).
    assert re.findall(r"since (\d{4}-\d\d)", alerts) and set(re.findall(r"since (\d{4}-\d\d)", alerts)) == {"2024-05"}
    assert "iran-missiles-russia" not in alerts and "soybean" not in alerts.lower()
    summary = out.split("The news day:")[1]
    assert re.match(r" 21 items stored from 4 feeds", summary)
    not_modified = re.search(r"and (\d+) with 304 Not Modified", summary)
    assert not_modified is not None and int(not_modified[1]) > 0
    china = summary.split("china-lethal-aid-russia (active)")[1].split("\n\n")[0]
    denied = re.search(r"Denied by: ([^\n]*)", china)
    assert "Corroborated by: UK government\n" in china and denied is not None
    assert sorted(denied[1].split(", ")) == ["China", "US government"]
    assert "iran-missiles-russia (active): Iran has supplied" in summary


def test_demo_rules_are_the_example_rules() -> None:
    """The demo bundles the example actors and claims unchanged (the package cannot reach rules/)."""
    root = Path(__file__).parent.parent
    shipped = {p.relative_to(EXAMPLE_RULES): p.read_bytes() for p in EXAMPLE_RULES.rglob("*.yaml")
               if p.name != "feeds.yaml"}
    bundled = {p.relative_to(root / "monitor" / "samples" / "rules"): p.read_bytes()
               for p in (root / "monitor" / "samples" / "rules").rglob("*.yaml")}
    assert bundled == shipped


def test_demo_follow_keeps_running_until_interrupted() -> None:
    """With --follow the demo keeps the daemon and its web view running after the replay (the view shows
    the seed claim's picture) and stops cleanly on Ctrl-C, still printing each claim's picture."""
    demo = subprocess.Popen([sys.executable, "-m", "monitor", "demo", "--replay-seconds", "3", "--follow",
                             "--web-port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert demo.stdout is not None
        header = "".join(demo.stdout.readline() for _ in range(5))
        address = re.search(r"web view: (http://127\.0\.0\.1:\d+/)", header)
        assert address is not None, header
        time.sleep(12)  # past the replay and its settling: a demo without --follow would have ended
        assert demo.poll() is None
        claims = httpx.get(address[1] + "api/claims", timeout=30).json()
        seed = next(claim for claim in claims if claim["id"] == "china-lethal-aid-russia")
        assert {p["holder"] for p in seed["picture"] if p["stance"] == "corroborates"} == {"uk-government"}
        demo.send_signal(signal.SIGINT)
        out, err = demo.communicate(timeout=120)
    finally:
        if demo.poll() is None:
            demo.kill()
    assert demo.returncode == 0, err
    assert "interrupted" in out and "Each claim's picture:" in out


def test_demo_keep_leaves_a_config_for_the_printed_hint(tmp_path: Path) -> None:
    """`demo --keep DIR` leaves DIR/claimwatch.toml, and the `claims show` command it prints works afterwards."""
    kept = tmp_path / "kept"
    run = subprocess.run([sys.executable, "-m", "monitor", "demo", "--replay-seconds", "8", "--keep", str(kept)],
                         capture_output=True, text=True, timeout=240, check=False)
    assert run.returncode == 0, run.stderr
    hint = re.search(r"(claimwatch claims show CLAIM --config \S+)", run.stdout)
    assert hint is not None and hint[1].endswith(str(kept / "claimwatch.toml"))
    args = hint[1].split()[1:]
    args[args.index("CLAIM")] = "china-lethal-aid-russia"
    show = subprocess.run([sys.executable, "-m", "monitor", *args], capture_output=True, text=True, timeout=60,
                          check=False)
    assert show.returncode == 0, show.stderr
    assert "Corroborate: UK government" in show.stdout, show.stdout
