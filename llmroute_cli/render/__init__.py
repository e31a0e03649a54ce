"""Reports as text: rich tables, Markdown, CSV, traces, charts and HTML."""
