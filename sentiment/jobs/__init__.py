"""Tagging jobs that outlive one request: a job store and the engines that work through its chunks."""
