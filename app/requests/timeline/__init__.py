"""The request timeline: every step, written by each feature and told in the reader's language."""
