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
from tests.webseed import CLAIM, SeedStory, claimwatch_json, record_seed_story, web_process

PAGES = ("claims", f"claims/{CLAIM}", "feeds", "alerts", "silences", "rules", "login")
TOKEN = "correct-horse-battery-staple"


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> SeedStory:
    """The seed story recorded once for the module."""
    return record_seed_story(tmp_path_factory.mktemp("seed"))


@pytest.fixture(scope="module")
def site(seed: SeedStory) -> Iterator[str]:
    """`claimwatch web` on the seed story."""
    with web_process(seed.config) as url:
        yield url


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
