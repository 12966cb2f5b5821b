"""The Slack edge: the only code that imports slack_sdk; reads an incident channel into plain data."""
