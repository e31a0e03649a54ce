"""Token counts offline: the bundled encodings and the one chat-token formula."""
