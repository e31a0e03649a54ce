"""Route logged requests chunk by chunk and total what each tier and rule would cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmroute_cli.engine.router import Router
from llmroute_cli.errors import LlmrouteError, OptionError
from llmroute_cli.logs.ids import row_ids
from llmroute_cli.pricing.book import PriceBook, tiers_by_price
from llmroute_cli.pricing.costing import Tokens, long_context_rows, request_costs
from llmroute_cli.pricing.money import units
from llmroute_cli.pricing.windows import FITS, windows
from llmroute_cli.quality.labels import QualitySpec, outcome
from llmroute_cli.quality.metrics import QualityAccumulator
from llmroute_cli.simulate.context import count_too_long
from llmroute_cli.simulate.latency import chunk_of, summarize
from llmroute_cli.simulate.logged import LoggedModels, logged_models, unpriced_error
from llmroute_cli.simulate.result import PricedBy, SimulationResult, frozen_totals
from llmroute_cli.simulate.totals import Totals
from llmroute_cli.simulate.usage import output_stats, token_arrays
from llmroute_cli.simulate.weights import poisson_ones
from llmroute_cli.tokens.counter import TokenCounter

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

DEFAULT_OUTPUT_RATIO = 0.25
MAX_TOKENS = 10**9  # per request, as the log reader bounds logged counts
MAX_RATIO = 1000.0
MAX_BOOTSTRAP = 10_000
BOOTSTRAP_BLOCKS = 1_000
_NO_LIMIT = 2**62  # a cascade first tier whose window is not known: every request fits it


@dataclass(frozen=True, slots=True)
class SimulateOptions:
    """How to fill gaps in the logs, price moved requests, and measure uncertainty."""

    output_tokens: int | None = None
    output_ratio: float = DEFAULT_OUTPUT_RATIO
    output_ratio_given: bool = False
    model_output_ratios: dict[str, float] = field(default_factory=dict)
    baseline_tier: str | None = None
    cold_cache: bool = False
    batch: bool = False
    bootstrap: int = 200
    seed: int = 0
    verifier_errors: tuple[float, ...] = (0.1, 0.2, 0.4)  # a cascade's escalation wrong this often

    def __post_init__(self) -> None:
        if self.output_tokens is not None and self.output_ratio_given:
            raise OptionError("output_tokens", "give {option} or an output ratio, not both")
        if self.output_tokens is not None and not 0 <= self.output_tokens <= MAX_TOKENS:
            raise OptionError("output_tokens", f"{{option}} must be 0 to {MAX_TOKENS:,}, got {self.output_tokens}")
        for name, ratio in [("", self.output_ratio), *self.model_output_ratios.items()]:
            if not 0 <= ratio <= MAX_RATIO:  # also refuses NaN
                shown = f"{name}={ratio:g}" if name else f"{ratio:g}"
                raise OptionError("output_ratio", f"{{option}} must be a number from 0 to {MAX_RATIO:g}, got {shown}")
        for name in ("bootstrap", "seed"):
            if getattr(self, name) < 0:
                raise OptionError(name, f"{{option}} must be 0 or more, got {getattr(self, name)}")
        if not all(0 <= e <= 1 for e in self.verifier_errors):  # also refuses NaN
            shown = ",".join(f"{e:g}" for e in self.verifier_errors)
            raise OptionError("verifier_error", f"{{option}} takes shares from 0 to 1, got {shown}")
        if self.bootstrap > MAX_BOOTSTRAP:
            raise OptionError("bootstrap", f"{{option}} must be at most {MAX_BOOTSTRAP:,}, got {self.bootstrap}")


def cascade_pairs(policy: Any) -> list[tuple[int, int]]:
    """(escalated slot, kept slot) of each cascade rule pair; the default slot is the last."""
    from llmroute_cli.rules.policy import ESCALATED

    names = [r.name for r in policy.rules]
    pairs = []
    for i, rule in enumerate(policy.rules):
        if rule.first is None:
            continue
        base = rule.name.removesuffix(ESCALATED)
        kept = len(names) if base == "(default)" else names.index(base, i + 1)
        pairs.append((i, kept))
    return pairs


class Simulation:
    """Feed it chunks of requests (``add``); read the totals when done."""

    def __init__(
        self, router: Router, prices: PriceBook, options: SimulateOptions, counter: TokenCounter | None = None
    ) -> None:
        import numpy as np

        self.router, self.prices, self.options = router, prices, options
        self.counter = counter or TokenCounter(router.policy.tokenizer)
        policy = router.policy
        self.baseline_tier = options.baseline_tier or tiers_by_price(policy, prices)[-1]
        if self.baseline_tier not in policy.tiers:
            tiers = ", ".join(policy.tiers)
            raise LlmrouteError(f"unknown baseline tier '{self.baseline_tier}'; expected one of: {tiers}")
        self.slot_tiers = [r.tier for r in policy.rules] + [policy.default]
        self.slot_models = np.array([self.key(policy.tiers[t]) for t in self.slot_tiers], dtype=object)
        tier_keys = [self.key(m) for m in policy.tiers.values()]  # a too-long request may go to any model tier
        self.models = list(dict.fromkeys(self.slot_models.tolist() + tier_keys))
        self.slot_codes = np.array([self.models.index(m) for m in self.slot_models], dtype=np.intp)
        self.windows = windows(policy, prices)
        self.tier_codes = np.array([self.models.index(k) for k in tier_keys], dtype=np.intp)
        firsts = [self.key(policy.tiers[r.first]) if r.first else None for r in policy.rules] + [None]
        self.first_models = list(dict.fromkeys(m for m in firsts if m is not None))
        self.first_codes = np.array([-1 if m is None else self.first_models.index(m) for m in firsts], dtype=np.intp)
        self.slot_firsts = firsts
        first_windows = [self.windows.window(r.first) if r.first else None for r in policy.rules] + [None]
        self.first_windows = np.array([_NO_LIMIT if w is None else w for w in first_windows], dtype=np.int64)
        thens: list[str | None] = [None] * len(firsts)  # a kept slot: the model its escalated partner would have called
        for i, kept in cascade_pairs(policy):
            thens[kept] = self.key(policy.tiers[policy.rules[i].tier])
        self.then_models = list(dict.fromkeys(m for m in thens if m is not None))
        self.then_codes = np.array([-1 if m is None else self.then_models.index(m) for m in thens], dtype=np.intp)
        self.baseline_model = self.key(router.model(self.baseline_tier))
        self.ratios = {self.key(m): r for m, r in options.model_output_ratios.items()}
        slots = len(self.slot_tiers)
        zeros = lambda: np.zeros(slots, dtype=np.int64)  # noqa: E731
        self.totals = Totals(
            queries=zeros(),
            input_tokens=zeros(),
            output_tokens=zeros(),
            cost_units=[0] * slots,
            first_units=[0] * slots,
            then_units=[0] * slots,
        )
        self.logged_keys: dict[str, str | None] = {}  # logged model → price key (None: left out)
        self.quality: QualityAccumulator | None = None
        self.rng = np.random.default_rng(options.seed)
        self.replicates = np.zeros((options.bootstrap, 3))  # routed incl. overhead, baseline, as logged

    def __getstate__(self) -> dict[str, Any]:
        """A part's state, to send back from a worker: its token cache stays there."""
        return {**self.__dict__, "counter": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def result(self) -> SimulationResult:
        """The frozen record of the totals so far, for reports."""
        import numpy as np

        if self.totals.unknown_models:
            raise unpriced_error(self.totals.unknown_models)
        quality, problem = None, None
        if self.quality is not None:
            try:
                quality = self.quality.result()
            except LlmrouteError as exc:
                problem = str(exc)
        replicates = np.array(self.replicates)
        replicates.flags.writeable = False
        return SimulationResult(
            self.router.policy,
            self.options,
            self.counter.encoding_name,
            tuple(self.slot_tiers),
            tuple(self.slot_models.tolist()),
            self.baseline_tier,
            frozen_totals(self.totals),
            replicates,
            quality,
            problem,
            summarize(self.totals.latency, self.slot_models.tolist(), self.slot_firsts),
            self._tiers_at_base(),
            self._priced_by(),
            self.windows,
        )

    def _priced_by(self) -> tuple[PricedBy, ...]:
        """The price entry of each tier model and each priced logged model, tiers first, each model once."""
        from llmroute_cli.pricing.prices import WRITTEN, entry_provider, preferred_provider, serves_model

        named = {m: self.key(m) for m in self.router.policy.tiers.values()}
        named |= {m: k for m, k in sorted(self.logged_keys.items()) if k is not None and m not in named}
        out = []
        for model, key in named.items():
            price, base = self.prices.at(key), self.prices.at_base(key)
            wanted = preferred_provider(model, self.prices.provider)
            missed = wanted if wanted and price.source not in WRITTEN and not serves_model(key, price, wanted) else None
            out.append(PricedBy(model, key, price.where(), entry_provider(base or key, price), missed))
        return tuple(out)

    def _tiers_at_base(self) -> tuple[tuple[str, str], ...]:
        """(tier, base model) of each tier whose model is a fine-tune priced as its base, for want of its own price."""
        bases = ((tier, self.prices.at_base(self.key(model))) for tier, model in self.router.policy.tiers.items())
        return tuple((tier, base) for tier, base in bases if base is not None)

    def merge(self, other: Simulation) -> None:
        """Add another simulation of other requests under the same policy (a shard of the logs)."""
        self.totals.merge(other.totals)
        self.replicates += other.replicates
        self.logged_keys |= {m: k for m, k in other.logged_keys.items() if m not in self.logged_keys}
        if other.quality is not None:
            if self.quality is None:
                self.quality = other.quality
            else:
                self.quality.merge(other.quality)

    def key(self, model: str) -> str:
        """The price-table name of a model (aliases resolved); unknown models are an error."""
        return self.prices.key(model)

    def decide(self, chunk: pd.DataFrame) -> pd.DataFrame:
        """Route one chunk, add it to the totals, return its per-request decisions."""
        frame, idx, tokens, out, cost = self._route(chunk)
        made = self._decisions(frame, idx)
        made["input_tokens"], made["output_tokens"], made["cost_usd"] = tokens.input, out, cost
        return made

    def add(self, chunk: pd.DataFrame) -> None:
        """Route one chunk and add it to the totals, without building its decisions (cheaper)."""
        self._route(chunk)

    def _route(self, chunk: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, Tokens, np.ndarray, np.ndarray]:
        import numpy as np

        self._span(chunk)
        chunk, logged = logged_models(chunk, self.prices, self.logged_keys, self.totals)
        frame, tokens, has_out = self._prepare(chunk)
        idx = self.router.rule_indices(frame)
        slot = np.where(idx < 0, len(self.slot_tiers) - 1, idx)
        dest = self.windows.destinations(self.slot_tiers, slot, tokens.input)
        targets = np.where(dest >= 0, self.tier_codes[np.maximum(dest, 0)], self.slot_codes[slot])
        cost, out = self._cost_on(self.models, targets, tokens, logged, count_moves=True)
        if (dest != FITS).any():  # what the requests too long for their tier cost there, for the difference
            routed = self._cost_on(self.models, self.slot_codes[slot], tokens, logged)[0]
            count_too_long(self.totals, self.windows.tiers, slot, dest, tokens.input, out, cost, routed)
        if self.first_models:  # a cascade's escalated requests were answered by its first tier too
            first = self._cost_on(self.first_models, self.first_codes[slot], tokens, logged)[0]
            unfit = (self.first_codes[slot] >= 0) & (tokens.input > self.first_windows[slot])
            if unfit.any():  # a first call too long for its model is refused, unbilled: only the second is priced
                first = np.where(unfit, 0, first)
                self.totals.first_too_long += int(np.count_nonzero(unfit))
            then = self._cost_on(self.then_models, self.then_codes[slot], tokens, logged)[0]
            cost = cost + first
            n = len(self.slot_tiers)
            t = self.totals
            t.first_units = [a + b for a, b in zip(t.first_units, units(first, slot, n), strict=True)]
            t.then_units = [a + b for a, b in zip(t.then_units, units(then, slot, n), strict=True)]
        base = self._cost_on([self.baseline_model], np.zeros(len(frame), dtype=np.intp), tokens, logged)[0]
        as_logged = self._logged_cost(tokens, logged)
        overhead = self._overhead(frame)
        self._accumulate(slot, tokens.input, out, cost, base, as_logged, overhead)
        self._observe(frame, tokens, slot, logged, has_out)
        self._time(frame, logged, slot)
        self._judge_quality(chunk, frame, idx)
        return frame, idx, tokens, out, cost

    def _time(self, frame: pd.DataFrame, logged: LoggedModels, slot: np.ndarray) -> None:
        """Keep the logged latencies of this chunk, with each request's logged model and slot."""
        import numpy as np

        if "latency_ms" not in frame:
            return
        ms = frame["latency_ms"].to_numpy(dtype=float, na_value=np.nan)
        chunk = chunk_of(ms, logged.codes, logged.names, slot)
        if chunk is not None:
            self.totals.latency.append(chunk)

    def _decisions(self, frame: pd.DataFrame, idx: np.ndarray) -> pd.DataFrame:
        """Id, tier, model and rule of each request."""
        made = self.router.decisions_from_indices(idx, frame.index)
        made.insert(0, "id", row_ids(frame))
        return made

    def _judge_quality(self, chunk: pd.DataFrame, frame: pd.DataFrame, idx: np.ndarray) -> None:
        """Count routed tier against needed tier for the requests that carry outcome labels."""
        if "labels" not in chunk:
            return
        mask = chunk["labels"].notna().to_numpy()
        if not mask.any():
            return
        if self.quality is None:
            self.quality = QualityAccumulator(QualitySpec.from_policy(self.router.policy, self.prices))
        labeled = self._decisions(frame[mask], idx[mask])
        tiers, labels = labeled["tier"].astype(str).tolist(), chunk["labels"][mask].tolist()
        rules, ids = labeled["rule"].tolist(), labeled["id"].tolist()
        good = [i for i, label in enumerate(labels) if self._usable(label, ids[i])]
        pick = lambda values: [values[i] for i in good]  # noqa: E731
        self.quality.add(pick(tiers), pick(labels), pick(rules), ids=pick(ids))

    def _usable(self, label: Any, ident: Any) -> bool:
        """A malformed label is skipped and counted, never fatal: the costs stand without it."""
        assert self.quality is not None
        try:
            outcome(label, self.quality.spec)
        except LlmrouteError as exc:
            self.totals.bad_labels += 1
            if self.totals.bad_label_example is None:
                self.totals.bad_label_example = f"request {ident!r}: {exc}"
            return False
        return True

    def _prepare(self, chunk: pd.DataFrame) -> tuple[pd.DataFrame, Tokens, np.ndarray]:
        frame = chunk.copy(deep=False)
        tokens, has_in, has_out = token_arrays(frame, self.counter, self.options)
        frame["input_tokens"] = tokens.input
        for name in self.router.token_fields - {"request"}:
            frame[f"{name}_tokens"] = self.counter.counts(_texts(frame, name))
        t = self.totals
        for reason, n in self.counter.take_approximated().items():
            t.approximated[reason] = t.approximated.get(reason, 0) + n
        t.input_logged += int(has_in.sum())
        t.output_logged += int(has_out.sum())
        t.cached_rows += int(((tokens.cache_read > 0) | (tokens.cache_write > 0)).sum())
        t.batch_rows += int(tokens.batch.sum())
        t.reasoning_tokens += int(tokens.reasoning.sum())
        return frame, tokens, has_out

    def _cost_on(
        self, models: list[str], targets: np.ndarray, tokens: Tokens, logged: LoggedModels, count_moves: bool = False
    ) -> Any:
        """Cost and billed output tokens of each request on its target model (``targets`` index ``models``)."""
        import numpy as np

        cost = np.zeros(len(targets))
        output = tokens.output.copy()
        for code, model in enumerate(models):
            rows = np.flatnonzero(targets == code)
            if len(rows) == 0:
                continue
            t = tokens if len(rows) == len(targets) else tokens.take(rows)
            moved = logged.moved(rows, model)
            t = self._moved(t, moved, model)
            cost[rows], output[rows] = request_costs(self.prices.at(model), t), t.output
            if count_moves:
                self.totals.moved += int(moved.sum())
                self.totals.long_context_rows += long_context_rows(self.prices.at(model), t)
        return cost, output

    def _moved(self, t: Tokens, moved: np.ndarray, model: str) -> Tokens:
        """Requests moved off their logged model: lose their cache (--cold-cache), rescale their output."""
        import numpy as np

        if not moved.any():
            return t
        read, write, out, reasoning = t.cache_read.copy(), t.cache_write.copy(), t.output.copy(), t.reasoning.copy()
        if self.options.cold_cache:
            read[moved], write[moved] = 0, 0
        ratio = self.ratios.get(model)
        if ratio is not None:
            out[moved] = np.rint(out[moved] * ratio).astype(np.int64)
            reasoning[moved] = np.minimum(np.rint(reasoning[moved] * ratio).astype(np.int64), out[moved])
        return Tokens(t.input, out, read, write, reasoning, t.batch)

    def _logged_cost(self, tokens: Tokens, logged: LoggedModels) -> np.ndarray:
        import numpy as np

        codes, t = logged.codes, self.totals
        cost = np.zeros(len(codes))
        counts = np.bincount(codes + 1, minlength=len(logged.names) + 1)  # [0] counts rows with no model
        for code, model in enumerate(logged.names):
            rows = np.flatnonzero(codes == code)
            cost[rows] = request_costs(self.prices.at(model), tokens.take(rows))
            t.logged_models[model] = t.logged_models.get(model, 0) + int(counts[code + 1])
            base = self.prices.at_base(model)
            if base is not None:
                t.fine_tunes_at_base[base] = t.fine_tunes_at_base.get(base, 0) + int(counts[code + 1])
        t.rows_with_model += len(codes) - int(counts[0])
        return cost

    def _overhead(self, frame: pd.DataFrame) -> np.ndarray:
        import numpy as np

        clf = self.router.policy.classifier
        if clf is None:
            return np.zeros(len(frame))
        tokens = np.full(len(frame), clf.prompt_tokens, dtype=np.int64)
        if clf.include_query:
            tokens += np.array(self.counter.counts(_texts(frame, "query")), dtype=np.int64)
        self.totals.overhead_tokens += int(tokens.sum()) + clf.output_tokens * len(frame)
        price = self.prices.price(clf.model)
        return (tokens * price.input + clf.output_tokens * price.output) * 1e-6

    def _accumulate(
        self,
        slot: np.ndarray,
        inp: np.ndarray,
        out: np.ndarray,
        cost: np.ndarray,
        base: np.ndarray,
        as_logged: np.ndarray,
        overhead: np.ndarray,
    ) -> None:
        import numpy as np

        t, n = self.totals, len(self.slot_tiers)
        t.queries += np.bincount(slot, minlength=n)
        t.input_tokens += np.bincount(slot, weights=inp, minlength=n).astype(np.int64)
        t.output_tokens += np.bincount(slot, weights=out, minlength=n).astype(np.int64)
        t.add_costs(units(cost, slot, n))
        t.baseline_units += units(base)[0]
        t.logged_units += units(as_logged)[0]
        t.overhead_units += units(overhead)[0]
        if self.options.bootstrap:
            self._resample(np.column_stack([cost + overhead, base, as_logged]))

    def _resample(self, values: np.ndarray) -> None:
        """Poisson bootstrap: each resample weighs each request (or block of consecutive requests) ~ Poisson(1).

        Chunks over BOOTSTRAP_BLOCKS requests are weighed in that many blocks of consecutive requests,
        which keeps the cost flat per chunk (drawing a weight per request per resample was the slowest
        step of a whole run)."""
        import numpy as np

        n = len(values)
        if n > BOOTSTRAP_BLOCKS:
            starts = np.linspace(0, n, BOOTSTRAP_BLOCKS, endpoint=False).astype(np.int64)
            values = np.add.reduceat(values, starts, axis=0)
        weights = poisson_ones(self.rng, (self.options.bootstrap, len(values)))
        self.replicates += weights @ values

    def _observe(
        self, frame: pd.DataFrame, tokens: Tokens, slot: np.ndarray, logged: LoggedModels, has_out: np.ndarray
    ) -> None:
        output_stats(self.totals.output_by_group, slot, logged.codes, logged.names, tokens.output, has_out)
        self.totals.rows_with_time += len(_timestamps(frame))

    def _span(self, chunk: pd.DataFrame) -> None:
        """Widen the logs' period to this chunk's timestamps, those of requests left out by skipped models too."""
        ts, t = _timestamps(chunk), self.totals
        if len(ts):
            t.first_ts, t.last_ts = min(t.first_ts, float(ts.min())), max(t.last_ts, float(ts.max()))
            t.timeline.add(ts)


def _timestamps(frame: pd.DataFrame) -> np.ndarray:
    import numpy as np

    if "timestamp" not in frame:
        return np.array([])
    ts = frame["timestamp"].to_numpy(dtype=float, na_value=np.nan)
    return ts[~np.isnan(ts)]


def _texts(frame: pd.DataFrame, column: str) -> list[str]:
    if column not in frame:
        return [""] * len(frame)
    return frame[column].fillna("").astype(str).tolist()


@dataclass(frozen=True, slots=True)
class Simulations:
    """Makes a Simulation of one policy for each part of the logs (``pipeline.read_and_route``'s ``make``):
    part ``n`` draws its bootstrap weights from its own seed, so the parts' draws do not repeat."""

    router: Router
    prices: PriceBook
    options: SimulateOptions

    def __call__(self, part: int, counter: TokenCounter | None = None) -> Simulation:
        import dataclasses

        seeded = dataclasses.replace(self.options, seed=self.options.seed + 1_000_003 * part)
        return Simulation(self.router, self.prices, seeded, counter)
