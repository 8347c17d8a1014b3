"""The control plane: a local HTTP API and web console to see the world, act as its
people, watch the wire, and run scenarios, faults and the clock.

    api.py             serving it: the listener, its Host checks; the app is built on
                       the first request (Quart is imported then, not at start-up)
    console_app.py     the Quart app, its guards, the console page, the stream route
    request_log.py     the requests the console lists, followed from start-up
    pages.py           reading the world a page at a time (people, groups, members, chats)
    listing.py         keeping every list answer under a megabyte
    acting.py          changing the world as a person (messages, joins, mutes, requests...)
    inspector.py       actions, frames, connections, a message's traffic, forwards, media
    session_routes.py  scenarios, faults and the clock
    stream.py          the live feed (/api/stream)
    views.py           JSON views of world and wire, and the traffic filter
    static/            the console: plain HTML, CSS and ES modules, no build step

Built only on ``Simulator``'s public surface; ``api.serve_control`` runs it.
"""

from .api import serve_control

__all__ = ["serve_control"]
