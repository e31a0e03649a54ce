"""Build sample_data/ from real RouteLLM outcomes plus templated traffic.

Usage: ``python scripts/make_sample_data.py [OUT_DIR] [--source DIR]``.

A dev script, not part of the installed tool. Deterministic: same inputs and seed, byte-identical output.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from llmroute_cli.tokens.chat import chat_tokens
from llmroute_cli.tokens.encodings import count

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "routellm"
SEED = 20241104
START = int(datetime(2024, 11, 4, tzinfo=UTC).timestamp())  # a Monday, 00:00 UTC
DAY = 86_400
SMALL_ROWS = 200
JUDGE_LOG = "mtbench_judge_log.jsonl"
STRONG, WEAK = "gpt-4-1106-preview", "mistralai/Mixtral-8x7B-Instruct-v0.1"
SOURCE_MODEL = {"gpt-4o": STRONG, "gpt-4o-mini": WEAK}  # whose real outcome stands in for each tier
EXPENSIVE_SHARE = 0.70  # what the naive app logs today
MMLU_HISTORY = ("high_school_european_history", "high_school_world_history")
MMLU_KIND = {
    **dict.fromkeys(
        (
            "abstract_algebra",
            "elementary_mathematics",
            "college_physics",
            "high_school_statistics",
            "college_chemistry",
            "high_school_chemistry",
            "econometrics",
        ),
        "math",
    ),
    **dict.fromkeys(("formal_logic", "moral_scenarios"), "reasoning"),
    **dict.fromkeys(MMLU_HISTORY, "context-qa"),
}
MMLU_SHARE = {
    "formal_logic": 0.5,
    "college_computer_science": 0.35,
    "machine_learning": 0.35,
    "high_school_european_history": 0.3,
    "high_school_world_history": 0.3,
}
MMLU_DEFAULT_SHARE, MORAL_SCENARIOS_CAP = 0.14, 60
MT_KIND = {
    "writing": "writing",
    "roleplay": "writing",
    "humanities": "knowledge-qa",
    "stem": "knowledge-qa",
    "reasoning": "reasoning",
    "math": "math",
    "coding": "complex-code",
    "extraction": "extraction",
}
# Synthetic output lengths (tokens) per kind: log-uniform between the bounds.
COMPLETION = {
    "classification": (1, 12),
    "extraction": (30, 160),
    "reformat": (60, 400),
    "summary": (40, 180),
    "context-qa": (15, 120),
    "simple-code": (60, 400),
    "complex-code": (300, 1200),
    "long-context": (250, 900),
    "knowledge-qa": (5, 60),
    "math": (20, 250),
    "reasoning": (10, 120),
}
HELPFUL = "You are a helpful assistant."
SYSTEM = {
    "helpdesk": "You are the support assistant for Nimbus Cloud. Be concise, friendly and accurate.",
    "tutor": "You are a patient tutor. Answer the multiple-choice question with the letter of the correct option, "
    "then explain why in one or two sentences.",
    "code-assistant": "You are an expert software engineer. Answer with working code and brief explanations.",
    "research-assistant": "You are a research assistant. Answer only from the documents provided and cite the "
    "excerpt number for every claim.",
    "data-pipeline": "You are a data extraction service. Output valid JSON only, with no commentary.",
}


@dataclass
class Draft:
    """One request before it gets a time, a user and an id."""

    kind: str
    messages: list[dict[str, str]]
    source: dict[str, Any]
    completion_tokens: int | None = None
    labels: dict[str, Any] = field(default_factory=dict)


@dataclass
class Session:
    """Requests from one user in one app on one model; later drafts follow earlier ones by ``gaps`` seconds."""

    app: str
    model: str
    drafts: list[Draft]
    gaps: list[int] = field(default_factory=list)


# ---------------------------------------------------------------- real data


def load_mt_bench(source: Path) -> list[dict[str, Any]]:
    """MT-Bench questions with each model's score and answer per turn, from the judge's transcripts."""
    questions = {q["question_id"]: q for q in _jsonl(source / "mt_bench" / "question.jsonl")}
    for q in questions.values():
        q["scores"], q["answers"] = {}, {}
    for j in _jsonl(source / "mt_bench" / "judgements.jsonl"):
        q = questions[j["question_id"]]
        q["scores"][j["model"], j["turn"]] = float(j["score"])
        if j["turn"] == 2:
            q["answers"][j["model"]] = _answers(j["user_prompt"], q["turns"])
    return [questions[k] for k in sorted(questions)]


def _answers(prompt: str, turns: list[str]) -> tuple[str, str]:
    """Both assistant answers out of a multi-turn judge prompt, anchored on the known user turns."""
    start = prompt.index("<|The Start of Assistant A's Conversation with User|>")
    first = f"\n\n### User:\n{turns[0]}\n\n### Assistant A:\n"
    second = f"\n\n### User:\n{turns[1]}\n\n### Assistant A:\n"
    a, b = prompt.index(first, start), prompt.index(second, start)
    end = prompt.index("\n\n<|The End of Assistant A's Conversation with User|>", b)
    return prompt[a + len(first) : b], prompt[b + len(second) : end]


def load_mmlu(source: Path) -> dict[str, list[tuple[str, bool, bool]]]:
    """Subject → rows of (prompt, weak correct, strong correct); prompts hold quoted newlines."""
    out = {}
    for path in sorted((source / "mmlu").glob("mmlu_*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            rows = [(r["prompt"], r[WEAK] == "True", r[STRONG] == "True") for r in csv.DictReader(f)]
        out[path.stem.removeprefix("mmlu_")] = rows
    return out


def history_passages(mmlu: dict[str, list[tuple[str, bool, bool]]]) -> list[str]:
    """The distinct source excerpts that MMLU history questions quote, in file order."""
    found = []
    for subject in MMLU_HISTORY:
        for prompt, _, _ in mmlu[subject]:
            lines = prompt.split("\n")
            options = max(i for i, line in enumerate(lines) if line.startswith("A. "))
            found.append("\n".join(lines[1 : options - 1]))  # drop the preamble and the question line
    return list(dict.fromkeys(found))


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        yield from (json.loads(line) for line in f if line.strip())


# ---------------------------------------------------------------- labelled sessions


def mt_bench_sessions(rng: random.Random, questions: list[dict[str, Any]]) -> list[Session]:
    """Each MT-Bench question as a two-turn conversation; turn 2 carries the model's real turn-1 answer."""
    sessions = []
    for q in questions:
        model = _logged_model(rng)
        source_model = SOURCE_MODEL[model]
        answers = q["answers"][source_model]
        system = [{"role": "system", "content": HELPFUL}] if rng.random() < 0.6 else []
        first = system + [{"role": "user", "content": q["turns"][0]}]
        second = [*first, {"role": "assistant", "content": answers[0]}, {"role": "user", "content": q["turns"][1]}]
        drafts = [_mt_draft(q, turn, msgs, answers[turn - 1]) for turn, msgs in ((1, first), (2, second))]
        sessions.append(Session("chat", model, drafts, [rng.randint(45, 600)]))
    return sessions


