"""Where timeline entries come from: one module per source, each a ``Source`` (see timeline/model.py).

timeline/build.py walks its list of sources; a new source (Slack, deployments ...) is one new module here
and one entry in that list.
"""
