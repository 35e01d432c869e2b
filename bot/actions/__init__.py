"""People's actions from Slack: recorded before they run, carried out once, their outcome never lost."""