def _mt_draft(q: dict[str, Any], turn: int, messages: list[dict[str, str]], answer: str) -> Draft:
    strong, weak = q["scores"][STRONG, turn], q["scores"][WEAK, turn]
    labels = {
        "needed": "expensive" if strong - weak >= 2 else "cheap",
        "scores": {"gpt-4o": strong, "gpt-4o-mini": weak},
    }
    source = {"dataset": "mt_bench", "question_id": q["question_id"], "category": q["category"], "turn": turn}
    return Draft(MT_KIND[q["category"]], messages, source, count(answer, "o200k_base"), labels)


def mmlu_sessions(rng: random.Random, mmlu: dict[str, list[tuple[str, bool, bool]]]) -> list[Session]:
    """A seeded sample of each MMLU subject, asked as-is in the study app."""
    sessions = []
    for subject, rows in mmlu.items():
        size = MORAL_SCENARIOS_CAP if subject == "moral_scenarios" else round(len(rows) * _mmlu_share(subject))
        for index in sorted(rng.sample(range(len(rows)), size)):
            prompt, weak, strong = rows[index]
            system = rng.choices([[SYSTEM["tutor"]], [HELPFUL], []], weights=[5, 3, 2])[0]
            messages = [{"role": "system", "content": s} for s in system] + [{"role": "user", "content": prompt}]
            labels = {
                "needed": "expensive" if strong and not weak else "cheap",
                "correct": {"gpt-4o": strong, "gpt-4o-mini": weak},
            }
            source = {"dataset": "mmlu", "subject": subject, "row": index}
            draft = Draft(MMLU_KIND.get(subject, "knowledge-qa"), messages, source, labels=labels)
            sessions.append(Session("tutor", _logged_model(rng), [draft]))
    return sessions


