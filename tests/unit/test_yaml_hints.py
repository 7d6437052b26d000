"""YAML errors whose parser wording says little get a hint: a tab in the indentation, and an unquoted
value that starts with ``>`` (a version bound such as ``>=1.30``, read as a folded block)."""

from __future__ import annotations

import pytest

from podchaos.errors import ScenarioError
from podchaos.loader.yamlsafe import load_all, load_one

TAB = "(hint: YAML indents with spaces; this line has a tab)"
GT = '(hint: quote a value that starts with >, such as ">=1.30": YAML reads > as a folded block)'


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("name: x\nfaults:\n\t- {type: pod-delete}\n", TAB),
        ("requires: {kubernetes: >=1.30}\n", GT),
        ("requires:\n  kubernetes: >=1.30\n", GT),
        ("versions:\n  - >1.29.0\n", GT),
    ],
)
def test_the_hint_follows_the_parsers_words(text: str, hint: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_one(text, "chaos/x.scenario.yaml")
    assert str(caught.value).endswith(hint)
    assert "line " in str(caught.value)


def test_manifests_get_the_hint_too() -> None:
    with pytest.raises(ScenarioError, match="has a tab"):
        load_all("kind: Pod\nmetadata:\n\tname: x\n", "chaos/x.scenario.yaml", "workload.file")


@pytest.mark.parametrize(
    "text",
    ["a: b\n  c: d\n", "note: >\n  folded text\nb: [1\n", "a: {b: 1\n"],
)
def test_other_errors_get_no_hint(text: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_one(text, "x.yaml")
    assert "hint" not in str(caught.value)


def test_a_quoted_bound_and_a_real_folded_block_load() -> None:
    assert load_one('requires: {kubernetes: ">=1.30"}\nnote: >-\n  two\n  lines\n', "x.yaml") == {
        "requires": {"kubernetes": ">=1.30"},
        "note": "two lines",
    }
