"""One run's settings and plan: the options table, Config, the run context, the pure event → command plan,
the Result.
"""
