"""The web view over real HTTP: its JSON API agrees with the CLI's --json output, every page carries a
Content-Security-Policy, writes need a CSRF token, and it refuses to listen beyond loopback without
authentication, which then guards every page and API without ever showing the secret."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from monitor.config import load_config
from monitor.web.security import safe_href
from monitor.web.serve import bind, serve_beside
from storage.engine import make_engine
from storage.models import DELIVERIES
from tests.webseed import CLAIM, SeedStory, claimwatch_json, own_copy, web_process

PAGES = ("claims", f"claims/{CLAIM}", "feeds", "alerts", "silences", "rules", "login")
TOKEN = "correct-horse-battery-staple"


@contextmanager
def _serve(config: Path) -> Iterator[str]:
    """The web view on a thread of this process, on loopback."""
    with serve_beside(load_config(config, secrets=False, web_secrets=True), bind("127.0.0.1", 0)) as web:
        yield web.url


def _with_web_table(seed: SeedStory, tmp_path: Path, table: str) -> Path:
    config = tmp_path / "claimwatch.toml"
    config.write_text(f'state_dir = "{seed.root / "state"}"\nrules_dir = "{seed.root / "rules"}"\n'
                      f'database_url = "{seed.database_url}"\n[web]\n{table}')
    return config


def _evidence(config: Path) -> list[dict[str, object]]:
    rows = claimwatch_json(config, "evidence", "list", "--claim", CLAIM)
    assert isinstance(rows, list)
    return rows


def _picture(page: str) -> dict[str, str]:
    """Holder name -> "corroborates" or "denies", as the claim page's picture lists them."""
    found = re.search(r'<dl class="picture">(.*?)</dl>', page, re.DOTALL)
    assert found is not None
    corroborating, denying = found[1].split('<dt class="denies">')
    names = re.compile(r'<span class="holder">([^<]+?) <small>')
    return {**{name: "corroborates" for name in names.findall(corroborating)},
            **{name: "denies" for name in names.findall(denying)}}


def _csrf(client: httpx.Client, url: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get(url).text)
    assert found is not None
    return found[1]


def test_api_answers_as_the_cli_json_does(site: str, seed: SeedStory) -> None:
    """Each API endpoint returns exactly what the matching `--json` command prints for the same database."""
    pairs = {"api/claims": ("claims", "list"), f"api/claims/{CLAIM}": ("claims", "show", CLAIM),
             "api/feeds": ("feeds", "list"), "api/alerts": ("alerts", "list"), "api/silences": ("silence", "list")}
    for path, command in pairs.items():
        answer = httpx.get(site + path, timeout=30)
        assert answer.status_code == 200, path
        assert answer.json() == claimwatch_json(seed.config, *command), path
    claims = httpx.get(site + "api/claims", timeout=30).json()
    seed_claim = next(row for row in claims if row["id"] == CLAIM)
    assert {p["holder"]: p["stance"] for p in seed_claim["picture"]} == {
        "uk-government": "corroborates", "us-government": "denies", "china": "denies"}
    status = subprocess.run([sys.executable, "-m", "monitor", "status", "--json", "--config", str(seed.config)],
                            capture_output=True, text=True, timeout=120, check=False,
                            env={**os.environ, "CLAIMWATCH_CONFIG": ""})
    api, cli = httpx.get(site + "api/status", timeout=30).json(), json.loads(status.stdout)
    for report in (api, cli):  # read a moment apart: ages differ
        for node in report["nodes"]:
            node.pop("heartbeat_age_seconds")
        report["problems"] = [re.sub(r"\d+ s ago", "N s ago", problem) for problem in report["problems"]]
    assert api == cli


def test_every_page_forbids_inline_script_and_framing(site: str) -> None:
    """Pages, API answers and errors carry a CSP that allows no script, and other hardening headers."""
    for path in (*PAGES, "api/claims", "no-such-page", "claims/no-such-claim"):
        answer = httpx.get(site + path, timeout=30)
        policy = answer.headers["content-security-policy"]
        assert "script-src 'none'" in policy and "default-src 'none'" in policy, path
        assert "frame-ancestors 'none'" in policy and answer.headers["x-content-type-options"] == "nosniff"


