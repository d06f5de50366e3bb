"""The language layer: local transformers, OpenAI-compatible HTTP and word-frequency backends."""
