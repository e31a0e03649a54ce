"""The far end of the offline judge loop: read a Batch output file of verdicts, and what they say.

Each result line's ``custom_id`` (written by ``quality.judge_batch``) records the request, its tier
and rule, and which answer the judge saw first; the verdict is mapped back through that swap.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from llmroute_cli.errors import LlmrouteError
from llmroute_cli.quality.judge_batch import POSITIONS, PREFIX
from llmroute_cli.quality.metrics import verdict as brief_verdict

VERDICT = re.compile(r"\[\[([ABC])\]\]")


@dataclass(frozen=True, slots=True)
class JudgeVerdict:
    """One judged request: the verdict mapped back through the swap."""

    request_id: str
    tier: str
    rule: str | None
    position_a: str  # which answer the judge saw first: "cheap" or "expensive"
    picked: str  # the judge's raw verdict: "A", "B" or "C"
    verdict: str  # "expensive_better", "cheap_ok" or "tie"


@dataclass(frozen=True, slots=True)
class JudgeFailure:
    """A result line that gave no verdict: counted and shown, never dropped."""

    line: int
    custom_id: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "custom_id": self.custom_id, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class JudgeResults:
    verdicts: tuple[JudgeVerdict, ...]
    failures: tuple[JudgeFailure, ...]


def parse_judge_results(lines: Iterable[str], tiers: tuple[str, Collection[str]] | None = None) -> JudgeResults:
    """Read Batch API output lines; every line becomes a verdict or a failure with its reason.

    With ``tiers`` (the rule file's name and its tiers), a verdict on a tier the file lacks is a failure.
    """
    verdicts: list[JudgeVerdict] = []
    failures: list[JudgeFailure] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        cid, result = _parse_line(line)
        if isinstance(result, JudgeVerdict) and cid in seen:
            result = "a second result for this custom_id; the first one counts"
        if isinstance(result, JudgeVerdict) and tiers is not None and result.tier not in tiers[1]:
            result = f"tier '{result.tier}' is not in {tiers[0]} (tiers: {', '.join(tiers[1])}); not counted"
        if isinstance(result, JudgeVerdict):
            seen.add(str(cid))
            verdicts.append(result)
        else:
            failures.append(JudgeFailure(number, cid, result))
    return JudgeResults(tuple(verdicts), tuple(failures))


def _parse_line(line: str) -> tuple[str | None, JudgeVerdict | str]:
    """(custom_id, the verdict or why there is none)."""
    try:
        record = json.loads(line)
    except ValueError as exc:
        return None, f"not JSON: {exc}"
    cid = record.get("custom_id") if isinstance(record, dict) else None
    if not isinstance(cid, str):
        return None, "no custom_id"
    parts = cid.split(":")
    if len(parts) != 5 or parts[0] != PREFIX or parts[4] not in POSITIONS:
        return cid, "custom_id was not written by llmroute sample (expected llmroute-judge:ID:TIER:RULE:A=...)"
    content, problem = reply_content(record)
    found = VERDICT.findall(content or "")
    if problem or not found:
        return cid, problem or "no verdict [[A]], [[B]] or [[C]] in the judge's answer"
    rid, tier, rule = (unquote(p) for p in parts[1:4])
    position_a = POSITIONS[parts[4]]
    return cid, JudgeVerdict(rid, tier, rule or None, position_a, found[-1], _verdict(found[-1], position_a))


def reply_content(record: dict[str, Any], verdict: bool = True) -> tuple[str | None, str | None]:
    """(the judge's message text, None) or (None, why there is none)."""
    error = record.get("error")
    if error:
        if not isinstance(error, dict):
            return None, f"batch error: {error}"
        code = error.get("code")
        return None, f"batch error{f' {code}' if code else ''}: {error.get('message', '')}"
    response = record.get("response")
    body = response.get("body") if isinstance(response, dict) else None
    if not isinstance(response, dict) or not isinstance(body, dict):
        return None, "no response body"
    status = response.get("status_code", 200)
    if status != 200:
        detail = body.get("error", {}).get("message", "") if isinstance(body.get("error"), dict) else ""
        return None, f"HTTP {status}: {detail}" if detail else f"HTTP {status}"
    try:
        choice = body["choices"][0]
        content = choice["message"]["content"]
    except (KeyError, IndexError, TypeError):
        return None, "no choices[0].message.content in the response"
    if not isinstance(content, str):
        return None, "the judge's message has no text content"
    if verdict and not VERDICT.search(content) and choice.get("finish_reason") == "length":
        return None, "no verdict: the answer was cut off at max_tokens"
    return content, None


def _verdict(picked: str, position_a: str) -> str:
    if picked == "C":
        return "tie"
    winner = position_a if picked == "A" else ("cheap" if position_a == "expensive" else "expensive")
    return "expensive_better" if winner == "expensive" else "cheap_ok"


# --- the report -------------------------------------------------------------------------------------

Z95 = 1.959963984540054  # the 97.5% quantile of the standard normal: statistics.NormalDist().inv_cdf(0.975)


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for a proportion: (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)."""
    if n == 0:
        return None
    p, z2 = successes / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True, slots=True)
class JudgeShare:
    """Of the judged requests, the share where the judge preferred the expensive answer (ties count as not)."""

    judged: int
    expensive_better: int
    cheap_ok: int
    tie: int

    @property
    def share(self) -> float | None:
        return self.expensive_better / self.judged if self.judged else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.expensive_better, self.judged)

    @property
    def verdict(self) -> str | None:
        return brief_verdict(self.share)

    def to_dict(self) -> dict[str, Any]:
        low, high = self.interval or (None, None)
        return {
            "judged": self.judged,
            "expensive_better": self.expensive_better,
            "cheap_ok": self.cheap_ok,
            "tie": self.tie,
            "share": self.share,
            "low": low,
            "high": high,
            "verdict": self.verdict,
        }


def _share(verdicts: Iterable[JudgeVerdict]) -> JudgeShare:
    kinds = [v.verdict for v in verdicts]
    return JudgeShare(len(kinds), kinds.count("expensive_better"), kinds.count("cheap_ok"), kinds.count("tie"))


@dataclass(frozen=True, slots=True)
class JudgeReport:
    """The judge's verdicts: overall, per tier and per rule, with every unusable answer listed."""

    overall: JudgeShare
    tiers: dict[str, JudgeShare]
    rules: tuple[tuple[str | None, JudgeShare], ...]  # None is the default tier
    failures: tuple[JudgeFailure, ...]
    first_position_share: float | None  # of the non-tie verdicts, the share picking answer A: position bias
    both_orders: int = 0  # requests judged with each answer first: counted once
    inconsistent: int = 0  # of those, the ones whose two verdicts disagree: counted as a tie

    def to_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.to_dict(),
            "both_orders": self.both_orders,
            "inconsistent": self.inconsistent,
            "tiers": {t: s.to_dict() for t, s in self.tiers.items()},
            "rules": [{"rule": r, **s.to_dict()} for r, s in self.rules],
            "unparsed": len(self.failures),
            "failures": [f.to_dict() for f in self.failures],
            "first_position_share": self.first_position_share,
        }


def judge_report(results: JudgeResults) -> JudgeReport:
    """Shares where the expensive answer won, with Wilson 95% intervals and the brief's verdict."""
    verdicts, twice, inconsistent = per_request(results.verdicts)
    if not verdicts and not results.failures:
        raise LlmrouteError("no judge results in the file; pass the Batch API output file (one JSON object a line)")
    tiers: dict[str, list[JudgeVerdict]] = {}
    rules: dict[str | None, list[JudgeVerdict]] = {}
    for v in verdicts:
        tiers.setdefault(v.tier, []).append(v)
        rules.setdefault(v.rule, []).append(v)
    decided = [v.picked for v in results.verdicts if v.picked != "C"]  # every judgment, for position bias
    return JudgeReport(
        _share(verdicts),
        {t: _share(vs) for t, vs in tiers.items()},
        tuple((r, _share(vs)) for r, vs in rules.items()),
        results.failures,
        decided.count("A") / len(decided) if decided else None,
        twice,
        inconsistent,
    )


def per_request(verdicts: Iterable[JudgeVerdict]) -> tuple[list[JudgeVerdict], int, int]:
    """One verdict per request: one judged in both orders counts once, as a tie when the orders disagree
    (MT-Bench's rule for a verdict that flips with the answers' positions); how many were, and disagreed."""
    at: dict[str, int] = {}
    out: list[JudgeVerdict] = []
    twice = inconsistent = 0
    for v in verdicts:
        i = at.get(v.request_id)
        if i is None:
            at[v.request_id] = len(out)
            out.append(v)
            continue
        twice += 1
        if out[i].verdict != v.verdict:
            inconsistent += 1
            out[i] = dataclasses.replace(out[i], verdict="tie")
    return out, twice, inconsistent
