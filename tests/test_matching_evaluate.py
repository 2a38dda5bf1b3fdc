"""`evaluate_csv`: bare-statement pairs in, id,label,score out."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from monitor.matching.evaluate import PairsFileError, deal, evaluate_csv
from monitor.matching.matcher import Matcher
from monitor.matching.normalize import normalize
from monitor.matching.verdict import body_cues, claim_cues, item_features

SAMPLE = Path(__file__).parent / "fixtures" / "matching" / "sample-pairs.csv"
LABELS = {"corroborates", "denies", "discusses", "unrelated"}


def test_writes_one_prediction_per_pair(tmp_path: Path) -> None:
    """Every input row gets an output row with a known label and a score in [0, 1]."""
    out = tmp_path / "predictions.csv"
    written = evaluate_csv(SAMPLE, out)
    with SAMPLE.open(encoding="utf-8") as handle:
        gold = {r["id"]: r["gold"] for r in csv.DictReader(handle)}
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert written == len(gold) == len(rows)
    assert [r["id"] for r in rows] == list(gold)
    assert {r["label"] for r in rows} <= LABELS
    assert all(0.0 <= float(r["score"]) <= 1.0 for r in rows)
    relatedness = sum((r["label"] == "unrelated") == (gold[r["id"]] == "unrelated") for r in rows) / len(rows)
    assert relatedness >= 0.9


def test_missing_columns_are_reported(tmp_path: Path) -> None:
    """A file without the required columns is refused with the missing names."""
    bad = tmp_path / "bad.csv"
    bad.write_text("id,headline\n1,x\n", encoding="utf-8")
    with pytest.raises(PairsFileError, match="claim, title"):
        evaluate_csv(bad, tmp_path / "out.csv")


def test_empty_text_and_long_body_both_work(tmp_path: Path) -> None:
    """A headline alone and a headline with a long body are both classified."""
    pairs = tmp_path / "pairs.csv"
    body = ("Officials in Texas said on Monday that a farm was quarantined. " * 3
            + "The story that a turkey farm was contaminated with Ebola is a hoax, the USDA said. "
            + "The claim that a Texas turkey farm was contaminated with Ebola is false. There is no evidence that "
            + "any turkey farm was contaminated with Ebola, and the report was fake. ")
    with pairs.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "claim", "title", "text"])
        claim = "A Texas turkey farm was contaminated with Ebola"
        writer.writerow(["1", claim, "Ebola found on Texas turkey farm", ""])
        writer.writerow(["2", "A Texas turkey farm was contaminated with Ebola", "Turkey farm rumours", body])
        writer.writerow(["3", "A Texas turkey farm was contaminated with Ebola", "Apple unveils a new watch", ""])
    out = tmp_path / "out.csv"
    assert evaluate_csv(pairs, out) == 3
    with out.open(encoding="utf-8") as handle:
        labels = {r["id"]: r["label"] for r in csv.DictReader(handle)}
    assert labels["1"] == "corroborates"
    assert labels["2"] == "denies"
    assert labels["3"] == "unrelated"


def test_bare_statement_headline() -> None:
    """A bare statement matches a headline that repeats it in other words."""
    matcher = Matcher.for_statement("China is supplying lethal aid to Russia for use in Ukraine")
    assert matcher.classify("claim", "China sends lethal aid to Russia")[0] == "corroborates"
    assert matcher.classify("claim", "Apple unveils a new watch")[0] == "unrelated"


def test_explain_without_a_match() -> None:
    """explain returns an Explanation with a reason even when the item does not match."""
    matcher = Matcher.for_statement("A Texas turkey farm was contaminated with Ebola")
    explanation = matcher.explain("claim", "Apple unveils a new watch", "")
    assert not explanation.relevant
    assert explanation.reason
    assert explanation.claim_id == "claim"


def test_statement_entities_missing_weaken_relatedness() -> None:
    """A headline sharing words but none of the statement's named entities scores lower than one naming them."""
    matcher = Matcher.for_statement("Lenovo will make a bid to buy BlackBerry")
    named = matcher.training_view("claim", "Lenovo tipped to make a bid for BlackBerry", "")
    unnamed = matcher.training_view("claim", "Audio recording was made at the time, experts say", "")
    assert unnamed.relevance_features["anchor-miss"] == 1.0
    assert named.relevance_features["anchor-miss"] == 0.0
    scores = [matcher.explain("claim", title).stance_scores["relatedness"]
              for title in ("Lenovo tipped to make a bid for BlackBerry", "Audio recording was made, experts say")]
    assert scores[0] > scores[1]


