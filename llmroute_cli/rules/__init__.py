"""The rule file as data: YAML with positions, the policy, conditions as written, cases, schema and lints."""
