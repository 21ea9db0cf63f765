"""Citizen appeals (12345 诉求) and public opinion (舆情): intake, routing, replies, hot issues, warnings."""