def test_future_statement_marks_its_units() -> None:
    """A statement about the future gives its units the claim-future feature; a past one does not."""
    future = Matcher.for_statement("Apple will sell a gold watch")
    past = Matcher.for_statement("Apple sold a gold watch")
    assert "claim-future" in future.training_view("claim", "Apple to sell gold watch", "").units[0][0]
    assert "claim-future" not in past.training_view("claim", "Apple sold gold watch", "").units[0][0]


def test_rows_of_one_body_are_read_together_and_written_in_order(tmp_path: Path) -> None:
    """Pairs that share an article body are classified together, and the predictions keep the input order."""
    shared = ("Residents of a coastal town said a whale washed up on the beach on Sunday. "
              "Marine biologists said the animal was a young humpback. "
              "The town council said the carcass would be removed by Tuesday. "
              "Tourists gathered to take photographs before police closed the beach. ")
    other = ("A new bakery opened in the old post office on Saturday. The owner said bread sold out by noon. "
             "Neighbours welcomed the shop. The council approved the change of use last year. ")
    pairs = tmp_path / "pairs.csv"
    with pairs.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "claim", "title", "text"])
        writer.writerow(["a", "A humpback whale washed up on a beach", "", shared])
        writer.writerow(["b", "A humpback whale washed up on a beach", "", other])
        writer.writerow(["c", "A bakery opened in the old post office", "", shared])
        writer.writerow(["d", "A bakery opened in the old post office", "", other])
    out = tmp_path / "out.csv"
    assert evaluate_csv(pairs, out) == 4
    with out.open(encoding="utf-8") as handle:
        rows = {r["id"]: r["label"] for r in csv.DictReader(handle)}
    assert list(rows) == ["a", "b", "c", "d"]
    assert rows["a"] != "unrelated" and rows["d"] != "unrelated"
    assert rows["b"] == "unrelated" and rows["c"] == "unrelated"


def test_deal_keeps_items_whole_and_evens_out_their_cost() -> None:
    """The parallel deal puts each item's rows in one slice, in order, and a long item with many pairs
    gets a slice to itself rather than half the pair count."""
    long_body, short_body = "word " * 2000, "word " * 100
    rows = [{"title": "", "text": short_body if i % 2 else long_body} for i in range(8)]
    rows += [{"title": f"headline {i}", "text": short_body} for i in range(8)]
    slices = deal(rows, 2)
    assert sorted(i for part in slices for i in part) == list(range(len(rows)))
    long_rows = [i for i, row in enumerate(rows) if row["text"] == long_body]
    assert long_rows in slices  # whole, in order, and alone: its cost outweighs every other item's together
    assert deal(rows, 2) == slices


def test_evaluate_in_several_processes_gives_the_same_predictions(tmp_path: Path) -> None:
    """`jobs=2` labels the pairs in two processes and writes the same file as one process does."""
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    assert evaluate_csv(SAMPLE, one, jobs=1) == evaluate_csv(SAMPLE, two, jobs=2)
    assert one.read_bytes() == two.read_bytes()


def test_body_cues_count_denials_per_sentence() -> None:
    """The body verdict reads how often a body denies, hedges or reports, per sentence."""
    debunking = normalize("", "The photo is a hoax. Experts said it was fake. The agency debunked it. It is false.")
    reporting = normalize("", "The paper reported the sighting. Witnesses said they saw it. Police were told.")
    assert body_cues(debunking)["body:deny-rate"] == 1.0
    assert body_cues(reporting)["body:deny-any"] == 0.0
    assert body_cues(reporting)["body:report-rate"] > 0.5


def test_verdict_reads_a_denying_claim_against_a_debunking_body() -> None:
    """A claim that is itself a denial gets features pairing it with the body's denials."""
    passage = {"corroborates": 0.2, "denies": 0.7, "discusses": 0.1}
    features = item_features([passage], [1.0], {"body:deny-rate": 0.5}, claim_cues("the photo turns out to be a hoax"))
    assert features["claim:deny"] == 1.0
    assert features["claim:deny*body:deny-rate"] == 0.5
    assert features["units:max-denies"] == 0.7
