"""Running the bot: the application, update processing, pacing, webhook, persistence, failover."""