def _mmlu_share(subject: str) -> float:
    return MMLU_SHARE.get(subject, MMLU_DEFAULT_SHARE)


# ---------------------------------------------------------------- templated traffic (no real outcome, no labels)

TICKETS = [
    "I was charged twice for my {plan} subscription this month (order {order}). Please refund the duplicate.",
    "The export to CSV button does nothing in {browser}. I already cleared the cache.",
    "Could you add dark mode to the {surface}? Half my team works at night.",
    "I can't log in since I changed my email address; the reset link never arrives.",
    "Your API has been returning 502 on /v1/{endpoint} roughly every ten minutes since yesterday.",
    "How do I cancel before the renewal on {date}? I don't want to be billed again.",
    "Please delete my account and all data associated with it.",
    "Invoice {invoice} shows the wrong VAT number, can you reissue it?",
    "Is there a way to share a dashboard with someone outside my organisation?",
    "The app crashes every time I open the {surface} on Android 14.",
    "We need SSO with Okta for 40 seats. Is that on the {plan} plan?",
    "My card was declined but my bank says there is no problem on their side.",
    "Two-factor codes from the authenticator app are always rejected.",
    "Webhooks stopped firing after we rotated our signing secret on {date}.",
    "Can I get a copy of all invoices from last year in one PDF?",
    "The {surface} takes more than 30 seconds to load for our team in Singapore.",
    "Would love a keyboard shortcut to archive items, clicking is slow.",
    "how do i add a teammate?? cant find it anywhere",
]
REVIEWS = [
    "Setup took five minutes and support answered within the hour. Very happy so far.",
    "Works as advertised but the mobile app logs me out every single day.",
    "Overpriced for what it does. Switched back to spreadsheets after a week.",
    "The new {surface} is great, but exports are still painfully slow.",
    "Honestly the best tool we've adopted this year. The API docs are excellent.",
    "Billing charged me after I cancelled. Still waiting on a refund. Avoid.",
    "Decent product, clunky onboarding. Took our team a while to get it.",
    "Five stars. Reliable, fast, and the {plan} plan is worth every cent.",
    "It's fine. Nothing special, nothing broken.",
    "Crashes constantly on {browser}. Support told me to use a different browser??",
]
CLASSIFY = [
    (
        "helpdesk",
        "Classify this support ticket as one of: billing, bug, feature_request, account, how_to. "
        "Reply with the label only.\n\nTicket: {ticket}",
    ),
    (
        "helpdesk",
        "Which team should handle this ticket: payments, platform, mobile or customer_success? "
        "Answer with one word.\n\n{ticket}",
    ),
    ("helpdesk", "Rate the urgency of this ticket from 1 (low) to 4 (critical). Reply with the number.\n\n{ticket}"),
    ("data-pipeline", "Label the sentiment of this review as positive, negative or mixed.\n\nReview: {review}"),
    ("data-pipeline", "Does this review mention a bug? Answer yes or no.\n\n{review}"),
]
SIMPLE_CODE = [
    "How do I reverse a list in Python?",
    "What's the difference between let and const in JavaScript?",
    "How do I read a JSON file in Python?",
    "Regex to check that a string is a valid hex colour like #a1b2c3?",
    "How do I undo the last git commit but keep the changes?",
    "SQL: how do I select the top 3 rows per group?",
    "What does *args mean in a Python def?",
    "How do I parse a date string into a datetime in pandas?",
    "Bash one-liner to count the lines in all .py files in a folder?",
    "How do I center a div with flexbox?",
    "Why is 0.1 + 0.2 not equal to 0.3 in JavaScript?",
    "What's the time complexity of a dict lookup in Python?",
    "How do I pass an environment variable to docker run?",
    "What does an async function return in JS?",
    "What does this do? ```python\n[x for x in xs if x]\n```",
    "How do I sort a list of dicts by a key in Python?",
    "Difference between == and === in JavaScript?",
    "How do I check which process is using port 8080 on Linux?",
    "What is the difference between a list and a tuple in Python?",
    "How do I rename a column in a pandas DataFrame?",
    "Why does this print None?\n```python\ndef add(a, b):\n    print(a + b)\n\nprint(add(2, 3))\n```",
    "How do I write a function that returns two values in Go?",
    "What does `git stash pop` do?",
    "Convert a Unix timestamp to an ISO date in JavaScript?",
    "Is `function foo() {}` hoisted in JavaScript?",
    "How can I make a Python def accept only keyword arguments?",
    "What's a good .gitignore for a Python project?",
]
SNIPPETS = [
    """```python
def top_customers(path):
    rows = []
    with open(path) as f:
        for line in f.readlines()[1:]:
            parts = line.strip().split(",")
            rows.append({"id": parts[0], "amount": float(parts[2])})
    totals = {}
    for r in rows:
        if r["id"] not in totals.keys():
            totals[r["id"]] = 0
        for other in rows:
            if other["id"] == r["id"]:
                totals[r["id"]] += other["amount"]
    return sorted(totals.items(), key=lambda kv: kv[1], reverse=True)[:10]
```""",
    """```python
import threading

class Counter:
    def __init__(self):
        self.value = 0

    def incr(self):
        current = self.value
        self.value = current + 1

def worker(counter, n):
    for _ in range(n):
        counter.incr()

counter = Counter()
threads = [threading.Thread(target=worker, args=(counter, 100_000)) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(counter.value)
```""",
    """```javascript
async function fetchWithRetry(url, retries) {
  for (let i = 0; i <= retries; i++) {
    try {
      const res = await fetch(url);
      return res.json();
    } catch (e) {
      if (i == retries) throw e;
      setTimeout(() => {}, 1000 * 2 ** i);
    }
  }
}
```""",
    """```sql
SELECT c.id, c.name,
  (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.id AND o.status = 'paid') AS paid_orders,
  (SELECT SUM(o.total) FROM orders o WHERE o.customer_id = c.id AND o.status = 'paid') AS revenue,
  (SELECT MAX(o.created_at) FROM orders o WHERE o.customer_id = c.id) AS last_order
FROM customers c
WHERE c.created_at > NOW() - INTERVAL '2 years'
ORDER BY revenue DESC;
```""",
    """```go
var cache = map[string][]byte{}

func handler(w http.ResponseWriter, r *http.Request) {
    key := r.URL.Query().Get("key")
    if v, ok := cache[key]; ok {
        w.Write(v)
        return
    }
    v, err := fetchFromUpstream(key)
    if err != nil {
        http.Error(w, err.Error(), 500)
    }
    cache[key] = v
    w.Write(v)
}
```""",
    """```python
@app.route("/users")
def users():
    name = request.args.get("name", "")
    conn = sqlite3.connect("app.db")
    rows = conn.execute(f"SELECT id, name, email FROM users WHERE name LIKE '%{name}%'").fetchall()
    return jsonify([{"id": r[0], "name": r[1], "email": r[2]} for r in rows])
```""",
    """```tsx
function Search({ query }: { query: string }) {
  const [results, setResults] = useState([]);
  useEffect(() => {
    fetch(`/api/search?q=${query}`)
      .then((r) => r.json())
      .then((data) => setResults(data.items));
  }, []);
  return <ul>{results.map((r) => <li>{r.title}</li>)}</ul>;
}
```""",
    r'''```python
import re

def parse_duration(text):
    """Parse strings like '1h30m' or '45s' into seconds."""
    total = 0
    for amount, unit in re.findall(r"(\d+)([hms])", text):
        total += int(amount) * {"h": 3600, "m": 60}[unit]
    return total
```''',
]
CODE_ASKS = [
    "Refactor this to be easier to test, and add type hints:",
    "This is slow on a million rows. Find the bottleneck and rewrite it:",
    "There's a bug in here somewhere. Find it, explain it step by step, and fix it:",
    "Review this code for correctness and security problems:",
    "Write unit tests covering the edge cases of this code:",
    "Port this to Rust, keeping the behaviour identical:",
    "Explain what this does line by line, then suggest a cleaner implementation:",
]
CODE_TASKS = [
    "Implement an LRU cache in Python with O(1) get and put, without functools, plus unit tests.",
    "Design a token-bucket rate limiter in Go that is safe for concurrent use, and show how to test it.",
    "Write a TypeScript function that deep-merges two objects, handling arrays and cycles, with tests.",
    "Implement Dijkstra's algorithm in Python for a graph given as an adjacency dict, and explain the complexity.",
    "Write a Python async worker pool that processes a queue with retries, backoff and graceful shutdown.",
    "I need a SQL migration that splits a `name` column into first/last name without downtime on Postgres. Plan it.",
]
INVOICE = """From: billing@{domain}
Subject: Invoice {invoice}

Hello,

Please find attached invoice {invoice} dated {date} for {item}. The total due is {currency} {amount}, payable \
within 30 days to IBAN DE{iban}.

Kind regards,
{vendor} Accounts"""
EXTRACT = [
    "Extract vendor, invoice_number, date, total and currency from this email as JSON.\n\n{invoice_email}",
    "From this email, return JSON with keys amount (number) and due_in_days (number).\n\n{invoice_email}",
    "List every date and every amount of money mentioned below.\n\n{invoice_email}",
    "Pull the customer's order number and the product they mention out of this ticket, as JSON.\n\nTicket: {ticket}",
]
REFORMAT = [
    "Rewrite this reply to a customer in a more formal tone:\n\n{casual}",
    "Fix the grammar and spelling, keep the meaning:\n\n{casual}",
    "Turn these meeting notes into a bulleted list with owners:\n\n{notes}",
    "Convert this CSV into a JSON array of objects:\n\n{csv}",
    "Make this into a markdown table:\n\n{csv}",
]
CASUAL = [
    "hey! so yeah we looked at it and its a bug on our end, fix should land tmrw-ish. sorry bout that",
    "no worries, just refresh the page and it should be fine now. lmk if not",
    "we cant refund that one cause its past 30 days but i can give u a credit",
    "thx for waiting, the export thing is fixed. ur data is all there dont worry",
    "yeah so the {plan} plan doesnt have sso, youd need enterprise for that one",
]
NOTES = [
    "pricing page copy - Dana by Fri",
    "migrate billing cron to new queue (Raj)",
    "Q4 roadmap review moved to Tue",
    "flaky e2e tests - someone pls own",
    "customer call w/ Acme went ok, they want SSO",
    "hiring: 2 backend roles open, Mei to post",
    "incident 11/02 postmortem draft - Sam",
    "bump node to 20 in CI",
]
PEOPLE = ["Ana Lima", "Ben Okafor", "Chen Wei", "Dana Kowalski", "Eli Cohen", "Fatima Zahra", "Gus Berg", "Hana Sato"]
ROLES = ["engineer", "designer", "PM", "support", "sales", "finance"]
CONTEXT_QA = [
    "Who wrote this, and when?",
    "What is the author's main complaint?",
    "Which places are mentioned?",
    "Quote the sentence that best states the main idea.",
    "Is the author for or against the policy described?",
    "What does the author want the reader to do?",
    "Name the groups of people the excerpt mentions.",
]
SUMMARY = [
    "Summarise this excerpt in two sentences for a study guide:\n\n{passage}",
    "TL;DR please:\n\n{passage}",
    "Give me three bullet points on this:\n\n{passage}",
]
THREAD = [
    "Customer: {ticket}",
    "Agent: Thanks for reaching out! Could you share your account email?",
    "Customer: It's the one on the {plan} plan, same as the ticket.",
    "Agent: I've escalated this to {team}.",
    "Customer: Any update? This is blocking us.",
    "Agent: {team} found the cause, a fix ships today.",
]
SYNTHESIS = [
    "Compare the perspectives in these excerpts and group them by theme. Cite the excerpt numbers.",
    "Write a 500-word synthesis of how these sources describe the relationship between rulers and the ruled.",
    "Build a chronological timeline from the excerpts, one line per event, with the excerpt number.",
    "Which excerpts contradict each other? Explain each contradiction step by step.",
    "Draft an essay outline with a thesis supported by at least four of these excerpts.",
    "For each excerpt: author, date, and one-sentence summary. Then the two that are most alike, and why.",
    "What do these sources suggest about religion and state power? Argue both sides, citing excerpts.",
    "I'm writing a seminar paper on how ordinary people experienced political change. Using only these excerpts, "
    "identify three recurring tensions, quote the strongest evidence for each, and point out where the sources "
    "disagree or are unreliable.",
    "My professor wants a comparative analysis, not a summary. Pick the two excerpts that are furthest apart in "
    "time, explain what changed between them and what stayed the same, and support every point with a short "
    "quotation and the excerpt number.",
    "Rank these excerpts by how useful they would be as evidence for an argument about economic causes of "
    "revolution. Justify each ranking in two or three sentences, and flag any excerpt whose author has an "
    "obvious bias.",
]
VENDORS = ["Brightline Logistics", "Kestrel Office Supply", "Nordwind GmbH", "Orchard Legal LLP"]
SLOTS: dict[str, Callable[[random.Random], str]] = {
    "plan": lambda r: r.choice(["Starter", "Team", "Business"]),
    "order": lambda r: f"#{r.randint(100000, 999999)}",
    "browser": lambda r: r.choice(["Chrome", "Safari", "Firefox", "Edge"]),
    "surface": lambda r: r.choice(["dashboard", "reports page", "settings screen", "activity feed"]),
    "endpoint": lambda r: r.choice(["events", "exports", "users", "invoices"]),
    "date": lambda r: f"2024-{r.randint(9, 12):02d}-{r.randint(1, 28):02d}",
    "invoice": lambda r: f"INV-{r.randint(2024000, 2024999)}",
    "team": lambda r: r.choice(["our payments team", "the platform team", "engineering"]),
    "ticket": lambda r: _fill(r, r.choice(TICKETS)),
    "review": lambda r: _fill(r, r.choice(REVIEWS)),
}


