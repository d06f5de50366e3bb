"""The session engine: source -> processors -> decoder -> speller -> document."""
