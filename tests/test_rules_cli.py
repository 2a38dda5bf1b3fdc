"""`claimwatch rules check|test|explain|schema` and `claimwatch evaluate` as a user runs them."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import EXAMPLE_RULES

CLAIMWATCH = [sys.executable, "-m", "monitor"]
SEED = (Path(__file__).parent / "fixtures" / "seed-article.txt").read_text(encoding="utf-8")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLAIMWATCH, *args], capture_output=True, text=True, timeout=120, check=False)


def _one_claim_rules(tmp_path: Path, extra_examples: str = "") -> Path:
    """A rules folder with the shipped feeds and actors and only the China lethal aid claim (nine examples)."""
    rules = tmp_path / "rules"
    (rules / "claims").mkdir(parents=True)
    for name in ("feeds.yaml", "actors.yaml"):
        shutil.copy(EXAMPLE_RULES / name, rules / name)
    claim = (EXAMPLE_RULES / "claims" / "china-lethal-aid-russia.yaml").read_text(encoding="utf-8")
    (rules / "claims" / "china-lethal-aid-russia.yaml").write_text(claim + extra_examples, encoding="utf-8")
    return rules


def _line(lines: list[str], prefix: str) -> str:
    return next(line for line in lines if line.startswith(prefix))


def test_check_reports_every_problem_and_exits_1(tmp_path: Path) -> None:
    """`rules check` prints each problem as FILE:LINE:COL: message and exits 1; a clean folder exits 0."""
    rules = tmp_path / "rules"
    shutil.copytree(EXAMPLE_RULES, rules)
    assert _run("rules", "check", str(rules)).returncode == 0
    (rules / "claims" / "bad.yaml").write_text("id: bad\nstatement: China is arming Russia\nstatus: maybe\n"
                                               "subjects: [chinaa]\n")
    (rules / "claims" / "worse.yaml").write_text("id: worse\nstatment: typo\n")
    run = _run("rules", "check", str(rules))
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert f"{rules}/claims/bad.yaml:3:9: status: Input should be 'active', 'paused' or 'retired'" in lines
    assert f"{rules}/claims/worse.yaml:2:1: statment: unknown key; did you mean 'statement'?" in lines
    assert "3 problems in 2 files" in run.stderr


def test_shipped_examples_all_pass() -> None:
    """Every example in the shipped claim files gets its label (and speaker) from the real matcher."""
    run = _run("rules", "test", str(EXAMPLE_RULES))
    assert run.returncode == 0, run.stdout
    assert run.stdout.strip().endswith(" failed") and ", 0 failed" in run.stdout


def test_failing_example_is_explained(tmp_path: Path) -> None:
    """A wrong example label makes `rules test` exit 1 and print the matcher's explanation."""
    rules = tmp_path / "rules"
    shutil.copytree(EXAMPLE_RULES, rules)
    claim = rules / "claims" / "china-lethal-aid-russia.yaml"
    extra = "  - text: China denies sending lethal aid to Russia\n    label: corroborates\n"
    claim.write_text(claim.read_text() + extra)
    run = _run("rules", "test", str(rules))
    assert run.returncode == 1
    assert "FAIL china-lethal-aid-russia example 10: expected corroborates, got denies" in run.stdout
    assert "evidence: keyphrase 'lethal aid'" in run.stdout


def test_explain_the_seed_article() -> None:
    """`rules explain` on the seed article shows the UK corroboration and the US denial with their quotes."""
    run = _run("rules", "explain", "china-lethal-aid-russia", "--rules", str(EXAMPLE_RULES), "--text", SEED)
    assert run.returncode == 0, run.stderr
    assert "speaker uk-defence-secretary (uk-government): corroborates" in run.stdout
    assert "speaker us-national-security-adviser (us-government): denies" in run.stdout
    assert "We have not seen that to date" in run.stdout


def test_test_json_reports_every_example_counting_from_1(tmp_path: Path) -> None:
    """`rules test --json` reports each example (indexed from 1) with its verdict and a summary; a failure exits 1."""
    rules = _one_claim_rules(tmp_path, "  - text: China denies sending lethal aid to Russia\n    label: corroborates\n")
    run = _run("rules", "test", str(rules), "--json")
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    examples = report["examples"]
    assert [example["index"] for example in examples] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert set(examples[0]) == {"claim", "index", "text", "expected", "got", "score", "expected_speaker",
                                "speakers", "passed"}
    assert examples[0]["expected_speaker"] == "uk-defence-secretary"
    assert "uk-defence-secretary" in examples[0]["speakers"]
    assert examples[5]["expected_speaker"] is None
    failing = examples[9]
    assert failing["claim"] == "china-lethal-aid-russia"
    assert failing["text"] == "China denies sending lethal aid to Russia"
    assert (failing["expected"], failing["got"], failing["passed"]) == ("corroborates", "denies", False)
    assert 0.5 < failing["score"] <= 1.0
    assert all(example["passed"] for example in examples[:9])
    assert report["summary"] == {"passed": 9, "failed": 1}


