"""Record a live session (the console, ``qqsim run --record FILE``) as a scenario file.

``sim.recorder`` (a ``ScenarioRecorder``): ``start()``, ``stop()``, ``edit(step, text_mode,
text)``, ``delete(step)``, ``yaml()``, ``save()``. What people do becomes steps, what the bot
does becomes expectations, and ids that change between runs become references
(``as: step3`` ... ``reply_to: step3``).
"""

from .draft import TEXT_MODES, DraftStep, Ref
from .recorder import RecordingError, ScenarioRecorder

__all__ = ["TEXT_MODES", "DraftStep", "RecordingError", "Ref", "ScenarioRecorder"]
