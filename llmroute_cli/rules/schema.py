"""The JSON Schema of the rule file, built from the same operator registry the validator uses."""

from __future__ import annotations

from typing import Any

from llmroute_cli.rules.conditions import COMPARISONS, COUNT_FIELDS, DAYS, FLAG_FIELDS, TEXT_FIELDS
from llmroute_cli.rules.parse import SIZE_FIELDS
from llmroute_cli.rules.policy import PRICE_KEYS, WINDOW_KEY
from llmroute_cli.tokens.encodings import ENCODINGS

SCHEMA_ID = "urn:llmroute:rule-file:v1"


def _defs() -> dict[str, Any]:
    number = {"type": "number"}
    scalar = {"type": ["string", "number", "boolean", "null"]}
    meta_ops = {op: number for op in COMPARISONS} | {
        "eq": scalar,
        "ne": scalar,
        "in": {"type": "array", "items": scalar},
        "nin": {"type": "array", "items": scalar},
        "exists": {"type": "boolean"},
    }
    keywords = {
        "oneOf": [
            {"type": "string"},
            {"$ref": "#/$defs/keyword_list"},
            {
                "type": "array",
                "items": {"oneOf": [{"type": "string"}, {"$ref": "#/$defs/keyword_list"}]},
                "minItems": 1,
            },
        ]
    }
    text = {
        "contains": keywords,
        "words": keywords,
        "regex": {"type": "string"},
        "ignore_case": {"type": "boolean"},
    }
    long_text = {
        "oneOf": [
            {"type": "string"},
            {
                "type": "object",
                "required": ["repeat", "times"],
                "properties": {"repeat": {"type": "string"}, "times": {"type": "integer", "minimum": 0}},
                "additionalProperties": False,
            },
        ]
    }
    return {
        "keyword_list": {
            "type": "object",
            "required": ["list"],
            "properties": {"list": {"type": "string", "description": "a name in keyword_lists"}},
            "additionalProperties": False,
        },
        "condition": {
            "type": "object",
            "description": "All entries must hold (implicit AND).",
            "properties": {
                "all": {"type": "array", "items": {"$ref": "#/$defs/condition"}},
                "any": {"type": "array", "items": {"$ref": "#/$defs/condition"}},
                "not": {"$ref": "#/$defs/condition"},
                **{f: {"$ref": "#/$defs/text"} for f in TEXT_FIELDS},
                **{f: {"$ref": "#/$defs/size"} for f in SIZE_FIELDS},
                "classifier": {"$ref": "#/$defs/classifier"},
                **{f: {"type": "boolean"} for f in FLAG_FIELDS},
                **{f: {"$ref": "#/$defs/size"} for f in COUNT_FIELDS},
                "model": {
                    "description": "the logged model: names or globs, case-sensitive",
                    "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}],
                },
                "time": {"$ref": "#/$defs/time"},
                "split": {"$ref": "#/$defs/split"},
            },
            "patternProperties": {r"^metadata\..+$": {"$ref": "#/$defs/meta"}},
            "additionalProperties": False,
        },
        "time": {
            "type": "object",
            "description": "the logged time: hours [START, END) and days, in tz (default UTC); no timestamp: false",
            "properties": {
                "hours": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 0, "maximum": 24},
                    "minItems": 2,
                    "maxItems": 2,
                },
                "days": {"type": "array", "items": {"enum": list(DAYS)}, "minItems": 1},
                "tz": {"type": "string"},
            },
            "additionalProperties": False,
            "minProperties": 1,
        },
        "split": {
            "type": "object",
            "description": "a seeded share: sha256(seed NUL (logged id, else query)) below percent",
            "required": ["percent", "seed"],
            "properties": {
                "percent": {"type": "number", "minimum": 0, "maximum": 100},
                "seed": {"type": ["string", "integer"]},
            },
            "additionalProperties": False,
        },
        "text": {"type": "object", "properties": text, "additionalProperties": False, "minProperties": 1},
        "size": {
            "type": "object",
            "properties": {op: number for op in COMPARISONS},
            "additionalProperties": False,
            "minProperties": 1,
        },
        "classifier": {
            "type": "object",
            "description": "P(needs the expensive tier) by a model `llmroute train` wrote; alone: >= its threshold.",
            "required": ["model"],
            "properties": {
                "model": {"type": "string", "description": "the model file, relative to this rule file"},
                **{op: {"type": "number", "minimum": 0, "maximum": 1} for op in ("lt", "lte", "gt", "gte")},
            },
            "additionalProperties": False,
        },
        "meta": {
            "oneOf": [
                scalar,
                {"type": "array", "items": scalar},
                {"type": "object", "properties": meta_ops, "additionalProperties": False, "minProperties": 1},
            ]
        },
        "price": {
            "type": "object",
            "required": ["input", "output"],
            "additionalProperties": False,
            "properties": {
                **{k: {"type": "number", "minimum": 0} for k in PRICE_KEYS},
                WINDOW_KEY: {"type": "integer", "minimum": 1, "description": "the model's context window for input"},
            },
        },
        "case": {
            "type": "object",
            "required": ["query", "tier"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string"},
                "query": long_text,
                "context": long_text,
                "metadata": {"type": "object"},
                "input_tokens": {"type": "integer", "minimum": 0},
                "model": {"type": "string"},
                "timestamp": {"type": ["string", "number"], "description": "ISO 8601 (naive is UTC) or unix seconds"},
                "id": {"type": "string"},
                "tier": {"type": "string"},
                "rule": {"type": ["string", "null"]},
            },
        },
    }


def rule_file_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of routes.yaml, for editors and CI."""
    defs = _defs()
    rule = {
        "type": "object",
        "required": ["name", "route"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "description": {"type": "string"},
            "when": {"$ref": "#/$defs/condition"},
            "route": {"type": "string"},
        },
    }
    properties = {
        "version": {"const": 1},
        "tokenizer": {"enum": list(ENCODINGS)},
        "tiers": {
            "type": "object",
            "minProperties": 1,
            "description": "tier name: a model, or a cascade {cascade: [FIRST, THEN], escalate: CONDITION}",
            "additionalProperties": {
                "oneOf": [
                    {"type": "string"},
                    {
                        "type": "object",
                        "required": ["cascade", "escalate"],
                        "additionalProperties": False,
                        "properties": {
                            "cascade": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2},
                            "escalate": {"$ref": "#/$defs/condition"},
                        },
                    },
                ]
            },
        },
        "default": {"type": "string"},
        "fallback": {
            "type": "string",
            "description": "the tier for a request too long for its routed tier's model (default: cheapest that fits)",
        },
        "prices": {"type": "object", "additionalProperties": {"$ref": "#/$defs/price"}},
        "classifier": {
            "type": "object",
            "required": ["model"],
            "additionalProperties": False,
            "properties": {
                "model": {"type": "string"},
                "prompt_tokens": {"type": "integer", "minimum": 0},
                "include_query": {"type": "boolean"},
                "output_tokens": {"type": "integer", "minimum": 0},
            },
        },
        "keyword_lists": {
            "type": "object",
            "description": "named keyword lists, used as {list: NAME} in contains and words",
            "additionalProperties": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
        },
        "rules": {"type": "array", "items": rule},
        "cases": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"$ref": "#/$defs/case"}}]},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "llmroute rule file",
        "type": "object",
        "required": ["tiers", "default"],
        "additionalProperties": False,
        "properties": properties,
        "$defs": defs,
    }
