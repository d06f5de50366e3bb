"""The speller: targets, Bayesian fusion with the language-model prior, dynamic stopping, scanning."""
