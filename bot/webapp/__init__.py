"""The Telegram Mini App: a page and a small JSON API on the bot's aiohttp server."""