def test_writes_need_the_csrf_token_and_this_origin(site: str, seed: SeedStory) -> None:
    """A POST without the page's token, or with it from another origin, is refused and stores nothing; the
    same form with the token from this site adds the silence."""
    fields = {"claim": CLAIM, "duration": "1h", "reason": "checking the form's protection"}
    with httpx.Client(timeout=30, follow_redirects=True) as client:
        assert client.post(site + "silences", data=fields).status_code == 403
        token = _csrf(client, site + "silences")
        forged = client.post(site + "silences", data={**fields, "csrf": token},
                             headers={"Origin": "http://attacker.example"})
        assert forged.status_code == 403
        assert client.post(site + "silences", data={**fields, "csrf": "0" * 64}).status_code == 403
        assert claimwatch_json(seed.config, "silence", "list") == []
        added = client.post(site + "silences", data={**fields, "csrf": token}, follow_redirects=False)
        assert added.status_code == 303
    listed = claimwatch_json(seed.config, "silence", "list")
    assert isinstance(listed, list) and [s["reason"] for s in listed] == ["checking the form's protection"]
    with httpx.Client(timeout=30, follow_redirects=True) as client:
        token = _csrf(client, site + "silences")
        client.post(f"{site}silences/{listed[0]['id']}/remove", data={"csrf": token})
    assert claimwatch_json(seed.config, "silence", "list") == []


def test_a_bad_silence_is_explained_not_stored(site: str, seed: SeedStory) -> None:
    """A silence with an unknown actor, a bad duration and no reason comes back with each problem named."""
    with httpx.Client(timeout=30, follow_redirects=True) as client:
        token = _csrf(client, site + "silences")
        answer = client.post(site + "silences", data={"csrf": token, "claim": CLAIM, "speaker": "nobody-at-all",
                                                      "duration": "soon", "reason": " "})
    assert answer.status_code == 400
    assert "no actor &#39;nobody-at-all&#39;" in answer.text and "Duration:" in answer.text
    assert "Say why" in answer.text
    assert claimwatch_json(seed.config, "silence", "list") == []


def test_retry_queues_a_dead_delivery_again(site: str, seed: SeedStory) -> None:
    """The Retry button of an alert whose delivery died puts that delivery back in the queue."""
    engine = make_engine(seed.database_url)
    try:
        with engine.begin() as connection:
            alert_id = connection.execute(select(DELIVERIES.c.alert_id).limit(1)).scalar_one()
            connection.execute(update(DELIVERIES).where(DELIVERIES.c.alert_id == alert_id)
                               .values(state="dead", last_error="HTTP 500 from the webhook"))
        with httpx.Client(timeout=30, follow_redirects=True) as client:
            page = client.get(site + "alerts?failed=1").text
            assert alert_id in page and "HTTP 500 from the webhook" in page
            token = _csrf(client, site + "alerts?failed=1")
            done = client.post(f"{site}alerts/{alert_id}/retry", data={"csrf": token})
            assert done.status_code == 200 and "queued again" in done.text
        with engine.connect() as connection:
            states = connection.execute(select(DELIVERIES.c.state)
                                        .where(DELIVERIES.c.alert_id == alert_id)).scalars().all()
        assert states and set(states) == {"pending"}
    finally:
        engine.dispose()


def test_refuses_to_listen_beyond_loopback_without_authentication(seed: SeedStory, tmp_path: Path) -> None:
    """`claimwatch web --host 0.0.0.0` exits 2 saying why when no token or password is configured, and an
    unresolved ${NAME} for the token is an error rather than a password."""
    refused = subprocess.run([sys.executable, "-m", "monitor", "web", "--config", str(seed.config), "--host",
                              "0.0.0.0", "--port", "0"], capture_output=True, text=True, timeout=60, check=False,
                             env={**os.environ, "CLAIMWATCH_CONFIG": ""})
    assert refused.returncode == 2 and "no authentication" in refused.stderr
    config = _with_web_table(seed, tmp_path, 'token = "${WEB_TOKEN}"\n')
    environ = {k: v for k, v in os.environ.items() if k not in ("WEB_TOKEN", "CREDENTIALS_DIRECTORY")}
    unresolved = subprocess.run([sys.executable, "-m", "monitor", "web", "--config", str(config), "--port", "0"],
                                capture_output=True, text=True, timeout=60, check=False,
                                env={**environ, "CLAIMWATCH_CONFIG": ""})
    assert unresolved.returncode == 2 and "web.token: ${WEB_TOKEN} is not set" in unresolved.stderr


