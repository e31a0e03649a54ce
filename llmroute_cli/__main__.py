from llmroute_cli.cli import run

run()
