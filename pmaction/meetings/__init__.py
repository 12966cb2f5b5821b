"""The two meetings of the process: the post-mortem (run by a facilitator) and the review two months later."""