def _fill(rng: random.Random, template: str, **given: str) -> str:
    names = [n for _, n, _, _ in string.Formatter().parse(template) if n]
    values = {n: given[n] if n in given else SLOTS[n](rng) for n in names}
    return template.format(**values)


def _user(rng: random.Random, app: str, text: str, system: float = 0.5) -> list[dict[str, str]]:
    head = [{"role": "system", "content": SYSTEM[app]}] if rng.random() < system else []
    return [*head, {"role": "user", "content": text}]


def _templated(kind: str, messages: list[dict[str, str]], template: str | None = None) -> Draft:
    return Draft(kind, messages, {"dataset": "template", "template": template or kind})


def classification(rng: random.Random) -> tuple[str, Draft]:
    app, template = rng.choice(CLASSIFY)
    return app, _templated("classification", _user(rng, app, _fill(rng, template), 0.3), "classify")


def extraction(rng: random.Random) -> tuple[str, Draft]:
    vendor = rng.choice(VENDORS)
    email = _fill(
        rng,
        INVOICE,
        vendor=vendor,
        domain=vendor.split()[0].lower() + ".com",
        item=rng.choice(["Q3 consulting", "office chairs (x12)", "freight, Oct", "cloud hosting"]),
        currency=rng.choice(["EUR", "USD", "GBP"]),
        amount=f"{rng.randint(120, 48000):,}.{rng.randint(0, 99):02d}",
        iban=str(rng.randint(10**19, 10**20 - 1)),
    )
    text = _fill(rng, rng.choice(EXTRACT), invoice_email=email)
    return "data-pipeline", _templated("extraction", _user(rng, "data-pipeline", text, 0.8), "extract")


