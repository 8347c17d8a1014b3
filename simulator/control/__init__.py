"""The control plane: a local HTTP API to look at the world and act as its people.

Built only on ``Simulator``'s public surface; ``api.serve_control`` runs it.
"""

from .api import serve_control

__all__ = ["serve_control"]