def test_with_a_token_it_listens_on_any_address_and_guards_everything(seed: SeedStory, tmp_path: Path) -> None:
    """With a token from the credentials folder the view listens on 0.0.0.0; without the token the API
    answers 401 and pages send to the login form; the token as bearer or typed into the login form opens
    everything, and no page or answer contains it."""
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "WEB_TOKEN").write_text(TOKEN + "\n")
    config = _with_web_table(seed, tmp_path, 'token = "${WEB_TOKEN}"\n')
    env = {**os.environ, "CREDENTIALS_DIRECTORY": str(credentials)}
    env.pop("WEB_TOKEN", None)
    with web_process(config, "--host", "0.0.0.0", env=env) as address:
        site = address.replace("0.0.0.0", "127.0.0.1")
        with httpx.Client(timeout=30, follow_redirects=True) as client:
            assert client.get(site + "api/claims").status_code == 401
            to_login = client.get(site + f"claims/{CLAIM}", follow_redirects=False)
            assert to_login.status_code == 303 and to_login.headers["location"].startswith("/login?next=")
            assert client.get(site + "api/claims", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
            assert client.get(site + "api/claims", headers={"Authorization": "Bearer wrong-token"}).status_code == 401
            token = _csrf(client, site + "login")
            wrong = client.post(site + "login", data={"csrf": token, "token": "not-it", "next": "/feeds"})
            assert wrong.status_code == 401
            logged_in = client.post(site + "login", data={"csrf": token, "token": TOKEN, "next": "/feeds"})
            assert logged_in.status_code == 200 and logged_in.url.path == "/feeds"
            for path in (*PAGES, "api/claims", "api/status", "api/rules"):
                answer = client.get(site + path)
                assert answer.status_code == 200, path
                assert TOKEN not in answer.text, path
                assert TOKEN not in str(answer.headers), path


def test_basic_auth_guards_the_view(seed: SeedStory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a username and password, requests without them get 401 and a Basic challenge; with them, 200."""
    config = _with_web_table(seed, tmp_path, 'username = "analysts"\npassword = "${WEB_PASSWORD}"\n')
    monkeypatch.setenv("WEB_PASSWORD", "a long enough password")
    with _serve(config) as site:
        denied = httpx.get(site + "claims", timeout=30)
        assert denied.status_code == 401 and denied.headers["www-authenticate"].startswith("Basic")
        assert httpx.get(site + "claims", auth=("analysts", "wrong password!"), timeout=30).status_code == 401
        allowed = httpx.get(site + "claims", auth=("analysts", "a long enough password"), timeout=30)
        assert allowed.status_code == 200 and "a long enough password" not in allowed.text


def test_only_web_links_become_links() -> None:
    """http(s) URLs are kept; javascript:, data:, relative and scheme-less URLs are not rendered as links."""
    assert safe_href("https://news.example/a?b=1") == "https://news.example/a?b=1"
    assert safe_href(" http://news.example/ ") == "http://news.example/"
    for url in ("javascript:alert(1)", "JavaScript:alert(1)", " javascript:x", "data:text/html,<b>", "/local",
                "//evil.example/x", "vbscript:x", "", None, "http:///nohost"):
        assert safe_href(url) is None, url


def test_a_rejected_rules_edit_is_shown_and_the_last_good_rules_stay(seed: SeedStory, tmp_path: Path) -> None:
    """A bad claim file shows on the Rules page and in /api/rules as FILE:LINE:COL problems, while the
    claims keep being served from the last good rules."""
    rules = tmp_path / "rules"
    shutil.copytree(seed.root / "rules", rules)
    config = tmp_path / "claimwatch.toml"
    config.write_text(f'state_dir = "state"\nrules_dir = "rules"\ndatabase_url = "{seed.database_url}"\n')
    with _serve(config) as site:
        assert httpx.get(site + "api/rules", timeout=30).json()["folder"]["ok"]
        (rules / "claims" / "broken.yaml").write_text("id: broken-claim\nstatement: short\n")
        for _ in range(50):
            folder = httpx.get(site + "api/rules", timeout=30).json()["folder"]
            if not folder["ok"]:
                break
            time.sleep(0.2)
        assert [p.split(": ")[0] for p in folder["problems"]] == [f"{rules / 'claims' / 'broken.yaml'}:2:12"]
        page = httpx.get(site + "rules", timeout=30).text
        assert "broken.yaml:2:12: statement" in page and "stays in force" in page
        assert httpx.get(site + f"claims/{CLAIM}", timeout=30).status_code == 200


def test_a_correction_in_the_claim_page_is_the_clis_and_redraws_the_picture(seed: SeedStory, tmp_path: Path) -> None:
    """Restating China's denial as Russia's through the evidence row's form stores the correction that
    `claimwatch evidence list --json` and `/api/claims/ID` show; the claim page's picture then has Russia, not
    China, denying, and the chart draws Russia's row among the deniers and China's, left with its other
    evidence, among no stance."""
    config = own_copy(seed, tmp_path)
    denial = next(row for row in _evidence(config) if row["holder"] == "china" and row["decision"] == "new_speaker")
    with web_process(config) as site, httpx.Client(timeout=30, follow_redirects=True) as client:
        page = f"{site}claims/{CLAIM}"
        assert _picture(client.get(page).text) == {"UK government": "corroborates", "US government": "denies",
                                                   "China": "denies"}
        token = _csrf(client, page)
        answer = client.post(f"{site}claims/{CLAIM}/evidence/{denial['id']}/correct",
                             data={"csrf": token, "speaker": "russia", "stance": "",
                                   "reason": "the Kremlin said it, quoted by Beijing"})
        assert answer.status_code == 200 and answer.url.fragment == f"evidence-{denial['id']}"
        assert _picture(answer.text) == {"UK government": "corroborates", "US government": "denies",
                                         "Russia": "denies"}
        assert "the Kremlin said it, quoted by Beijing" in answer.text
        shown = client.get(f"{site}api/claims/{CLAIM}").json()
        assert next(e for e in shown["timeline"] if e["id"] == denial["id"])["correction"]["speaker"] == "russia"
        chart = client.get(f"{site}claims/{CLAIM}/timeline.svg").text
        assert 'data-holder="russia" data-group="denies"' in chart and 'data-holder="china" data-group="none"' in chart
    correction = next(row for row in _evidence(config) if row["id"] == denial["id"])["correction"]
    assert isinstance(correction, dict)
    assert correction == {**correction, "action": "correct", "speaker": "russia", "holder": "russia", "stance": None,
                          "by": "web view", "reason": "the Kremlin said it, quoted by Beijing"}


def test_a_correction_without_the_token_is_refused_and_changes_nothing(site: str, seed: SeedStory) -> None:
    """A dismissal POSTed without the page's CSRF token, or from another origin, is answered 403 and the
    evidence stays uncorrected."""
    before = _evidence(seed.config)
    target = f"{site}claims/{CLAIM}/evidence/{before[0]['id']}/dismiss"
    with httpx.Client(timeout=30, follow_redirects=True) as client:
        assert client.post(target, data={"reason": "no token"}).status_code == 403
        token = _csrf(client, f"{site}claims/{CLAIM}")
        forged = client.post(target, data={"csrf": token, "reason": "elsewhere"},
                             headers={"Origin": "http://attacker.example"})
        assert forged.status_code == 403
    assert _evidence(seed.config) == before


def test_a_correction_naming_an_unknown_actor_is_explained_and_changes_nothing(site: str, seed: SeedStory) -> None:
    """A correction to a speaker who is not in actors.yaml comes back 400 on the claim page, naming the actor
    beside the evidence's form, and neither the evidence nor the picture changes."""
    before = _evidence(seed.config)
    evidence_id = before[0]["id"]
    with httpx.Client(timeout=30, follow_redirects=True) as client:
        page = client.get(f"{site}claims/{CLAIM}").text
        token = _csrf(client, f"{site}claims/{CLAIM}")
        answer = client.post(f"{site}claims/{CLAIM}/evidence/{evidence_id}/correct",
                             data={"csrf": token, "speaker": "nobody-at-all", "stance": "denies",
                                   "reason": "a slip of the keyboard"})
    assert answer.status_code == 400
    assert answer.text.count("Speaker &#39;nobody-at-all&#39;: no such actor in actors.yaml") == 2
    assert '<details class="actions" open>' in answer.text and "Nothing was changed" in answer.text
    assert _picture(answer.text) == _picture(page)
    assert _evidence(seed.config) == before