def reformat(rng: random.Random) -> tuple[str, Draft]:
    rows = rng.sample(PEOPLE, rng.randint(3, 6))
    table = "name,role,email\n" + "\n".join(f"{p},{rng.choice(ROLES)},{p.split()[0].lower()}@example.com" for p in rows)
    text = _fill(
        rng,
        rng.choice(REFORMAT),
        casual=_fill(rng, rng.choice(CASUAL)),
        csv=table,
        notes="\n".join(f"- {n}" for n in rng.sample(NOTES, rng.randint(3, 6))),
    )
    app = rng.choice(["helpdesk", "chat"])
    if app == "chat":
        return app, _templated("reformat", [{"role": "system", "content": HELPFUL}, {"role": "user", "content": text}])
    return app, _templated("reformat", _user(rng, app, text))


def summary(rng: random.Random, passages: list[str]) -> tuple[str, Draft]:
    if rng.random() < 0.5:
        thread = "\n".join(_fill(rng, line) for line in THREAD[: rng.randint(3, len(THREAD))])
        text = _fill(rng, "Summarise this ticket thread in two sentences for the handoff note:\n\n{t}", t=thread)
        return "helpdesk", _templated("summary", _user(rng, "helpdesk", text), "summarise-thread")
    text = _fill(rng, rng.choice(SUMMARY), passage=rng.choice(passages))
    return "research-assistant", _templated("summary", [{"role": "user", "content": text}], "summarise-excerpt")


