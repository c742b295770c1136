"""The user's own labels: zero-shot classification through ModelScope, and classifiers taught from examples."""
