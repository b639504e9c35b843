"""The web station: the ticket's page on the customer's phone (`kiosk run web`).

- `page.py`  what a ticket's page says, in Chinese and English (pure, no web framework)
- `hub.py`   one change-feed reader for the whole station, fanned out to every page
- `app.py`   the Starlette application: the pages, the live stream, "leave my place",
             `/healthz`, the per-client rate limit
- `server.py` uvicorn around it, and the station's heartbeat
"""
