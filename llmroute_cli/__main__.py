from llmroute_cli.cli import app

app(prog_name="llmroute")