def context_qa(rng: random.Random, passages: list[str]) -> tuple[str, Draft]:
    system = (
        'Answer the question using only the excerpt below. If the excerpt doesn\'t say, reply "Not stated."'
        f"\n\nExcerpt:\n{rng.choice(passages)}"
    )
    messages = [{"role": "system", "content": system}, {"role": "user", "content": rng.choice(CONTEXT_QA)}]
    return "research-assistant", _templated("context-qa", messages, "excerpt-qa")


def simple_code(rng: random.Random) -> tuple[str, Draft]:
    text = rng.choice(["", "", "quick q: ", "pls help - "]) + rng.choice(SIMPLE_CODE)
    return "code-assistant", _templated("simple-code", _user(rng, "code-assistant", text), "code-question")


def complex_code(rng: random.Random) -> tuple[str, Draft]:
    task = rng.random() < 0.25
    text = rng.choice(CODE_TASKS) if task else f"{rng.choice(CODE_ASKS)}\n\n{rng.choice(SNIPPETS)}"
    return "code-assistant", _templated("complex-code", _user(rng, "code-assistant", text, 0.7), "code-task")


def long_context(rng: random.Random, passages: list[str]) -> tuple[str, Draft]:
    target, chosen = rng.uniform(8_300, 12_500), []
    for passage in rng.sample(passages, len(passages)):
        chosen.append(f"Excerpt {len(chosen) + 1}:\n{passage}")
        if sum(map(len, chosen)) > target:
            break
    document, ask = "\n\n".join(chosen), rng.choice(SYNTHESIS)
    if rng.random() < 0.6:
        head = [{"role": "system", "content": f"{SYSTEM['research-assistant']}\n\nDOCUMENTS\n\n{document}"}]
    else:
        head = [{"role": "user", "content": f"Here are the sources for my essay:\n\n{document}"}]
    messages = [*head, {"role": "user", "content": ask}]
    return "research-assistant", _templated("long-context", messages, "synthesis")


