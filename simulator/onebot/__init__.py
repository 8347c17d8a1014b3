"""The OneBot 11 layer, I/O-free: action registry, dispatch, codec, envelopes, events.

Imports the world; never imports trio, sockets or adapters.
"""