def test_test_json_exits_0_when_every_example_passes(tmp_path: Path) -> None:
    """`rules test --json` exits 0 and reports no failures when every example gets its label."""
    run = _run("rules", "test", str(_one_claim_rules(tmp_path)), "--json")
    assert run.returncode == 0, run.stdout
    assert json.loads(run.stdout)["summary"] == {"passed": 9, "failed": 0}


def test_explain_names_the_score_the_label_comes_from(tmp_path: Path) -> None:
    """`rules explain` gives the label with the stance model's probability it comes from, then relatedness and
    the stance model's scores on lines of their own."""
    rules = _one_claim_rules(tmp_path)
    run = _run("rules", "explain", "china-lethal-aid-russia", "--rules", str(rules),
               "--text", "China denies sending lethal aid to Russia")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    label = re.fullmatch(r"label: denies \(score (\d\.\d\d), the stance model's probability of denies in the "
                         r"sentences of china\)", lines[1])
    assert label is not None, lines[1]
    assert f"speaker china (china): denies {label[1]} -- 'China denies sending lethal aid to Russia'" in lines
    assert re.fullmatch(r"relatedness: \d\.\d\d \(the relatedness model\)", _line(lines, "relatedness: "))
    stance = _line(lines, "stance model: ")
    assert re.fullmatch(r"stance model: corroborates \d\.\d\d, denies \d\.\d\d, discusses \d\.\d\d \(.*\)", stance)
    assert "relatedness" not in stance


def test_explain_says_an_unrelated_item_has_no_stance(tmp_path: Path) -> None:
    """`rules explain` on an item that does not match says the label is unrelated and why, with no stance score."""
    rules = _one_claim_rules(tmp_path)
    run = _run("rules", "explain", "china-lethal-aid-russia", "--rules", str(rules),
               "--text", "China and Russia sign soybean deal")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[1].startswith("label: unrelated (score 0.00, no stance")
    assert _line(lines, "reason: ").startswith("reason: not a candidate")
    assert not any(line.startswith("stance model: ") for line in lines)


def test_explain_json_gives_the_label_scores_and_spans(tmp_path: Path) -> None:
    """`rules explain --json` gives the label, its score and source, relatedness, the stance model's scores, each
    speaker's match, and the spans with offsets into the text."""
    text = "China denies sending lethal aid to Russia"
    run = _run("rules", "explain", "china-lethal-aid-russia", "--rules", str(_one_claim_rules(tmp_path)),
               "--text", text, "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert (report["claim"], report["label"], report["label_speaker"]) == ("china-lethal-aid-russia", "denies", "china")
    assert report["score_source"] == "stance_model"
    assert report["relevant"] is True
    assert 0.0 <= report["relatedness"] <= 1.0
    assert set(report["stance_model"]) == {"corroborates", "denies", "discusses"}
    [match] = report["matches"]
    assert (match["speaker"], match["label"], match["score"]) == ("china", "denies", report["score"])
    assert match["stance_model"]["denies"] == report["score"]
    assert match["quote"]["text"] == text
    assert {"keyphrase", "actor"} <= {span["kind"] for span in report["evidence"]}
    assert [span["text"] for span in report["cues"]] == ["denies"]
    assert "china" in {span["source"] for span in report["speaker_evidence"]}
    for span in [*report["evidence"], *report["cues"], *report["speaker_evidence"]]:
        assert set(span) == {"start", "end", "text", "kind", "source", "score"}
        assert text[span["start"]:span["end"]] == span["text"]


def test_schema_is_json_schema_with_descriptions() -> None:
    """`rules schema` prints a JSON Schema that forbids unknown keys and documents fields."""
    schema = json.loads(_run("rules", "schema", "claim").stdout)
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"id", "statement"}
    assert "description" in schema["properties"]["keyphrases"]


def test_evaluate_writes_a_label_for_every_pair(tmp_path: Path) -> None:
    """`evaluate` reads id,claim,title,text and writes id,label,score for every row."""
    pairs = Path(__file__).parent / "fixtures" / "matching" / "sample-pairs.csv"
    out = tmp_path / "predictions.csv"
    run = _run("evaluate", str(pairs), "-o", str(out))
    assert run.returncode == 0, run.stderr
    with pairs.open(newline="", encoding="utf-8") as handle:
        ids = [row["id"] for row in csv.DictReader(handle)]
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["id"] for row in rows] == ids
    assert {row["label"] for row in rows} <= {"corroborates", "denies", "discusses", "unrelated"}


def test_check_rejects_deep_nesting_before_parsing(tmp_path: Path) -> None:
    """A claim file opening a hundred thousand flow lists is one located problem, not a crashed process."""
    rules = _one_claim_rules(tmp_path)
    (rules / "claims" / "deep.yaml").write_text("id: deep\nstatement: " + "[" * 100_000 + "\n", encoding="utf-8")
    run = _run("rules", "check", str(rules))
    assert run.returncode == 1, (run.returncode, run.stderr[-2000:])
    assert f"{rules}/claims/deep.yaml:2:75: YAML nested deeper than 64 levels" in run.stdout.splitlines()