def template_sessions(rng: random.Random, passages: list[str]) -> list[Session]:
    """Templated requests of each cheap- and expensive-suitable kind the routing brief lists."""
    makers: list[tuple[int, Callable[[], tuple[str, Draft]]]] = [
        (370, lambda: classification(rng)),
        (120, lambda: extraction(rng)),
        (150, lambda: reformat(rng)),
        (140, lambda: summary(rng, passages)),
        (100, lambda: context_qa(rng, passages)),
        (250, lambda: simple_code(rng)),
        (120, lambda: complex_code(rng)),
        (100, lambda: long_context(rng, passages)),
    ]
    sessions = []
    for n, make in makers:
        for _ in range(n):
            app, draft = make()
            sessions.append(Session(app, _logged_model(rng), [draft]))
    return sessions


# ---------------------------------------------------------------- time, users, records

# Relative traffic by UTC hour: office hours for most apps, evenings for the study app.
OFFICE = [2, 1, 1, 1, 1, 2, 3, 6, 10, 15, 18, 18, 14, 16, 18, 17, 14, 10, 7, 6, 6, 5, 4, 3]
EVENING = [3, 2, 1, 1, 1, 1, 2, 3, 5, 6, 7, 8, 8, 9, 10, 12, 14, 16, 18, 18, 16, 12, 8, 5]


def created_at(rng: random.Random, app: str) -> int:
    """A timestamp in the week: the pipeline runs nightly at 01:00-03:00, people work by day, less at weekends."""
    if app == "data-pipeline":
        return START + rng.randrange(7) * DAY + rng.randrange(3_600, 3 * 3_600)
    weekend = 0.8 if app == "tutor" else 0.4
    day = rng.choices(range(7), weights=[1, 1, 1, 1, 1, weekend, weekend])[0]
    hour = rng.choices(range(24), weights=EVENING if app == "tutor" else OFFICE)[0]
    return START + day * DAY + hour * 3_600 + rng.randrange(3_600)


def make_users(rng: random.Random, n: int = 400) -> list[dict[str, str]]:
    plans = rng.choices(["free", "pro", "enterprise"], weights=[6, 3, 1], k=n)
    return [{"id": f"u_{i:04d}", "plan": plan} for i, plan in enumerate(plans)]


def records(rng: random.Random, sessions: list[Session], users: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Each draft as a logged chat completion, ordered by time."""
    weights = [1 / (rank + 1) ** 0.7 for rank in range(len(users))]  # a few heavy users, a long tail
    service = {"id": "svc_etl", "plan": "enterprise"}
    out = []
    for s in sessions:
        user = service if s.app == "data-pipeline" else rng.choices(users, weights=weights)[0]
        t = min(created_at(rng, s.app), START + 7 * DAY - 1 - sum(s.gaps))  # follow-ups stay inside the week
        for draft, gap in zip(s.drafts, [0, *s.gaps], strict=True):
            t += gap
            out.append(_record(rng, draft, s, dict(user), t))
    return sorted(out, key=lambda r: (r["created"], r["id"]))


def _record(rng: random.Random, draft: Draft, s: Session, user: dict[str, str], created: int) -> dict[str, Any]:
    prompt = chat_tokens(draft.messages, "o200k_base")
    completion = draft.completion_tokens if draft.completion_tokens is not None else _synthetic_output(rng, draft.kind)
    chars = string.ascii_letters + string.digits
    return {
        "id": "chatcmpl-" + "".join(rng.choices(chars, k=29)),
        "created": created,
        "model": s.model,
        "messages": draft.messages,
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        "metadata": {"app": s.app, "user": user},
        "kind": draft.kind,
        "source": draft.source,
        **draft.labels,
    }


def _synthetic_output(rng: random.Random, kind: str) -> int:
    low, high = COMPLETION[kind]
    return round(math.exp(rng.uniform(math.log(low), math.log(high))))


def _logged_model(rng: random.Random) -> str:
    return "gpt-4o" if rng.random() < EXPENSIVE_SHARE else "gpt-4o-mini"


# ---------------------------------------------------------------- main


def build(source: Path) -> list[dict[str, Any]]:
    """All records, from the RouteLLM snapshot at ``source``."""
    rng = random.Random(SEED)
    mt_bench, mmlu = load_mt_bench(source), load_mmlu(source)
    sessions = mt_bench_sessions(rng, mt_bench) + mmlu_sessions(rng, mmlu)
    sessions += template_sessions(rng, history_passages(mmlu))
    return records(rng, sessions, make_users(rng))


def judge_log(rows: list[dict[str, Any]], questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The MT-Bench rows, each with both models' real answers to its turn under ``answers``, for ``llmroute sample``."""
    answers = {q["question_id"]: q["answers"] for q in questions}
    out = []
    for row in rows:
        source = row["source"]
        if source["dataset"] == "mt_bench":
            both = answers[source["question_id"]]
            turn = source["turn"] - 1
            out.append({**row, "answers": {tier: both[model][turn] for tier, model in SOURCE_MODEL.items()}})
    return out


def write(rows: list[dict[str, Any]], out_dir: Path, judged: list[dict[str, Any]] | None = None) -> None:
    """chat_logs.jsonl, its first SMALL_ROWS lines as chat_logs_small.jsonl, and the judge log when given."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r, ensure_ascii=False) + "\n" for r in rows]
    (out_dir / "chat_logs.jsonl").write_text("".join(lines), encoding="utf-8", newline="\n")
    (out_dir / "chat_logs_small.jsonl").write_text("".join(lines[:SMALL_ROWS]), encoding="utf-8", newline="\n")
    if judged is not None:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in judged)
        (out_dir / JUDGE_LOG).write_text(text, encoding="utf-8", newline="\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", type=Path, default=ROOT / "sample_data")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="the RouteLLM data snapshot")
    args = parser.parse_args(argv)
    rows = build(args.source)
    judged = judge_log(rows, load_mt_bench(args.source))
    write(rows, args.out_dir, judged)
    print(f"wrote {len(rows)} rows and {len(judged)} judge-log rows to {args.out_dir}")


if __name__ == "__main__":
    main()
